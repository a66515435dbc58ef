"""The checkpoint's one statement on Postgres judges as `healthcode.verification.judge` does.

The verdict is written twice (Python, and SQL inside the statement that reads the live code
and logs the scan: checkpoints/services/scanlog.py); this runs every combination of what a
verdict depends on through both and compares them, so the two cannot drift apart."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from checkpoints.models import Scan
from checkpoints.services import scanlog
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import HealthCode
from healthcode.tokens import Claims
from tests import factories
from tests.checkpoints.conftest import make_venue
from tests.conftest import missing_services

ISSUED = 1_700_000_000
LIVE_VERSION = 5
COLOURS = [Colour.GREEN, Colour.YELLOW, Colour.RED, Colour.PENDING]


def row(venue, paper: bool) -> dict:
    now = timezone.now()
    return {
        "venue_id": venue.pk,
        "staff_id": None,
        "api_key_id": None,
        "direction": Scan.Direction.ENTRY,
        "source": Scan.Source.GATE,
        "nonce": uuid.uuid4().hex,
        "scanned_at": now,
        "created": now,
        "paper": paper,
        "issued_at": now,
    }


@pytest.fixture
def codes(db):
    """A code with a holder, a code nobody holds, and a reference no code has."""
    held = self_applicant(factories.account()).health_code
    orphan = HealthCode.objects.create()
    return {"held": held, "orphan": orphan, "none": None}


def test_the_statement_judges_as_python_does(codes):
    if connection.vendor != "postgresql":
        missing_services("the one statement is Postgres' (DATABASE_URL=postgres://…; CI sets it)")
    venue = make_venue("Zijingshan Subway Station")
    cases = itertools.product(
        codes,  # whose code the token names
        COLOURS,  # the live colour
        [ISSUED, ISSUED + 60, None],  # the live code's paper issued at
        [False, True],  # a paper token
        [LIVE_VERSION, LIVE_VERSION - 1],  # the token's version
        COLOURS,  # the token's colour
    )
    seen = set()
    compared = 0
    for which, live_colour, paper_issued_at, paper, version, token_colour in cases:
        code = codes[which]
        if code is not None:
            HealthCode.objects.filter(pk=code.pk).update(
                colour=live_colour, version=LIVE_VERSION, paper_issued_at=paper_issued_at
            )
        ref = code.ref if code is not None else b"\x00" * 12
        claims = Claims("k1", bytes(ref), token_colour, paper, version, ISSUED, ISSUED + 60)
        in_sql = scanlog._in_one_statement(claims, row(venue, paper))
        in_python = scanlog._apart(claims, row(venue, paper))
        case = (which, live_colour, paper_issued_at, paper, version, token_colour)
        assert (in_sql.result, in_sql.colour) == (in_python.result, in_python.colour), case
        assert (in_sql.holder and in_sql.holder.pk) == (in_python.holder and in_python.holder.pk), case
        logged = Scan.objects.filter(pk__in=[in_sql.scan_id, in_python.scan_id])
        assert {(s.result, s.colour, s.applicant_id, s.paper) for s in logged} == {
            (in_python.result, in_python.colour, in_python.holder and in_python.holder.pk, paper)
        }, case
        seen.add(in_python.result)
        compared += 1
    assert compared == 3 * 4 * 3 * 2 * 2 * 4
    # Every verdict the database can give came up, so each branch was compared.
    assert seen == {Scan.Result.OK, Scan.Result.NOT_GREEN, Scan.Result.REVOKED, Scan.Result.UNKNOWN_PERSON}


def test_a_repeated_nonce_writes_nothing_and_says_so(codes):
    venue = make_venue("Zijingshan Subway Station")
    code = codes["held"]
    HealthCode.objects.filter(pk=code.pk).update(colour=Colour.GREEN, version=LIVE_VERSION)
    claims = Claims("k1", bytes(code.ref), Colour.GREEN, False, LIVE_VERSION, ISSUED, ISSUED + 60)
    values = row(venue, False)
    first = scanlog.judge_and_log(claims, **values)
    again = scanlog.judge_and_log(claims, **values)
    assert first.result == "ok" and first.scan_id is not None
    assert again.scan_id is None
    assert Scan.objects.count() == 1
