"""The health authority's dashboard: its numbers on a small known dataset, who may open it,
and a query count that does not grow with the data."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from celery import current_app
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authority.models import ColourCount, DailyActivity, HourlyScans, ReviewerDay
from authority.services import dashboard as board
from authority.services.figures import count_figures, local_day
from checkpoints.models import Scan, Venue
from declarations.models import Appeal, CheckIn, Declaration
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City, ColourChange
from healthcode.services import change_colour
from tests import factories

BEIJING = ZoneInfo("Asia/Shanghai")
# A fixed "now": 2026-03-10 15:00 in Beijing.
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=BEIJING)
TODAY = date(2026, 3, 10)
URL = reverse("authority-dashboard")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def authority(db):
    user = factories.account("13500000009")
    group, _ = Group.objects.get_or_create(name="Health authority")
    group.permissions.add(Permission.objects.get(content_type__app_label="authority", codename="view_dashboard"))
    user.groups.add(group)
    return user


@pytest.fixture
def authority_client(client, authority):
    client.force_login(authority)
    return client


def person(declare, city_code="410100", colour=Colour.GREEN):
    """Someone who declared in a city; their code then set to `colour` by the authority."""
    user = factories.account()
    declaration = declare(user, city=City.objects.get(code=city_code))
    applicant = self_applicant(user)
    if colour != Colour.GREEN:
        change_colour(applicant.health_code_id, colour, source=ColourChange.Source.AUTHORITY)
    return applicant, declaration


def scan(venue, when, result=Scan.Result.OK, colour=Colour.GREEN):
    return Scan.objects.create(
        venue=venue,
        result=result,
        colour=colour,
        direction=Scan.Direction.ENTRY,
        source=Scan.Source.STAFF,
        nonce=uuid.uuid4().hex,
        scanned_at=when,
    )


@pytest.fixture
def known(db, declare):
    """Zhengzhou: 2 green, 1 yellow; Kaifeng: 1 red. Today: 2 declarations confirmed (moved to
    today), 1 check-in, 3 scans at 8 and 23 o'clock at a subway station and a pharmacy, one of
    them stopped; a reviewer changed 2 colours by hand (a green → red, c red → yellow)."""
    zhengzhou, kaifeng = City.objects.get(code="410100"), City.objects.get(code="410200")
    a, d1 = person(declare)
    person(declare)
    b, d2 = person(declare, colour=Colour.YELLOW)
    c, _ = person(declare, "410200", Colour.RED)
    Declaration.objects.filter(pk__in=[d1.pk, d2.pk]).update(confirmed_at=at(TODAY, 0, 30))
    Declaration.objects.exclude(pk__in=[d1.pk, d2.pk]).update(confirmed_at=at(TODAY - timedelta(days=1), 23, 59))
    CheckIn.objects.create(
        applicant=b, day=TODAY, temperature=Decimal("36.5"), symptoms=["none"], normal=True, submitted_by=b.account
    )
    subway = Venue.objects.create(name="Subway", type=Venue.Type.SUBWAY, city=zhengzhou)
    pharmacy = Venue.objects.create(name="Pharmacy", type=Venue.Type.PHARMACY, city=kaifeng)
    scan(subway, at(TODAY, 8, 5))
    scan(subway, at(TODAY, 8, 55), Scan.Result.NOT_GREEN, Colour.YELLOW)
    scan(pharmacy, at(TODAY, 23, 30))
    scan(pharmacy, at(TODAY - timedelta(days=1), 23, 59))  # yesterday: not today's
    reviewer = factories.account("13500000001")
    for applicant, colour in ((a, Colour.RED), (c, Colour.YELLOW)):
        change_colour(
            applicant.health_code_id, colour, source=ColourChange.Source.REVIEWER, actor=reviewer, now=at(TODAY, 10)
        )
    return {"zhengzhou": zhengzhou, "kaifeng": kaifeng, "reviewer": reviewer}


def test_the_figures_of_a_known_day(known):
    count_figures(NOW)
    colours = {(c.city_id, c.colour): c.people for c in ColourCount.objects.filter(day=TODAY)}
    z, k = known["zhengzhou"].pk, known["kaifeng"].pk
    assert colours == {(z, "green"): 1, (z, "yellow"): 1, (z, "red"): 1, (k, "yellow"): 1}
    activity = DailyActivity.objects.get(day=TODAY)
    assert (activity.declarations, activity.checkins) == (2, 1)
    hourly = {(h.hour, h.venue_type): (h.scans, h.stops) for h in HourlyScans.objects.filter(day=TODAY)}
    assert hourly == {(8, "subway"): (2, 1), (23, "pharmacy"): (1, 0)}
    assert list(ReviewerDay.objects.values_list("day", "reviewer", "changes")) == [(TODAY, known["reviewer"].pk, 2)]


def test_counting_again_replaces_the_day(known):
    count_figures(NOW)
    count_figures(NOW + timedelta(minutes=10))
    assert ColourCount.objects.filter(day=TODAY).count() == 4
    assert DailyActivity.objects.filter(day=TODAY).count() == 1


def test_the_first_count_after_midnight_closes_yesterday(known):
    count_figures(NOW - timedelta(days=1))  # yesterday at 15:00: the 23:59 declarations were not made yet
    Declaration.objects.filter(confirmed_at__lt=at(TODAY, 0)).update(confirmed_at=at(TODAY - timedelta(days=1), 20))
    result = count_figures(at(TODAY, 0, 10))
    assert result.closed_previous
    assert DailyActivity.objects.get(day=TODAY - timedelta(days=1)).declarations == 2
    assert HourlyScans.objects.get(day=TODAY - timedelta(days=1)).hour == 23


def test_the_dashboard_shows_the_known_day(known, authority_client, monkeypatch):
    count_figures(NOW)
    monkeypatch.setattr("authority.views.timezone.now", lambda: NOW)
    page = authority_client.get(URL)
    assert page.status_code == 200
    b = page.context["b"]
    assert b.province.people == {"green": 1, "yellow": 2, "red": 1, "pending": 0}
    rows = {row.city.code: row for row in b.cities}
    assert rows["410100"].people["red"] == 1 and rows["410200"].people["yellow"] == 1
    assert b.trend["yellow"][-1] == 2 and b.trend["yellow"][-2] is None  # nothing counted the day before
    assert b.activity["declarations"][-1] == 2
    assert [h["total"] for h in b.hours if h["total"]] == [2, 1]
    assert [(r.name, r.today) for r in b.reviewers] == [(known["reviewer"].username, 2)]
    # The words are on the page with the numbers: colour is never the only signal.
    text = page.text
    assert "Yellow code" in text and "Red code" in text
    assert 'id="dashboard-data"' in text and "chart.umd.min.js" in text


def test_the_trend_of_one_city(known, authority_client, monkeypatch):
    count_figures(NOW - timedelta(days=3))
    count_figures(NOW)
    monkeypatch.setattr("authority.views.timezone.now", lambda: NOW)
    b = authority_client.get(URL, {"city": "410200"}).context["b"]
    assert b.chosen_city.code == "410200"
    assert b.trend["yellow"][-1] == 1 and b.trend["yellow"][-4] == 1
    assert b.trend["green"][-1] == 0 and b.trend["green"][-2] is None


def test_open_reviews_and_appeals_are_live(known, authority_client):
    """No figures counted: the queues are read live anyway."""
    Declaration.objects.filter(pk=Declaration.objects.first().pk).update(status=Declaration.Status.NEEDS_REVIEW)
    yellow = ColourChange.objects.filter(to_colour="yellow", code__applicant__city__code="410100").get()
    holder = yellow.code.applicant
    Appeal.objects.create(
        applicant=holder, submitted_by=holder.account, colour="yellow", code_version=yellow.version, reason="x" * 20
    )
    b = authority_client.get(URL).context["b"]
    assert not b.has_figures
    assert b.province.waiting_reviews == 1
    assert b.province.open_appeals == 1
    assert {row.city.code: row.open_appeals for row in b.cities}["410100"] == 1


def test_a_burst_of_changes_by_hand_stands_out(db):
    calm, busy = factories.account("13500000002"), factories.account("13500000003")
    for days_ago in range(1, 20):
        ReviewerDay.objects.create(day=TODAY - timedelta(days=days_ago), reviewer=calm, changes=20)
        ReviewerDay.objects.create(day=TODAY - timedelta(days=days_ago), reviewer=busy, changes=3)
    ReviewerDay.objects.create(day=TODAY, reviewer=calm, changes=25)
    ReviewerDay.objects.create(day=TODAY, reviewer=busy, changes=40)
    rows = board.build(TODAY).reviewers
    assert [(r.name, r.today, r.usual, r.burst) for r in rows] == [
        (busy.username, 40, 3, True),
        (calm.username, 25, 20, False),
    ]
    labels = board.chart_data(board.build(TODAY))["reviewers"]["labels"]
    assert labels[0] == f"{busy.username} ⚠ Burst"


def test_who_may_open_it(client, citizen, authority):
    assert client.get(URL)["Location"].startswith(reverse("login"))
    client.force_login(citizen)
    forbidden = client.get(URL)
    assert forbidden.status_code == 403
    assert "You may not open this page" in forbidden.text
    assert client.post(reverse("authority-count")).status_code == 403
    client.force_login(authority)
    assert client.get(URL).status_code == 200


def test_a_superuser_may_open_it(admin_client):
    assert admin_client.get(URL).status_code == 200


def test_count_now(authority_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = authority_client.post(reverse("authority-count"))
    assert response.status_code == 302
    assert DailyActivity.objects.exists()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_data(known, authority_client, declare):
    count_figures(NOW)
    small = _queries(authority_client)
    for days_ago in range(1, 30):
        count_figures(NOW - timedelta(days=days_ago))
    for _ in range(3):
        person(declare, "410300", Colour.YELLOW)
    more = factories.account("13500000004")
    ReviewerDay.objects.create(day=TODAY, reviewer=more, changes=5)
    count_figures(NOW)
    assert _queries(authority_client) == small
    assert small <= 12, f"{small} queries"  # session, user, permissions, 8 reads of figures and queues


def test_beat_counts_the_figures(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["count-dashboard-figures"]
    assert entry["task"] == "authority.tasks.count_figures"
    assert entry["schedule"] == settings.HC_DASHBOARD_EVERY_MINUTES * 60
    assert entry["task"] in current_app.tasks


def test_the_demo_figures_refuse_a_real_site(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_dashboard_demo")
    call_command("seed_dashboard_demo", "--force", stdout=io.StringIO())
    b = board.build(local_day(timezone.now()))
    assert b.province.total > 900_000
    assert any(r.burst for r in b.reviewers)


def test_the_admin_links_to_the_dashboard(admin_client, client, db):
    assert URL in admin_client.get(reverse("admin:index")).text
    reviewer = factories.account("13500000005")
    reviewer.is_staff = True
    reviewer.save()
    client.force_login(reviewer)
    assert URL not in client.get(reverse("admin:index")).text


def test_later_counts_of_a_day_recount_only_the_last_hours(known):
    """Scans of finished hours keep their count until the day closes (at 15:00, 14:00 on)."""
    count_figures(NOW)
    subway = Venue.objects.get(name="Subway")
    scan(subway, at(TODAY, 8, 30))  # an offline scan of the morning, uploaded late
    scan(subway, at(TODAY, 14, 59))
    count_figures(NOW)
    hourly = {(h.hour, h.venue_type): h.scans for h in HourlyScans.objects.filter(day=TODAY)}
    assert hourly == {(8, "subway"): 2, (14, "subway"): 1, (23, "pharmacy"): 1}
    count_figures(at(TODAY + timedelta(days=1), 0, 10))  # the day closes: every hour again
    assert HourlyScans.objects.get(day=TODAY, hour=8).scans == 3


def test_count_now_while_the_broker_is_down(authority_client, caplog, django_capture_on_commit_callbacks):
    """Redis down: "Count now" answers as usual (the beat task counts at its next run)."""
    from tests.brokers import broker_down

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = authority_client.post(reverse("authority-count"), follow=True)
    assert response.status_code == 200
    assert any(r.getMessage().startswith("could not enqueue authority.tasks.count_figures") for r in caplog.records)
    assert not DailyActivity.objects.exists()  # counted by beat (test_beat_counts_the_figures)
