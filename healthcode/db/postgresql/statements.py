"""The hottest statements prepared on the server once per connection, then run by EXECUTE.

Postgres parses and plans every statement it is sent. For the code page's read (the person,
their code, city and five small subqueries) that took about three quarters of the query's
Postgres CPU: 0.65 ms planned every time against 0.19 ms prepared (bench/README.md). A
persistent connection can keep the plan: `PREPARE name AS <sql>` once, then
`EXECUTE name(values)`. psycopg2 has no protocol-level prepared statements, so this is the SQL
form, and only for the statements the project names (the code page's read and the account
behind it, the gate API's read and insert: `execute` below), not for every ORM query: a named
statement's parameter types are inferred once from its context, which for a handful of known
statements is checked by their tests and for arbitrary queries could differ from what the
literal value would have meant.

Per connection: a new connection (after a restart, an error, `CONN_MAX_AGE`) starts with none.
The PREPARE goes to the server on the raw cursor, so Django's query log and the tests' query
counts see the same one statement as before (the EXECUTE). Inside a transaction it is wrapped
in a savepoint, so that a statement that cannot be prepared is run as it is without aborting
the transaction. An EXECUTE that finds its statement gone or its plan invalid (a pooler that
switched server connections, a column type changed by a migration) forgets it; outside a
transaction the statement is then run as it is, inside the error is raised as any other.

Off with `DB_PREPARED_STATEMENTS=0`: needed behind PgBouncer in transaction pooling mode, where
consecutive statements may reach different server connections and SQL-level PREPARE is not
tracked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import psycopg2
from django.conf import settings
from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper

IDLE = 0  # libpq's PQTRANS_IDLE
IN_TRANSACTION = 2  # PQTRANS_INTRANS
# The statement's name is gone (26000) or its cached plan no longer fits (0A000: "cached plan
# must not change result type" after a migration).
STALE = {"26000", "0A000"}
LIMIT = 32  # statements per connection: the project names a few; a bug could name many
_PLACEHOLDER = re.compile(r"%%|%s")


def numbered(sql: str) -> str:
    """Django's `%s` placeholders as Postgres' `$1, $2, ...`, and `%%` as the `%` it stands for."""
    counter = itertools.count(1)
    return _PLACEHOLDER.sub(lambda match: "%" if match.group() == "%%" else f"${next(counter)}", sql)


class Statements:
    """One connection's prepared statements: SQL text -> its EXECUTE text (None: not preparable)."""

    def __init__(self) -> None:
        self.executes: dict[str, str | None] = {}
        self._names = itertools.count(1)

    def execute(self, cursor: CursorWrapper, sql: str, params: Sequence) -> None:
        statement = self.executes[sql] if sql in self.executes else self._prepare(cursor, sql, len(params))
        if statement is None:
            cursor.execute(sql, params)
            return
        try:
            cursor.execute(statement, params)
        except DatabaseError as error:  # Django's, with psycopg2's error as the cause
            if getattr(error.__cause__, "pgcode", None) not in STALE:
                raise
            self.executes.pop(sql, None)
            if not outside_transaction(cursor.db):
                raise
            cursor.execute(sql, params)  # outside a transaction nothing was done: run it as it is

    def _prepare(self, cursor: CursorWrapper, sql: str, count: int) -> str | None:
        if len(self.executes) >= LIMIT or not count:
            return None
        name = f"hc_{next(self._names)}"
        prepare = f"PREPARE {name} AS {numbered(sql)}"
        raw, db = cursor.cursor, cursor.db  # the psycopg2 cursor: not in Django's query log
        direct = outside_transaction(db)
        if not direct and db.connection.info.transaction_status not in (IDLE, IN_TRANSACTION):
            return None  # a failed transaction: the statement will fail as it is
        try:
            raw.execute(prepare if direct else f"SAVEPOINT {name}; {prepare}; RELEASE SAVEPOINT {name}")
        except psycopg2.Error:
            if not direct:
                raw.execute(f"ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}")
            self.executes[sql] = None
            return None
        statement = f"EXECUTE {name}({', '.join(['%s'] * count)})"
        self.executes[sql] = statement
        return statement


def outside_transaction(db) -> bool:
    """Autocommit and idle: a failed statement leaves nothing to roll back."""
    return db.get_autocommit() and db.connection.info.transaction_status == IDLE


def execute(cursor: CursorWrapper, sql: str, params: Sequence) -> None:
    """Run `sql` with `params` on `cursor`, as a statement prepared on the server where the
    connection is the project's Postgres backend and `DB_PREPARED_STATEMENTS` is on."""
    statements = getattr(cursor.db, "statements", None)
    if statements is None or not settings.HC_DB_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
    else:
        statements.execute(cursor, sql, params)
