"""Background work that follows a committed fact, wired by task name in settings.

Imports run one way (DESIGN.md, "Layers"), yet some facts written low are acted on higher
up: every colour change (core) reaches the person it concerns through the family app's
inbox and SMS; a case recorded by declarations is traced in the checkpoints' scan log. The
lower layer names the fact (`after_commit("colour_changed", change_id)`) and imports nothing
above it; settings, the top that wires everything, lists the Celery tasks that run for it as
dotted paths (HC_HOOKS, like Django's EMAIL_BACKEND). Each task takes ids and is idempotent.

The tasks are enqueued after the transaction commits. Without a broker they run at once
in-process (eager, as every task does then). With one, a broker that cannot be reached at
that moment is logged, not raised into the caller whose write has already committed: every
hook has a beat sweep that finds what was missed (HC_HOOKS names them next to each hook).

`enqueue_after_commit` does the same for one task an app enqueues itself, on the same terms:
the work it stands for is written down first (a confirmed declaration, a health event due for
re-assessment, a risk area due for re-review, a trace asked for again), so that a beat sweep
finds it again when the message never reached the broker (CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)


def after_commit(fact: str, *args: int) -> None:
    """Enqueue, after the current transaction commits, every task wired to `fact`."""
    for path in settings.HC_HOOKS.get(fact, ()):
        transaction.on_commit(partial(_enqueue, path, args))


def enqueue_after_commit(task, *args: int | list[int], eta: datetime | None = None) -> None:
    """Enqueue one task after the current transaction commits (not before `eta`, if given), on
    the same terms: a broker that cannot be reached is logged, not raised into the caller whose
    write has committed (a person's confirmed declaration must not become a server error). Only
    for work that a sweep finds again (the declarations' sweeper re-enqueues an unreviewed
    declaration)."""
    transaction.on_commit(partial(_send, task, args, eta))


def _enqueue(path: str, args: tuple[int, ...]) -> None:
    _send(import_string(path), args)


def _send(task, args: tuple, eta: datetime | None = None) -> None:
    try:
        if eta is None:
            task.delay(*args)
        else:
            task.apply_async(args, eta=eta)
    except BrokerError:
        log.exception("could not enqueue %s%r; its sweep will pick it up", task.name, args)
