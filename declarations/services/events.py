"""What the authority or a checkpoint learns about a person, handed down to the review.

A higher app (checkpoints: a pharmacy registers a medicine purchase, tracing finds a case's
companions) or the health authority (in the admin) calls `record_health_event` (or
`record_health_events` for many at once); this app owns what follows: the person's colour is
re-assessed in the background, after commit. An event about a known person is recorded as due
for re-assessment (`reassess_due`) until the re-assessment has run; if its message never
reached the broker, the beat sweep here (`sweep_unassessed`) enqueues it again.

A confirmed or suspected case is also traced: its companions are found in the checkpoints'
scan log. This app cannot import checkpoints (it sits above), so it names the fact,
"case_recorded", and settings wire the task that traces it (healthcode/hooks.py; the trace
task runs on commit, and a beat sweep in checkpoints traces any case it missed).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from declarations.models import EARLIEST_DATE, HealthEvent
from family.models import Applicant
from healthcode.bulk import insert_rows
from healthcode.hooks import after_commit, enqueue_after_commit
from healthcode.models import User
from healthcode.validators import normalise_id

log = logging.getLogger(__name__)

# How far ahead of this server's clock the admin takes an event's time (a reporter's clock that
# runs fast); such a time is recorded as the moment it is recorded (`occurred`).
CLOCK_SLACK = timedelta(minutes=5)
# Events about a case itself: the case's companions are traced (the "case_recorded" hook).
CASE_KINDS = (HealthEvent.Kind.CONFIRMED_CASE, HealthEvent.Kind.SUSPECTED_CASE)
# People re-assessed per background task when many events arrive at once.
REASSESS_CHUNK = 100
_IN_CHUNK = 2000
_COLUMNS = (
    "kind",
    "id_number",
    "applicant_id",
    "occurred_at",
    "source",
    "source_ref",
    "place",
    "note",
    "recorded_by_id",
    "created",
    "reassess_due",
)


def occurred(occurred_at: datetime, now: datetime, source_ref: str) -> datetime:
    """When an event is recorded as having happened: never after it is recorded (a clock ahead
    of ours, a scan uploaded with one: the re-assessment it starts counts what has happened,
    and would skip it), nor before the first cases (a slip of the keyboard). The database
    holds both (the constraint healthevent_occurred_in_range); the admin's form refuses such
    times with a message, so more than a few minutes off is logged."""
    if occurred_at > now:
        if occurred_at > now + CLOCK_SLACK:
            log.warning("health event %s dated %s, after it was recorded: recorded as %s", source_ref, occurred_at, now)
        return now
    if occurred_at < EARLIEST_DATE:
        log.warning(
            "health event %s dated %s, before the first cases: recorded as %s", source_ref, occurred_at, EARLIEST_DATE
        )
        return EARLIEST_DATE
    return occurred_at


def record_health_event(
    *,
    id_number: str,
    kind: HealthEvent.Kind | str,
    occurred_at: datetime,
    source: str,
    source_ref: str,
    note: str = "",
    place: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> HealthEvent:
    """Record one event about the person with this ID number and re-assess their colour.
    Idempotent by (source, source_ref): recording the same event twice changes nothing. The
    time it happened is kept within what can be (`occurred`)."""
    from declarations.tasks import reassess_person  # tasks import services: import late

    kind = HealthEvent.Kind(kind)
    id_number = normalise_id(id_number)
    now = now or timezone.now()
    with transaction.atomic():
        applicant_id = Applicant.objects.filter(id_number=id_number).values_list("pk", flat=True).first()
        try:
            with transaction.atomic():
                event = HealthEvent.objects.create(
                    kind=kind,
                    id_number=id_number,
                    applicant_id=applicant_id,
                    occurred_at=occurred(occurred_at, now, source_ref),
                    source=source,
                    source_ref=source_ref,
                    place=place,
                    note=note,
                    recorded_by=actor,
                    created=now,
                    reassess_due=now if applicant_id is not None else None,
                )
        except IntegrityError:
            return HealthEvent.objects.get(source=source, source_ref=source_ref)
        if applicant_id is not None:
            enqueue_after_commit(reassess_person, applicant_id)  # broker down: sweep_unassessed
        if kind in CASE_KINDS:
            after_commit("case_recorded", event.pk)
    return event


@dataclass(frozen=True)
class NewEvent:
    """One of many events of one kind from one source (`record_health_events`)."""

    id_number: str
    occurred_at: datetime
    source_ref: str
    note: str = ""
    applicant_id: int | None = None  # when the caller knows the person already
    place: str = ""  # where it happened (a companion's venue): the person's reason names it


@dataclass(frozen=True)
class Recorded:
    ids: dict[str, int]  # source_ref → event id, for every event asked for
    new: frozenset[str]  # the source_refs recorded by this call (the others were there before)


def record_health_events(
    kind: HealthEvent.Kind | str,
    source: str,
    events: Sequence[NewEvent],
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Record many events of one kind at once (contact tracing: a case's companions) in a few
    set-based queries, and re-assess the people concerned in the background, in chunks, after
    commit. Idempotent by (source, source_ref), as `record_health_event`: events recorded
    before are left as they are and re-assess no one. Not for cases (they are not traced)."""
    from declarations.tasks import reassess_people  # tasks import services: import late

    kind = HealthEvent.Kind(kind)
    if kind in CASE_KINDS:
        raise ValueError("cases are recorded one by one, with record_health_event")
    now = now or timezone.now()
    events = list({event.source_ref: event for event in events}.values())
    refs = [event.source_ref for event in events]
    with transaction.atomic():
        unknown = {normalise_id(e.id_number) for e in events if e.applicant_id is None and e.id_number}
        by_id = dict(Applicant.objects.filter(id_number__in=unknown).values_list("id_number", "pk")) if unknown else {}
        seal = HealthEvent._meta.get_field("id_number").get_prep_value  # stored encrypted
        rows = {}
        for event in events:
            id_number = normalise_id(event.id_number)
            applicant_id = event.applicant_id or by_id.get(id_number)
            when = occurred(event.occurred_at, now, event.source_ref)
            row = (kind.value, seal(id_number), applicant_id, when, source, event.source_ref)
            due = now if applicant_id is not None else None
            rows[event.source_ref] = (*row, event.place, event.note, actor.pk if actor else None, now, due)
        # One statement per few thousand rows. An event recorded before (a second run) or by
        # another run at the same moment is kept out by the unique constraint.
        if connection.vendor == "postgresql":
            ids = dict(insert_rows(HealthEvent, _COLUMNS, list(rows.values()), returning=("source_ref", "id")))
            fresh = set(ids)
            ids.update(_event_ids(source, [ref for ref in refs if ref not in fresh]))
        else:  # no RETURNING through bulk_create: look first
            existing = _event_ids(source, refs)
            fresh = set(refs) - set(existing)
            insert_rows(HealthEvent, _COLUMNS, [rows[ref] for ref in refs if ref in fresh])
            ids = existing | _event_ids(source, list(fresh))
        people = sorted({rows[ref][2] for ref in fresh if rows[ref][2] is not None})
        for start in range(0, len(people), REASSESS_CHUNK):
            chunk = people[start : start + REASSESS_CHUNK]
            enqueue_after_commit(reassess_people, chunk)  # broker down: sweep_unassessed
    return Recorded(ids=ids, new=frozenset(fresh))


