"""Health events in the admin: a reviewer sees the events of their own city's people only, with
the ID number and who recorded it masked, and every opening is logged; an event about no known
person is seen by superusers and the health authority only; another city's event is not found."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from declarations.models import HealthEvent, RecordAccess
from declarations.services import record_health_event
from family.services import self_applicant
from healthcode.models import City
from tests import factories

LIST = "admin:declarations_healthevent_changelist"
PHARMACIST = "13512345678"  # who records the purchase: their login is their mobile number


@pytest.fixture
def purchase(green_citizen):
    """A Zhengzhou person's medicine purchase, recorded by a pharmacy's staff."""
    person = self_applicant(green_citizen)
    return record_health_event(
        id_number=person.id_number,
        kind=HealthEvent.Kind.MEDICINE_PURCHASE,
        occurred_at=timezone.now(),
        source="pharmacy",
        source_ref="scan-1",
        place="Zhengzhou Renmin Pharmacy",
        note="fever",
        actor=factories.account(PHARMACIST),
    )


@pytest.fixture
def unknown():
    """A close contact on the authority's list who has not declared (no person yet)."""
    return record_health_event(
        id_number=factories.valid_id("19700101"),
        kind=HealthEvent.Kind.CLOSE_CONTACT,
        occurred_at=timezone.now(),
        source="authority",
        source_ref="CDC-7",
    )


def listed(client, user, **params) -> list[HealthEvent]:
    client.force_login(user)
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_a_reviewer_of_another_city_finds_nothing_of_the_event(client, luoyang_reviewer, purchase, unknown):
    assert listed(client, luoyang_reviewer) == []
    for page in ("change", "history", "delete"):
        url = reverse(f"admin:declarations_healthevent_{page}", args=[purchase.pk])
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
            body = response.content.decode()
            assert purchase.id_number not in body and PHARMACIST not in body and "Renmin" not in body
    assert not RecordAccess.objects.exists()


def test_the_citys_reviewer_sees_it_masked_and_the_opening_is_logged(client, reviewer, purchase, unknown):
    assert listed(client, reviewer) == [purchase]  # not the event about no known person
    url = reverse("admin:declarations_healthevent_change", args=[purchase.pk])
    page = client.get(url).content.decode()
    assert "Zhengzhou Renmin Pharmacy" in page
    assert purchase.id_number not in page and purchase.id_number[:4] + "*" * 10 + purchase.id_number[-4:] in page
    assert PHARMACIST not in page and "135****5678" in page
    person = purchase.applicant
    assert person.name not in page and reverse("admin:declarations_person_change", args=[person.pk]) in page
    access = RecordAccess.objects.get()
    assert (access.user, access.record, access.applicant_id) == (reviewer, "declarations.HealthEvent", person.pk)
    unknown_url = reverse("admin:declarations_healthevent_change", args=[unknown.pk])
    assert client.get(unknown_url).status_code == 404
    assert RecordAccess.objects.count() == 1


def test_events_about_no_known_person_are_for_superusers_and_the_authority(
    client, superuser, reviewer, purchase, unknown
):
    assert set(listed(client, superuser)) == {purchase, unknown}
    # The health authority's case desk: may record events, so sees every city's and the unknown.
    desk = factories.account("13512340000")
    desk.is_staff = True
    desk.save(update_fields=["is_staff"])
    desk.user_permissions.set(Permission.objects.filter(codename__in=["add_healthevent", "view_healthevent"]))
    assert set(listed(client, desk, q=unknown.id_number[:4] + "*" * 10 + unknown.id_number[-4:])) == {unknown}
    page = client.get(reverse("admin:declarations_healthevent_change", args=[unknown.pk])).content.decode()
    assert unknown.id_number not in page
    assert RecordAccess.objects.get().applicant is None


def test_a_luoyang_persons_event_is_for_luoyang(client, reviewer, luoyang_reviewer, outsider, declare):
    declaration = declare(outsider, city=City.objects.get(code="410300"), name="李四")
    event = record_health_event(
        id_number=declaration.id_number,
        kind=HealthEvent.Kind.CLOSE_CONTACT,
        occurred_at=timezone.now(),
        source="authority",
        source_ref="CDC-8",
    )
    assert listed(client, luoyang_reviewer) == [event]
    assert listed(client, reviewer) == []
