"""healthcode/hooks.py: what follows a committed fact, and what is written with it."""

from __future__ import annotations

import pytest
from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from healthcode import hooks
from tests.brokers import broker_down

RUNS: list[str] = []
KEY = "tests:probe-turn"


@shared_task
def probe() -> None:
    """A task that works through what waits (eager in tests): it keeps its turn, as a sender
    still at work does, until the test gives it back."""
    RUNS.append("ran")


@pytest.fixture(autouse=True)
def fresh():
    RUNS.clear()
    cache.delete(KEY)
    yield
    cache.delete(KEY)


PROBE = "tests.healthcode.test_hooks.probe"


def test_one_task_is_enqueued_for_many_facts_until_it_gives_its_turn_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            hooks.enqueue_once_after_commit(PROBE, KEY)
    assert RUNS == ["ran"]  # one task for five facts: its turn is taken
    with django_capture_on_commit_callbacks(execute=True):
        hooks.enqueue_once_after_commit(PROBE, KEY)
    assert RUNS == ["ran"]
    hooks.release(KEY)  # the task found nothing left
    with django_capture_on_commit_callbacks(execute=True):
        hooks.enqueue_once_after_commit(PROBE, KEY)
    assert RUNS == ["ran", "ran"]


def test_nothing_is_enqueued_for_a_fact_rolled_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            hooks.enqueue_once_after_commit(PROBE, KEY)
            raise RuntimeError
    assert RUNS == [] and cache.get(KEY) is None


def test_a_cache_that_cannot_be_reached_enqueues_all_the_same(db, django_capture_on_commit_callbacks):
    unreachable = {"default": {"BACKEND": "healthcode.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    with override_settings(CACHES=unreachable):  # the discard port: nothing answers
        with django_capture_on_commit_callbacks(execute=True):
            hooks.enqueue_once_after_commit(PROBE, KEY)
            hooks.enqueue_once_after_commit(PROBE, KEY)
        hooks.release(KEY)  # logged, not raised
    assert RUNS == ["ran", "ran"]  # no turn to take: each fact enqueues


def test_a_broker_that_cannot_be_reached_holds_the_turn_a_few_seconds_only(
    db, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    """Nothing was enqueued, so nothing would give the turn back: it is held BROKER_RETRY
    seconds (not `hold`), so the facts of those seconds do not each wait out kombu's retries,
    and the next fact after them tries again."""
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            hooks.enqueue_once_after_commit(PROBE, KEY, hold=60)
    assert "could not enqueue tests.healthcode.test_hooks.probe" in caplog.text
    assert cache.get(KEY) == 1  # held briefly: the next fact now does not try
    with django_capture_on_commit_callbacks(execute=True):
        hooks.enqueue_once_after_commit(PROBE, KEY)
    assert RUNS == []
    # Held BROKER_RETRY seconds, not `hold`: with 0 the turn is free at once after a failure.
    cache.delete(KEY)
    monkeypatch.setattr(hooks, "BROKER_RETRY", 0)
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            hooks.enqueue_once_after_commit(PROBE, KEY)
    with django_capture_on_commit_callbacks(execute=True):
        hooks.enqueue_once_after_commit(PROBE, KEY)
    assert RUNS == ["ran"]


def test_functions_wired_to_a_fact_run_in_its_transaction(transactional_db, settings):
    """Called in the caller's transaction, not one of their own (outside one: outside)."""
    settings.HC_SAME_TRANSACTION = {"probed": ["tests.healthcode.test_hooks.record"]}
    with transaction.atomic():
        hooks.within("probed", 7)
    hooks.within("probed", 8)
    hooks.within("nothing wired", 1)
    assert RUNS == [("in a transaction", 7), ("outside", 8)]


def record(value: int) -> None:
    RUNS.append(("in a transaction" if transaction.get_connection().in_atomic_block else "outside", value))
