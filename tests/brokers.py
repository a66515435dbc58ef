"""Where this process's tasks go: a real broker (the integration tests' Redis), or one that is
not there (a closed port), as when Redis is down. Tasks run eagerly otherwise (tests/settings.py)."""

from __future__ import annotations

import socket
from contextlib import contextmanager

from kombu import pools as kombu_pools

from healthcode.celery import app as celery_app


def _reset_broker_connections() -> None:
    """Celery caches its connection pool on first use; drop it so the new broker_url applies.
    kombu also keeps pools per broker URL process-wide (eager tasks fill them too): close and
    forget them all, or the next task would acquire from a closed pool."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()


@contextmanager
def tasks_to(broker_url: str, queue: str):
    """This process's tasks go to the broker instead of running eagerly."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    _reset_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _reset_broker_connections()


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def broker_down():
    """Redis down: every enqueue in this block fails as it does in production (connection
    refused, kombu's OperationalError after its publish retries). Afterwards tasks run eagerly
    again, as the sweeps' do in these tests."""
    with tasks_to(f"redis://127.0.0.1:{closed_port()}/0", "healthcode-broker-down"):
        yield
