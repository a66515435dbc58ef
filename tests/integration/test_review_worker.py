"""A confirmed declaration travels through Redis to a real worker, which sets the colour in Postgres."""

import time

import pytest
from django.db import connection

from declarations import services
from declarations.models import Declaration
from family.models import InboxMessage
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def test_worker_reviews_confirmed_declarations(celery_worker):
    worker, log = celery_worker
    people = []
    for answers in ({}, {"contact": "unsure"}, {"contact": "yes"}):
        user = factories.account()
        draft = services.save_draft(user, self_applicant(user), factories.declaration_data(**answers))
        services.confirm(user, draft.ref)  # commits: the task goes to Redis on commit
        people.append(user)

    # Nothing reviews in this process: the colours appear because the worker did the work.
    wait_for(lambda: Declaration.objects.filter(status=Declaration.Status.REVIEWED).count() == 3)
    colours = [self_applicant(user).health_code.colour for user in people]
    assert colours == [Colour.GREEN, Colour.YELLOW, Colour.RED]
    assert ColourChange.objects.count() == 3
    assert log.read_text().count("review_declaration") >= 3
    assert worker.poll() is None


def database_sessions() -> int:
    """Connections ever made to the test database (Postgres counts them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_the_worker_keeps_its_database_connection_across_tasks(celery_worker):
    """Celery's Django fixup would connect anew for every task (a new Postgres backend each
    time, which cost more than the review, bench/README.md); the worker keeps its connection
    as a web process does (DB_CONN_MAX_AGE)."""
    people = []
    for _ in range(20):
        user = factories.account()
        draft = services.save_draft(user, self_applicant(user), factories.declaration_data())
        people.append((user, draft.ref))
    wait_for(lambda: database_sessions() is not None)
    before = database_sessions()
    for user, ref in people:
        services.confirm(user, ref)  # 20 reviews, then 20 notifications: 40 tasks
    wait_for(lambda: InboxMessage.objects.filter(sms_state="sent").count() == 20)
    time.sleep(1)  # Postgres publishes its counters about once a second
    made = database_sessions() - before
    assert made <= 3, f"{made} connections for 40 tasks"  # the worker's process, and a spare
