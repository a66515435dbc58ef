"""Verify a scanned code at a venue and log it: the checkpoint's one service (after pretix's
check-in service).

The token is judged in the order of `healthcode.verification`: the signature with the one
fixed algorithm and known key ids, then expiry with one step of clock skew (both here, without
the database), then the live colour and revocation (`verification.judge`, in the database's
one statement on Postgres: checkpoints/services/scanlog.py). The answer is written to the scan
log, passed or not, and committed before it leaves. A client nonce makes a scan idempotent:
the same scan uploaded twice (an offline device retrying) is logged once and answered the same
way both times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Scan
from checkpoints.services.scanlog import Logged, insert_scan, judge_and_log
from family.masking import mask_id, mask_name
from healthcode import tokens
from healthcode.colours import Colour

NONCE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
NONCE_RULE = _("nonce must be 8 to 64 letters, digits or _ . : -")
# An offline device uploads what it scanned within this long; older claims are refused.
OFFLINE_MAX_AGE = timedelta(hours=24)

RESULT_CODES = tuple(Scan.Result.values)

REASONS: dict[str, Promise] = {
    Scan.Result.OK: _("Green code."),
    Scan.Result.EXPIRED: _("The code has expired: ask for the live code on the phone. A screenshot does not pass."),
    Scan.Result.BAD_SIGNATURE: _("The code is forged or damaged: it was not issued by Henan Health Code."),
    Scan.Result.UNKNOWN_KEY: _("The code was signed with a key this checkpoint does not know."),
    Scan.Result.MALFORMED: _("This QR is not a Henan Health Code."),
    Scan.Result.REVOKED: _(
        "The code is out of date: the colour changed or a newer paper code was printed. Ask for the live code."
    ),
    Scan.Result.UNKNOWN_PERSON: _("No person holds this code."),
}
NOT_GREEN_REASONS: dict[str, Promise] = {
    Colour.YELLOW: _("Yellow code: no entry. Home observation."),
    Colour.RED: _("Red code: no entry. Quarantine."),
    Colour.PENDING: _("The code is still under review and has no colour yet."),
}


class BadScan(ValueError):
    """What the client sent cannot be logged (a bad direction, nonce or scan time). `field`
    names the culprit; the message is for people."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class NonceReused(BadScan):
    """The nonce was logged at this venue for a different scan: a device that reuses nonces, or
    someone who planted one. Never answered with that other scan's verdict."""

    def __init__(self) -> None:
        message = _("This nonce was already used at this venue for another scan: send a new one for every scan.")
        super().__init__("nonce", str(message))


class HasIdNumber(Protocol):
    id_number: str


@dataclass(frozen=True)
class ScanResult:
    code: str  # one of RESULT_CODES
    colour: str  # the live colour; "" when no person was found
    masked_name: str
    paper: bool
    issued_at: datetime | None  # when the scanned code was issued (from the token)
    direction: str
    scan_id: int
    applicant_id: int | None
    duplicate: bool = False  # the nonce was logged before; this is that scan's answer
    # Whose ID number `masked_id` shows. Read only when asked: the staff page shows it, the gate
    # API does not, and opening a sealed ID number is work the gate need not do.
    holder: HasIdNumber | None = field(default=None, repr=False, compare=False)

    @cached_property
    def masked_id(self) -> str:
        return mask_id(self.holder.id_number or "") if self.holder is not None else ""

    @property
    def passed(self) -> bool:
        return self.code == Scan.Result.OK

    @property
    def reason(self) -> str:
        """Plain words for why the person may or may not pass (for staff and gates)."""
        if self.code == Scan.Result.NOT_GREEN:
            return str(NOT_GREEN_REASONS.get(self.colour, REASONS[Scan.Result.UNKNOWN_PERSON]))
        return str(REASONS[self.code])


