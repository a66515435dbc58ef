"""Count the dashboard's figures for a day into the small daily tables (authority/models.py).

Run by beat every HC_DASHBOARD_EVERY_MINUTES (authority.tasks.count_figures). Each figure is
one grouped query over one day's slice of a table, through an index on its time column:

- people by colour per city: codes joined to their holders, grouped by city and colour (the
  whole table, but once per run, not once per view; a code only knows its colour *now*, so
  this is also the only moment that day's figure can be taken);
- declarations confirmed that day (index on status, confirmed_at);
- daily check-ins of that day (index on day);
- scans per hour, one query per venue type (index on venue, scanned_at: one range per venue),
  from the previous hour on: the earlier hours of the day keep their count;
- colour changes made by hand, per reviewer (index on created).

A day's rows are replaced in one transaction, so the dashboard sees the old or the new count,
never half. The first run after midnight also closes the previous day, all its hours (scans
uploaded late by offline checkpoints, check-ins just before midnight); the colours of the
previous day stay as last counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from authority.models import ColourCount, DailyActivity, HourlyScans, ReviewerDay
from checkpoints.models import Scan, Venue
from declarations.models import CheckIn, Declaration
from family.models import Applicant
from healthcode.models import ColourChange


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=zone())
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone())


@dataclass(frozen=True)
class Counted:
    day: date
    closed_previous: bool


def count_figures(now: datetime | None = None) -> Counted:
    """Count today's figures; close yesterday's activity if no count was taken after it ended
    (the first run after midnight, or the first run ever)."""
    now = now or timezone.now()
    today = local_day(now)
    yesterday = today - timedelta(days=1)
    closed = DailyActivity.objects.filter(day=yesterday, counted_at__gte=day_bounds(yesterday)[1]).exists()
    if not closed:
        count_activity(yesterday, now)
    count_colours(today, now)
    # Scans are recounted from the hour before the last count on: the earlier hours are done
    # (a late upload into them is counted when the day closes).
    last = DailyActivity.objects.filter(day=today).values_list("counted_at", flat=True).first()
    from_hour = max(0, last.astimezone(zone()).hour - 1) if last and local_day(last) == today else 0
    count_activity(today, now, from_hour=from_hour)
    return Counted(today, closed_previous=not closed)


def count_colours(day: date, now: datetime) -> None:
    """People by colour per city: everyone holding a code who has declared in a city."""
    rows = (
        Applicant.objects.filter(city__isnull=False, health_code__isnull=False)
        .values("city_id", "health_code__colour")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = [
        ColourCount(day=day, city_id=row["city_id"], colour=row["health_code__colour"], people=row["n"], counted_at=now)
        for row in rows
    ]
    with transaction.atomic():
        ColourCount.objects.filter(day=day).delete()
        ColourCount.objects.bulk_create(counts)


def count_activity(day: date, now: datetime, *, from_hour: int = 0) -> None:
    """Declarations, check-ins, scans per hour and venue type, reviewers' changes of one day;
    the scans only from `from_hour` on (the day's other hours keep their count)."""
    start, end = day_bounds(day)
    scans_from = start + timedelta(hours=from_hour)  # Asia/Shanghai has no daylight saving time
    declarations = (
        Declaration.objects.filter(
            status__in=[Declaration.Status.CONFIRMED, Declaration.Status.REVIEWED, Declaration.Status.NEEDS_REVIEW],
            confirmed_at__gte=start,
            confirmed_at__lt=end,
        )
        .order_by()
        .count()
    )
    checkins = CheckIn.objects.filter(day=day).order_by().count()
    venues_of_type: dict[str, list[int]] = {}
    for pk, venue_type in Venue.objects.values_list("pk", "type"):
        venues_of_type.setdefault(venue_type, []).append(pk)
    hourly = []
    for venue_type, venue_ids in venues_of_type.items():
        # venue_id = ANY(...) AND scanned_at in the day: one index range per venue, no scan of
        # the whole log (Scan has no index on time alone: it would slow every insert).
        rows = (
            Scan.objects.filter(venue_id__in=venue_ids, scanned_at__gte=scans_from, scanned_at__lt=end)
            .annotate(hour=ExtractHour("scanned_at", tzinfo=zone()))
            .values("hour")
            .annotate(n=Count("id"), stops=Count("id", filter=~Q(result=Scan.Result.OK)))
            .order_by()
        )
        hourly += [
            HourlyScans(day=day, hour=row["hour"], venue_type=venue_type, scans=row["n"], stops=row["stops"])
            for row in rows
        ]
    by_reviewer = (
        ColourChange.objects.filter(
            source=ColourChange.Source.REVIEWER, actor__isnull=False, created__gte=start, created__lt=end
        )
        .values("actor_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    reviewer_days = [ReviewerDay(day=day, reviewer_id=row["actor_id"], changes=row["n"]) for row in by_reviewer]
    with transaction.atomic():
        DailyActivity.objects.update_or_create(
            day=day, defaults={"declarations": declarations, "checkins": checkins, "counted_at": now}
        )
        HourlyScans.objects.filter(day=day, hour__gte=from_hour).delete()
        HourlyScans.objects.bulk_create(hourly)
        ReviewerDay.objects.filter(day=day).delete()
        ReviewerDay.objects.bulk_create(reviewer_days)
