from django.contrib.auth.models import Permission

from family.services import self_applicant


def test_raw_applicant_admin_is_for_superusers_only(client, green_citizen):
    staff = green_citizen.__class__.objects.create_user("13600009999", password="Sturdy-pass-2026", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_applicant", "change_applicant"]))
    client.force_login(staff)
    pk = self_applicant(green_citizen).pk
    assert client.get(f"/admin/family/applicant/{pk}/change/").status_code in (302, 403, 404)
    assert client.get("/admin/family/applicant/").status_code == 403
    admin = green_citizen.__class__.objects.create_superuser("root-admin", "", "Sturdy-pass-2026")
    client.force_login(admin)
    assert client.get("/admin/family/applicant/").status_code == 200
