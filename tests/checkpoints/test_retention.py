"""Scans are kept HC_SCAN_RETENTION_DAYS (default 28), then purged by a Celery beat task."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from checkpoints.models import Purchase, Scan
from checkpoints.services.retention import purge_scans
from checkpoints.services.scanlog import insert_scan
from checkpoints.tasks import purge_old_scans
from tests.checkpoints.conftest import nonce


def logged(venue, days_ago: float) -> int:
    at = timezone.now() - timedelta(days=days_ago)
    return insert_scan(
        venue_id=venue.pk,
        staff_id=None,
        api_key_id=None,
        applicant_id=None,
        result="malformed",
        colour="",
        paper=False,
        direction="entry",
        source="staff",
        nonce=nonce(),
        issued_at=None,
        scanned_at=at,
        created=at,
    )


def test_the_default_is_28_days():
    assert settings.HC_SCAN_RETENTION_DAYS == 28


def test_older_scans_are_purged_and_recent_ones_kept(venue, other_venue):
    old = [logged(venue, 28.01), logged(venue, 40)]
    kept = [logged(venue, 27.9), logged(venue, 0), logged(other_venue, 1)]
    old.append(logged(other_venue, 29))
    Purchase.objects.create(scan_id=old[0], medicines=["fever"])
    assert purge_scans() == 3
    assert sorted(Scan.objects.values_list("pk", flat=True)) == sorted(kept)
    assert not Purchase.objects.exists()
    assert purge_scans() == 0  # a second run finds nothing


def test_the_period_is_configurable(venue, settings):
    settings.HC_SCAN_RETENTION_DAYS = 7
    logged(venue, 8)
    logged(venue, 6)
    assert purge_scans() == 1


def test_purging_in_batches(venue):
    for _ in range(7):
        logged(venue, 30)
    assert purge_scans(batch=3) == 7
    assert not Scan.objects.exists()


def test_the_beat_task(venue):
    logged(venue, 30)
    assert purge_old_scans.delay().get() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["purge-old-scans"]
    assert entry["task"] == "checkpoints.tasks.purge_old_scans"
    # The colleagues' entries are still there.
    assert {"close-checkin-days", "sweep-stuck-declarations"} <= set(settings.CELERY_BEAT_SCHEDULE)
