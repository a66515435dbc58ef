"""Verify a token against the live code: signature and expiry first, then the database.

Result codes (asserted on by tests and returned by the gate API): ok, not_green, expired,
bad_signature, unknown_key, malformed, revoked, unknown_person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from healthcode.colours import Colour
from healthcode.models import HealthCode
from healthcode.tokens import Claims, TokenError, verify


@dataclass(frozen=True)
class Result:
    code: str
    claims: Claims | None = None
    health_code: HealthCode | None = None

    @property
    def passed(self) -> bool:
        return self.code == "ok"


def load_code(ref: bytes) -> HealthCode | None:
    return HealthCode.objects.filter(ref=ref).first()


def check(token: str, *, now: float | None = None, lookup: Callable[[bytes], HealthCode | None] = load_code) -> Result:
    """The whole verification of a token against the live code. `lookup` reads the code by
    its reference: a HealthCode with at least colour, version and paper_issued_at, or None.
    (The checkpoint runs the same steps, `tokens.verify` then `judge`, with its own read and
    the scan's write: checkpoints/services/scanlog.py.)"""
    try:
        claims = verify(token, now=now)
    except TokenError as exc:
        return Result(exc.code)
    code = lookup(claims.ref)
    return Result(judge(claims, code), claims, code)


def judge(claims: Claims, code: HealthCode | None) -> str:
    """The live code's verdict on a token whose signature and expiry checked out.

    Postgres runs the same rules inside the checkpoint's one statement
    (checkpoints/services/scan_statement.py); a test holds the two equal, case by case."""
    if code is None:
        return "unknown_person"
    if claims.paper:
        # A paper code lasts weeks: it is valid while it is the latest one issued, and the
        # checkpoint goes by the live colour, not the one at printing.
        if code.paper_issued_at != claims.issued_at:
            return "revoked"
    elif claims.version != code.version or claims.colour != code.colour:
        # The colour changed after the token was issued: it is stale, never trusted.
        return "revoked"
    if code.colour != Colour.GREEN:
        return "not_green"
    return "ok"
