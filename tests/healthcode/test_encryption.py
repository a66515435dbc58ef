"""ID and mobile numbers are encrypted at rest; lookups and uniqueness still work."""

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from family.models import Applicant
from family.services import self_applicant
from healthcode import crypto
from healthcode.models import User
from tests import factories


def _raw_rows():
    """Every text value in every table, as the database (and a dump of it) holds it."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # table names come from introspection
            for row in cursor.fetchall():
                yield table, " ".join(str(value) for value in row)


def test_no_full_number_is_stored_in_clear(green_citizen, django_capture_on_commit_callbacks):
    applicant = self_applicant(green_citizen)
    member = factories.member(green_citizen, phone="13911112222")
    secrets = [applicant.id_number, member.id_number, green_citizen.username, "13911112222", "13912345678"]
    found = [(table, secret) for table, text in _raw_rows() for secret in secrets if secret in text]
    assert found == [], found


def test_stored_form_carries_only_the_shown_hint(green_citizen):
    applicant = self_applicant(green_citizen)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM family_applicant WHERE id = %s", [applicant.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert stored_id.startswith(f"e1:{applicant.id_number[:4]}{applicant.id_number[-4:]}:")
    assert stored_phone.startswith(f"e1:{applicant.phone[:3]}{applicant.phone[-4:]}:")
    assert crypto.open_(stored_id) == applicant.id_number


def test_exact_and_hint_lookups_work_and_others_are_refused(green_citizen):
    applicant = self_applicant(green_citizen)
    number = applicant.id_number
    assert Applicant.objects.get(id_number=number) == applicant
    assert list(Applicant.objects.filter(id_number__hint=number[:4] + number[-4:])) == [applicant]
    assert User.objects.get(username=green_citizen.username) == green_citizen
    with pytest.raises(FieldError):
        list(Applicant.objects.filter(id_number__startswith="4101"))
    with pytest.raises(FieldError):
        list(User.objects.filter(username__icontains="138"))


def test_uniqueness_holds_on_the_encrypted_value(green_citizen):
    number = self_applicant(green_citizen).id_number
    other = factories.account()
    with pytest.raises(IntegrityError), transaction.atomic():
        Applicant.objects.filter(pk=self_applicant(other).pk).update(id_number=number)


def test_the_same_number_seals_the_same_way_and_opens_back():
    assert crypto.seal("11010519491231002X", kind="id") == crypto.seal("11010519491231002X", kind="id")
    assert crypto.open_(crypto.seal("13800000001", kind="phone")) == "13800000001"
    assert crypto.open_("plain, written before encryption") == "plain, written before encryption"


def test_login_with_the_mobile_number_still_works(client, citizen):
    response = client.post("/accounts/login/", {"username": "13800138000", "password": "Sturdy-pass-2026"})
    assert response.status_code == 302


def test_the_length_of_a_sealed_value_is_known_without_the_key():
    values = [("", ""), ("a", ""), ("王" * 33, "phone"), ("é" * 64, ""), ("13800138000", "phone")]
    values += [(factories.valid_id(), "id"), (factories.valid_id(), "phone")]
    for value, kind in values:
        assert crypto.sealed_length(value, kind=kind) == len(crypto.seal(value, kind=kind)), value


def test_a_value_typed_like_a_sealed_one_is_refused_at_its_field(client, db):
    """It would be stored as typed (a sealed value is not sealed again) and then read as a
    broken seal: every page showing it a server error. The admin's forms refuse it."""
    from django.urls import reverse

    from healthcode.models import User

    client.force_login(User.objects.create_superuser("auditor", "", "Sturdy-pass-2026"))
    form = {"password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026", "usable_password": "true"}
    for typed in ("e1:abc", "e1::abc", "e1:x:!!!"):
        response = client.post(reverse("admin:healthcode_user_add"), form | {"username": typed})
        assert response.status_code == 200
        assert "it begins as an encrypted value does (e1:)" in response.content.decode()
        assert not User.objects.filter(username=typed).exists()
    # Looked up as typed, found nowhere: a login with it is a wrong login, not a server error.
    client.logout()
    response = client.post("/accounts/login/", {"username": "e1:abc", "password": "Sturdy-pass-2026"})
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
