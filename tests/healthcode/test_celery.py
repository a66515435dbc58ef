"""A worker's database connections live as a web process's do (healthcode/celery.py)."""

from types import SimpleNamespace
from unittest import mock

from django.conf import settings

from healthcode import celery


def task(eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def test_a_worker_closes_old_connections_around_each_task_not_every_connection():
    # Celery's own close around every task is off (it would reconnect for every task)...
    assert settings.CELERY_DB_REUSE_MAX > 0
    with mock.patch("django.db.close_old_connections") as close_old:
        celery.close_old_connections(sender=task(eager=False))
    # ... and Django's rule applies instead: too old (DB_CONN_MAX_AGE), broken, or left in a transaction.
    close_old.assert_called_once_with()


def test_an_eager_task_leaves_its_callers_connection_alone():
    with mock.patch("django.db.close_old_connections") as close_old:
        celery.close_old_connections(sender=task(eager=True))
        celery.close_old_connections(sender=None)
    close_old.assert_not_called()


def test_the_handlers_are_connected_to_every_task_run():
    from celery.signals import task_postrun, task_prerun

    for signal in (task_prerun, task_postrun):
        assert any(receiver() is celery.close_old_connections for _key, receiver in signal.receivers)
