"""The declaration's indexes that every declaration writes are only those a query needs
(declarations/migrations/0015): an account's declarations are found through the unique
(account, form token), a reviewer's through a partial index of the decided ones."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import missing_services

pytestmark = pytest.mark.django_db


def plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's table is small
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        missing_services("the query plan is Postgres' (DATABASE_URL=postgres://…; CI sets it)")


def indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'declarations_declaration'")
        return dict(cursor.fetchall())


def test_no_index_of_the_account_alone_nor_of_every_reviewer_slot(postgres):
    found = indexes()
    assert not [d for d in found.values() if d.endswith("(submitted_by_id)")], found
    assert found["declaration_decided_by_idx"].endswith("WHERE (decided_by_id IS NOT NULL)")
    assert not [d for d in found.values() if d.endswith("(decided_by_id)")], found


def test_an_accounts_deletion_finds_its_declarations_through_the_form_index(postgres, citizen):
    # As the CASCADE of an account's deletion asks.
    found = plan("DELETE FROM declarations_declaration WHERE submitted_by_id IN (%s)", [citizen.pk])
    assert "declaration_one_per_form" in found, found


def test_a_reviewers_deletion_check_uses_the_partial_index(postgres, citizen):
    # As PROTECT asks before a reviewer's account is deleted.
    found = plan("SELECT id FROM declarations_declaration WHERE decided_by_id IN (%s)", [citizen.pk])
    assert "declaration_decided_by_idx" in found, found


# No test transaction around: CONCURRENTLY refuses to run inside one (the SQL is only collected
# here); serialized_rollback gives the migrations' rows back after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_changes_the_indexes_without_stopping_writes(postgres):
    """CREATE and DROP INDEX CONCURRENTLY on Postgres (healthcode/db/operations.py): a plain
    one locks out every declaration's INSERT while it reads the whole table."""
    from io import StringIO

    from django.core.management import call_command
    from django.db.migrations.loader import MigrationLoader

    out = StringIO()
    call_command("sqlmigrate", "declarations", "0015", stdout=out)
    assert 'CREATE INDEX CONCURRENTLY "declaration_decided_by_idx"' in out.getvalue()
    migration = MigrationLoader(connection).get_migration("declarations", "0015_fewer_index_writes")
    assert migration.atomic is False
    drops = migration.operations[0].database_operations
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for drop in drops:
            drop.code(None, editor)
            drop.reverse_code(None, editor)
    assert editor.collected_sql == [
        'DROP INDEX CONCURRENTLY IF EXISTS "declarations_declaration_decided_by_id_0f437a2c";',
        'CREATE INDEX CONCURRENTLY "declarations_declaration_decided_by_id_0f437a2c" '
        'ON "declarations_declaration" ("decided_by_id");',
        'DROP INDEX CONCURRENTLY IF EXISTS "declarations_declaration_submitted_by_id_b5d71472";',
        'CREATE INDEX CONCURRENTLY "declarations_declaration_submitted_by_id_b5d71472" '
        'ON "declarations_declaration" ("submitted_by_id");',
    ]
