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


def test_a_number_too_long_for_its_encrypted_column_is_refused_at_its_field(client, green_citizen):
    """A value that does not fit once sealed: a database error on Postgres (a 500), stored on
    SQLite. Every model form on an encrypted field says so at the field instead."""
    from family.models import Applicant
    from healthcode.models import User

    client.force_login(User.objects.create_superuser("root-admin", "", "Sturdy-pass-2026"))
    person = self_applicant(green_citizen)
    stored = person.phone, person.id_number
    form = {"account": green_citizen.pk, "relationship": "self", "name": person.name, "city": person.city_id}
    form |= {"health_code": person.health_code_id, "id_number": person.id_number, "phone": person.phone}
    for field, value in [("phone", "王" * 40), ("id_number", "1" * 102), ("phone", "é" * 60)]:
        response = client.post(f"/admin/family/applicant/{person.pk}/change/", form | {field: value})
        assert response.status_code == 200, (field, value)
        errors = response.context["adminform"].form.errors
        assert errors.get(field) == [
            "This is too long to store: at most 101 Latin letters or digits, or 33 Chinese characters."
        ], errors
        assert f'value="{value}"' in response.content.decode()
    person.refresh_from_db()
    assert (person.phone, person.id_number) == stored
    assert Applicant.objects.filter(pk=person.pk).exists()
