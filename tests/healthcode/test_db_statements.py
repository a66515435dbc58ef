"""The hottest statements are prepared on the server once per connection
(healthcode/db/postgresql/statements.py). Real Postgres only."""

import pytest
from django.db import connection, transaction
from django.test import override_settings

from family.services import self_applicant
from family.services.codepage import code_page_applicant
from healthcode.db.postgresql import statements
from tests.conftest import missing_services


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        missing_services("prepared statements are Postgres' (DATABASE_URL=postgres://…; CI sets it)")
    connection.close()  # a new server session: nothing prepared yet
    yield
    connection.close()


def prepared_on_server() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name LIKE 'hc\\_%%' ORDER BY name")
        return [row[0] for row in cursor.fetchall()]


def one(sql: str, params: list):
    with connection.cursor() as cursor:
        statements.execute(cursor, sql, params)
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_code_page_read_is_prepared_once_per_connection(postgres, green_citizen, django_assert_num_queries):
    pk = self_applicant(green_citizen).pk
    before = prepared_on_server()  # the fixture's review prepared its own reads on this connection
    with django_assert_num_queries(1):  # the PREPARE is not a query of the page's
        first = code_page_applicant(green_citizen, pk)
    new = [text for text in prepared_on_server() if text not in before]
    assert len(new) == 1 and new[0].startswith("PREPARE hc_") and "family_applicant" in new[0]
    for _ in range(3):
        again = code_page_applicant(green_citizen, pk)
        assert (again.pk, again.health_code.colour, again.id_number) == (pk, "green", first.id_number)
    assert len(prepared_on_server()) == len(before) + 1  # executed, not prepared again

    connection.close()
    code_page_applicant(green_citizen, pk)
    assert len(prepared_on_server()) == 1  # the new connection prepared its own


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_gone_from_the_server_is_run_as_it_is_and_prepared_again(postgres):
    sql = "SELECT %s::int + 1"
    assert one(sql, [1]) == (2,)
    with connection.cursor() as cursor:
        cursor.cursor.execute("DEALLOCATE ALL")  # what a pooler switching server connections does
    assert one(sql, [2]) == (3,)  # outside a transaction: answered all the same
    assert one(sql, [3]) == (4,)
    assert prepared_on_server() == [f"PREPARE hc_2 AS {statements.numbered(sql)}"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_that_cannot_be_prepared_leaves_the_transaction_usable(postgres):
    sql = "SELECT %s IS NULL"  # fine with a literal; a parameter's type cannot be inferred here
    with transaction.atomic():
        assert one("SELECT %s::int * 2", [21]) == (42,)
        assert one(sql, [5]) == (False,)
        assert one(sql, [None]) == (True,)
        assert one("SELECT %s::int * 2", [2]) == (4,)  # the transaction was not aborted
    assert connection.statements.executes[sql] is None  # not tried again on this connection


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_off_by_setting(postgres):
    with override_settings(HC_DB_PREPARED_STATEMENTS=False):
        assert one("SELECT %s::int + 1", [1]) == (2,)
    assert prepared_on_server() == []


def test_placeholders_are_numbered_and_percent_signs_kept():
    assert statements.numbered("SELECT %s, '%%', %s FROM t WHERE a LIKE '%%x'") == (
        "SELECT $1, '%', $2 FROM t WHERE a LIKE '%x'"
    )
