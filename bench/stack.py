"""The processes the bench starts and stops: the database it makes, gunicorn and the Celery
worker, and their CPU per measured run (read from /proc by bench/procstat.py)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.common import (
    BENCH_DB_NAME,
    DEMO_CITIZEN,
    DEMO_PASSWORD,
    GUNICORN_WORKERS,
    LOCAL_POSTGRES,
    ROOT,
    SECRET_KEY,
    VENV_BIN,
    BenchError,
    env_int,
    free_port,
    log,
)
from bench.procstat import (
    busy_cpu,
    children_cpu_seconds,
    children_of,
    postgres_cpu_seconds,
    process_cpu_seconds,
    vm_hwm,
)

# ---------------------------------------------------------------- database


@dataclass
class Database:
    label: str
    url: str | None  # None: SQLite in HC_VAR_DIR
    admin_url: str | None = None  # where to drop the bench database afterwards
    name: str | None = None
    local: bool = False  # the server runs on this machine: its backends' CPU can be read


def _pg_connect(url: str):
    import psycopg2

    return psycopg2.connect(url, connect_timeout=3)


def _with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def choose_database(var_dir: Path) -> Database:
    """DATABASE_URL (Postgres): that server, but a fresh database `healthcode_bench` on it, so
    demo accounts with a published password never land in the database the URL names.
    Unset: the local Postgres at 127.0.0.1:5432 if it answers, else a temporary SQLite file.
    BENCH_DATABASE=sqlite or =postgres forces one."""
    from psycopg2 import sql

    mode = os.environ.get("BENCH_DATABASE", "auto")
    if mode not in {"auto", "postgres", "sqlite"}:
        raise BenchError(f"BENCH_DATABASE={mode!r}: use auto, postgres or sqlite")
    sqlite = Database(label="SQLite (temporary file, Django's sqlite3 backend)", url=None)
    if mode == "sqlite":
        return sqlite
    url = os.environ.get("DATABASE_URL")
    source = "DATABASE_URL"
    if url and not url.startswith(("postgres://", "postgresql://")):
        if mode == "postgres":
            raise BenchError("BENCH_DATABASE=postgres but DATABASE_URL is not a Postgres URL")
        log(f"DATABASE_URL is not Postgres ({urlsplit(url).scheme}:); using a temporary SQLite file")
        return sqlite
    if not url:
        try:
            _pg_connect(LOCAL_POSTGRES).close()
            url, source = LOCAL_POSTGRES, "local Postgres (DATABASE_URL unset)"
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0]
            if mode == "postgres":
                raise BenchError(f"BENCH_DATABASE=postgres but no Postgres at 127.0.0.1:5432: {reason}") from exc
            log(f"no Postgres at 127.0.0.1:5432 ({reason}); using a temporary SQLite file")
            return sqlite
    admin = _with_dbname(url, "postgres")
    try:
        conn = _pg_connect(admin)
    except Exception:
        admin = url  # no access to the maintenance database: create from the named one
        conn = _pg_connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
        try:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB_NAME)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB_NAME)))
        except Exception as exc:
            raise BenchError(f"cannot create database {BENCH_DB_NAME} via {source}: {exc}") from exc
    conn.close()
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or 5432}"
    return Database(
        label=f"{version} at {where}, fresh database {BENCH_DB_NAME} (server from {source})",
        url=_with_dbname(url, BENCH_DB_NAME),
        admin_url=admin,
        name=BENCH_DB_NAME,
        local=parts.hostname in {"127.0.0.1", "localhost", "::1"},
    )


def drop_database(db: Database) -> None:
    if not db.admin_url or not db.name:
        return
    from psycopg2 import sql

    try:
        conn = _pg_connect(db.admin_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))
        conn.close()
    except Exception as exc:
        log(f"could not drop database {db.name}: {exc}")


def bench_env(var_dir: Path, db: Database) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "HC_SIGNING_KEY", "BEHIND_PROXY", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "HC_VAR_DIR": str(var_dir),
            "HC_KEY_DIR": str(var_dir / "keys"),
            "CELERY_TASK_ALWAYS_EAGER": "1",  # until a broker is chosen (broker_env)
            "HC_GATE_RATE_PER_MINUTE": "100000000",  # one venue key drives the whole gate scenario
            "HC_TOKEN_LIFETIME": "60",
            "DEMO_PASSWORD": DEMO_PASSWORD,
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if db.url:
        env["DATABASE_URL"] = db.url
    return env


BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def broker_env(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Redis as in production when it answers: Celery's broker and the shared cache, on a
    queue and key prefix of this run only (the Redis may be shared). Else tasks run eagerly
    in the web process, and RESULTS.md says so."""
    import redis

    tag = f"hc-bench-{os.getpid()}"
    try:
        redis.Redis.from_url(BENCH_REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        log(f"no Redis at {BENCH_REDIS_URL} ({exc}); tasks run eagerly in-process")
        return env, f"none (no Redis at {BENCH_REDIS_URL}): tasks ran eagerly inside the web workers"
    env = {
        **env,
        "REDIS_URL": BENCH_REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": tag,
        "CACHE_KEY_PREFIX": tag,
    }
    return env, f"Redis at {BENCH_REDIS_URL}, queue {tag} (this run only), a real Celery worker"


def forget_queue(env: dict[str, str]) -> None:
    """Remove this run's queue and cache keys from the (possibly shared) Redis."""
    if "REDIS_URL" not in env:
        return
    try:
        import redis

        from healthcode.priorities import queue_keys

        client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=2)
        queue = env["CELERY_QUEUE"]
        client.delete(*queue_keys(queue), f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for key in client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*", count=1000):
            client.delete(key)
    except Exception as exc:
        log(f"could not clean Redis: {exc}")


class _Process:
    """A process of the stack (gunicorn, the Celery worker): started in a session of its own,
    output to `log_path`, stopped with SIGTERM and, after `stop_timeout`, SIGKILL of its group
    (only what it started)."""

    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    stop_timeout = 15

    def _launch(self) -> None:
        log(f"starting {' '.join(self.cmd)}")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


class CeleryWorker(_Process):
    """`celery -A healthcode worker` as the Procfile runs it (prefork, 4 processes), without
    beat: only the tasks the scenarios enqueue run."""

    stop_timeout = 30  # a warm shutdown: it finishes the tasks it holds

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 4, pool: str = "prefork"):
        self.env = env
        self.log_path = log_path
        self.pool = pool
        self.concurrency = concurrency
        self.cmd = [
            str(VENV_BIN / "celery"),
            "-A",
            "healthcode",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--queues",
            env["CELERY_QUEUE"],
            "--without-gossip",
            "--without-mingle",
            *os.environ.get("BENCH_CELERY_ARGS", "").split(),
        ]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._launch()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the Celery worker exited with {self.proc.returncode}; see {self.log_path}")
            if " ready." in self.log_path.read_text():
                return
            time.sleep(0.3)
        raise BenchError(f"the Celery worker was not ready within 60 s; see {self.log_path}")

    def peak_rss(self) -> dict:
        if self.proc is None:
            return {}
        pool = {str(pid): vm_hwm(pid) for pid in children_of(self.proc.pid)}
        return {
            "main_mib": vm_hwm(self.proc.pid),
            "pool_mib": pool,
            "max_mib": max([v for v in [vm_hwm(self.proc.pid), *pool.values()] if v], default=None),
        }

    def cpu_seconds(self) -> float:
        """CPU seconds so far of the worker's main process and its pool processes."""
        if self.proc is None:
            return 0.0
        return sum(process_cpu_seconds(pid) for pid in [self.proc.pid, *children_of(self.proc.pid)])


