"""A confirmed declaration travels through Redis to a real worker, which sets the colour in Postgres."""

import re
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection

from declarations import services
from declarations.models import Declaration
from family.models import InboxMessage
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.priorities import queue_keys
from tests import factories
from tests.brokers import tasks_to
from tests.integration.conftest import Worker, _require_services, wait_for, worker_env

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
    # A turn per confirmation at most (declarations/services/backlog.py), never a task each.
    turns = log.read_text().count("Task declarations.tasks.review_confirmed[")
    assert 1 <= turns <= 3 * 2  # received and succeeded: two lines a turn
    assert "Task declarations.tasks.review_declaration[" not in log.read_text()
    assert worker.poll() is None


def test_while_people_keep_declaring_a_turn_lingers_and_reviews_them_without_a_task_each(
    django_db_serialized_rollback, transactional_db, tmp_path
):
    """Confirmations 100 ms apart, the worker running: each review is done long before the
    next confirmation, yet a turn that found work waits (HC_REVIEW_LINGER_MS, 500 here) and
    looks again, so the confirmations that follow find the turn taken and send nothing.
    Without the wait, every confirmation would start a turn of its own."""
    redis_url = _require_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = Worker(worker_env(redis_url, queue, tmp_path, HC_REVIEW_LINGER_MS="500"), queue, tmp_path)
    try:
        with tasks_to(redis_url, queue):
            users = [factories.account() for _ in range(30)]
            drafts = [services.save_draft(u, self_applicant(u), factories.declaration_data()) for u in users]
            worker.start(timeout=30)
            for user, draft in zip(users, drafts, strict=True):
                services.confirm(user, draft.ref)
                time.sleep(0.1)
            wait_for(lambda: Declaration.objects.filter(status=Declaration.Status.REVIEWED).count() == 30)
            succeeded = re.compile(r"Task declarations\.tasks\.review_confirmed\[[^]]*\] succeeded")
            wait_for(lambda: len(succeeded.findall(worker.log_text())) >= 1)
            started = worker.log_text().count("Task declarations.tasks.review_confirmed[") - len(
                succeeded.findall(worker.log_text())
            )
            assert started <= 2 * settings.HC_REVIEW_TURNS, f"{started} turns for 30 confirmations"
    finally:
        worker.stop()
        redis.Redis.from_url(redis_url).delete(*queue_keys(queue))


def test_declarations_confirmed_while_the_worker_is_away_are_reviewed_in_one_turn(
    django_db_serialized_rollback, transactional_db, tmp_path
):
    """A station morning's backlog: 60 confirmations find their part's turn taken after the
    first of each part, so one message per part reaches the broker (HC_REVIEW_TURNS, not 60),
    and the worker reviews all of them in those turns."""
    redis_url = _require_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = Worker(worker_env(redis_url, queue, tmp_path), queue, tmp_path)
    client = redis.Redis.from_url(redis_url)
    try:
        with tasks_to(redis_url, queue):
            users = [factories.account() for _ in range(60)]
            drafts = [services.save_draft(u, self_applicant(u), factories.declaration_data()) for u in users]
            for user, draft in zip(users, drafts, strict=True):
                services.confirm(user, draft.ref)
            turns = settings.HC_REVIEW_TURNS
            assert sum(client.llen(key) for key in queue_keys(queue)) == turns  # for 60 confirmations
            worker.start(timeout=30)
            wait_for(lambda: Declaration.objects.filter(status=Declaration.Status.REVIEWED).count() == 60)
            assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 60
            succeeded = re.compile(r"Task declarations\.tasks\.review_confirmed\[[^]]*\] succeeded")
            wait_for(lambda: len(succeeded.findall(worker.log_text())) == turns)
            assert "Task declarations.tasks.review_declaration[" not in worker.log_text()
    finally:
        worker.stop()
        client.delete(*queue_keys(queue))


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
