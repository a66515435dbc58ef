"""Writing thousands of rows in one go (contact tracing flags a crowd at once).

Django's bulk_create builds a model instance and prepares every value of every row in Python;
at twenty thousand rows that alone takes seconds. On PostgreSQL `insert_rows` sends one array
per column and lets the database unnest them: one statement per few thousand rows, no model
instances. Each array travels as one text literal ('{1,2,3}'), which the server reads far
faster than an ARRAY[...] of thousands of typed constants. Elsewhere (SQLite: development and
the fast tests) it is bulk_create.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import connection
from django.db.models import Model

CHUNK = 5000


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: Sequence[str] = ()
) -> list[tuple] | None:
    """INSERT the rows, skipping any that a unique constraint already holds (ON CONFLICT DO
    NOTHING). `columns` are attribute names (`applicant_id` for a foreign key); values are
    what the database stores: an encrypted field's value sealed by the caller
    (field.get_prep_value), aware datetimes, ids.

    With `returning` (column names), PostgreSQL answers those columns of the rows that went
    in (not of those skipped); elsewhere the answer is None and the caller reads them back."""
    if not rows:
        return [] if connection.vendor == "postgresql" else None
    fields = {field.attname: field for field in model._meta.concrete_fields}
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=1000, ignore_conflicts=True
        )
        return None
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[column].column) for column in columns)
    arrays = ", ".join(f"%s::text::{fields[column].db_type(connection)}[]" for column in columns)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"  # noqa: S608 (names from the model)
    if returning:
        sql += " RETURNING " + ", ".join(quote(fields[column].column) for column in returning)
    answered: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            cursor.execute(sql, [array_literal(values) for values in zip(*chunk, strict=True)])
            if returning:
                answered += cursor.fetchall()
    return answered


def array_literal(values: Sequence) -> str:
    """A PostgreSQL array literal: {1,NULL,"text with \\"quotes\\"","2026-03-01T08:00:00+00:00"}."""
    items = []
    for value in values:
        if value is None:
            items.append("NULL")
        elif isinstance(value, bool):
            items.append("t" if value else "f")
        elif isinstance(value, int):
            items.append(str(value))
        else:
            text = value.isoformat() if isinstance(value, datetime | date) else str(value)
            items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"
