"""Printable paper codes for people without a phone: the same token format, a long expiry,
revocable. The code row keeps the issued-at of the one valid paper code, so reissuing
revokes the old one at once and verification needs no extra table."""

from __future__ import annotations

import time
from types import EllipsisType

from django.conf import settings
from django.db import transaction

from family.models import Applicant
from healthcode import tokens
from healthcode.colours import Colour
from healthcode.models import HealthCode


def issue_paper_code(
    applicant: Applicant, *, replacing: int | EllipsisType | None = ..., now: float | None = None
) -> str:
    """(Re)issue the applicant's paper code; any earlier one stops verifying.

    `replacing`: the issue time of the paper code the page showed (None: it showed none). If
    the code has another one by now, the page's form was sent before (a double click, the back
    button and submit): nothing is issued, so the one issued meanwhile (printed, perhaps) keeps
    passing, and its token is returned."""
    issued_at = int(now if now is not None else time.time())
    with transaction.atomic():
        code = HealthCode.objects.select_for_update().get(pk=applicant.health_code_id)
        if replacing is not ... and code.paper_issued_at != replacing:
            applicant.health_code = code
            return paper_token(applicant)
        if code.paper_issued_at is not None and issued_at <= code.paper_issued_at:
            issued_at = code.paper_issued_at + 1  # two reissues in one second still differ
        code.paper_issued_at = issued_at
        code.save(update_fields=["paper_issued_at"])
    applicant.health_code = code
    return paper_token(applicant)


def revoke_paper_code(applicant: Applicant) -> None:
    """Revoke the paper code, whichever is current: a page opened before a new one was printed
    revokes that new one too (a lost paper must stop passing; sent twice, it is revoked once)."""
    HealthCode.objects.filter(pk=applicant.health_code_id).update(paper_issued_at=None)


def paper_token(applicant: Applicant) -> str | None:
    """The valid paper code's token (signing is deterministic, so it can be shown again)."""
    code = applicant.health_code
    if code is None or code.paper_issued_at is None:
        return None
    return tokens.issue(
        code.ref,
        Colour.GREEN,  # a paper code names no colour: checkpoints see the live one
        0,
        paper=True,
        now=code.paper_issued_at,
        lifetime=settings.HC_PAPER_CODE_DAYS * 86400,
    )
