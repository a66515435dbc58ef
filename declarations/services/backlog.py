"""The machine's review of confirmed declarations, in turns.

A confirmation enqueues no review of its own: it takes its part's turn if nobody holds it
(healthcode.hooks.enqueue_once_after_commit: one small Redis command when the turn is taken
already) and the turn's task works through every declaration of its part waiting, oldest
first, a look at a time reviewed together in one transaction (services/together.py: each
judged as `review.review` judges one; a look that fails is reviewed one by one). The
declarations are in HC_REVIEW_TURNS parts by their id (the remainder of the id divided by
it), one turn per part at a time, so that turns run side by side on the worker's processes
and never take the same declaration. The message carries the
number of parts it was sent for, so a turn sent before HC_REVIEW_TURNS changed still reviews
the declarations it was sent for. Under a station morning's peak a turn reviews hundreds of
declarations, where a task per declaration cost the worker more than the review itself and
the web a message per confirmation (bench/README.md, session 13); when few people declare,
each confirmation still starts a turn at once.

A turn looks again at once after a full look, HC_REVIEW_PACE_MS after a look that found a
few (those confirmed meanwhile are then reviewed together: a look each cost the worker and
Postgres nearly what a look of several costs), and a look that finds nothing waits
HC_REVIEW_LINGER_MS once and looks again before the turn is given back: while people keep
declaring, their confirmations find it taken (no message, no task each), and a declaration
confirmed meanwhile waits that long at most before its review starts. A turn lasts
`TURN_SECONDS` at most: then it passes the turn on to a new task of its part (a worker's warm
shutdown never waits long for it). HC_REVIEW_TURNS is for the whole deployment (the key is in
the shared Redis): more workers review no faster unless it is raised with them, and it
should stay below the number of worker processes, so that the SMS sender, tracing and the
sweeps find a process while turns linger. Web and worker processes must share the cache
(the same REDIS_URL and CACHE_KEY_PREFIX), where the turn is taken and given back.

What comes back when something fails, as for the SMS sender (family.services.inbox):
- A turn that finds less than a full batch gives the turn back, then looks once more: a
  declaration confirmed while the turn was taken is seen by that look, and one confirmed
  after it starts a new turn.
- A turn refreshes its key at every look, so a turn that dies (a worker killed: its message
  waits unacknowledged for the visibility timeout) lets go of it `TURN_HOLD` seconds later;
  then the next confirmation of the part, or beat's `wake_stalled` (HC_SWEEP_EVERY_SECONDS),
  starts a new turn, which reviews what the dead one left. The sweeper (review.sweep_stuck,
  five minutes) is the last resort.
- A look that fails (a declaration whose review raises) is reviewed one by one; a
  declaration whose review raises is the sweeper's from then on (one attempt counted, one
  task of its own later, a reviewer after HC_SWEEP_MAX): turns take only declarations the
  sweeper never touched, so one that cannot be reviewed does not stop the rest, nor is it
  tried again by every turn. A look's database error (a deadlock) sends it one by one, where
  a declaration's is tried once more; with the connection lost, the task retries. A person
  without a code (nothing could colour it) is never looked at by a turn: the sweeper finds
  it.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from declarations.models import Declaration
from declarations.services import together
from declarations.services.review import review
from healthcode.hooks import enqueue_once, enqueue_once_after_commit, release

log = logging.getLogger(__name__)

TURN_TASK = "declarations.tasks.review_confirmed"
TURN_KEY = "declarations:review-turn:%d/%d"  # a part, of how many
TURN_HOLD = 15  # seconds a turn stays taken after its last look (or its message was sent)
BATCH = 100  # declarations a look takes
TURN_SECONDS = 30.0  # then the turn passes to a new task
STALLED_AFTER = timedelta(seconds=10)  # beat wakes a part whose oldest waiting is this old
# Errors the task retries (healthcode.taskoptions.RELIABLE): the turn starts over.
RETRIED = (OperationalError, InterfaceError)


def key_of(part: int, turns: int) -> str:
    return TURN_KEY % (part, turns)


def turn_keys(turns: int | None = None) -> list[str]:
    turns = turns or settings.HC_REVIEW_TURNS
    return [key_of(part, turns) for part in range(turns)]


def after_confirm(declaration_id: int) -> None:
    """A declaration was confirmed in the current transaction: after commit, its part's turn
    reviews it."""
    turns = settings.HC_REVIEW_TURNS
    part = declaration_id % turns
    enqueue_once_after_commit(TURN_TASK, key_of(part, turns), hold=TURN_HOLD, args=(part, turns))


def waiting(part: int, turns: int, batch: int = BATCH, *, before: datetime | None = None) -> list[int]:
    """Up to `batch` of a part's declarations waiting for a turn, oldest first, as a look
    chooses them (together.waiting); with `before`, only those confirmed before it (the
    oldest come first, so those of the batch are all there are)."""
    rows = together.waiting(part, turns, batch)
    if before is not None:
        rows = rows.filter(confirmed_at__lt=before)
    return list(rows.values_list("pk", flat=True))


def review_confirmed(
    part: int,
    turns: int,
    *,
    batch: int = BATCH,
    linger: float | None = None,
    pace: float | None = None,
    turn_seconds: float = TURN_SECONDS,
) -> int:
    """A part's turn: review its confirmed declarations, a batch at a time, looking again at
    once after a full batch, after `pace` seconds (else HC_REVIEW_PACE_MS) after a look that
    found fewer, and once after `linger` seconds (else HC_REVIEW_LINGER_MS) when it finds
    none; then give the turn back and look once more, until a look finds less than a full
    batch. After `turn_seconds`, a new task of the part takes the turn over (it stays
    taken). Returns how many this turn reviewed."""
    from declarations.tasks import review_confirmed as turn_task  # tasks import services: import late

    key = key_of(part, turns)
    linger = settings.HC_REVIEW_LINGER_MS / 1000 if linger is None else linger
    pace = settings.HC_REVIEW_PACE_MS / 1000 if pace is None else pace
    reviewed, released, lingered = 0, False, False
    ends = time.monotonic() + turn_seconds
    while True:
        if not released:
            _keep(key)  # a live turn's key does not lapse
            if time.monotonic() >= ends:
                turn_task.delay(part, turns)  # the turn passes on, still taken
                return reviewed
        found, done = _look(part, turns, batch)
        reviewed += done
        if found == batch:
            if released and time.monotonic() >= ends:
                return reviewed  # given back and out of time: a new turn (a confirmation, the wake) goes on
            continue  # more may wait
        if released:
            return reviewed
        if found:
            lingered = False  # people are declaring: let a few more confirm, then look again
            _pause(pace)
            continue
        if linger and not lingered:
            lingered = True
            _pause(linger)  # nothing now: wait once for more
            continue
        release(key)
        released = True


def _pause(seconds: float) -> None:
    if seconds:
        time.sleep(seconds)


def give_back(part: int, turns: int) -> None:
    """A turn that failed where nothing retries it (run eagerly, inside a request)."""
    release(key_of(part, turns))


def wake_stalled(*, now: datetime | None = None) -> list[int]:
    """Beat: take the turn of every part whose oldest waiting declaration was confirmed more
    than STALLED_AFTER ago (its turn died, or its message was lost) and send it, unless the
    part's turn is taken (then nothing is sent). Returns the parts whose turn was sent."""
    turns = settings.HC_REVIEW_TURNS
    before = (now or timezone.now()) - STALLED_AFTER
    woken = []
    for part in range(turns):
        if waiting(part, turns, 1, before=before) and enqueue_once(
            TURN_TASK, key_of(part, turns), hold=TURN_HOLD, args=(part, turns)
        ):
            woken.append(part)
    return woken


