"""Contact tracing: the spatio-temporal companions of a confirmed or suspected case.

When the health authority records a case (declarations: a health event, in the admin), the
people who were at the same venue at about the same time must be told within minutes. The
scan log lives here, at the top, so the tracing does too; what follows for each person found
belongs to declarations, which this app hands the facts to (`record_health_events`): a
companion event for everyone found, naming the venue (their code turns yellow, with a reason
that names the venue and the day, in their language, and calls the case only "a case"), a
close-contact event for the family members the case's account holds (their code turns red; a
reviewer checks them and may lower it, with a second reviewer's approval).

How a trace starts. Declarations cannot import this app (it sits below), so it names the fact
"case_recorded" and settings wire `checkpoints.tasks.trace_case` to it (healthcode/hooks.py):
the trace runs after the case's transaction commits, at once where tasks run eagerly and in a
worker otherwise. A beat task (`trace_untraced_cases`, every HC_TRACE_SWEEP_SECONDS) traces
any recent case that has no trace yet, should that message be lost; a worker that dies
mid-trace rolls the whole trace back, so the sweep finds it again. "Trace again" (the admin)
marks the trace (`retrace_requested`) before it enqueues; the run clears the mark, and the
same beat task re-enqueues a trace still marked a minute later (`retraces_due`).

The query. Companions are found with one set-based query, a self-join of the scan log: the
case's scans of the past HC_TRACE_DAYS days (found by `scan_person_time_idx`, on applicant
and time) joined with every other person's scans at the same venue within
±HC_TRACE_WINDOW_MINUTES of each (found by `scan_venue_time_idx`, on venue and time, one
index range per visit). Both edges of the window and of the horizon are included.

Idempotent: a trace is one row per case; its visits and contacts are unique, the events are
idempotent by (source, source_ref) = ("trace", "trace:<case event>:<person>"), so running the
task twice, or at once in two workers, finds and flags everyone once. Running it again later
adds only what is new (an offline device's scans uploaded since, say).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from checkpoints.models import CaseTrace, Scan, TraceContact, TraceVisit, Venue
from declarations.models import HealthEvent
from declarations.services.clock import local_day
from declarations.services.events import CASE_KINDS, NewEvent, record_health_events
from family.models import Applicant
from healthcode.bulk import insert_rows

EVENT_SOURCE = "trace"
COMPANION, FAMILY = TraceContact.Kind.COMPANION.value, TraceContact.Kind.FAMILY.value
CONTACT_COLUMNS = ("trace_id", "visit_id", "applicant_id", "kind", "scanned_at", "event_id", "created")


@dataclass(frozen=True)
class Encounter:
    """One row of the trace query: another person's scan near one of the case's scans."""

    scan_id: int
    applicant_id: int
    venue_id: int
    scanned_at: datetime
    case_scan_id: int
    case_at: datetime


def window() -> timedelta:
    return timedelta(minutes=settings.HC_TRACE_WINDOW_MINUTES)


def case_scans(case_id: int, *, since: datetime, until: datetime) -> QuerySet[Scan]:
    """The case's own scans in the horizon (scan_person_time_idx)."""
    return Scan.objects.filter(applicant_id=case_id, scanned_at__gte=since, scanned_at__lte=until).order_by()


# The trace query on PostgreSQL. LATERAL makes the plan what it must be at ten million scans
# whatever the statistics say: the case's scans first (scan_person_time_idx: a few rows), then
# for each of them one range of scan_venue_time_idx (venue = the case's venue, time within the
# window). A plain join lets the planner pick a hash join over the whole log when it
# misjudges how many scans the case has.
ENCOUNTERS_SQL = """
SELECT other.id, other.applicant_id, other.venue_id, other.scanned_at, c.id, c.scanned_at
FROM checkpoints_scan AS c
CROSS JOIN LATERAL (
    SELECT o.id, o.applicant_id, o.venue_id, o.scanned_at
    FROM checkpoints_scan AS o
    WHERE o.venue_id = c.venue_id
      AND o.scanned_at >= c.scanned_at - %(window)s
      AND o.scanned_at <= c.scanned_at + %(window)s
      AND o.applicant_id IS NOT NULL
      AND o.applicant_id <> %(case)s
) AS other
WHERE c.applicant_id = %(case)s AND c.scanned_at >= %(since)s AND c.scanned_at <= %(until)s
"""


