"""The dates the health authority types in the admin (a health event's time, a risk area's start
and end) stay within what can be: the forms refuse the others with a message and keep what was
typed, the events service keeps a time within what can be, the database refuses what is left,
and a migration brought the rows saved before into range. (Found by an audit: a confirmed case
dated 3 hours ahead was "added successfully" and changed no colour; year 0001 broke the lists
and every review on Postgres, and was a server error on SQLite.)"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from declarations.models import EARLIEST_DATE, HealthEvent, RiskArea
from declarations.services.events import NewEvent, record_health_event, record_health_events
from family.services import self_applicant
from healthcode.colours import Colour
from tests.declarations.conftest import code_of

EVENT_ADD = "admin:declarations_healthevent_add"
AREA_ADD = "admin:declarations_riskarea_add"
JINSHUI = {"province": "Henan/河南", "city": "Zhengzhou/郑州", "district": "Jinshui/金水"}


def typed(moment: datetime) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def mark(client, id_number: str, day: str, time: str, ref: str = "CDC-2026-0200"):
    data = {
        "kind": "confirmed_case",
        "id_number": id_number,
        "occurred_at_0": day,
        "occurred_at_1": time,
        "source_ref": ref,
        "note": "Positive PCR test",
    }
    return client.post(reverse(EVENT_ADD), data)


def publish(client, start: tuple[str, str], end: tuple[str, str] = ("", "")):
    data = JINSHUI | {"level": "high", "note": ""}
    data |= {"effective_from_0": start[0], "effective_from_1": start[1]}
    data |= {"effective_until_0": end[0], "effective_until_1": end[1]}
    return client.post(reverse(AREA_ADD), data)


# ---------------------------------------------------------------------------------------
# A health event's time, in the admin


@pytest.mark.parametrize(
    "when",
    [lambda now: typed(now + timedelta(hours=3)), lambda now: ("9999-12-31", "23:59:00")],
    ids=["3 hours ahead", "year 9999"],
)
def test_a_case_dated_in_the_future_is_refused_and_the_time_kept(
    client, superuser, green_citizen, django_capture_on_commit_callbacks, when
):
    client.force_login(superuser)
    day, time = when(timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = mark(client, self_applicant(green_citizen).id_number, day, time)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This is in the future" in page and "give the time it happened" in page
    assert f'value="{day}"' in page and f'value="{time}"' in page  # what was typed, to correct
    assert not HealthEvent.objects.exists()
    assert code_of(green_citizen).colour == Colour.GREEN


def test_a_case_dated_a_few_minutes_ahead_is_recorded_as_now_and_turns_the_person_red(
    client, superuser, green_citizen, django_capture_on_commit_callbacks
):
    """The authority's clock runs two minutes fast: the case counts at once (dated after its
    recording, the re-assessment it started counted nothing and was marked done)."""
    client.force_login(superuser)
    day, time = typed(timezone.now() + timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert mark(client, self_applicant(green_citizen).id_number, day, time).status_code == 302
    event = HealthEvent.objects.get()
    assert event.occurred_at == event.created
    assert event.reassess_due is None
    assert code_of(green_citizen).colour == Colour.RED


def test_a_case_older_than_the_rules_look_back_is_refused(
    client, superuser, green_citizen, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    id_number = self_applicant(green_citizen).id_number
    day, time = typed(timezone.now() - timedelta(days=15))
    page = mark(client, id_number, day, time).content.decode()
    assert "This is more than 14 days ago" in page and "change no one&#x27;s colour" in page
    assert f'value="{day}"' in page and not HealthEvent.objects.exists()
    day, time = typed(timezone.now() - timedelta(days=13))
    with django_capture_on_commit_callbacks(execute=True):
        assert mark(client, id_number, day, time).status_code == 302
    assert code_of(green_citizen).colour == Colour.RED


def test_year_one_on_a_health_event_is_refused_and_the_list_still_opens(client, superuser, green_citizen):
    """Postgres stored it (as a day of year 0 in UTC) and the list failed for good; SQLite
    failed at the save."""
    client.force_login(superuser)
    response = mark(client, self_applicant(green_citizen).id_number, "0001-01-01", "00:00")
    assert response.status_code == 200 and "This is more than 14 days ago" in response.content.decode()
    assert not HealthEvent.objects.exists()
    assert client.get(reverse("admin:declarations_healthevent_changelist")).status_code == 200


# ---------------------------------------------------------------------------------------
# A risk area's start and end, in the admin


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (("0001-01-01", "00:00"), ("", ""), "This is before the first cases (Dec. 1, 2019): check the year."),
        (("2019-11-30", "23:59"), ("", ""), "This is before the first cases"),
        (("9999-12-31", "23:59"), ("", ""), "This is more than a year ahead: check the year."),
        ("now", ("9999-12-31", "23:59"), "This is more than a year ahead: check the year."),
        ("now", "in two years", "This is more than a year ahead"),
    ],
    ids=["from year 1", "from the day before the first cases", "from 9999", "until 9999", "until in two years"],
)
def test_a_risk_area_out_of_range_is_refused_and_the_dates_kept(client, superuser, start, end, message):
    client.force_login(superuser)
    start = typed(timezone.now()) if start == "now" else start
    end = typed(timezone.now() + timedelta(days=730)) if end == "in two years" else end
    response = publish(client, start, end)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'value="{start[0]}"' in page and (not end[0] or f'value="{end[0]}"' in page)
    assert not RiskArea.objects.exists()
    assert client.get(reverse("admin:declarations_riskarea_changelist")).status_code == 200


def test_a_risk_area_from_the_first_cases_to_next_month_is_published(
    client, superuser, green_citizen, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = publish(client, ("2019-12-01", "00:00"), typed(timezone.now() + timedelta(days=30)))
    assert response.status_code == 302
    assert RiskArea.objects.get().effective_from == EARLIEST_DATE
    assert code_of(green_citizen).colour == Colour.YELLOW  # lives in Jinshui


# ---------------------------------------------------------------------------------------
# The service and the database


def test_the_service_keeps_an_events_time_within_what_can_be(green_citizen, caplog):
    """Other callers than the admin's form: a pharmacy, contact tracing (an offline scan
    uploaded from a device whose clock runs ahead), a shell."""
    person = self_applicant(green_citizen)
    now = timezone.now()
    with caplog.at_level(logging.WARNING, logger="declarations.services.events"):
        ancient = record_health_event(
            id_number=person.id_number,
            kind="close_contact",
            occurred_at=datetime(1, 1, 1, tzinfo=UTC),
            source="authority",
            source_ref="year-one",
            now=now,
        )
        ahead = record_health_events(
            "companion",
            "trace",
            [NewEvent(id_number=person.id_number, occurred_at=now + timedelta(seconds=30), source_ref="scan-ahead")],
            now=now,
        )
    assert HealthEvent.objects.get(pk=ancient.pk).occurred_at == EARLIEST_DATE
    assert HealthEvent.objects.get(pk=ahead.ids["scan-ahead"]).occurred_at == now
    assert "year-one" in caplog.text and "before the first cases" in caplog.text
    assert "scan-ahead" not in caplog.text  # within the clock's slack: not worth a warning


def test_the_database_refuses_dates_out_of_range(green_citizen):
    now = timezone.now()
    person = self_applicant(green_citizen)
    event = {"kind": "close_contact", "id_number": person.id_number, "source": "shell", "created": now}
    bad = [
        lambda: RiskArea.objects.create(level="high", effective_from=datetime(2019, 11, 1, tzinfo=UTC), **JINSHUI),
        lambda: RiskArea.objects.create(level="high", effective_from=datetime(2100, 6, 1, tzinfo=UTC), **JINSHUI),
        lambda: RiskArea.objects.create(level="high", effective_until=datetime(9999, 1, 1, tzinfo=UTC), **JINSHUI),
        lambda: HealthEvent.objects.create(occurred_at=now + timedelta(hours=3), source_ref="a", **event),
        lambda: HealthEvent.objects.create(occurred_at=datetime(2019, 1, 1, tzinfo=UTC), source_ref="b", **event),
    ]
    for write in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
    assert not RiskArea.objects.exists() and not HealthEvent.objects.exists()


# ---------------------------------------------------------------------------------------
# Rows saved before: the migration
