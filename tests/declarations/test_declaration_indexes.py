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


def test_the_migration_changes_the_indexes_without_stopping_writes(postgres):
    """CREATE and DROP INDEX CONCURRENTLY on Postgres (healthcode/db/operations.py): a plain
    one locks out every declaration's INSERT while it reads the whole table. The SQL is only
    collected, on a connection of its own: CONCURRENTLY refuses to run inside the test's
    transaction."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    other = connections.create_connection("default")
    try:
        executor = MigrationExecutor(other)
        migration = executor.loader.get_migration("declarations", "0015_fewer_index_writes")
        assert migration.atomic is False
        collected = executor.loader.collect_sql([(migration, False)])
        assert 'CREATE INDEX CONCURRENTLY "declaration_decided_by_idx"' in "\n".join(collected)
        with other.schema_editor(collect_sql=True, atomic=False) as editor:
            for drop in migration.operations[0].database_operations:
                drop.code(None, editor)
                drop.reverse_code(None, editor)
    finally:
        other.close()
    assert editor.collected_sql == [
        'DROP INDEX CONCURRENTLY IF EXISTS "declarations_declaration_decided_by_id_0f437a2c";',
        'CREATE INDEX CONCURRENTLY "declarations_declaration_decided_by_id_0f437a2c" '
        'ON "declarations_declaration" ("decided_by_id");',
        'DROP INDEX CONCURRENTLY IF EXISTS "declarations_declaration_submitted_by_id_b5d71472";',
        'CREATE INDEX CONCURRENTLY "declarations_declaration_submitted_by_id_b5d71472" '
        'ON "declarations_declaration" ("submitted_by_id");',
    ]
