"""The scan log's staff index leaves out the gates' scans, and still serves the one query
that needs it: an account's deletion, which sets its scans' staff member to NULL."""

from __future__ import annotations

from django.db import connection

from checkpoints.models import Scan
from checkpoints.services.scanlog import insert_scan
from tests.checkpoints.conftest import nonce
from tests.conftest import missing_services


def scan_by(venue, staff):
    from django.utils import timezone

    now = timezone.now()
    return insert_scan(
        venue_id=venue.pk,
        staff_id=staff.pk if staff else None,
        api_key_id=None,
        applicant_id=None,
        result=Scan.Result.MALFORMED,
        colour="",
        paper=False,
        direction=Scan.Direction.ENTRY,
        source=Scan.Source.STAFF if staff else Scan.Source.GATE,
        nonce=nonce(),
        issued_at=None,
        scanned_at=now,
        created=now,
    )


def test_deleting_a_staff_account_keeps_its_scans(venue, staff):
    kept = scan_by(venue, staff)
    gate = scan_by(venue, None)
    staff.delete()
    assert set(Scan.objects.values_list("pk", "staff_id")) == {(kept, None), (gate, None)}


def test_the_staff_index_is_partial_and_used(venue, staff):
    if connection.vendor != "postgresql":
        missing_services("the query plan is Postgres' (DATABASE_URL=postgres://…; CI sets it)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'scan_by_staff_idx'")
        (definition,) = cursor.fetchone()
        assert definition.endswith("WHERE (staff_id IS NOT NULL)")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's table is small
        cursor.execute("EXPLAIN UPDATE checkpoints_scan SET staff_id = NULL WHERE staff_id IN (%s)", [staff.pk])
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "scan_by_staff_idx" in plan, plan