def encounters_query(case_id: int, *, since: datetime, until: datetime, window: timedelta) -> tuple[str, dict]:
    """The PostgreSQL trace query and its parameters (for EXPLAIN in tests and bench/)."""
    return ENCOUNTERS_SQL, {"case": case_id, "since": since, "until": until, "window": window}


def encounters(case_id: int, *, since: datetime, until: datetime, window: timedelta) -> list[Encounter]:
    """The trace query: every other person's scan at the same venue as one of the case's
    scans between `since` and `until`, within ±`window` of it (edges included). One SQL
    statement, a self-join of the scan log:

        case scans  (applicant = case, time in the horizon)     scan_person_time_idx
        × other scans (same venue, time within ± the window)    scan_venue_time_idx

    On PostgreSQL it is ENCOUNTERS_SQL (a LATERAL join); elsewhere (SQLite, for development
    and the fast tests) the same join through the ORM, where Django does the time arithmetic."""
    if connection.vendor == "postgresql":
        sql, params = encounters_query(case_id, since=since, until=until, window=window)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [Encounter(*row) for row in cursor.fetchall()]
    near = "venue__scans"  # the case's scan, joined through the venue (one join, reused)
    rows = (
        Scan.objects.filter(
            **{
                f"{near}__applicant_id": case_id,
                f"{near}__scanned_at__gte": since,
                f"{near}__scanned_at__lte": until,
            },
            scanned_at__gte=F(f"{near}__scanned_at") - window,
            scanned_at__lte=F(f"{near}__scanned_at") + window,
            applicant__isnull=False,
        )
        .exclude(applicant_id=case_id)
        .order_by()
        .values_list("pk", "applicant_id", "venue_id", "scanned_at", F(f"{near}__id"), F(f"{near}__scanned_at"))
    )
    return [Encounter(*row) for row in rows]


def companion_note(venue_name: str, day: date) -> str:
    """The event's note, for the authority: the place and the day, never who the case is. (The
    companion reads the same, in their own language, from the event's place and time.)"""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Spatio-temporal companion of a case at %(venue)s on %(date)s.") % {
            "venue": venue_name,
            "date": day.isoformat(),
        }


def family_note() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Family member of a case, held by the same account: flagged by contact tracing for review.")


def case_person(event: HealthEvent) -> int | None:
    if event.applicant_id is not None:
        return event.applicant_id
    return Applicant.objects.filter(id_number=event.id_number).values_list("pk", flat=True).first()


def trace_case(event_id: int, *, now: datetime | None = None) -> CaseTrace | None:
    """Trace the case of health event `event_id` (a confirmed or suspected case): find its
    companions of the past HC_TRACE_DAYS days, hand them to declarations, flag the family
    members its account holds, and record what was found. One transaction; idempotent.
    Returns None for an event that is not a case."""
    started = time.monotonic()
    now = now or timezone.now()
    event = HealthEvent.objects.filter(pk=event_id, kind__in=CASE_KINDS).first()
    if event is None:
        return None
    case_id = case_person(event)
    horizon = timedelta(days=settings.HC_TRACE_DAYS)
    since, until, width = now - horizon, now, window()
    with transaction.atomic():
        trace, _created = CaseTrace.objects.get_or_create(
            event=event,
            defaults={
                "applicant_id": case_id,
                "window_minutes": settings.HC_TRACE_WINDOW_MINUTES,
                "days": settings.HC_TRACE_DAYS,
                "since": since,
                "until": until,
                "started": now,
            },
        )
        # Two runs at once: the second waits here for the first, then adds nothing.
        trace = CaseTrace.objects.select_for_update().get(pk=trace.pk)
        if case_id is not None:
            visits = _record_visits(trace, case_id, since=since, until=until, width=width)
            found = encounters(case_id, since=since, until=until, window=width)
            _record_companions(trace, event, found, visits, now=now)
            _flag_family(trace, event, case_id, now=now)
        _count(trace, since=min(since, trace.since), until=until, now=now, started=started)
    return trace


