"""The raw health code admin: codes and their whole colour history are for superusers only
(a code knows no city, so no reviewer's scope applies); reviewers read a person's history in
the city-scoped People admin. Who changed a colour is shown masked everywhere: a reviewer's
login is their mobile number."""

from __future__ import annotations

import importlib
import io

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from declarations.services import reviewers
from family.services import self_applicant
from healthcode.models import User
from tests.declarations.conftest import make_reviewer

RAW_CODES = ["view_healthcode", "view_colourchange"]


def raw_code_permissions():
    return Permission.objects.filter(content_type__app_label="healthcode", codename__in=RAW_CODES)


def test_reviewers_do_not_open_raw_codes_whatever_their_group_holds(client, green_citizen):
    luoyang = make_reviewer("13600000003", "410300")
    change = Permission.objects.filter(content_type__app_label="healthcode", codename="change_healthcode")
    Group.objects.get(name=reviewers.REVIEWER_GROUP).permissions.add(*raw_code_permissions(), *change)
    luoyang = User.objects.get(pk=luoyang.pk)
    assert luoyang.has_perm("healthcode.view_healthcode")  # as seed_demo used to give every city's reviewers
    code_id = self_applicant(green_citizen).health_code_id
    client.force_login(luoyang)
    for url in (
        reverse("admin:healthcode_healthcode_changelist"),
        reverse("admin:healthcode_healthcode_change", args=[code_id]),
        reverse("admin:healthcode_healthcode_history", args=[code_id]),
    ):
        assert client.get(url).status_code == 403, url
    assert reverse("admin:healthcode_healthcode_changelist") not in client.get(reverse("admin:index")).content.decode()
    # Nor their own city's: they read its history through People, scoped and logged.
    client.force_login(make_reviewer("13600000001"))
    assert client.get(reverse("admin:healthcode_healthcode_change", args=[code_id])).status_code == 403
    person = reverse("admin:declarations_person_change", args=[self_applicant(green_citizen).pk])
    assert client.get(person).status_code == 200


def test_the_demo_reviewers_hold_no_raw_code_permission(db):
    group = Group.objects.create(name=reviewers.REVIEWER_GROUP)
    group.permissions.add(*raw_code_permissions())  # what an earlier seed_demo left
    migration = importlib.import_module("declarations.migrations.0013_reviewers_without_raw_codes")
    migration.remove_raw_code_permissions(apps, None)
    assert not group.permissions.filter(content_type__app_label="healthcode").exists()
    call_command("seed_demo", stdout=io.StringIO())
    demo = User.objects.get(username="13800000003")
    assert not [perm for perm in demo.get_all_permissions() if perm.startswith("healthcode.")]
    assert demo.has_perm("declarations.view_person")


def test_who_changed_a_colour_is_masked(client, green_citizen):
    superuser = User.objects.create_superuser("auditor", "", "Sturdy-pass-2026")
    reviewer = make_reviewer("13600000001")
    person = self_applicant(green_citizen)
    reviewers.override_colour(person.pk, reviewer, colour="red", reason="On the CDC list")
    client.force_login(superuser)
    page = client.get(reverse("admin:healthcode_healthcode_change", args=[person.health_code_id])).content.decode()
    assert "On the CDC list" in page and "136****0001" in page and "13600000001" not in page
    # The People admin's history, as a colleague of the same city reads it.
    client.force_login(make_reviewer("13600000002"))
    page = client.get(reverse("admin:declarations_person_change", args=[person.pk])).content.decode()
    assert "On the CDC list" in page and "136****0001" in page and "13600000001" not in page


def test_the_admin_adds_an_account_and_refuses_a_taken_name(admin_client):
    """Django's form looked the name up in any case, which the encrypted column refuses: a 500."""
    url = reverse("admin:healthcode_user_add")
    form = {"username": "13912340000", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"}
    form |= {"usable_password": "true"}
    assert admin_client.post(url, form).status_code == 302
    assert User.objects.filter(username="13912340000").exists()
    again = admin_client.post(url, form)
    assert again.status_code == 200 and "already exists" in again.content.decode()
    too_long = admin_client.post(url, form | {"username": "x" * 65})
    assert too_long.status_code == 200 and "at most 64 characters" in too_long.content.decode()


def test_the_admin_refuses_a_name_too_long_to_seal_when_editing(admin_client):
    account = User.objects.create_user(username="13912340001", password="Sturdy-pass-2026")
    url = reverse("admin:healthcode_user_change", args=[account.pk])
    page = admin_client.get(url).content.decode()
    assert 'maxlength="64"' in page
    form = {"username": "x" * 120, "date_joined_0": "2026-11-28", "date_joined_1": "08:00:00"}
    response = admin_client.post(url, form | {"is_active": "on", "language": ""})
    assert response.status_code == 200 and "at most 64 characters" in response.content.decode()
    account.refresh_from_db()
    assert account.username == "13912340001"


def test_a_name_of_64_characters_that_does_not_fit_once_sealed_is_refused_with_a_message(admin_client):
    """64 characters fit the encrypted column when they are Latin; 34 Chinese characters (102
    bytes) did not: the database refused the INSERT on Postgres (a 500), SQLite stored it."""
    url = reverse("admin:healthcode_user_add")
    form = {"password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026", "usable_password": "true"}
    for name in ("王" * 34, "é" * 64, "王" * 25 + "x" * 39):
        response = admin_client.post(url, form | {"username": name})
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "This login name is too long: at most 64 Latin letters or digits, or 33 Chinese characters." in page
        assert f'value="{name}"' in page
        assert not User.objects.filter(username=name).exists()
    assert admin_client.post(url, form | {"username": "王" * 33}).status_code == 302
    assert User.objects.filter(username="王" * 33).exists()
    account = User.objects.get(username="王" * 33)
    change = reverse("admin:healthcode_user_change", args=[account.pk])
    form = {"username": "王" * 34, "date_joined_0": "2026-11-28", "date_joined_1": "08:00:00"}
    response = admin_client.post(change, form | {"is_active": "on", "language": ""})
    assert response.status_code == 200 and "33 Chinese characters" in response.content.decode()
