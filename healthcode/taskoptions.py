"""The options every task of ours takes (DESIGN.md, "Layers"): acknowledged late, re-queued
if its worker dies, transient database errors retried with backoff."""

from django.db import InterfaceError, OperationalError

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 12,
}
