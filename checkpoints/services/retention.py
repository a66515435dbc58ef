"""The scan log is kept no longer than needed: HC_SCAN_RETENTION_DAYS (default 28)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from checkpoints.models import Scan

BATCH = 5000


def purge_scans(*, now: datetime | None = None, days: int | None = None, batch: int = BATCH) -> int:
    """Delete scans made more than `days` ago (with their medicine-purchase records), in
    batches so that no long lock is held. Safe to run twice or concurrently. Returns how many
    scans were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days if days is not None else settings.HC_SCAN_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(Scan.objects.filter(scanned_at__lt=cutoff).order_by().values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        _, per_model = Scan.objects.filter(pk__in=ids).delete()
        deleted += per_model.get(Scan._meta.label, 0)
