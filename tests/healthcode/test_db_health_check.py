"""The persistent connection's health check: a look at the socket, a round trip only when the
server has spoken (healthcode/db/postgresql/base.py). Real Postgres only."""

import select
import time

import psycopg2
import pytest
from django.db import close_old_connections, connection, connections

from tests.client import Client
from tests.conftest import missing_services

MARKER = "SELECT 'health-check marker'"

# No test transaction around (an idle connection); serialized_rollback: the flush after a
# transactional test must give the migrations' rows back for the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        missing_services("the health check is Postgres' (DATABASE_URL=postgres://…; CI sets it)")
    connection.close()
    connection.ensure_connection()
    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    yield other
    other.close()
    connection.close()


def last_query(other, pid: int) -> str:
    with other.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_project_backend_is_in_use(postgres):
    assert type(connections["default"]).__module__ == "healthcode.db.postgresql.base"


def test_a_quiet_connection_is_usable_without_asking_the_server(postgres):
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute(MARKER)
    assert connection.is_usable()
    # Django's own check would have sent SELECT 1: the server's last statement would be that.
    assert last_query(postgres, pid) == MARKER


def test_a_connection_the_server_closed_is_replaced_before_the_request_uses_it(postgres):
    pid = backend_pid()
    with postgres.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the terminated backend's socket never became readable"

    assert not connection.is_usable()
    # As a WSGI server runs a request (the test client skips this step): old connections
    # closed, then the first query's health check replaces the dead one.
    close_old_connections()
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["database"] == "ok"
    assert backend_pid() != pid


def test_a_connection_inside_a_transaction_is_asked(postgres):
    pid = backend_pid()
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute(MARKER)
        assert connection.is_usable()
        assert last_query(postgres, pid) == "SELECT 1"
    finally:
        connection.rollback()
        connection.set_autocommit(True)
