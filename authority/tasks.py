"""Tasks take ids (here none), are idempotent and only call a service."""

import logging

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError

from authority.services.figures import count_figures as count
from healthcode.priorities import HOUSEKEEPING

log = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    priority=HOUSEKEEPING,
)
def count_figures() -> str:
    """Beat, every HC_DASHBOARD_EVERY_MINUTES: today's figures for the dashboard."""
    try:
        return str(count().day)
    except IntegrityError:
        # Another count (beat and "Count now" at once) replaced the same day's rows first.
        log.info("dashboard figures: another count ran at the same time; this one gives way")
        return ""
