"""A row's named fields written with one UPDATE whose SQL is built once per process.

`instance.save(update_fields=...)` builds and compiles an UPDATE every time (and sends the
model's signals, which nothing in this project listens to for these models). For the review's
two writes (the code's colour, the declaration's verdict), 200 times a second, that compiling
cost about as much as running them (bench/README.md). Here the SQL is built once per model,
field list and database, each value is prepared for the database by its own field, as `save`
does, and on Postgres the statement is prepared on the server (healthcode/db/postgresql/
statements.py). Only for fields whose value the caller set: no `auto_now`, no expressions.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections
from django.db.models import Model

from healthcode.db.postgresql import statements

_sql: dict[tuple[type[Model], tuple[str, ...], str], str] = {}


def update_fields(instance: Model, names: Sequence[str], using: str = "default") -> int:
    """Write `names` of `instance` to its row; returns the number of rows written (0: gone)."""
    model = type(instance)
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in names]
    key = (model, tuple(names), using)
    sql = _sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        # Names from the model's metadata, quoted; every value is a parameter.
        sql = f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
        _sql[key] = sql
    params = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        return cursor.rowcount
