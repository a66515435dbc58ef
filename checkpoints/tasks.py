"""Checkpoint tasks. Tasks take ids, are idempotent and only call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from checkpoints.services import tracing
from checkpoints.services.retention import purge_scans
from healthcode.priorities import HOUSEKEEPING
from healthcode.taskoptions import RELIABLE


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    priority=HOUSEKEEPING,
)
def purge_old_scans() -> int:
    """Run by Celery beat every night (CELERY_BEAT_SCHEDULE, "purge-old-scans")."""
    return purge_scans()


@shared_task(**RELIABLE)
def trace_case(event_id: int) -> None:
    """After a confirmed or suspected case is recorded (settings.HC_HOOKS, "case_recorded"):
    find and flag its companions and family members (checkpoints.services.tracing)."""
    tracing.trace_case(event_id)


@shared_task(**RELIABLE)
def trace_untraced_cases() -> None:
    """Beat, every HC_TRACE_SWEEP_SECONDS: trace any recent case whose task was lost, and
    trace again any case whose "Trace again" task was lost."""
    for event_id in dict.fromkeys([*tracing.untraced_cases(), *tracing.retraces_due()]):
        trace_case.delay(event_id)
