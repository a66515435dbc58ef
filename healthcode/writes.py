"""A row's named fields written (`update_fields`), or a new row inserted (`insert`), with SQL
built once per process.

`instance.save(...)` builds and compiles its UPDATE or INSERT every time (and sends the model's
signals, which nothing in this project listens to for these models). For the review's writes
(the code's colour, the history row, the declaration's verdict), 200 times a second, that
compiling cost about as much as running them (bench/README.md). Here the SQL is built once per
model, field list and database, each value is prepared for the database by its own field, as
`save` does, and on Postgres the statement is prepared on the server (healthcode/db/postgresql/
statements.py). Only for values the caller set: no expressions, no database defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model

from healthcode.db.postgresql import statements

_update_sql: dict[tuple[type[Model], tuple[str, ...], str], tuple[str, list]] = {}
_update_many_sql: dict[tuple[type[Model], tuple[str, ...], str], str] = {}
_insert_sql: dict[tuple[type[Model], str], tuple[str, list, bool]] = {}


def update_fields(instance: Model, names: Sequence[str], using: str = "default") -> int:
    """Write `names` of `instance` to its row; returns the number of rows written (0: gone)."""
    model = type(instance)
    connection = connections[using]
    key = (model, tuple(names), using)
    built = _update_sql.get(key)
    if built is None:
        quote = connection.ops.quote_name
        fields = [model._meta.get_field(name) for name in names]
        columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        # Names from the model's metadata, quoted; every value is a parameter.
        sql = f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
        built = _update_sql[key] = (sql, fields)
    sql, fields = built
    params = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
    params.append(model._meta.pk.get_db_prep_value(instance.pk, connection))
    with connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        return cursor.rowcount


def update_many(model: type[Model], pks: Sequence[int], values: dict[str, Any], using: str = "default") -> int:
    """Write the same `values` (field name -> value) to the rows `pks`, in one statement;
    returns the number of rows written. On Postgres the keys go as one array, so the
    statement is the same whatever their number and is prepared once."""
    connection = connections[using]
    names = tuple(values)
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    array = connection.vendor == "postgresql"
    key = (model, names, using)
    sql = _update_many_sql.get(key) if array else None
    if sql is None:
        columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        keys = "= ANY(%s)" if array else f"IN ({', '.join(['%s'] * len(pks))})"
        # Names from the model's metadata, quoted; every value is a parameter.
        sql = f"UPDATE {quote(model._meta.db_table)} SET {columns} WHERE {quote(pk.column)} {keys}"  # noqa: S608
        if array:
            _update_many_sql[key] = sql
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    prepared_keys = [pk.get_db_prep_value(value, connection) for value in pks]
    params += [prepared_keys] if array else prepared_keys
    with connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        return cursor.rowcount


def insert(instance: Model, using: str = "default") -> Model:
    """Insert `instance` as a new row (every concrete field but an automatic primary key, each
    value as `save` would prepare it) and give it its primary key."""
    model = type(instance)
    connection = connections[using]
    key = (model, using)
    built = _insert_sql.get(key)
    if built is None:
        quote = connection.ops.quote_name
        pk = model._meta.pk
        fields = [f for f in model._meta.local_concrete_fields if not (f is pk and f.db_returning)]
        returning = pk.db_returning and connection.features.can_return_columns_from_insert
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))})" + (f" RETURNING {quote(pk.column)}" if returning else "")
        )
        built = _insert_sql[key] = (sql, fields, returning)
    sql, fields, returning = built
    params = [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        if returning:
            instance.pk = cursor.fetchone()[0]
        elif model._meta.pk.db_returning:
            instance.pk = cursor.lastrowid
    instance._state.adding = False
    instance._state.db = using
    return instance
