"""Contact tracing at scale (issue 6): one confirmed case among everyone loaded, traced with
checkpoints.services.tracing.trace_case (find the companions, record them, hand them to
declarations as health events, flag the family), timed in this process, with EXPLAIN ANALYZE
of the trace query and the indexes it uses."""

from __future__ import annotations

import datetime as dt
import time

from bench.common import log


def _case_with_visits() -> int:
    """A synthetic person with a typical number of scans in the horizon (the loader gives
    everyone the same number, at venues spread by a hash)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT applicant_id FROM checkpoints_scan WHERE nonce LIKE 'bench-%%' AND applicant_id IS NOT NULL "
            "ORDER BY id DESC LIMIT 1"
        )
        return cursor.fetchone()[0]


def measure() -> dict:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from checkpoints.models import Scan
    from checkpoints.services import tracing
    from declarations.models import HealthEvent
    from family.models import Applicant

    case_id = _case_with_visits()
    person = Applicant.objects.get(pk=case_id)
    now = timezone.now()
    event = HealthEvent.objects.create(
        kind=HealthEvent.Kind.CONFIRMED_CASE,
        id_number=person.id_number or "",
        applicant_id=case_id,
        occurred_at=now,
        source="authority",
        source_ref=f"bench-case-{case_id}-{now.timestamp():.0f}",
    )
    horizon = tracing.window()
    since = now - dt.timedelta(days=settings.HC_TRACE_DAYS)
    visits = Scan.objects.filter(applicant_id=case_id, scanned_at__gte=since).count()
    sql, params = tracing.encounters_query(case_id, since=since, until=now, window=horizon)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM checkpoints_scan")
        scans = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM family_applicant")
        people = cursor.fetchone()[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'checkpoints_scan' ORDER BY indexname"
        )
        indexes = [{"name": n, "definition": d} for n, d in cursor.fetchall()]
    log(f"tracing a case with {visits} visits among {people} people and {scans} scans")
    started = time.perf_counter()
    trace = tracing.trace_case(event.pk, now=now)
    seconds = time.perf_counter() - started
    companions = trace.contacts.values("applicant_id").distinct().count()
    flagged = HealthEvent.objects.filter(
        kind=HealthEvent.Kind.COMPANION, source_ref__startswith=f"trace:{event.pk}:"
    ).count()
    log(f"traced in {seconds:.2f} s: {companions} companions, {flagged} companion events")
    return {
        "people": people,
        "scans": scans,
        "case_visits": visits,
        "window_minutes": int(horizon.total_seconds() // 60),
        "seconds": round(seconds, 3),
        "companions": companions,
        "companion_events": flagged,
        "target_s": 2.0,
        "explain_analyze": plan,
        "scan_indexes": indexes,
    }
