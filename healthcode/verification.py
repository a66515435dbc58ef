"""Verify a token against the live code: signature and expiry first, then the database.

Result codes (asserted on by tests and returned by the gate API): ok, not_green, expired,
bad_signature, unknown_key, malformed, revoked, unknown_person.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

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


def check(token: str, *, now: float | None = None, codes: QuerySet[HealthCode] | None = None) -> Result:
    """`codes` lets a caller load more with the one query that reads the live code (a
    checkpoint adds `select_related("applicant")` to learn whose code it is in the same
    query); by default only the code row is read."""
    try:
        claims = verify(token, now=now)
    except TokenError as exc:
        return Result(exc.code)
    code = (codes if codes is not None else HealthCode.objects).filter(ref=claims.ref).first()
    if code is None:
        return Result("unknown_person", claims)
    if claims.paper:
        # A paper code lasts weeks: it is valid while it is the latest one issued, and the
        # checkpoint goes by the live colour, not the one at printing.
        if code.paper_issued_at != claims.issued_at:
            return Result("revoked", claims, code)
    elif claims.version != code.version or claims.colour != code.colour:
        # The colour changed after the token was issued: it is stale, never trusted.
        return Result("revoked", claims, code)
    if code.colour != Colour.GREEN:
        return Result("not_green", claims, code)
    return Result("ok", claims, code)
