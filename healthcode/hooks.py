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
`enqueue_once_after_commit` enqueues a task that works through everything of its kind that
is waiting (the SMS of the inbox, the confirmed declarations of one part of the review): one
such task at a time per key, not one per fact; `enqueue_once` does it at once (a beat task).

Some writes belong in the same transaction as the fact itself: the inbox message of a colour
change is written with the change, so that it exists exactly when the change does (no task,
no sweep, no second delivery); so is the message of a colour extended for a new reason
("period_extended"). `within(fact, ...)` calls the functions wired to the fact in
settings.HC_SAME_TRANSACTION, at once, in the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache as cache_function
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
# Seconds an enqueue-once turn stays taken after the broker could not be reached.
BROKER_RETRY = 5


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


def within(fact: str, *args: Any) -> None:
    """Call every function wired to `fact` (settings.HC_SAME_TRANSACTION) now, in the caller's
    transaction: what they write commits or rolls back with the fact."""
    for path in settings.HC_SAME_TRANSACTION.get(fact, ()):
        _function(path)(*args)


def enqueue_once_after_commit(task_path: str, key: str, *, hold: int = 60, args: tuple[int, ...] = ()) -> None:
    """After commit, enqueue the task (with `args`) unless one is already waiting: the first
    caller takes `key` in the cache and enqueues, callers while it is taken do nothing. The
    task gives the key back (`release`) when a look finds nothing left, then looks once more:
    what a caller committed before finding the key taken is seen by that last look; a caller
    after the release enqueues a new task. A broker that cannot be reached holds the key
    BROKER_RETRY seconds only (then the next caller tries again); a task that never runs (a
    worker killed) keeps it `hold` seconds at most (the review's turns refresh it at every
    look), and a beat task sends what waits meanwhile (the SMS sweep; the review's wake).
    A cache that cannot be reached: the task is enqueued all the same."""
    # robust: run eagerly (no broker: tests, `make run`), the task works through everyone's
    # waiting work; its error is logged, never raised into the caller whose write committed.
    transaction.on_commit(partial(_send_once, task_path, key, hold, args), robust=True)


def enqueue_once(task_path: str, key: str, *, hold: int = 60, args: tuple[int, ...] = ()) -> bool:
    """`enqueue_once_after_commit` now (a beat task that finds work waiting, outside any
    write): True if the task was sent, False if one holds the key or the broker is away."""
    return _send_once(task_path, key, hold, args)


def release(key: str) -> None:
    """The task of `enqueue_once_after_commit` found nothing left: the next caller enqueues."""
    try:
        cache.delete(key)
    except RedisError:
        log.warning("could not release %s in the cache; it expires by itself", key)


def _send_once(task_path: str, key: str, hold: int, args: tuple[int, ...] = ()) -> bool:
    try:
        first = cache.add(key, 1, hold)
    except RedisError:  # a cache that cannot be reached must not stop the task
        log.warning("could not take %s in the cache; enqueuing all the same", key)
        first = True
    if not first:
        return False
    if not _send(_function(task_path), args):
        # Nothing was enqueued: the turn is held a few seconds only, then the next caller tries
        # again (not every caller: each failed publish waits out kombu's retries).
        _hold_briefly(key)
        return False
    return True


def _hold_briefly(key: str) -> None:
    try:
        cache.set(key, 1, BROKER_RETRY)
    except RedisError:
        pass  # no cache: nothing is held, and the take above was logged already


@cache_function
def _function(path: str):
    return import_string(path)


def _enqueue(path: str, args: tuple[int, ...]) -> None:
    _send(_function(path), args)


def _send(task, args: tuple, eta: datetime | None = None) -> bool:
    try:
        if eta is None:
            task.delay(*args)
        else:
            task.apply_async(args, eta=eta)
    except BrokerError:
        log.exception("could not enqueue %s%r; its sweep will pick it up", task.name, args)
        return False
    return True
