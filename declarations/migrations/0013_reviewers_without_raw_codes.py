"""The shared "Reviewers" group loses the raw health code permissions that `seed_demo` used to
give it (healthcode.view_healthcode, view_colourchange): every city's reviewers are in the group,
and a code knows no city. Reviewers read a person's colour history in the city-scoped People
admin; the raw code admin is for superusers (healthcode/admin.py)."""

from django.db import migrations

GROUP = "Reviewers"
RAW = ["view_healthcode", "view_colourchange"]


def remove_raw_code_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    raw = Permission.objects.filter(content_type__app_label="healthcode", codename__in=RAW)
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*raw)


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0012_dates_in_range"),
        ("healthcode", "0008_reason_parts_account_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(remove_raw_code_permissions, migrations.RunPython.noop)]
