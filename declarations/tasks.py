"""Background review. Tasks take ids, are idempotent and only call a service.

Every task acknowledges late and is re-queued if its worker dies (acks_late,
reject_on_worker_lost), and retries transient database and broker errors with backoff. The
beat schedule (healthcode/settings.py, CELERY_BEAT_SCHEDULE) runs the last four.
"""

from celery import shared_task
from kombu.exceptions import OperationalError as BrokerError

from declarations.services import backlog
from declarations.services.checkins import close_due_days
from declarations.services.events import sweep_unassessed
from declarations.services.review import reassess_areas, rereview, review, sweep_stuck, sweep_unreviewed_areas
from declarations.services.review import reassess_people as reassess
from healthcode.taskoptions import RELIABLE as RELIABLE_BASE

# Broker errors too: these tasks enqueue others (re-review, reassessment).
RELIABLE = RELIABLE_BASE | {"autoretry_for": (*RELIABLE_BASE["autoretry_for"], BrokerError)}


@shared_task(bind=True, **RELIABLE)
def review_confirmed(self, part: int, turns: int) -> None:
    """After a confirmation, unless its part's turn is running already
    (declarations.services.backlog): the part's confirmed declarations, oldest first, a look
    at a time (declarations.services.together). Run eagerly (no broker: inside the person's
    request), it neither lingers nor paces (the person would wait for it), and a failure
    gives the turn back (nothing retries it there)."""
    eager = self.request.is_eager
    try:
        backlog.review_confirmed(part, turns, linger=0 if eager else None, pace=0 if eager else None)
    except Exception:
        if eager:
            backlog.give_back(part, turns)
        raise


@shared_task(**RELIABLE)
def wake_review_turns() -> None:
    """Periodic: start the turn of a part whose declarations have waited too long (a turn
    that died with its worker, a message lost with Redis)."""
    backlog.wake_stalled()


@shared_task(**RELIABLE)
def review_declaration(declaration_id: int) -> None:
    """One declaration: the sweeper's, a reviewer's release of those waiting with another, and
    what an earlier version enqueued for every confirmation."""
    review(declaration_id)


@shared_task(**RELIABLE)
def reassess_person(applicant_id: int) -> None:
    """After a health event (case, contact, medicine purchase, companion) about the person."""
    reassess([applicant_id])


@shared_task(**RELIABLE)
def reassess_people(applicant_ids: list[int]) -> None:
    """After many health events at once (a case's companions): one task per chunk of people;
    and, from the sweep, for the people whose events are still due for re-assessment."""
    reassess(applicant_ids)


@shared_task(**RELIABLE)
def rereview_area(area_id: int) -> None:
    """After a risk area is added or raised: one task per declaration that may name it."""
    rereview(area_id, reassess_declaration_areas.delay)


@shared_task(**RELIABLE)
def reassess_declaration_areas(declaration_id: int) -> None:
    reassess_areas(declaration_id)


@shared_task(**RELIABLE)
def close_checkin_days() -> None:
    """Daily, after midnight Asia/Shanghai: count yesterday's check-ins (and any day missed)."""
    close_due_days()


@shared_task(**RELIABLE)
def sweep_stuck_declarations() -> None:
    """Periodic: re-enqueue declarations confirmed a while ago and still not reviewed."""
    sweep_stuck()


@shared_task(**RELIABLE)
def sweep_unassessed_events() -> None:
    """Periodic: re-enqueue the re-assessment of people whose health events are still due for it."""
    sweep_unassessed()


@shared_task(**RELIABLE)
def sweep_unreviewed_risk_areas() -> None:
    """Periodic: re-enqueue the re-review of risk areas added or raised and still due for it."""
    sweep_unreviewed_areas()
