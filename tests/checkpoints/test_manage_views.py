"""The manager's venue page: today's scans by colour and by hour, stops, recent non-green."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from checkpoints.services.scanlog import insert_scan
from checkpoints.services.stats import day_stats, today
from tests.checkpoints.conftest import nonce

CHINA = ZoneInfo("Asia/Shanghai")


def log(venue, *, at, result="ok", colour="green", applicant=None, direction="entry"):
    insert_scan(
        venue_id=venue.pk,
        staff_id=None,
        api_key_id=None,
        applicant_id=applicant.pk if applicant else None,
        result=result,
        colour=colour,
        paper=False,
        direction=direction,
        source="gate",
        nonce=nonce(),
        issued_at=None,
        scanned_at=at,
        created=at,
    )


def test_counts_by_colour_and_hour(venue, other_venue, green_person):
    day = today()
    nine = datetime.combine(day, datetime.min.time(), tzinfo=CHINA) + timedelta(hours=9, minutes=5)
    log(venue, at=nine)
    log(venue, at=nine + timedelta(minutes=10), direction="exit")
    log(venue, at=nine, result="not_green", colour="yellow", applicant=green_person)
    log(venue, at=nine + timedelta(hours=8), result="not_green", colour="red")
    log(venue, at=nine + timedelta(hours=8), result="expired", colour="")
    log(venue, at=nine - timedelta(days=1))  # yesterday
    log(other_venue, at=nine)  # another venue
    stats = day_stats(venue, day)
    assert stats.totals == {"green": 2, "yellow": 1, "red": 1, "invalid": 1}
    assert stats.total == 5 and stats.stops == 3
    assert stats.entries == 4 and stats.exits == 1
    assert stats.hours[9] == {"green": 2, "yellow": 1, "red": 0, "invalid": 0}
    assert stats.hours[17] == {"green": 0, "yellow": 0, "red": 1, "invalid": 1}
    assert sum(map(sum, (h.values() for h in stats.hours))) == 5


def test_the_manager_page(client, venue, manager, green_person):
    now = timezone.now()
    log(venue, at=now)
    log(venue, at=now, result="not_green", colour="red", applicant=green_person)
    log(venue, at=now, result="bad_signature", colour="")
    client.force_login(manager)
    response = client.get(reverse("checkpoint-manage", args=[venue.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Scans today" in page and "Stopped" in page
    assert page.count('class="bar bar-') >= 3  # the chart's bars for this hour
    assert "<svg" in page and "Table by hour" in page
    assert "Recent attempts that did not pass" in page
    assert "王*明" in page and "Forged or damaged code" in page
    assert green_person.id_number not in page and "王小明" not in page


def test_plain_staff_and_strangers_cannot_see_it(client, venue, staff, other_staff):
    for user in (staff, other_staff):
        client.force_login(user)
        assert client.get(reverse("checkpoint-manage", args=[venue.pk])).status_code == 404


def test_an_empty_day(client, venue, manager):
    client.force_login(manager)
    page = client.get(reverse("checkpoint-manage", args=[venue.pk])).content.decode()
    assert "No scans yet" in page
