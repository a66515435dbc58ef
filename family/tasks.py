"""Notification tasks. Tasks take ids, are idempotent and only call a service."""

from celery import shared_task

from family.services import inbox
from healthcode.priorities import FOLLOW_UP
from healthcode.taskoptions import RELIABLE


@shared_task(**RELIABLE, priority=FOLLOW_UP)
def notify_colour_change(change_id: int) -> None:
    """After every colour change commits (settings.HC_HOOKS, "colour_changed"): the inbox
    message and the SMS for the account that holds the code."""
    inbox.notify(change_id)


@shared_task(**RELIABLE, priority=FOLLOW_UP)
def dispatch_notifications() -> None:
    """Beat, every HC_NOTIFY_SWEEP_SECONDS: what the on-commit task missed, and SMS to retry."""
    inbox.sweep()
