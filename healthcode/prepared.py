"""A hot query compiled once per process and run with new values.

Django compiles a queryset into SQL on every evaluation; for the code page's read (the person,
their code and city, and a few annotations) compiling cost about ten times the query itself
(bench/README.md). `Prepared` builds the queryset once with stand-in values, keeps the SQL
and Django's own row-to-model machinery (the converters that decrypt sealed fields, the
select_related populators, the annotations), and on each call substitutes the real values
into the parameters and runs the SQL. The results are the same model instances the ORM would
build; tests/healthcode/test_prepared.py compares them field by field.

Only for querysets whose parameters are the stand-ins and constants (no value computed from
a stand-in). Written against Django 5.2's ModelIterable, which it follows step by step.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

from healthcode.db.postgresql import statements

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1  # every key here is a bigint (DEFAULT_AUTO_FIELD)


class Prepared:
    """`build(**stand_ins)` returns the queryset; `first(**values)` runs it with the values."""

    def __init__(self, build: Callable[..., QuerySet], **stand_ins: Any) -> None:
        self.build = build
        self.stand_ins = stand_ins
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget the compiled SQL (after what `build` reads changes, e.g. in tests)."""
        with self._lock:
            self._compiled.clear()

    def _compile(self, using: str) -> tuple:
        queryset = self.build(**self.stand_ins).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        # A stand-in is found as itself or, where the backend adapts it while compiling (SQLite
        # turns a date or a time into text), as that text; the real value goes in the same form.
        connection = connections[using]
        slots: list[tuple[int, str, bool]] = []
        for position, param in enumerate(params):
            for name, stand_in in self.stand_ins.items():
                if type(param) is type(stand_in) and param == stand_in:
                    slots.append((position, name, False))
                elif isinstance(param, str) and param == _as_text(stand_in, connection):
                    slots.append((position, name, True))
        missing = set(self.stand_ins) - {name for _, name, _ in slots}
        if missing:
            raise ValueError(f"stand-ins not found in the compiled parameters: {sorted(missing)}")
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        # The converters of the selected columns (decrypting sealed fields, SQLite's times...):
        # what compiler.results_iter looks up on every call, looked up once.
        converters = list(compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items())
        return (sql, list(params), slots, compiler, klass_info["model"], start, end, init_list, populators, converters)

    def first(self, using: str = "default", **values: Any) -> Model | None:
        compiled, rows = self._run(using, values, many=False)
        return self._model(compiled, rows[0], using) if rows else None

    def all(self, using: str = "default", **values: Any) -> list[Model]:
        """Every row, as `list(queryset)` would give them."""
        compiled, rows = self._run(using, values, many=True)
        return [self._model(compiled, row, using) for row in rows]

    def _run(self, using: str, values: dict[str, Any], *, many: bool) -> tuple[tuple, list[tuple]]:
        """The compiled query and its rows (at most one unless `many`)."""
        if any(type(value) is int and not BIGINT_MIN <= value <= BIGINT_MAX for value in values.values()):
            # No key is that large (an address like /code/99999999999999999999/): no row, as
            # Django's own lookups answer; the database would refuse the value (a server error).
            return (), []
        compiled = self._compiled_for(using)
        sql, params, slots = compiled[0], list(compiled[1]), compiled[2]
        connection = connections[using]
        for position, name, as_text in slots:
            params[position] = _as_text(values[name], connection) if as_text else values[name]
        with connection.cursor() as cursor:
            statements.execute(cursor, sql, params)  # prepared on the server, once per connection
            if many:
                return compiled, cursor.fetchall()
            row = cursor.fetchone()
            return compiled, [] if row is None else [row]

    def _compiled_for(self, using: str) -> tuple:
        # Per thread: the compiler holds the thread's connection (a gthread worker has several).
        key = f"{using}:{threading.get_ident()}"
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(using)
                self._compiled[key] = compiled
        return compiled

    def _model(self, compiled: tuple, row: tuple, using: str) -> Model:
        _sql, _params, _slots, compiler, model, start, end, init_list, populators, converters = compiled
        if converters:  # as compiler.apply_converters does
            row = list(row)
            connection = connections[using]
            for position, (functions, expression) in converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
        obj = model.from_db(using, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr, position in compiler.annotation_col_map.items():
            setattr(obj, attr, row[position])
        return obj


def _as_text(value: Any, connection) -> Any:
    """A value as the backend adapts it for a query (SQLite: a time in UTC as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, uuid.UUID):  # a backend without a uuid type keeps its 32 hex digits
        return value.hex
    return str(value)


STAND_IN_ID = -7_203_191  # an id no row has, for `Prepared` stand-ins
STAND_IN_UUID = uuid.UUID("00000000-0000-4000-8000-0000006d0b3f")
STAND_IN_DAY = date(1901, 2, 3)
STAND_IN_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
STAND_IN_EARLIER = datetime(1901, 1, 2, 3, 4, 5, tzinfo=UTC)
