"""What a venue's manager sees: today's scans by colour and by hour, and recent stops."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from checkpoints.models import Scan, Venue
from healthcode.colours import Colour

# The manager page's categories, in the order the chart stacks them.
GREEN, YELLOW, RED, INVALID = "green", "yellow", "red", "invalid"
BUCKETS = (GREEN, YELLOW, RED, INVALID)


def bucket_of(result: str, colour: str) -> str:
    """Passed (green); stopped for a yellow or red code; stopped for a code that is not valid
    (expired, forged, out of date, not a health code, nobody's)."""
    if result == Scan.Result.OK:
        return GREEN
    if result == Scan.Result.NOT_GREEN and colour in (Colour.YELLOW, Colour.RED):
        return colour
    return INVALID


@dataclass
class DayStats:
    day: date
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    hours: list[dict[str, int]] = field(default_factory=lambda: [dict.fromkeys(BUCKETS, 0) for _ in range(24)])
    entries: int = 0
    exits: int = 0

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def stops(self) -> int:
        return self.total - self.totals[GREEN]

    @property
    def busiest_hour(self) -> int:
        return max(sum(hour.values()) for hour in self.hours)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=_zone())
    return start, start + timedelta(days=1)


def today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(_zone()).date()


def day_stats(venue: Venue, day: date) -> DayStats:
    """Counts for one day (the service's time zone) in two grouped queries."""
    start, end = day_bounds(day)
    scans = Scan.objects.filter(venue=venue, scanned_at__gte=start, scanned_at__lt=end).order_by()
    stats = DayStats(day)
    rows = (
        scans.annotate(hour=ExtractHour("scanned_at", tzinfo=_zone()))
        .values("hour", "result", "colour")
        .annotate(n=Count("id"))
    )
    for row in rows:
        bucket = bucket_of(row["result"], row["colour"])
        stats.totals[bucket] += row["n"]
        stats.hours[row["hour"]][bucket] += row["n"]
    for row in scans.values("direction").annotate(n=Count("id")):
        if row["direction"] == Scan.Direction.ENTRY:
            stats.entries = row["n"]
        else:
            stats.exits = row["n"]
    return stats


def recent_stops(venue: Venue, *, limit: int = 20) -> QuerySet[Scan]:
    """The latest attempts that did not pass, newest first."""
    return (
        Scan.objects.filter(venue=venue)
        .exclude(result=Scan.Result.OK)
        .select_related("applicant", "staff", "api_key")
        .order_by("-scanned_at", "-id")[:limit]
    )


def recent_scans(venue: Venue, *, limit: int = 100) -> QuerySet[Scan]:
    return (
        Scan.objects.filter(venue=venue)
        .select_related("applicant", "staff", "api_key")
        .order_by("-scanned_at", "-id")[:limit]
    )