def _event_ids(source: str, refs: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(refs), _IN_CHUNK):
        chunk = refs[start : start + _IN_CHUNK]
        ids.update(HealthEvent.objects.filter(source=source, source_ref__in=chunk).values_list("source_ref", "pk"))
    return ids


def sweep_unassessed(
    *, now: datetime | None = None, older_than: timedelta | None = None, limit: int = 1000
) -> list[int]:
    """Beat: re-enqueue the re-assessment of the people whose events are still due for it
    `older_than` after they were recorded (the message was lost: a broker down at the time,
    Redis restarted with it queued). Each event is re-enqueued at most once per period (its
    due time moves on); the re-assessment clears it. Returns the people re-enqueued."""
    from declarations.tasks import reassess_people  # tasks import services: import late

    now = now or timezone.now()
    older_than = older_than or timedelta(minutes=settings.HC_SWEEP_AFTER_MINUTES)
    with transaction.atomic():
        due = list(
            HealthEvent.objects.filter(reassess_due__lte=now - older_than)
            .order_by("reassess_due")
            .select_for_update(skip_locked=True)
            .values_list("pk", "applicant_id")[:limit]
        )
        if not due:
            return []
        people = sorted({applicant_id for _pk, applicant_id in due if applicant_id is not None})
        gone = [pk for pk, applicant_id in due if applicant_id is None]  # the person was deleted since
        HealthEvent.objects.filter(pk__in=gone).update(reassess_due=None)
        HealthEvent.objects.filter(pk__in=[pk for pk, applicant_id in due if applicant_id is not None]).update(
            reassess_due=now
        )
        for start in range(0, len(people), REASSESS_CHUNK):
            enqueue_after_commit(reassess_people, people[start : start + REASSESS_CHUNK])  # down: next sweep
    return people