def _look(part: int, turns: int, batch: int) -> tuple[int, int]:
    """One look: the part's oldest waiting declarations reviewed together
    (services/together.py); when that fails, one by one, so that a declaration's failure
    costs only its own review. Returns how many the look found and how many it reviewed."""
    try:
        found, reviewed = together.look(part, turns, batch)
    except RETRIED:
        if not connection.is_usable():
            raise  # the database is away: the task retries the turn
        log.warning("a look of part %d/%d failed in the database; reviewing one by one", part, turns)
    except Exception:  # one declaration's failure is not the look's: found one by one
        log.warning("a look of part %d/%d failed; reviewing one by one", part, turns, exc_info=True)
    else:
        return found, len(reviewed)
    ids = waiting(part, turns, batch)
    return len(ids), sum(_review_one(pk) for pk in ids)


def _review_one(pk: int) -> int:
    """Review one declaration of the turn; 1 if this turn reviewed it. A failure, or a
    declaration left confirmed (its code removed meanwhile), goes to the sweeper; the turn
    goes on."""
    try:
        try:
            done = review(pk)
        except RETRIED:
            if not connection.is_usable():
                raise  # the database is away: the task retries the turn
            done = review(pk)  # a statement's failure (a deadlock): once more
    except RETRIED:
        if not connection.is_usable():
            raise
        log.warning("review of declaration %s failed twice in the database; the sweeper sends it again", pk)
        _hand_to_sweeper(pk)
        return 0
    except Exception:  # one declaration's failure is not the turn's
        log.exception("review of declaration %s failed; the sweeper sends it again", pk)
        _hand_to_sweeper(pk)
        return 0
    if done is None:
        _hand_to_sweeper(pk)  # left confirmed: not again in every look; else a no-op
        return 0
    return 1


def _keep(key: str) -> None:
    try:
        cache.set(key, 1, TURN_HOLD)
    except RedisError:
        log.warning("could not keep %s taken in the cache; a confirmation may start another turn", key)


def _hand_to_sweeper(pk: int) -> None:
    # Counted as one attempt: the sweeper re-enqueues it after its period, then a reviewer.
    Declaration.objects.filter(pk=pk, status=Declaration.Status.CONFIRMED).update(
        sweeps=F("sweeps") + 1, swept_at=timezone.now()
    )