# ---------------------------------------------------------------- gunicorn


# The worker model (bench/README.md, session 9's "gunicorn worker model, decided"): sync, as the Procfile runs it since
# session 9; BENCH_WORKER_CLASS=gthread BENCH_WORKERS=2 BENCH_THREADS=4 measures its model before.
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = env_int("BENCH_THREADS", 4)


class Gunicorn(_Process):
    def __init__(self, env: dict[str, str], log_path: Path, worker_class: str = "", threads: int = 0, workers: int = 0):
        worker_class = worker_class or WORKER_CLASS
        threads = threads or THREADS
        self.worker_count = workers or GUNICORN_WORKERS
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            str(VENV_BIN / "gunicorn"),
            "healthcode.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.worker_count),
            "--worker-class",
            worker_class,
        ]
        if worker_class == "gthread":
            self.cmd += ["--threads", str(threads)]
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._launch()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}\n{self.tail()}")
            try:
                status, _, _ = http_request(self.port, "GET", "/bench/bare")
            except OSError:
                time.sleep(0.2)
                continue
            if status != 200:
                raise BenchError(f"gunicorn answers GET /bench/bare with {status}; see {self.log_path}\n{self.tail()}")
            if len(self.workers()) >= self.worker_count:
                return
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within 60 s; see {self.log_path}\n{self.tail()}")

    def workers(self) -> list[int]:
        return children_of(self.proc.pid) if self.proc is not None else []

    def peak_rss(self) -> dict:
        """VmHWM (peak resident set) of the master and each worker, in MiB."""
        workers = {str(pid): vm_hwm(pid) for pid in self.workers()}
        return {
            "master_mib": vm_hwm(self.proc.pid) if self.proc else None,
            "workers_mib": workers,
            "max_worker_mib": max((v for v in workers.values() if v), default=None),
        }

    def cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn workers alive now."""
        return sum(process_cpu_seconds(pid) for pid in self.workers())

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""


def http_request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
) -> tuple[int, dict[str, list[str]], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        all_headers: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            all_headers.setdefault(name.lower(), []).append(value)
        return response.status, all_headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def cookies_from(headers: dict[str, list[str]]) -> dict[str, str]:
    jar = {}
    for line in headers.get("set-cookie", []):
        name, _, value = line.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()
    return jar


def log_in(port: int) -> tuple[str, dict[str, str]]:
    """The demo citizen's session cookie, and the values scenario paths may name (and the CSRF
    cookie the browser holds after logging in)."""
    status, headers, body = http_request(port, "GET", "/accounts/login/")
    csrf = cookies_from(headers).get("csrftoken")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not csrf or not match:
        raise BenchError(f"GET /accounts/login/ gave {status} without a CSRF cookie and token")
    form = urlencode({"username": DEMO_CITIZEN, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": match.group(1)})
    status, headers, _ = http_request(
        port,
        "POST",
        "/accounts/login/",
        {"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    jar = cookies_from(headers)
    session = jar.get("sessionid")
    # Logging in rotates the CSRF cookie; a phone keeps the new one and sends it with the session.
    csrf = jar.get("csrftoken", csrf)
    if status != 302 or not session:
        raise BenchError(f"logging in as {DEMO_CITIZEN} gave {status} and no session cookie")
    status, headers, _ = http_request(port, "GET", "/code/", {"Cookie": f"sessionid={session}"})
    location = (headers.get("location") or [""])[0]
    match = re.search(r"/code/(\d+)/$", location)
    if status != 302 or not match:
        raise BenchError(f"GET /code/ gave {status} -> {location!r}, not a redirect to /code/<pk>/")
    return session, {"code_pk": match.group(1), "csrftoken": csrf}


def cpu_snapshot(server: Gunicorn, db: Database, since: dict | None = None) -> dict:
    """CPU seconds so far (or since `since`): gunicorn workers, the local database server (all
    its processes, those that exited included: procstat.postgres_cpu_seconds), this script's
    finished children (the load generator), and everything else the machine did (other
    processes, this script, the kernel). A large "everything else" means the run competed with
    something and is less trustworthy.

    Until session 9 the database column added up the bench database's backends alive at each
    snapshot: a backend that ended during a run (a connection past DB_CONN_MAX_AGE, reopened)
    took its earlier CPU out of the total, and the column went negative (sessions 7 and 8)."""
    now = {
        "gunicorn_workers": server.cpu_seconds(),
        "database": postgres_cpu_seconds() if db.local else 0.0,
        "load_generator": children_cpu_seconds(),
        "machine": busy_cpu(),
    }
    if since is None:
        return now
    delta = {name: now[name] - since[name] for name in now}
    known = delta["gunicorn_workers"] + delta["database"] + delta["load_generator"]
    delta["everything_else"] = max(0.0, delta.pop("machine") - known)
    return {name: round(value, 2) for name, value in delta.items()}
