"""The scan log's SQL: the live code read by a token's reference, the scan written once per
nonce, and on Postgres both in one statement.

Every turnstile request comes here, so the statements are written out once (from the models'
metadata, never from input) instead of compiled by the ORM each time, and prepared on the
server (healthcode/db/postgresql/statements.py).

- Postgres: **one statement** reads the live code and its holder, judges the token by the
  rules of `healthcode.verification.judge` (written a second time, in SQL: a test compares the
  two case by case, tests/checkpoints/test_scan_statement.py) and logs the scan with
  `INSERT ... ON CONFLICT (venue, nonce) DO NOTHING`. One round trip and one transaction,
  committed before the answer leaves: in the bench it carried a gate worker further than the
  separate read and insert did (bench/README.md).
- Elsewhere (SQLite in development: no INSERT inside WITH): the read, then the insert, each
  its own statement; wrapping them in a transaction would add round trips without making the
  read more consistent (READ COMMITTED).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

from django.db import connection
from django.db.models import DateTimeField

from checkpoints.models import Scan
from family.models import Applicant
from healthcode import crypto, verification
from healthcode.colours import Colour
from healthcode.db.postgresql import statements
from healthcode.models import HealthCode
from healthcode.tokens import Claims


@dataclass
class Holder:
    """The person who holds a code, as the scan needs them."""

    pk: int
    name: str
    sealed_id_number: str  # as stored (healthcode/crypto.py)

    @cached_property
    def id_number(self) -> str:
        return crypto.open_(self.sealed_id_number) if self.sealed_id_number else ""


@dataclass(frozen=True)
class Logged:
    result: str  # one of Scan.Result
    holder: Holder | None
    colour: str  # the live colour; "" when nobody holds the code
    scan_id: int | None  # None: the venue had logged this nonce before, and nothing was written


def judge_and_log(claims: Claims, **values) -> Logged:
    """Judge a token whose signature and expiry checked out against the live code, and log
    the scan (`values`: the scan's columns but applicant, result and colour)."""
    if connection.vendor == "postgresql":
        return _in_one_statement(claims, values)
    return _apart(claims, values)


def _apart(claims: Claims, values: dict) -> Logged:
    health_code, holder = live_code(claims.ref)
    result = verification.judge(claims, health_code) if holder is not None else Scan.Result.UNKNOWN_PERSON
    colour = health_code.colour if holder is not None else ""
    scan_id = insert_scan(applicant_id=holder.pk if holder else None, result=result, colour=colour, **values)
    return Logged(result, holder, colour, scan_id)


# ---------------------------------------------------------------------------------------
# The read: the live code and whoever holds it, by the token's reference


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


def _ref_param(ref: bytes):
    return HealthCode._meta.get_field("ref").get_db_prep_value(ref, connection)


def live_code(ref: bytes) -> tuple[HealthCode | None, Holder | None]:
    """The live code by its reference and the person who holds it (either may be None)."""
    with connection.cursor() as cursor:
        statements.execute(cursor, _select_sql(connection.vendor), [_ref_param(ref)])
        row = cursor.fetchone()
    if row is None:
        return None, None
    code = HealthCode(id=row[0], ref=ref, colour=row[1], version=row[2], paper_issued_at=row[3])
    # The ID number comes back sealed from raw SQL (healthcode/crypto.py); opened when shown.
    return code, Holder(row[4], row[5] or "", row[6] or "") if row[4] is not None else None


# ---------------------------------------------------------------------------------------
# The write: INSERT ... ON CONFLICT (venue, nonce) DO NOTHING RETURNING id


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
_JUDGED_KEYS = ("applicant_id", "result", "colour")  # what the one statement decides itself


@cache
def _insert_parts(vendor: str) -> tuple[str, str, tuple]:
    """The INSERT's head and tail around its VALUES, and the parameters' keys with their
    converters."""
    quote = connection.ops.quote_name
    fields = tuple(Scan._meta.get_field(name) for name in _COLUMNS)
    adapt = connection.ops.adapt_datetimefield_value
    converters = tuple(adapt if isinstance(field, DateTimeField) else None for field in fields)
    columns = ", ".join(quote(field.column) for field in fields)
    venue, nonce = quote(Scan._meta.get_field("venue").column), quote(Scan._meta.get_field("nonce").column)
    # Only names from the model's metadata go into the text; every value is a parameter.
    head = f"INSERT INTO {quote(Scan._meta.db_table)} ({columns})"
    tail = f"ON CONFLICT ({venue}, {nonce}) DO NOTHING RETURNING {quote(Scan._meta.pk.column)}"
    keys = tuple(name + "_id" if field.is_relation else name for name, field in zip(_COLUMNS, fields, strict=True))
    return head, tail, tuple(zip(keys, converters, strict=True))


@cache
def _insert_sql(vendor: str) -> str:
    head, tail, _columns = _insert_parts(vendor)
    return f"{head} VALUES ({', '.join(['%s'] * len(_COLUMNS))}) {tail}"


def _params(values: dict, keys: tuple, leave_out: tuple = ()) -> list:
    return [values[key] if convert is None else convert(values[key]) for key, convert in keys if key not in leave_out]


def insert_scan(**values) -> int | None:
    """Log one scan; None when the venue has logged this nonce before (nothing is written).
    Postgres and SQLite (3.35+) both speak ON CONFLICT ... RETURNING."""
    _head, _tail, keys = _insert_parts(connection.vendor)
    with connection.cursor() as cursor:
        statements.execute(cursor, _insert_sql(connection.vendor), _params(values, keys))
        row = cursor.fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------------------------------
# Postgres: the read, the verdict and the write in one statement


@cache
def _one_statement_sql(vendor: str) -> str:
    head, tail, _keys = _insert_parts(vendor)
    result = {member.name: f"'{member.value}'" for member in Scan.Result}
    judged_values = {
        "applicant": "(SELECT person_id FROM judged)",
        "result": "(SELECT result FROM judged)",
        "colour": "(SELECT scan_colour FROM judged)",
    }
    values = ", ".join(judged_values.get(name, "%s") for name in _COLUMNS)
    # The verdict mirrors healthcode.verification.judge, and a code nobody holds is nobody's
    # (as in judge_and_log above). `token` carries the claims; `live` has at most one row
    # (the reference is unique, a code has one holder), `judged` exactly one.
    return f"""
WITH token (paper, issued_at, version, colour, green) AS (
    VALUES (%s::boolean, %s::bigint, %s::integer, %s::varchar, %s::varchar)
),
live (code_id, colour, version, paper_issued_at, person_id, name, id_number) AS (
    {_select_sql(vendor)}
),
judged AS (
    SELECT live.person_id, live.name, live.id_number,
        CASE WHEN live.person_id IS NULL THEN '' ELSE live.colour END AS scan_colour,
        CASE
            WHEN live.person_id IS NULL THEN {result["UNKNOWN_PERSON"]}
            WHEN token.paper AND live.paper_issued_at IS DISTINCT FROM token.issued_at
                THEN {result["REVOKED"]}
            WHEN NOT token.paper AND (live.version <> token.version OR live.colour <> token.colour)
                THEN {result["REVOKED"]}
            WHEN live.colour <> token.green THEN {result["NOT_GREEN"]}
            ELSE {result["OK"]}
        END AS result
    FROM token LEFT OUTER JOIN live ON TRUE
),
logged AS (
    {head} VALUES ({values}) {tail}
)
SELECT person_id, name, id_number, scan_colour, result, (SELECT * FROM logged) FROM judged
"""  # noqa: S608  (names from the models' metadata and the result codes; values are parameters)


def _in_one_statement(claims: Claims, values: dict) -> Logged:
    _head, _tail, keys = _insert_parts(connection.vendor)
    token = [claims.paper, claims.issued_at, claims.version, str(claims.colour), Colour.GREEN.value]
    inserted = _params(values, keys, leave_out=_JUDGED_KEYS)
    with connection.cursor() as cursor:
        statements.execute(cursor, _one_statement_sql(connection.vendor), [*token, _ref_param(claims.ref), *inserted])
        person_id, name, sealed_id, colour, result, scan_id = cursor.fetchone()
    holder = Holder(person_id, name or "", sealed_id or "") if person_id is not None else None
    return Logged(result, holder, colour, scan_id)
