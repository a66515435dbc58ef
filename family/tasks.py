"""Notification tasks. Tasks take ids, are idempotent and only call a service."""

from celery import shared_task

from family.services import inbox
from healthcode.priorities import FOLLOW_UP
from healthcode.taskoptions import RELIABLE


@shared_task(**RELIABLE, priority=FOLLOW_UP)
def send_waiting_sms() -> None:
    """After a colour change commits, unless one is waiting already (family.services.inbox):
    every SMS that waits, in batches."""
    inbox.send_waiting()


@shared_task(**RELIABLE, priority=FOLLOW_UP)
def notify_colour_change(change_id: int) -> None:
    """What the previous version enqueued after every colour change: its queued messages still
    find this task after an upgrade. The message (if the change has none) and the waiting SMS."""
    inbox.deliver(change_id)
    inbox.send_waiting()


@shared_task(**RELIABLE, priority=FOLLOW_UP)
def dispatch_notifications() -> None:
    """Beat, every HC_NOTIFY_SWEEP_SECONDS: a change without its message, claims of senders
    that died, SMS refused before and due again."""
    inbox.sweep()
