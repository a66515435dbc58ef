"""Real Postgres, real Redis, a real Celery worker process consuming from the broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection
from kombu import pools as kombu_pools

from healthcode.celery import app as celery_app
from tests.conftest import missing_services

ROOT = Path(__file__).resolve().parents[2]


def _require_services() -> str:
    redis_url = os.environ.get("REDIS_URL")
    if connection.vendor != "postgresql" or not redis_url:
        missing_services("integration tests need DATABASE_URL=postgres://… and REDIS_URL (CI sets both)")
    redis.Redis.from_url(redis_url).ping()
    return redis_url


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _reset_broker_connections() -> None:
    """Celery caches its connection pool on first use; drop it so the new broker_url applies.
    kombu also keeps pools per broker URL process-wide (eager tasks fill them too): close and
    forget them all, or the next task would acquire from a closed pool."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()


@pytest.fixture
def celery_worker(django_db_serialized_rollback, transactional_db, tmp_path):
    """Start `celery worker` against the test database and a queue of its own; route this
    process's tasks to Redis instead of running them eagerly."""
    redis_url = _require_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthcode.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "DEBUG": "0",
        "SECRET_KEY": "integration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "HC_VAR_DIR": str(tmp_path),
        "DB_CONN_MAX_AGE": "0",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "healthcode", "worker", "--pool", "solo", "--queues", queue,
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url, task_default_queue=queue)
    _reset_broker_connections()
    try:
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Celery worker did not start:\n" + log.read_text())
            time.sleep(0.1)
        yield worker, log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        celery_app.conf.update(saved)
        _reset_broker_connections()
        redis.Redis.from_url(redis_url).delete(queue)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
