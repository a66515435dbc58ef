"""The signed-in account is read by a query compiled once (healthcode/backends.py), on
Django's terms: an inactive or deleted account is nobody."""

from django.urls import reverse

from family.services import self_applicant
from healthcode.backends import ModelBackend


def test_get_user_reads_the_account_in_one_query(citizen, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = ModelBackend().get_user(citizen.pk)
    assert user == citizen and user.username == citizen.username  # the sealed login name opened


def test_inactive_deleted_and_bad_ids_are_nobody(citizen, outsider):
    backend = ModelBackend()
    outsider.is_active = False
    outsider.save()
    assert backend.get_user(outsider.pk) is None
    assert backend.get_user(999_999) is None
    assert backend.get_user("not a number") is None
    assert backend.get_user(str(citizen.pk)) == citizen


def test_disabling_an_account_ends_its_sessions(client, green_citizen):
    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    assert client.get(url).status_code == 200
    green_citizen.is_active = False
    green_citizen.save()
    assert client.get(url).status_code == 302
