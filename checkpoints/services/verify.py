"""Verify a scanned code at a venue and log it: the checkpoint's one service (after pretix's
check-in service).

The token is judged by `healthcode.verification.check` (signature with the one fixed
algorithm and known key ids, then expiry with one step of clock skew, then the live colour
and revocation), and the answer is written to the scan log, passed or not. A client nonce
makes a scan idempotent: the same scan uploaded twice (an offline device retrying) is logged
once and answered the same way both times.

The hot path (every turnstile request) costs two queries: one SELECT that reads the live
code and its person together, and one INSERT ... ON CONFLICT DO NOTHING RETURNING that logs
the scan. The insert is the only write and is atomic by itself (its own transaction, committed
before the answer leaves); wrapping the read in the same transaction would add BEGIN and
COMMIT round trips without making the read any more consistent (READ COMMITTED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Scan
from family.masking import mask_id, mask_name
from family.models import Applicant
from healthcode import crypto, verification
from healthcode.colours import Colour
from healthcode.db.postgresql import statements
from healthcode.models import HealthCode

NONCE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
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
        raise BadScan("nonce", str(_("nonce must be 8 to 64 letters, digits or _ . : -")))


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
    checked = verification.check(token if isinstance(token, str) else "", now=at.timestamp(), lookup=live_code)
    code, claims, health_code = checked.code, checked.claims, checked.health_code
    holder: Holder | None = health_code.holder if health_code is not None else None
    if health_code is not None and holder is None:
        code = Scan.Result.UNKNOWN_PERSON  # a code nobody holds any more
    colour = health_code.colour if holder is not None else ""
    issued_at = datetime.fromtimestamp(claims.issued_at, tz=UTC) if claims else None
    paper = bool(claims and claims.paper)
    scan_id = insert_scan(
        venue_id=venue_id,
        staff_id=staff_id,
        api_key_id=api_key_id,
        applicant_id=holder.pk if holder else None,
        result=code,
        colour=colour,
        paper=paper,
        direction=direction,
        source=source,
        nonce=nonce,
        issued_at=issued_at,
        scanned_at=at,
        created=now,
    )
    if scan_id is None:
        return logged_result(venue_id, nonce)
    return ScanResult(
        code=code,
        colour=colour,
        masked_name=mask_name(holder.name) if holder else "",
        paper=paper,
        issued_at=issued_at,
        direction=direction,
        scan_id=scan_id,
        applicant_id=holder.pk if holder else None,
        holder=holder,
    )


def logged_result(venue_id: int, nonce: str) -> ScanResult:
    """The answer given when this nonce was first logged at the venue."""
    scan = Scan.objects.select_related("applicant").get(venue_id=venue_id, nonce=nonce)
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


# ---------------------------------------------------------------------------------------
# The one read: the live code and whoever holds it, by the token's reference


@dataclass
class Holder:
    pk: int
    name: str
    sealed_id_number: str  # as stored (healthcode/crypto.py)

    @cached_property
    def id_number(self) -> str:
        return crypto.open_(self.sealed_id_number) if self.sealed_id_number else ""


@cache
def _select_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    code, person = HealthCode._meta, Applicant._meta

    def col(meta, name: str) -> str:
        return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"

    names = [(code, "id"), (code, "colour"), (code, "version"), (code, "paper_issued_at")]
    names += [(person, "id"), (person, "name"), (person, "id_number")]
    columns = ", ".join(col(meta, name) for meta, name in names)
    # Only names from the models' metadata go into the text; the reference is a parameter.
    return (
        f"SELECT {columns} FROM {quote(code.db_table)} LEFT OUTER JOIN {quote(person.db_table)} "  # noqa: S608
        f"ON {col(person, 'health_code')} = {col(code, 'id')} WHERE {col(code, 'ref')} = %s"
    )


def live_code(ref: bytes) -> HealthCode | None:
    """The lookup for `verification.check`: one SELECT, written out once instead of compiled
    by the ORM on every request (which costs several times the query itself). The code comes
    back with `holder`, the person who holds it, or None."""
    with connection.cursor() as cursor:
        statements.execute(
            cursor,
            _select_sql(connection.vendor),
            [HealthCode._meta.get_field("ref").get_db_prep_value(ref, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    code = HealthCode(id=row[0], ref=ref, colour=row[1], version=row[2], paper_issued_at=row[3])
    # The ID number comes back sealed from raw SQL (healthcode/crypto.py); opened when shown.
    code.holder = Holder(row[4], row[5] or "", row[6] or "") if row[4] is not None else None
    return code


# ---------------------------------------------------------------------------------------
# The one write: INSERT ... ON CONFLICT (venue, nonce) DO NOTHING RETURNING id


_COLUMNS = (
    "venue",
    "staff",
    "api_key",
    "applicant",
    "result",
    "colour",
    "paper",
    "direction",
    "source",
    "nonce",
    "issued_at",
    "scanned_at",
    "created",
)


@cache
def _insert_sql(vendor: str) -> tuple[str, tuple]:
    quote = connection.ops.quote_name
    fields = tuple(Scan._meta.get_field(name) for name in _COLUMNS)
    adapt = connection.ops.adapt_datetimefield_value
    converters = tuple(adapt if isinstance(field, DateTimeField) else None for field in fields)
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    venue, nonce = quote(Scan._meta.get_field("venue").column), quote(Scan._meta.get_field("nonce").column)
    # Only names from the model's metadata go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Scan._meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({venue}, {nonce}) DO NOTHING RETURNING {quote(Scan._meta.pk.column)}"
    )
    keys = tuple(name + "_id" if field.is_relation else name for name, field in zip(_COLUMNS, fields, strict=True))
    return sql, tuple(zip(keys, converters, strict=True))


def insert_scan(**values) -> int | None:
    """Log one scan; None when the venue has logged this nonce before (nothing is written).
    Postgres and SQLite (3.35+) both speak ON CONFLICT ... RETURNING."""
    sql, columns = _insert_sql(connection.vendor)
    params = [values[key] if convert is None else convert(values[key]) for key, convert in columns]
    with connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        row = cursor.fetchone()
    return row[0] if row else None