def _record_visits(
    trace: CaseTrace, case_id: int, *, since: datetime, until: datetime, width: timedelta
) -> dict[int, int]:
    """One visit row per case scan (two scans at the same venue and instant are one visit).
    Returns case scan id → visit id."""
    scans = list(case_scans(case_id, since=since, until=until).values_list("pk", "venue_id", "scanned_at"))
    TraceVisit.objects.bulk_create(
        [
            TraceVisit(
                trace=trace,
                venue_id=venue_id,
                scanned_at=at,
                window_start=at - width,
                window_end=at + width,
            )
            for _pk, venue_id, at in scans
        ],
        ignore_conflicts=True,
    )
    visit_ids = {
        (venue_id, at): pk
        for pk, venue_id, at in TraceVisit.objects.filter(trace=trace).values_list("pk", "venue_id", "scanned_at")
    }
    return {pk: visit_ids[(venue_id, at)] for pk, venue_id, at in scans}


def _record_companions(
    trace: CaseTrace, event: HealthEvent, found: list[Encounter], visits: dict[int, int], *, now: datetime
) -> None:
    # Per visit and person, the scan nearest the case's; per person, their first encounter.
    nearest: dict[tuple[int, int], Encounter] = {}
    for row in found:
        visit_id = visits.get(row.case_scan_id)
        if visit_id is None:  # a scan of the case logged between the two reads: the next run has it
            continue
        key = (visit_id, row.applicant_id)
        best = nearest.get(key)
        if best is None or abs(row.scanned_at - row.case_at) < abs(best.scanned_at - best.case_at):
            nearest[key] = row
    first: dict[int, Encounter] = {}
    for row in sorted(nearest.values(), key=lambda r: (r.scanned_at, r.scan_id)):
        first.setdefault(row.applicant_id, row)
    # What an earlier run of this trace recorded already (a redelivery, "Trace again"): those
    # people are flagged; only the new ones are handed down.
    recorded_before: dict[tuple[int, int], int | None] = {
        (visit_id, applicant_id): event_id
        for visit_id, applicant_id, event_id in TraceContact.objects.filter(
            trace=trace, kind=TraceContact.Kind.COMPANION
        ).values_list("visit_id", "applicant_id", "event_id")
    }
    flagged = {applicant_id: event_id for (_v, applicant_id), event_id in recorded_before.items() if event_id}
    new = [row for applicant_id, row in first.items() if applicant_id not in flagged]
    names = dict(Venue.objects.filter(pk__in={row.venue_id for row in new}).values_list("pk", "name"))
    id_numbers = id_numbers_of([row.applicant_id for row in new])
    notes: dict[tuple[int, date], str] = {}  # one per venue and day (thousands share one)
    for row in new:
        key = (row.venue_id, local_day(row.scanned_at))
        if key not in notes:
            notes[key] = companion_note(names[row.venue_id], key[1])
    recorded = record_health_events(
        HealthEvent.Kind.COMPANION,
        EVENT_SOURCE,
        [
            NewEvent(
                id_number=id_numbers[row.applicant_id],
                occurred_at=row.scanned_at,
                source_ref=_ref(event.pk, row.applicant_id),
                note=notes[(row.venue_id, local_day(row.scanned_at))],
                place=names[row.venue_id],
                applicant_id=row.applicant_id,
            )
            for row in new
            if id_numbers.get(row.applicant_id)  # no ID number on file: found, but no event can name them
        ],
        now=now,
    )
    for row in new:
        if event_id := recorded.ids.get(_ref(event.pk, row.applicant_id)):
            flagged[row.applicant_id] = event_id
    insert_rows(
        TraceContact,
        CONTACT_COLUMNS,
        [
            (trace.pk, visit_id, applicant_id, COMPANION, row.scanned_at, flagged.get(applicant_id), now)
            for (visit_id, applicant_id), row in nearest.items()
            if (visit_id, applicant_id) not in recorded_before
        ],
    )
    # A person found before without an ID number, who has one now, is flagged now.
    late = [key for key, event_id in recorded_before.items() if event_id is None and key[1] in flagged]
    for visit_id, applicant_id in late:
        TraceContact.objects.filter(trace=trace, visit_id=visit_id, applicant_id=applicant_id).update(
            event_id=flagged[applicant_id]
        )


def id_numbers_of(applicant_ids: list[int]) -> dict[int, str]:
    """The people's ID numbers (stored encrypted: read through the model), in chunks."""
    out: dict[int, str] = {}
    for start in range(0, len(applicant_ids), 2000):
        chunk = applicant_ids[start : start + 2000]
        out.update(Applicant.objects.filter(pk__in=chunk, id_number__isnull=False).values_list("pk", "id_number"))
    return {pk: number for pk, number in out.items() if number}


