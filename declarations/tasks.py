"""Background review. Tasks take ids, are idempotent and only call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from declarations import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=12,
)
def review_declaration(declaration_id: int) -> None:
    services.review(declaration_id)
