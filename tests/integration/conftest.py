"""Real Postgres, real Redis, a real Celery worker process consuming from the broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from healthcode.priorities import queue_keys
from tests.brokers import tasks_to
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


class Worker:
    """`celery worker` as production runs it, in a process group of its own (so that a test
    can SIGKILL it, pool and all, like the OOM killer or a lost machine would), restartable.
    Each start writes its own log file."""

    def __init__(self, env: dict, queue: str, log_dir: Path, *, pool: str = "solo", concurrency: int = 1):
        self.env, self.queue, self.log_dir = env, queue, log_dir
        self.pool, self.concurrency = pool, concurrency
        self.process: subprocess.Popen | None = None
        self.logs: list[Path] = []

    @property
    def log(self) -> Path:
        return self.logs[-1]

    def start(self, timeout: float = 60) -> subprocess.Popen:
        log = self.log_dir / f"worker-{len(self.logs) + 1}.log"
        self.logs.append(log)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "healthcode", "worker", "--pool", self.pool,
             "--concurrency", str(self.concurrency), "--queues", self.queue,
             "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while "ready." not in log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("the Celery worker did not start:\n" + log.read_text())
            time.sleep(0.1)
        return self.process

    def kill(self) -> None:
        """SIGKILL to the whole process group: no goodbye, no ack, no requeue by the worker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass

    def log_text(self) -> str:
        return "".join(log.read_text() for log in self.logs)


def worker_env(redis_url: str, queue: str, var_dir: Path, **extra: str) -> dict:
    """The worker's environment: production settings, the test database, our queue. The
    worker keeps its database connections across tasks as in production (DB_CONN_MAX_AGE,
    healthcode/celery.py); every test stops its workers before the test database is
    flushed or dropped, and a stopped (or killed) worker's connections close with it."""
    env = {key: value for key, value in os.environ.items() if key not in ("DB_CONN_MAX_AGE", "CELERY_DB_REUSE_MAX")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "healthcode.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "DEBUG": "0",
        "SECRET_KEY": "integration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "HC_VAR_DIR": str(var_dir),
        **extra,
    }


@pytest.fixture
def celery_worker(django_db_serialized_rollback, transactional_db, tmp_path):
    """Start `celery worker` against the test database and a queue of its own; route this
    process's tasks to Redis instead of running them eagerly."""
    redis_url = _require_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = Worker(worker_env(redis_url, queue, tmp_path), queue, tmp_path)
    try:
        with tasks_to(redis_url, queue):
            worker.start(timeout=30)
            yield worker.process, worker.log
    finally:
        worker.stop()
        redis.Redis.from_url(redis_url).delete(*queue_keys(queue))


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