def _flag_family(trace: CaseTrace, event: HealthEvent, case_id: int, *, now: datetime) -> None:
    """The other people the case's account holds (the agent, or the family members) are
    close contacts, for a reviewer to check."""
    account_id = Applicant.objects.filter(pk=case_id).values_list("account_id", flat=True).first()
    family = list(Applicant.objects.filter(account_id=account_id).exclude(pk=case_id).values_list("pk", "id_number"))
    recorded = record_health_events(
        HealthEvent.Kind.CLOSE_CONTACT,
        EVENT_SOURCE,
        [
            NewEvent(
                id_number=id_number,
                occurred_at=event.occurred_at,
                source_ref=_ref(event.pk, pk, "family"),
                note=family_note(),
                applicant_id=pk,
            )
            for pk, id_number in family
            if id_number
        ],
        now=now,
    )
    insert_rows(
        TraceContact,
        CONTACT_COLUMNS,
        [(trace.pk, None, pk, FAMILY, None, recorded.ids.get(_ref(event.pk, pk, "family")), now) for pk, _id in family],
    )


def _ref(event_id: int, applicant_id: int, kind: str = "") -> str:
    return f"trace:{event_id}:{kind + ':' if kind else ''}{applicant_id}"


def _count(trace: CaseTrace, *, since: datetime, until: datetime, now: datetime, started: float) -> None:
    """The counts, from the rows (so that a second run counts the same people once)."""
    companions = TraceContact.objects.filter(trace=trace, kind=TraceContact.Kind.COMPANION)
    per_visit = companions.values("visit_id").annotate(
        found=Count("applicant_id", distinct=True),
        notified=Count("applicant_id", filter=Q(event__isnull=False), distinct=True),
    )
    counts = {row["visit_id"]: (row["found"], row["notified"]) for row in per_visit}
    visits = list(TraceVisit.objects.filter(trace=trace))
    for visit in visits:
        visit.companions, visit.notified = counts.get(visit.pk, (0, 0))
    TraceVisit.objects.bulk_update(visits, ["companions", "notified"], batch_size=500)
    totals = companions.aggregate(
        found=Count("applicant_id", distinct=True),
        notified=Count("applicant_id", filter=Q(event__isnull=False), distinct=True),
    )
    CaseTrace.objects.filter(pk=trace.pk).update(
        since=since,
        until=until,
        visits=len(visits),
        companions=totals["found"],
        notified=totals["notified"],
        family=TraceContact.objects.filter(trace=trace, kind=TraceContact.Kind.FAMILY, event__isnull=False).count(),
        runs=F("runs") + 1,
        finished=now,
        duration_ms=int((time.monotonic() - started) * 1000),
        # A "Trace again" asked for before this run (the row is locked since) is done.
        retrace_requested=None,
    )
    trace.refresh_from_db()


# ---------------------------------------------------------------------------------------
# The sweep (beat)


def untraced_cases(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=1)) -> list[int]:
    """Cases recorded in the past HC_TRACE_DAYS days (and more than `grace` ago: their own
    task is probably running) that have no trace yet. Found by healthevent_case_time_idx."""
    now = now or timezone.now()
    return list(
        HealthEvent.objects.filter(
            kind__in=CASE_KINDS,
            created__gte=now - timedelta(days=settings.HC_TRACE_DAYS),
            created__lte=now - grace,
        )
        .exclude(pk__in=CaseTrace.objects.values("event_id"))
        .order_by("created")
        .values_list("pk", flat=True)[:100]
    )


def retraces_due(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=1)) -> list[int]:
    """Cases whose "Trace again" was asked for more than `grace` ago and has not run since
    (its message was lost: a broker down at the time). Returns their event ids."""
    now = now or timezone.now()
    return list(
        CaseTrace.objects.filter(retrace_requested__lte=now - grace)
        .order_by("retrace_requested")
        .values_list("event_id", flat=True)[:100]
    )


# ---------------------------------------------------------------------------------------
# What the authority reads (the admin's case page and its CSV)


def contacts_for_export(trace: CaseTrace) -> Iterable[TraceContact]:
    """Every person found, visit by visit, then the family members, with their venue and
    person; read in chunks (a trace may list thousands)."""
    return (
        TraceContact.objects.filter(trace=trace)
        .select_related("visit__venue", "applicant", "event")
        .order_by(F("visit__scanned_at").asc(nulls_last=True), "scanned_at", "pk")
        .iterator(chunk_size=1000)
    )
