"""The sweeper: declarations confirmed a while ago and still not reviewed are re-enqueued."""

from datetime import timedelta

import pytest
from django.utils import timezone

from declarations.models import Declaration
from declarations.services.review import sweep_stuck
from declarations.tasks import sweep_stuck_declarations
from healthcode.colours import Colour
from tests import factories
from tests.declarations.conftest import code_of, enqueued_here


@pytest.fixture
def stuck(citizen):
    """Confirmed, but its task was lost: the on-commit callback never ran (none is captured)."""
    declaration = factories.declared(citizen)
    assert declaration.status == Declaration.Status.CONFIRMED
    return declaration


def test_a_stuck_declaration_is_reviewed_after_a_sweep(stuck, citizen, django_capture_on_commit_callbacks):
    later = stuck.confirmed_at + timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sweep_stuck(now=later, older_than=timedelta(minutes=5)) == [stuck.pk]
    assert len(enqueued_here(callbacks)) == 1
    stuck.refresh_from_db()
    assert stuck.status == Declaration.Status.REVIEWED
    assert stuck.sweeps == 1
    assert code_of(citizen).colour == Colour.GREEN


def test_a_recent_declaration_is_left_to_its_task(stuck):
    assert sweep_stuck(now=stuck.confirmed_at + timedelta(minutes=4), older_than=timedelta(minutes=5)) == []


def test_at_most_once_per_period(stuck, django_capture_on_commit_callbacks):
    later = stuck.confirmed_at + timedelta(minutes=6)
    with django_capture_on_commit_callbacks() as callbacks:
        sweep_stuck(now=later, older_than=timedelta(minutes=5))
        sweep_stuck(now=later + timedelta(minutes=1), older_than=timedelta(minutes=5))
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        sweep_stuck(now=later + timedelta(minutes=6), older_than=timedelta(minutes=5))
    assert len(callbacks) == 1


def test_a_declaration_that_never_finishes_goes_to_a_person(stuck):
    moment = stuck.confirmed_at
    for _ in range(3):
        moment += timedelta(minutes=6)
        sweep_stuck(now=moment, older_than=timedelta(minutes=5), max_sweeps=2)
    stuck.refresh_from_db()
    assert stuck.status == Declaration.Status.NEEDS_REVIEW
    assert "did not finish after 2 attempts" in stuck.review_note


def test_reviewed_declarations_are_never_swept(citizen, declare):
    declaration = declare(citizen)
    assert sweep_stuck(now=timezone.now() + timedelta(hours=1)) == []
    declaration.refresh_from_db()
    assert declaration.sweeps == 0


def test_the_periodic_task_runs(stuck, settings):
    settings.HC_SWEEP_AFTER_MINUTES = 1
    Declaration.objects.filter(pk=stuck.pk).update(confirmed_at=timezone.now() - timedelta(minutes=2))
    sweep_stuck_declarations.apply()
    stuck.refresh_from_db()
    assert stuck.sweeps == 1


def test_the_beat_schedule_names_registered_tasks():
    from celery.schedules import crontab

    from healthcode.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["close-checkin-days"]["task"] == "declarations.tasks.close_checkin_days"
    assert schedule["close-checkin-days"]["schedule"] == crontab(hour=0, minute=10)
    assert schedule["sweep-stuck-declarations"]["task"] == "declarations.tasks.sweep_stuck_declarations"
    assert schedule["wake-review-turns"]["task"] == "declarations.tasks.wake_review_turns"
    # What a lost message leaves behind: re-assessments after health events, re-reviews after
    # risk areas (tests/declarations/test_broker_down.py).
    assert schedule["sweep-unassessed-events"]["task"] == "declarations.tasks.sweep_unassessed_events"
    assert schedule["sweep-unreviewed-risk-areas"]["task"] == "declarations.tasks.sweep_unreviewed_risk_areas"
    assert app.conf.timezone == "Asia/Shanghai"
    app.loader.import_default_modules()
    for entry in schedule.values():
        if entry["task"].startswith("declarations."):
            task = app.tasks[entry["task"]]
            assert task.acks_late and task.reject_on_worker_lost
