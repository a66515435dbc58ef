"""Tasks take ids (here none), are idempotent and only call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from authority.services.figures import count_figures as count


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def count_figures() -> str:
    """Beat, every HC_DASHBOARD_EVERY_MINUTES: today's figures for the dashboard."""
    return str(count().day)
