"""What the health authority's dashboard shows, read from the daily tables and three small
live counts (the review queues). A fixed number of queries whatever the size of the data."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils.translation import gettext as _

from authority.models import ColourCount, DailyActivity, HourlyScans, ReviewerDay
from checkpoints.models import Venue
from declarations.models import Appeal, Declaration, PendingOverride
from healthcode.colours import Colour
from healthcode.models import City

DAYS = 30
COLOURS = (Colour.GREEN, Colour.YELLOW, Colour.RED, Colour.PENDING)
# A reviewer's day stands out when it has at least BURST_MIN changes by hand and at least
# BURST_FACTOR times their usual working day (the median of the days they changed any).
BURST_MIN = 15
BURST_FACTOR = 3
REVIEWERS_SHOWN = 50
REVIEWERS_CHARTED = 8


@dataclass
class CityRow:
    city: City | None  # None: the whole province
    people: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLOURS, 0))
    waiting_reviews: int = 0
    open_appeals: int = 0

    @property
    def total(self) -> int:
        return sum(self.people.values())

    @property
    def restricted(self) -> int:
        return self.people[Colour.YELLOW] + self.people[Colour.RED]


@dataclass
class ReviewerRow:
    name: str
    today: int
    usual: float
    busiest: int
    burst: bool


@dataclass
class Dashboard:
    today: date
    days: list[date]
    counted_at: datetime | None
    cities: list[CityRow]
    province: CityRow
    chosen_city: City | None
    trend: dict[str, list[int | None]]
    activity: dict[str, list[int | None]]
    hours: list[dict]
    venue_types: list[tuple[str, str]]
    reviewers: list[ReviewerRow]
    pending_overrides: int

    @property
    def has_figures(self) -> bool:
        return self.counted_at is not None

    @property
    def trend_rows(self) -> list[dict]:
        """Newest day first, for the table under the chart."""
        order = (Colour.GREEN, Colour.YELLOW, Colour.RED, Colour.PENDING)
        rows = [{"day": day, "values": [self.trend[c][i] for c in order]} for i, day in enumerate(self.days)]
        return rows[::-1]

    @property
    def activity_rows(self) -> list[dict]:
        keys = ("declarations", "checkins")
        rows = [{"day": day, "values": [self.activity[k][i] for k in keys]} for i, day in enumerate(self.days)]
        return rows[::-1]

    @property
    def hour_rows(self) -> list[dict]:
        """The hours that had a scan."""
        return [
            {**h, "values": [h["counts"].get(key, 0) for key, _label in self.venue_types]}
            for h in self.hours
            if h["total"]
        ]


def build(today: date, city_code: str | None = None) -> Dashboard:
    first = today - timedelta(days=DAYS - 1)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    cities = list(City.objects.order_by("code"))
    chosen = next((c for c in cities if c.code == city_code), None)
    rows = {city.pk: CityRow(city) for city in cities}
    province = CityRow(None)

    counts = list(
        ColourCount.objects.filter(day__gte=first, day__lte=today)
        .values_list("day", "city_id", "colour", "people", "counted_at")
        .order_by()
    )
    latest = max((day for day, *_ in counts), default=None)
    counted_at = max((at for day, *_, at in counts if day == latest), default=None)
    counted_days = {day for day, *_ in counts}  # a day without a count is a gap, not a zero
    trend: dict[str, list[int | None]] = {c: [0 if day in counted_days else None for day in days] for c in COLOURS}
    for day, city_id, colour, people, _at in counts:
        if chosen is None or city_id == chosen.pk:
            trend[colour][(day - first).days] += people
        if day == latest and city_id in rows:
            rows[city_id].people[colour] += people
            province.people[colour] += people

    waiting = Declaration.objects.filter(status=Declaration.Status.NEEDS_REVIEW)
    for row in waiting.values("city_id").annotate(n=Count("id")).order_by():
        province.waiting_reviews += row["n"]
        if row["city_id"] in rows:
            rows[row["city_id"]].waiting_reviews = row["n"]
    for row in (
        Appeal.objects.filter(status__in=Appeal.ACTIVE).values("applicant__city_id").annotate(n=Count("id")).order_by()
    ):
        province.open_appeals += row["n"]
        if row["applicant__city_id"] in rows:
            rows[row["applicant__city_id"]].open_appeals = row["n"]
    pending_overrides = PendingOverride.objects.filter(status=PendingOverride.Status.PENDING).count()

    activity: dict[str, list[int | None]] = {"declarations": [None] * DAYS, "checkins": [None] * DAYS}
    activity_days = DailyActivity.objects.filter(day__gte=first, day__lte=today)
    for day, declarations, checkins in activity_days.values_list("day", "declarations", "checkins"):
        activity["declarations"][(day - first).days] = declarations
        activity["checkins"][(day - first).days] = checkins
    hours, venue_types = _hours(HourlyScans.objects.filter(day=today))

    return Dashboard(
        today=today,
        days=days,
        counted_at=counted_at,
        cities=list(rows.values()),
        province=province,
        chosen_city=chosen,
        trend=trend,
        activity=activity,
        hours=hours,
        venue_types=venue_types,
        reviewers=_reviewers(first, today),
        pending_overrides=pending_overrides,
    )


def _hours(rows) -> tuple[list[dict], list[tuple[str, str]]]:
    """Scans per hour by venue type: [{hour, counts: {type: n}, total, stops}], and the types
    that had any scan, busiest first."""
    hours = [{"hour": hour, "counts": {}, "total": 0, "stops": 0} for hour in range(24)]
    per_type: dict[str, int] = {}
    for hour, venue_type, scans, stops in rows.values_list("hour", "venue_type", "scans", "stops"):
        hours[hour]["counts"][venue_type] = scans
        hours[hour]["total"] += scans
        hours[hour]["stops"] += stops
        per_type[venue_type] = per_type.get(venue_type, 0) + scans
    labels = dict(Venue.Type.choices)
    types = [(t, str(labels.get(t, t))) for t, _n in sorted(per_type.items(), key=lambda item: -item[1])]
    return hours, types


def _reviewers(first: date, today: date) -> list[ReviewerRow]:
    """Each reviewer who changed colours by hand in the window: today against their usual day."""
    per_reviewer: dict[int, dict] = {}
    for entry in ReviewerDay.objects.filter(day__gte=first, day__lte=today).select_related("reviewer"):
        person = per_reviewer.setdefault(entry.reviewer_id, {"name": entry.reviewer.get_username(), "days": {}})
        person["days"][entry.day] = entry.changes
    out = []
    for person in per_reviewer.values():
        today_n = person["days"].get(today, 0)
        before = [n for day, n in person["days"].items() if day != today and n > 0]
        usual = statistics.median(before) if before else 0.0
        out.append(
            ReviewerRow(
                name=person["name"],
                today=today_n,
                usual=usual,
                busiest=max(person["days"].values()),
                burst=today_n >= BURST_MIN and today_n >= BURST_FACTOR * usual,
            )
        )
    out.sort(key=lambda r: (not r.burst, -r.today, -r.busiest, r.name))
    return out[:REVIEWERS_SHOWN]


def chart_data(board: Dashboard) -> dict:
    """What static/js/dashboard.js draws: plain numbers and labels already translated."""
    labels = [day.strftime("%m-%d") for day in board.days]
    burst = _("Burst")
    colour_names = dict(Colour.choices)
    return {
        "texts": {
            "people_yr": _("People with a yellow or red code"),
            "people_green": _("People with a green code"),
            "hour": _("Hour"),
        },
        "trend": {
            "labels": labels,
            "series": [
                {"key": Colour.YELLOW, "label": str(colour_names[Colour.YELLOW]), "data": board.trend[Colour.YELLOW]},
                {"key": Colour.RED, "label": str(colour_names[Colour.RED]), "data": board.trend[Colour.RED]},
                {"key": Colour.GREEN, "label": _("Green (right axis)"), "data": board.trend[Colour.GREEN]},
            ],
        },
        "activity": {
            "labels": labels,
            "series": [
                {"key": "declarations", "label": _("Declarations"), "data": board.activity["declarations"]},
                {"key": "checkins", "label": _("Daily check-ins"), "data": board.activity["checkins"]},
            ],
        },
        "hours": {
            "labels": [f"{hour:02d}" for hour in range(24)],
            "series": [
                {"key": key, "label": label, "data": [h["counts"].get(key, 0) for h in board.hours]}
                for key, label in board.venue_types
            ],
        },
        "reviewers": {
            "labels": [(f"{r.name} ⚠ {burst}" if r.burst else r.name) for r in board.reviewers[:REVIEWERS_CHARTED]],
            "series": [
                {"key": "today", "label": _("Today"), "data": [r.today for r in board.reviewers[:REVIEWERS_CHARTED]]},
                {
                    "key": "usual",
                    "label": _("Usual working day"),
                    "data": [r.usual for r in board.reviewers[:REVIEWERS_CHARTED]],
                },
            ],
        },
    }
