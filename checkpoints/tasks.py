"""Checkpoint tasks. Tasks take ids, are idempotent and only call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from checkpoints.services.retention import purge_scans


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def purge_old_scans() -> int:
    """Run by Celery beat every night (CELERY_BEAT_SCHEDULE, "purge-old-scans")."""
    return purge_scans()
