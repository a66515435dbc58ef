"""The risk areas in force, as the rules take them.

The areas change a few times a day; a review reads them on every declaration (200 a second at
a morning's peak). So each process keeps what it read for `settings.HC_AREA_REFRESH_SECONDS`
(2 s) and filters it by the review's own time: a review sees an area at most that long after it
is saved in another process, and at once in the process that saved it. The re-review an area
starts (`review.area_saved`) is due `settle()` after the area, so that the declarations
reviewed meanwhile with the areas read before it are among those it re-reviews. 0 seconds
reads them every time (the tests do, except the ones of this cache).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from declarations import rules
from declarations.models import RiskArea, RiskLevel

LOOKBACK = timedelta(days=rules.LOOKBACK_DAYS)
# What one read keeps: the areas that end no earlier than this before the read's time (so a
# review may ask about a time up to this before the read: a retried task, a test's clock).
SLACK = timedelta(days=1)
# Longer than the refresh plus a review's transaction (a few ms; seconds when it waits for a lock).
EXTRA_SETTLE = timedelta(seconds=5)


def refresh_seconds() -> int:
    return settings.HC_AREA_REFRESH_SECONDS


def settle() -> timedelta:
    """How long after an area is saved every process's reviews have seen it."""
    return timedelta(seconds=refresh_seconds()) + EXTRA_SETTLE


def active_areas(now: datetime, *, since: datetime | None = None) -> tuple[rules.Area, ...]:
    """The medium- and high-risk areas in force at some time between `since` (default: 14
    days before `now`) and `now`, read from the database."""
    rows = _raised_areas(ending_after=since or now - LOOKBACK).filter(effective_from__lte=now)
    return tuple(area.as_rule_area() for area in rows)


def _raised_areas(*, ending_after: datetime):
    """Medium- and high-risk areas that have no end or end after `ending_after`."""
    return RiskArea.objects.filter(level__in=[RiskLevel.MEDIUM, RiskLevel.HIGH]).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gt=ending_after)
    )


@dataclass(frozen=True)
class _Read:
    at: float  # clock() when read
    wall: datetime  # the time the read kept areas for (see SLACK)
    areas: tuple[tuple[datetime, datetime | None, rules.Area], ...]  # from, until, the area


class AreaCache:
    """The medium- and high-risk areas, read at most every `refresh_seconds()` per process."""

    clock = staticmethod(time.monotonic)

    def __init__(self) -> None:
        self._read: _Read | None = None
        self._bypass_until = 0.0  # an area written in this process and not committed yet
        self._lock = threading.Lock()

    def in_force(self, now: datetime) -> tuple[rules.Area, ...]:
        """What `active_areas(now)` gives, from this process's last read if it is recent."""
        refresh = refresh_seconds()
        moment = self.clock()
        if refresh <= 0 or moment < self._bypass_until:
            return active_areas(now)
        read = self._read
        if read is None or moment - read.at >= refresh:
            read = self._load(moment)
        if now < read.wall - SLACK:  # a time long before the read: it does not keep that
            return active_areas(now)
        since = now - LOOKBACK
        return tuple(area for start, until, area in read.areas if start <= now and (until is None or until > since))

    def _load(self, moment: float) -> _Read:
        wall = timezone.now()
        rows = _raised_areas(ending_after=wall - LOOKBACK - SLACK)
        read = _Read(moment, wall, tuple((r.effective_from, r.effective_until, r.as_rule_area()) for r in rows))
        with self._lock:
            if moment >= self._bypass_until:
                self._read = read
        return read

    def forget(self) -> None:
        """An area was written here: read again after commit, and from the database until then
        (what another thread would read now might be rolled back, or not committed yet)."""
        with self._lock:
            self._read = None
            self._bypass_until = self.clock() + max(refresh_seconds(), 1)

    def committed(self) -> None:
        with self._lock:
            self._read = None
            self._bypass_until = 0.0


areas_in_force = AreaCache()


def _area_written(sender, **kwargs) -> None:
    areas_in_force.forget()
    transaction.on_commit(areas_in_force.committed)


def connect() -> None:
    """From the app's ready(): every write of an area through the ORM's save and delete (the
    admin's) reaches this process's reads at once. A queryset's update() does not: the refresh."""
    post_save.connect(_area_written, sender=RiskArea, dispatch_uid="declarations.areas.saved")
    post_delete.connect(_area_written, sender=RiskArea, dispatch_uid="declarations.areas.deleted")
