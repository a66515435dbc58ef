"""Days as people in Henan count them: Asia/Shanghai, whatever the server's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def day_start(day: date) -> datetime:
    """Midnight at the start of `day`, Asia/Shanghai."""
    return datetime.combine(day, time.min, tzinfo=CHINA)


def first_counted_day(colour_since: datetime) -> date:
    """Check-ins count from the day after a colour began."""
    return local_day(colour_since) + timedelta(days=1)
