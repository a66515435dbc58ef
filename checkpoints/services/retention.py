"""The scan log is kept no longer than needed: HC_SCAN_RETENTION_DAYS (default 28)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from checkpoints.models import Scan, Venue

BATCH = 5000


def purge_scans(*, now: datetime | None = None, days: int | None = None, batch: int = BATCH) -> int:
    """Delete scans made more than `days` ago (with their medicine-purchase records), venue by
    venue (the scan log's (venue, time) index finds them; no index on time alone slows every
    scan's insert) and in batches, so that no long lock is held. Safe to run twice or
    concurrently. Returns how many scans were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days if days is not None else settings.HC_SCAN_RETENTION_DAYS)
    deleted = 0
    for venue_id in Venue.objects.order_by("pk").values_list("pk", flat=True).iterator():
        while True:
            old = Scan.objects.filter(venue_id=venue_id, scanned_at__lt=cutoff).order_by()
            ids = list(old.values_list("pk", flat=True)[:batch])
            if not ids:
                break
            _, per_model = Scan.objects.filter(pk__in=ids).delete()
            deleted += per_model.get(Scan._meta.label, 0)
    return deleted
