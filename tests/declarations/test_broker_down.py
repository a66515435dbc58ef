"""Redis down while the authority records something: the write is kept, the page answers as
usual (no 500, no busy 503), the lost task is logged, and beat's sweeps do the work later, once.

The broker here is a closed port (tests/brokers.py): every enqueue fails as it does in
production. The sweeps then run with tasks eager, as a worker would run what they enqueue.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from declarations.models import HealthEvent, RiskArea
from declarations.services import NewEvent, record_health_events
from declarations.services.areas import settle
from declarations.services.events import sweep_unassessed
from declarations.services.review import sweep_unreviewed_areas
from declarations.tasks import sweep_unassessed_events, sweep_unreviewed_risk_areas
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.brokers import broker_down
from tests.declarations.conftest import code_of, enqueued_here

LATER = timedelta(minutes=6)  # past HC_SWEEP_AFTER_MINUTES (5)


def lost(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("could not enqueue")]


def area_form(when) -> dict:
    when = timezone.localtime(when)
    return {
        "province": "Henan/河南",
        "city": "Zhengzhou/郑州",
        "district": "Jinshui/金水",  # where the factories' declarations live
        "level": "medium",
        "effective_from_0": when.strftime("%Y-%m-%d"),
        "effective_from_1": when.strftime("%H:%M:%S"),
    }


# ---------------------------------------------------------------------------------------
# A health event: the person's re-assessment


def test_a_case_marked_while_the_broker_is_down_is_kept_and_reassessed_by_the_sweep(
    client, superuser, green_citizen, caplog, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    applicant = self_applicant(green_citizen)
    now = timezone.localtime()
    data = {
        "kind": "confirmed_case",
        "id_number": applicant.id_number,
        "occurred_at_0": now.strftime("%Y-%m-%d"),
        "occurred_at_1": now.strftime("%H:%M:%S"),
        "source_ref": "CDC-2026-0042",
        "note": "Positive PCR test",
    }
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:declarations_healthevent_add"), data)
    assert response.status_code == 302  # not the busy page: the mark is recorded
    event = HealthEvent.objects.get()
    assert event.applicant == applicant and event.reassess_due is not None
    assert code_of(green_citizen).colour == Colour.GREEN  # the re-assessment was lost...
    assert any("reassess_person" in line for line in lost(caplog))

    assert sweep_unassessed(now=timezone.now() + timedelta(minutes=4)) == []  # its own task may still run
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unassessed(now=timezone.now() + LATER) == [applicant.pk]
    assert code_of(green_citizen).colour == Colour.RED  # ...and done by the sweep
    event.refresh_from_db()
    assert event.reassess_due is None
    changes = ColourChange.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep_unassessed(now=timezone.now() + 4 * LATER) == []
    assert callbacks == [] and ColourChange.objects.count() == changes


def test_the_sweep_tries_again_once_per_period_while_the_broker_stays_down(
    green_citizen, citizen, django_capture_on_commit_callbacks
):
    applicant = self_applicant(green_citizen)
    start = timezone.now()
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        record_health_events(
            HealthEvent.Kind.COMPANION,
            "trace",
            [NewEvent(applicant.id_number, start, "trace:1:1", applicant_id=applicant.pk, place="Erqi Square")],
        )
    start = HealthEvent.objects.get().reassess_due  # recorded, and due since then
    assert start is not None
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        assert sweep_unassessed(now=start + LATER) == [applicant.pk]  # enqueued in vain: still down
        assert sweep_unassessed(now=start + LATER + timedelta(minutes=1)) == []  # not again this period
    assert code_of(citizen).colour == Colour.GREEN
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unassessed(now=start + 2 * LATER) == [applicant.pk]
    assert code_of(citizen).colour == Colour.YELLOW
    assert ColourChange.objects.filter(to_colour=Colour.YELLOW).get().reason_parts[0]["venue"] == "Erqi Square"


def test_companions_recorded_while_the_broker_is_down_are_reassessed_in_chunks(
    db, declare, monkeypatch, django_capture_on_commit_callbacks
):
    from declarations.services import events

    monkeypatch.setattr(events, "REASSESS_CHUNK", 2)
    people = []
    for _ in range(3):
        user = factories.account()
        declare(user)
        people.append(self_applicant(user))
    now = timezone.now()
    found = [NewEvent(p.id_number, now, f"trace:9:{p.pk}", applicant_id=p.pk, place="Zijingshan") for p in people]
    with broker_down(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        recorded = record_health_events(HealthEvent.Kind.COMPANION, "trace", found)
    assert len(recorded.new) == 3 and len(callbacks) == 2  # two chunks, both lost
    assert HealthEvent.objects.filter(reassess_due__isnull=False).count() == 3

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sweep_unassessed_events()  # beat's task, on the real clock: nothing is 5 minutes old yet
    assert callbacks == []
    HealthEvent.objects.update(reassess_due=F("reassess_due") - LATER)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sweep_unassessed_events()
    assert len(enqueued_here(callbacks)) == 2  # the same chunks (and then the notifications)
    for person in people:
        person.health_code.refresh_from_db()
        assert person.health_code.colour == Colour.YELLOW
    assert not HealthEvent.objects.filter(reassess_due__isnull=False).exists()


def test_an_event_reassessed_on_commit_leaves_nothing_to_sweep(green_citizen, django_capture_on_commit_callbacks):
    applicant = self_applicant(green_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        record_health_events(
            HealthEvent.Kind.MEDICINE_PURCHASE,
            "pharmacy",
            [NewEvent(applicant.id_number, timezone.now(), "p-1", applicant_id=applicant.pk)],
        )
    assert code_of(green_citizen).colour == Colour.YELLOW
    assert HealthEvent.objects.get().reassess_due is None
    assert sweep_unassessed(now=timezone.now() + LATER) == []


def test_an_event_about_no_known_person_is_not_due(db):
    record_health_events(
        HealthEvent.Kind.CLOSE_CONTACT, "authority", [NewEvent("410102199003071234", timezone.now(), "x-1")]
    )
    assert HealthEvent.objects.get().reassess_due is None  # reviewed with the declaration, when there is one


def test_an_event_whose_person_was_deleted_is_dropped_by_the_sweep(green_citizen, django_capture_on_commit_callbacks):
    applicant = self_applicant(green_citizen)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        record_health_events(
            HealthEvent.Kind.COMPANION,
            "trace",
            [NewEvent(applicant.id_number, timezone.now(), "trace:2:1", applicant_id=applicant.pk)],
        )
    HealthEvent.objects.update(applicant=None)  # SET_NULL when the person is removed
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep_unassessed(now=timezone.now() + LATER) == []
    assert callbacks == []
    assert HealthEvent.objects.get().reassess_due is None


# ---------------------------------------------------------------------------------------
# A risk area added or raised: the recent declarations' re-review


def test_an_area_added_while_the_broker_is_down_is_kept_and_rereviewed_by_the_sweep(
    client, superuser, green_citizen, caplog, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:declarations_riskarea_add"), area_form(timezone.now()), follow=True)
    assert response.status_code == 200 and "being re-reviewed" in response.content.decode()
    area = RiskArea.objects.get()
    assert area.rereview_due is not None
    assert code_of(green_citizen).colour == Colour.GREEN
    assert any("rereview_area" in line for line in lost(caplog))

    assert sweep_unreviewed_areas(now=timezone.now() + timedelta(minutes=4)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unreviewed_areas(now=timezone.now() + LATER) == [area.pk]
    assert code_of(green_citizen).colour == Colour.YELLOW  # lives in Jinshui
    assert ColourChange.objects.filter(rules=["risk_area_residence"]).count() == 1
    area.refresh_from_db()
    assert area.rereview_due is None

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep_unreviewed_areas(now=timezone.now() + 4 * LATER) == []
        sweep_unreviewed_risk_areas()
    assert callbacks == []
    assert ColourChange.objects.filter(rules=["risk_area_residence"]).count() == 1


def test_an_area_raised_while_the_broker_is_down_is_rereviewed_by_the_sweep(
    client, superuser, green_citizen, django_capture_on_commit_callbacks
):
    area = RiskArea.objects.create(
        province="Henan/河南",
        city="Zhengzhou/郑州",
        district="Jinshui/金水",
        level="low",
        effective_from=timezone.now(),
    )
    client.force_login(superuser)
    data = area_form(area.effective_from) | {"level": "high"}
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:declarations_riskarea_change", args=[area.pk]), data)
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.level == "high" and area.rereview_due is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unreviewed_areas(now=timezone.now() + LATER) == [area.pk]
    assert code_of(green_citizen).colour == Colour.YELLOW


def test_an_area_that_starts_later_is_not_swept_before_it_does(
    client, superuser, green_citizen, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    tomorrow = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("admin:declarations_riskarea_add"), area_form(tomorrow))
    # The broker answered (tasks run eagerly here, ignoring the ETA: a message delivered
    # early): nothing is done before the area comes into force, and the mark stays. It is due
    # once every process's reviews have seen the area (declarations/services/areas.py).
    assert len(enqueued_here(callbacks)) == 1
    area = RiskArea.objects.get()
    assert area.rereview_due == area.effective_from + settle()
    assert code_of(green_citizen).colour == Colour.GREEN
    assert sweep_unreviewed_areas(now=timezone.now() + LATER) == []
    assert sweep_unreviewed_areas(now=area.effective_from + timedelta(minutes=4)) == []

    # A day passes (the area and its mark moved a day back, as the real clock cannot move).
    shift = timedelta(days=1, minutes=6)
    RiskArea.objects.update(effective_from=F("effective_from") - shift, rereview_due=F("rereview_due") - shift)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_unreviewed_areas() == [area.pk]
    assert code_of(green_citizen).colour == Colour.YELLOW
    assert sweep_unreviewed_areas(now=timezone.now() + LATER) == []


@pytest.mark.parametrize("level", ["low", "medium"])
def test_an_area_not_raised_is_not_marked(level, db, django_capture_on_commit_callbacks):
    from declarations.services.review import area_saved

    area = RiskArea.objects.create(province="Henan", level=level)
    with django_capture_on_commit_callbacks() as callbacks:
        area_saved(area, previous_level="medium")
    assert callbacks == []
    area.refresh_from_db()
    assert area.rereview_due is None