def parse_scanned_at(value) -> datetime:
    """A device's scan time (Unix seconds, from the gate API or the staff page's offline
    queue) as a datetime; BadScan for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadScan("scanned_at", str(_("scanned_at must be a number of Unix seconds.")))
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise BadScan("scanned_at", str(_("scanned_at is not a possible time."))) from None


def check_scan_input(direction: str, nonce: str) -> None:
    if direction not in Scan.Direction.values:
        raise BadScan("direction", str(_("direction must be “entry” or “exit”.")))
    if not isinstance(nonce, str) or not NONCE.match(nonce):
        raise BadScan("nonce", str(NONCE_RULE))


def check_scanned_at(scanned_at: datetime, now: datetime) -> None:
    skew = timedelta(seconds=settings.HC_TOKEN_CLOCK_SKEW)
    if scanned_at > now + skew:
        raise BadScan("scanned_at", str(_("scanned_at is in the future.")))
    if scanned_at < now - OFFLINE_MAX_AGE:
        raise BadScan("scanned_at", str(_("scanned_at is more than 24 hours ago; such scans are not accepted.")))


def verify_scan(
    venue_id: int,
    token: str,
    *,
    direction: str,
    nonce: str,
    source: str,
    staff_id: int | None = None,
    api_key_id: int | None = None,
    scanned_at: datetime | None = None,
) -> ScanResult:
    """Judge `token` at the venue and log the scan (idempotent by `nonce` within the venue).

    `scanned_at` is for scans made offline and uploaded later: the token's expiry is checked
    as of then (within the last 24 hours), the colour and revocation as of now. Raises BadScan
    for input that cannot be logged; every token, however broken, gets a result and a row."""
    check_scan_input(direction, nonce)
    now = timezone.now()
    if scanned_at is not None:
        check_scanned_at(scanned_at, now)
    at = scanned_at or now
    row = {
        "venue_id": venue_id,
        "staff_id": staff_id,
        "api_key_id": api_key_id,
        "direction": direction,
        "source": source,
        "nonce": nonce,
        "scanned_at": at,
        "created": now,
    }
    try:
        claims = tokens.verify(token if isinstance(token, str) else "", now=at.timestamp())
    except tokens.TokenError as exc:  # decided without the database: nobody's scan
        claims, issued_at = None, None
        scan_id = insert_scan(applicant_id=None, result=exc.code, colour="", paper=False, issued_at=None, **row)
        logged = Logged(exc.code, None, "", scan_id)
    else:
        issued_at = datetime.fromtimestamp(claims.issued_at, tz=UTC)
        logged = judge_and_log(claims, paper=claims.paper, issued_at=issued_at, **row)
    if logged.scan_id is None:  # the nonce is taken: the same scan sent again, or another one
        return _same_scan_again(venue_id, nonce, token, source=source, claims=claims, failure=logged.result)
    holder = logged.holder
    return ScanResult(
        code=logged.result,
        colour=logged.colour,
        masked_name=mask_name(holder.name) if holder else "",
        paper=bool(claims and claims.paper),
        issued_at=issued_at,
        direction=direction,
        scan_id=logged.scan_id,
        applicant_id=holder.pk if holder else None,
        holder=holder,
    )


def logged_result(venue_id: int, nonce: str) -> ScanResult:
    """The answer given when this nonce was first logged at the venue."""
    scan = Scan.objects.select_related("applicant").get(venue_id=venue_id, nonce=nonce)
    return result_of(scan, duplicate=True)


def _same_scan_again(
    venue_id: int, nonce: str, token: object, *, source: str, claims: tokens.Claims | None, failure: str
) -> ScanResult:
    """The first answer for this nonce, if this is the scan it was given for: the same source
    and the same token (the same code, issue time and kind; or, for a token that failed before
    the database, the same failure). Anything else raises NonceReused: answering it with the
    logged verdict would let a yellow code pass on a green one's nonce."""
    scan = Scan.objects.select_related("applicant__health_code").get(venue_id=venue_id, nonce=nonce)
    if scan.source != source:
        raise NonceReused
    if claims is None and scan.issued_at is not None:
        # A retry that came after the token expired (its first answer was lost, and it was
        # sent again without scanned_at): the token as it was when first scanned.
        try:
            claims = tokens.verify(token if isinstance(token, str) else "", now=scan.scanned_at.timestamp())
        except tokens.TokenError:
            raise NonceReused from None
    if claims is None:
        same = scan.applicant_id is None and scan.issued_at is None and scan.result == failure
    else:
        code = scan.applicant.health_code if scan.applicant is not None else None
        same = (
            scan.issued_at is not None
            and int(scan.issued_at.timestamp()) == int(claims.issued_at)
            and scan.paper == claims.paper
            and (
                bytes(code.ref) == bytes(claims.ref) if code is not None else scan.result == Scan.Result.UNKNOWN_PERSON
            )
        )
    if not same:
        raise NonceReused
    return result_of(scan, duplicate=True)


def result_of(scan: Scan, *, duplicate: bool = False) -> ScanResult:
    applicant = scan.applicant
    return ScanResult(
        code=scan.result,
        colour=scan.colour,
        masked_name=mask_name(applicant.name) if applicant else "",
        paper=scan.paper,
        issued_at=scan.issued_at,
        direction=scan.direction,
        scan_id=scan.pk,
        applicant_id=scan.applicant_id,
        duplicate=duplicate,
        holder=applicant,
    )
