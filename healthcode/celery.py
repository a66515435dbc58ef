"""The Celery app: settings come from Django's (CELERY_*), tasks from every installed app.

Database connections in a worker live as they do in a web process. Celery's Django fixup
would close every connection around every task (a new Postgres backend per task: connect,
authentication, and the backend's catalog caches filled again, which cost more than the
review itself, bench/README.md); settings.CELERY_DB_REUSE_MAX turns that off. Instead, before
and after each task, `close_old_connections` closes a connection exactly when Django closes
one around a request: older than DB_CONN_MAX_AGE (0: after every task), broken by an error
(a task that failed on a lost connection, retried with backoff, gets a new one), or left
inside a transaction. DB_CONN_HEALTH_CHECKS then pings a kept connection before its first
query in each task, as in a request.
"""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcode.settings")

app = Celery("healthcode")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(sender=None, **_kwargs) -> None:
    """Around a task run by a worker (not an eager one: that runs inside its caller's request
    or transaction, whose connection is the caller's)."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections as close_old

    close_old()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_numbers_in_logs(logger=None, **_kwargs) -> None:
    """A worker or beat replaces the root logger's handlers (settings.LOGGING's, which mask
    numbers) with its own, and gives the task logger one: mask in those too."""
    from healthcode.logmask import mask_handlers

    if logger is not None:
        mask_handlers(logger)
