"""`make bench`: load and speed numbers for Health Code, measured on this machine in one run.

What it does, in order (bench/README.md explains every number):

1. picks a database (a fresh Postgres database `healthcode_bench`, else a temporary SQLite
   file), migrates it, collects static files and seeds the demo accounts;
2. times, in this process, QR rendering (healthcode.qr.svg on a real token, against qrcode's
   default mask search) and token signing, and takes one code page apart in-process;
3. starts gunicorn on 127.0.0.1, logs the demo citizen in, and runs wrk against every entry
   of SCENARIOS (a short warm-up, then the measured run), starting with the bare baseline
   and running it once more at the end to see whether the machine held steady;
4. writes bench/results.json and bench/RESULTS.md, stops gunicorn and removes what it made.

To add a scenario, append a Scenario to SCENARIOS. Raw wrk output and the gunicorn log of the
last run are kept in bench/out/ (git-ignored).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import gc
import http.client
import importlib
import json
import logging
import multiprocessing
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
VENV_BIN = Path(sys.executable).parent


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        sys.exit(f"{name}={raw!r} is not a whole number")


# Load shape: the same for every scenario, recorded with the results.
DURATION_S = _env_int("BENCH_DURATION", 10)
WARMUP_S = _env_int("BENCH_WARMUP", 2)
WRK_THREADS = 2
WRK_CONNECTIONS = 16
GUNICORN_WORKERS = 2  # one per core on the 2-core reference machine
QR_RUNS = 2000
QR_DEFAULT_MASK_RUNS = 300  # about 8 ms each
SIGN_RUNS = 2000
INPROCESS_RUNS = 300

DEMO_CITIZEN = "13800000001"  # checkpoints/management/commands/seed_demo.py
DEMO_PASSWORD = "healthcode-demo"
BENCH_DB_NAME = "healthcode_bench"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Scenario:
    """One URL under load. `path` may name values found after login: {code_pk}."""

    name: str
    path: str
    note: str
    method: str = "GET"
    auth: bool = False  # send the demo citizen's session cookie
    body: str | None = None  # with method POST/PUT; sent as-is
    headers: dict[str, str] = field(default_factory=dict)
    lua: str | None = None  # a wrk script in bench/, for what method/body/headers cannot say
    # Checked with one request before the load: a 302 to the login page or a 500 must never
    # pass for a fast result (wrk counts 3xx as success).
    expect_status: int = 200
    expect_text: str | None = None


BASELINE = "bare"
BASELINE_AGAIN = "bare, again at the end"
SCENARIOS: list[Scenario] = [
    Scenario(
        BASELINE,
        "/bench/bare",
        "JsonResponse({'ok': True}) behind the project's full middleware, no cookie: the baseline",
        expect_text='{"ok": true}',
    ),
    Scenario(
        "code page",
        "/code/{code_pk}/",
        "the demo citizen's code page as the phone loads it: a new signed token and QR in the full page",
        auth=True,
        expect_text="<svg",
    ),
    Scenario(
        "code qr.json",
        "/code/{code_pk}/qr.json",
        "the page's renewal fetch: session, applicant, new signed token and QR SVG as JSON",
        auth=True,
        expect_text='"svg"',
    ),
]


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- small helpers


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:5.1f}s] {message}", flush=True)


def run(cmd: list[str], env: dict[str, str], what: str, timeout: float = 300) -> float:
    """Run a setup command quietly; on failure show its output. Returns seconds taken."""
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise BenchError(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values: list[float], pct: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def time_calls(fn: Callable[[], object], runs: int, warmup: int = 20) -> dict:
    """Per-call wall time in ms (perf_counter, garbage collector left on as in a request)."""
    for _ in range(warmup):
        fn()
    samples = []
    clock = time.perf_counter
    for _ in range(runs):
        started = clock()
        fn()
        samples.append((clock() - started) * 1000)
    samples.sort()
    return {
        "runs": runs,
        "median_ms": round(statistics.median(samples), 4),
        "mean_ms": round(statistics.fmean(samples), 4),
        "p95_ms": round(percentile(samples, 95), 4),
        "min_ms": round(samples[0], 4),
        "max_ms": round(samples[-1], 4),
    }


def slug(name: str) -> str:
    return re.sub(r"\W+", "-", name).strip("-")


def ratio(value: float | None, base: float | None) -> float | None:
    if not value or not base:
        return None
    return round(value / base, 3)


# ---------------------------------------------------------------- database


@dataclass
class Database:
    label: str
    url: str | None  # None: SQLite in HC_VAR_DIR
    admin_url: str | None = None  # where to drop the bench database afterwards
    name: str | None = None
    local: bool = False  # the server runs on this machine: its backends' CPU can be read

    def backend_pids(self) -> list[int]:
        """Server processes serving the bench database (Postgres on this machine only)."""
        if not (self.local and self.admin_url and self.name):
            return []
        try:
            conn = _pg_connect(self.admin_url)
            try:
                with conn.cursor() as cur:
                    cur.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.name]
                    )
                    return [row[0] for row in cur.fetchall()]
            finally:
                conn.close()
        except Exception:
            return []


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
            # No broker: tasks run eagerly in-process, never onto a shared Redis queue.
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "DEMO_PASSWORD": DEMO_PASSWORD,
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if db.url:
        env["DATABASE_URL"] = db.url
    return env


# ---------------------------------------------------------------- in-process timings


def inprocess_timings() -> dict:
    """QR, token and one code page, timed inside this process (Django set up from os.environ)."""
    import django

    django.setup()
    import qrcode
    from django.db import connections
    from qrcode.constants import ERROR_CORRECT_M

    from family.services import self_applicant
    from family.views.code import QR_COLOURS
    from healthcode import qr, tokens
    from healthcode.models import User

    citizen = User.objects.get(username=DEMO_CITIZEN)
    applicant = self_applicant(citizen)
    code = applicant.health_code
    out: dict = {"notes": []}
    ref = code.ref
    try:
        token = tokens.issue(ref, code.colour, code.version)
    except Exception as exc:  # the code page fails the same way; its check request reports that
        out["notes"].append(
            f"tokens.issue fails on HealthCode.ref as the database returns it ({type(ref).__name__}): "
            f"{type(exc).__name__}: {exc}. The in-process timings pass bytes(ref) instead."
        )
        ref = bytes(ref)
        token = tokens.issue(ref, code.colour, code.version)
    colour = QR_COLOURS[code.colour]
    modules = len(qr.matrix(token))

    def default_mask_search() -> list:
        code_ = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=qr.QUIET_ZONE)  # no mask_pattern
        code_.add_data(token, optimize=0)
        code_.make(fit=True)
        return code_.get_matrix()

    log(f"timing QR rendering ({QR_RUNS} runs) and qrcode's default mask search ({QR_DEFAULT_MASK_RUNS} runs)")
    out["qr"] = {
        "token_length": len(token),
        "qr_version": (modules - 2 * qr.QUIET_ZONE - 17) // 4,
        "modules_with_quiet_zone": modules,
        "error_correction": "M",
        "fixed_mask": qr.FIXED_MASK,
        "svg": time_calls(lambda: qr.svg(token, colour=colour), QR_RUNS),
        "matrix_only": time_calls(lambda: qr.matrix(token), QR_RUNS),
        "default_mask_search_matrix": time_calls(default_mask_search, QR_DEFAULT_MASK_RUNS),
        "target_ms": 3.0,
    }
    out["qr"]["svg_path_building_ms"] = round(out["qr"]["svg"]["median_ms"] - out["qr"]["matrix_only"]["median_ms"], 4)
    out["qr"]["profile"] = profile_share(lambda: qr.svg(token, colour=colour), 300)

    log(f"timing token signing and verification ({SIGN_RUNS} runs each)")
    out["token"] = {
        "issue": time_calls(lambda: tokens.issue(ref, code.colour, code.version), SIGN_RUNS),
        "verify": time_calls(lambda: tokens.verify(token), SIGN_RUNS),
    }

    log(f"taking the code page apart in-process ({INPROCESS_RUNS} requests each, Django test client)")
    out["code_page_inprocess"] = code_page_anatomy(citizen, f"/code/{applicant.pk}/")
    connections.close_all()
    return out


# The parts of one code page request, timed by wrapping these names where the view finds
# them (the view calls tokens.issue and qr.svg through their modules, and imported render and
# get_applicant_for_user into its own; the session middleware saves a changed session).
# A part that a refactoring moves shows 0 calls. The parts do not nest.
CODE_PAGE_PARTS = [
    ("session and user loading (auth.get_user)", "django.contrib.auth", "get_user"),
    ("applicant lookup (get_applicant_for_user)", "family.views.code", "get_applicant_for_user"),
    ("token signing (tokens.issue)", "healthcode.tokens", "issue"),
    ("QR SVG (qr.svg)", "healthcode.qr", "svg"),
    ("template render (render)", "family.views.code", "render"),
    (
        "session save (SessionStore.save, when the view changed the session)",
        "django.contrib.sessions.backends.db",
        "SessionStore.save",
    ),
]


@contextmanager
def timed_parts(parts: list[tuple[str, str, str]]):
    """Wrap each (label, module, attribute or Class.method) with a timer; yields
    {label: [seconds, calls]}. Only the attribute where the caller looks it up is replaced."""
    totals: dict[str, list] = {label: [0.0, 0] for label, _, _ in parts}
    patched = []
    for label, module_name, path in parts:
        owner = importlib.import_module(module_name)
        *owners, attr = path.split(".")
        for name in owners:
            owner = getattr(owner, name)
        original = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr, None)
        if original is None:
            continue

        def wrapper(*args, _original=original, _total=totals[label], **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                _total[0] += time.perf_counter() - started
                _total[1] += 1

        setattr(owner, attr, wrapper)  # a plain function on a class still binds as a method
        patched.append((owner, attr, original))
    try:
        yield totals
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)


def code_page_anatomy(citizen, page: str) -> dict:
    """One code page request inside Django (test client, no HTTP server): its parts in ms."""
    from django.db import connection
    from django.test import Client

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a 500 is recorded, not printed
    bare_client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(citizen)
    anatomy: dict = {"runs": INPROCESS_RUNS, "path": page}
    anatomy["bare"] = time_calls(lambda: bare_client.get("/bench/bare"), INPROCESS_RUNS)
    status = client.get(page).status_code
    if status != 200:
        anatomy["error"] = f"GET {page} gave {status}"
        return anatomy
    for _ in range(20):
        client.get(page)
    sql = [0.0, 0]

    def timed_sql(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql[0] += time.perf_counter() - started
            sql[1] += 1

    # Per request: the whole and each part, so that a slow outlier (another process taking
    # the CPU) moves no median; "everything else" is the whole minus the parts, per request.
    labels = [label for label, _, _ in CODE_PAGE_PARTS]
    samples: dict[str, list[float]] = {label: [] for label in [*labels, "whole", "rest"]}
    calls = dict.fromkeys(labels, 0)
    with timed_parts(CODE_PAGE_PARTS) as parts, connection.execute_wrapper(timed_sql):
        for _ in range(INPROCESS_RUNS):
            before = {label: parts[label][0] for label in labels}
            started = time.perf_counter()
            client.get(page)
            whole_ms = (time.perf_counter() - started) * 1000
            samples["whole"].append(whole_ms)
            for label in labels:
                samples[label].append((parts[label][0] - before[label]) * 1000)
            samples["rest"].append(whole_ms - sum(samples[label][-1] for label in labels))
        calls = {label: parts[label][1] for label in labels}
    whole = sorted(samples["whole"])
    rows = [
        {
            "part": label,
            "median_ms": round(statistics.median(samples[label]), 4),
            "calls_per_request": round(calls[label] / INPROCESS_RUNS, 2),
        }
        for label in labels
    ]
    rows.append(
        {
            "part": "everything else (middleware, URL resolving, response)",
            "median_ms": round(statistics.median(samples["rest"]), 4),
        }
    )
    anatomy["code page"] = {
        "runs": INPROCESS_RUNS,
        "median_ms": round(statistics.median(whole), 4),
        "p95_ms": round(percentile(whole, 95), 4),
        "parts": rows,
        "sql_queries_per_request": round(sql[1] / INPROCESS_RUNS, 2),
        "sql_ms_per_request_mean": round(sql[0] * 1000 / INPROCESS_RUNS, 4),
    }
    return anatomy


def profile_share(fn: Callable[[], object], runs: int) -> list[dict]:
    """Where qr.svg spends its time: the top functions by own time under cProfile."""
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    for _ in range(runs):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt or 1
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, _ct, _callers) in stats.stats.items():
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({func})",
                "module": Path(filename).parent.name,
                "share": tottime / total,
                "calls_per_qr": ncalls / runs,
            }
        )
    rows.sort(key=lambda row: row["share"], reverse=True)
    return [{**row, "share": round(row["share"], 3), "calls_per_qr": round(row["calls_per_qr"], 1)} for row in rows[:8]]


# ---------------------------------------------------------------- gunicorn


class Gunicorn:
    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            str(VENV_BIN / "gunicorn"),
            "healthcode.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "sync",
        ]
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log(f"starting {' '.join(self.cmd)}")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
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
            if len(self.workers()) >= GUNICORN_WORKERS:
                return
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within 60 s; see {self.log_path}\n{self.tail()}")

    def workers(self) -> list[int]:
        if self.proc is None:
            return []
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            children = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid:
                    children.append(int(stat.parent.name))
            return children

    def peak_rss(self) -> dict:
        """VmHWM (peak resident set) of the master and each worker, in MiB."""

        def hwm(pid: int) -> float | None:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return round(int(line.split()[1]) / 1024, 1)
            except OSError:
                return None
            return None

        workers = {str(pid): hwm(pid) for pid in self.workers()}
        return {
            "master_mib": hwm(self.proc.pid) if self.proc else None,
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

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what it started
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


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
    """The demo citizen's session cookie, and the values scenario paths may name."""
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
    session = cookies_from(headers).get("sessionid")
    if status != 302 or not session:
        raise BenchError(f"logging in as {DEMO_CITIZEN} gave {status} and no session cookie")
    status, headers, _ = http_request(port, "GET", "/code/", {"Cookie": f"sessionid={session}"})
    location = (headers.get("location") or [""])[0]
    match = re.search(r"/code/(\d+)/$", location)
    if status != 302 or not match:
        raise BenchError(f"GET /code/ gave {status} -> {location!r}, not a redirect to /code/<pk>/")
    return session, {"code_pk": match.group(1)}


# ---------------------------------------------------------------- load: wrk, or a labelled fallback


def find_wrk() -> tuple[str | None, str]:
    if os.environ.get("BENCH_LOAD_TOOL") == "python":
        return None, "BENCH_LOAD_TOOL=python"
    found = shutil.which("wrk")
    if found:
        return found, ""
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is not installed; running apt-get install -y wrk")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        quiet = {"env": env, "capture_output": True, "check": False, "timeout": 300}
        if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:
            subprocess.run(["apt-get", "update"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet)
        found = shutil.which("wrk")
        if found:
            return found, "installed by this run with apt-get"
    return None, "wrk is not installed and apt-get could not install it"


def wrk_version(wrk: str) -> str:
    result = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (result.stdout + result.stderr).splitlines()[0].split(" Copyright")[0].strip()


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(text)
    return round(float(match.group(1)) * _UNITS_MS[match.group(2)], 3)


def parse_wrk(text: str) -> dict:
    def find(pattern: str) -> re.Match | None:
        return re.search(pattern, text, re.MULTILINE)

    rps = find(r"^Requests/sec:\s+([\d.]+)")
    if not rps:
        raise BenchError(f"could not read wrk's output:\n{text}")
    result: dict = {"requests_per_s": round(float(rps.group(1)), 1)}
    total = find(r"^\s*(\d+) requests in ([\d.]+\w+)")
    result["requests"] = int(total.group(1)) if total else None
    for pct in ("50", "75", "90", "99"):
        match = find(rf"^\s+{pct}%\s+([\d.]+\w+)")
        result[f"p{pct}_ms"] = _ms(match.group(1)) if match else None
    avg = find(r"^\s+Latency\s+([\d.]+\w+)")
    result["mean_ms"] = _ms(avg.group(1)) if avg else None
    non2xx = find(r"^\s*Non-2xx or 3xx responses:\s+(\d+)")
    result["non_2xx_3xx"] = int(non2xx.group(1)) if non2xx else 0
    sock = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    result["socket_errors"] = dict(
        zip(
            ("connect", "read", "write", "timeout"),
            (int(g) for g in sock.groups()) if sock else (0, 0, 0, 0),
            strict=True,
        )
    )
    return result


def wrk_lua(scenario: Scenario, work_dir: Path) -> Path | None:
    if scenario.lua:
        return BENCH / scenario.lua
    if scenario.method == "GET" and scenario.body is None:
        return None
    script = work_dir / f"{slug(scenario.name)}.lua"
    lines = [f'wrk.method = "{scenario.method}"']
    if scenario.body is not None:
        level = "="
        while f"]{level}]" in scenario.body:
            level += "="
        # A Lua long string: the body goes in byte for byte, with no escapes to get wrong.
        lines.append(f"wrk.body = [{level}[{scenario.body}]{level}]")
    script.write_text("\n".join(lines) + "\n")
    return script


def run_wrk(wrk: str, url: str, headers: dict[str, str], lua: Path | None, duration: int) -> tuple[list[str], str]:
    cmd = [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if lua:
        cmd += ["-s", str(lua)]
    cmd.append(url)
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    if result.returncode != 0:
        raise BenchError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return cmd, result.stdout


def _python_load_worker(args: tuple) -> tuple[list[float], dict[int, int], dict[str, int]]:
    """One process of the fallback load generator: `threads` keep-alive-less clients."""
    port, method, path, headers, body, threads, duration = args
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def client() -> None:
        own: list[float] = []
        own_status: dict[int, int] = {}
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                continue
            except ConnectionRefusedError:
                with lock:
                    errors["connect"] += 1
                continue
            except OSError:
                with lock:
                    errors["read"] += 1
                continue
            own.append((time.perf_counter() - started) * 1000)
            own_status[response.status] = own_status.get(response.status, 0) + 1
        with lock:
            latencies.extend(own)
            for status, count in own_status.items():
                statuses[status] = statuses.get(status, 0) + count

    pool = [threading.Thread(target=client) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, statuses, errors


def run_python_load(port: int, scenario_path: str, scenario: Scenario, headers: dict[str, str], duration: int) -> dict:
    per_process = WRK_CONNECTIONS // WRK_THREADS
    args = (port, scenario.method, scenario_path, headers, scenario.body, per_process, duration)
    with multiprocessing.get_context("spawn").Pool(WRK_THREADS) as pool:
        parts = pool.map(_python_load_worker, [args] * WRK_THREADS)
    latencies = sorted(lat for part in parts for lat in part[0])
    statuses: dict[int, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    for _, part_statuses, part_errors in parts:
        for status, count in part_statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        for name, count in part_errors.items():
            errors[name] += count
    if not latencies:
        raise BenchError(f"the fallback load generator got no answers from {scenario_path}")
    return {
        "requests_per_s": round(len(latencies) / duration, 1),
        "requests": len(latencies),
        **{f"p{p}_ms": round(percentile(latencies, p), 3) for p in (50, 75, 90, 99)},
        "mean_ms": round(statistics.fmean(latencies), 3),
        "non_2xx_3xx": sum(count for status, count in statuses.items() if not 200 <= status < 400),
        "socket_errors": errors,
    }


# ---------------------------------------------------------------- scenarios


def run_scenario(
    scenario: Scenario,
    server: Gunicorn,
    db: Database,
    wrk: str | None,
    session: str,
    values: dict[str, str],
    work_dir: Path,
) -> dict:
    path = scenario.path.format(**values)
    headers = dict(scenario.headers)
    if scenario.auth:
        headers["Cookie"] = f"sessionid={session}"
    record: dict = {"name": scenario.name, "method": scenario.method, "path": path, "note": scenario.note}
    status, _, body = http_request(server.port, scenario.method, path, headers, scenario.body)
    if status != scenario.expect_status or (scenario.expect_text and scenario.expect_text not in body):
        record["error"] = (
            f"check request: {scenario.method} {path} gave {status}"
            + (f", body without {scenario.expect_text!r}" if status == scenario.expect_status else "")
            + "; not load-tested"
        )
        record["check_body_excerpt"] = body[:300]
        log(f"{scenario.name}: {record['error']}")
        return record
    record["response_bytes"] = len(body.encode())
    url = server.base + path
    log(f"{scenario.name}: {WARMUP_S} s warm-up, then {DURATION_S} s measured, {method_path(scenario, path)}")
    if wrk:
        lua = wrk_lua(scenario, work_dir)
        run_wrk(wrk, url, headers, lua, WARMUP_S)
        workers, before = server.workers(), cpu_snapshot(server, db)
        cmd, output = run_wrk(wrk, url, headers, lua, DURATION_S)
        cpu = cpu_snapshot(server, db, since=before)
        safe = " ".join(part.replace(session, "<session>") for part in cmd)
        (OUT / f"wrk-{slug(scenario.name)}.txt").write_text(f"$ {safe}\n{output}")
        record["command"] = safe
        record.update(parse_wrk(output))
    else:
        run_python_load(server.port, path, scenario, headers, WARMUP_S)
        workers, before = server.workers(), cpu_snapshot(server, db)
        record.update(run_python_load(server.port, path, scenario, headers, DURATION_S))
        cpu = cpu_snapshot(server, db, since=before)
        record["command"] = f"python fallback: {WRK_THREADS} processes x {WRK_CONNECTIONS // WRK_THREADS} threads"
    errors = record["non_2xx_3xx"] + sum(record["socket_errors"].values())
    record["errors"] = errors
    record["cpu_s"] = cpu
    server_cpu = cpu["gunicorn_workers"]
    if record.get("requests"):
        record["server_cpu_ms_per_request"] = round(server_cpu * 1000 / record["requests"], 3)
    if server.workers() != workers:
        record["note_workers"] = f"gunicorn workers changed during the run: {workers} -> {server.workers()}"
    log(
        f"{scenario.name}: {record['requests_per_s']:.0f} requests/s, p50 {record['p50_ms']} ms, "
        f"p99 {record['p99_ms']} ms, {errors} errors, "
        f"{record.get('server_cpu_ms_per_request', 'n/a')} ms gunicorn CPU per request"
    )
    return record


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int, name: str | None = None) -> float:
    """utime + stime of one process from /proc/<pid>/stat (0 if it is gone, or not `name`)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    if name and stat.split("(", 1)[1].rsplit(")", 1)[0] != name:
        return 0.0  # e.g. a pid from another PID namespace (a server in a container)
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def cpu_snapshot(server: Gunicorn, db: Database, since: dict | None = None) -> dict:
    """CPU seconds so far (or since `since`): gunicorn workers, the local database server's
    backends for the bench database, this script's finished children (the load generator),
    and everything else the machine did (other processes, this script, the kernel). A large
    "everything else" means the run competed with something and is less trustworthy."""
    now = {
        "gunicorn_workers": server.cpu_seconds(),
        "database": sum(process_cpu_seconds(pid, "postgres") for pid in db.backend_pids()),
        "load_generator": children_cpu_seconds(),
        "machine": busy_cpu(),
    }
    if since is None:
        return now
    delta = {name: now[name] - since[name] for name in now}
    known = delta["gunicorn_workers"] + delta["database"] + delta["load_generator"]
    delta["everything_else"] = max(0.0, delta.pop("machine") - known)
    return {name: round(value, 2) for name, value in delta.items()}


def busy_cpu() -> float:
    """Busy CPU seconds of the whole machine so far, summed over cores (/proc/stat)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _CLK_TCK


def children_cpu_seconds() -> float:
    """CPU of this script's finished children: the load generator runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def method_path(scenario: Scenario, path: str) -> str:
    return f"{scenario.method} {path}" + (" (logged in)" if scenario.auth else "")


# ---------------------------------------------------------------- report


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def machine_info() -> dict:
    import django
    import gunicorn

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    from importlib.metadata import version

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "qrcode": version("qrcode"),
        "cryptography": version("cryptography"),
        "load_average_end": load_average(),
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def timing_row(label: str, timing: dict) -> str:
    return f"| {label} | {timing['runs']} | {timing['median_ms']:.3f} | {timing['p95_ms']:.3f} |"


def write_reports(results: dict) -> None:
    (BENCH / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); bench/README.md says what each number means.",
        "Every number below comes from one run on one machine; compare ratios, not absolute",
        "numbers, across machines.",
        "",
        f"- Date: {m['date']}",
        f"- Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory']} RAM, Linux {m['kernel']}, "
        f"load average {m['load_average_start']} at the start, {m['load_average_end']} at the end",
        f"- Python {m['python']}, Django {m['django']}, gunicorn {m['gunicorn']}, qrcode {m['qrcode']}, "
        f"cryptography {m['cryptography']}",
        f"- Database: {results['database']}",
        f"- Server: `{results['gunicorn']['command']}` with DJANGO_SETTINGS_MODULE=bench.settings, DEBUG=0, "
        f"{results['db_connections']}, access log off",
        f"- Load: {results['load']['tool']}; {results['load']['shape']}; the load generator shares the "
        f"{m['nproc']} cores with gunicorn",
        "",
        "## Requests per second",
        "",
        "| Scenario | Requests/s | Ratio to bare | p50 (ms) | p99 (ms) | Errors | gunicorn CPU per request (ms) "
        "| Response (bytes) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results["scenarios"]:
        if "error" in s:
            lines.append(f"| {s['name']} | not measured | | | | {s['error']} | | |")
            continue
        lines.append(
            f"| {s['name']} | {s['requests_per_s']:.0f} | {fmt(s.get('ratio_to_bare'))} | {fmt(s['p50_ms'])} | "
            f"{fmt(s['p99_ms'])} | {s['errors']} | {fmt(s.get('server_cpu_ms_per_request'))} | "
            f"{s.get('response_bytes', '')} |"
        )
    lines += [""]
    for s in results["scenarios"]:
        lines.append(f"- **{s['name']}**: `{s['method']} {s['path']}`: {s['note']}.")
    errors_note = [
        f"{s['name']}: {s['non_2xx_3xx']} non-2xx/3xx, socket errors {s['socket_errors']}"
        for s in results["scenarios"]
        if s.get("errors")
    ]
    if errors_note:
        lines += ["", "Errors in detail: " + "; ".join(errors_note) + "."]
    first, last = (next((s for s in results["scenarios"] if s["name"] == n), {}) for n in (BASELINE, BASELINE_AGAIN))
    if first.get("requests_per_s") and last.get("requests_per_s"):
        drift = abs(last["requests_per_s"] - first["requests_per_s"]) / first["requests_per_s"]
        lines += [
            "",
            f"The bare baseline gave {first['requests_per_s']:.0f} requests/s first and "
            f"{last['requests_per_s']:.0f} at the end ({drift * 100:.0f}% apart)"
            + (
                "; ratios are to the first."
                if drift <= 0.1
                else ": **the machine was not steady during this run**; ratios are to the first, treat them "
                "as rough and run again on a quiet machine."
            ),
        ]
    measured = [s for s in results["scenarios"] if "cpu_s" in s]
    if measured:
        lines += [
            "",
            f"Where the machine's CPU went during each measured {DURATION_S} s run (CPU seconds summed over "
            f"cores, {m['nproc'] * DURATION_S} available; the database column counts only a Postgres on this "
            "machine):",
            "",
            "| Scenario | gunicorn workers | database server | load generator | everything else |",
            "|---|---:|---:|---:|---:|",
        ]
        for s in measured:
            cpu = s["cpu_s"]
            values = (cpu["gunicorn_workers"], cpu["database"], cpu["load_generator"], cpu["everything_else"])
            lines.append(f"| {s['name']} | " + " | ".join(f"{v:.1f}" for v in values) + " |")
        noisy = [s["name"] for s in measured if s["cpu_s"]["everything_else"] > 0.1 * m["nproc"] * DURATION_S]
        if noisy:
            lines += [
                "",
                f"**Caution**: other processes used more than a tenth of the machine during {', '.join(noisy)}; "
                "those numbers are lower than a quiet machine would give. Run again on a quiet machine.",
            ]
    rss = results["gunicorn"]["peak_rss"]
    workers = ", ".join(f"{v} MiB" for v in rss["workers_mib"].values())
    lines += [
        "",
        f"Peak resident memory (VmHWM) after all scenarios: workers {workers or 'n/a'}; master "
        f"{rss['master_mib']} MiB.",
    ]

    q = results["inprocess"]["qr"]
    t = results["inprocess"]["token"]
    met = q["svg"]["median_ms"] <= q["target_ms"] and q["svg"]["p95_ms"] <= q["target_ms"]
    lines += [
        "",
        "## One QR, in-process",
        "",
        f"A real token issued for the demo citizen's code ({q['token_length']} characters) gives a version "
        f"{q['qr_version']} QR, error correction {q['error_correction']}, {q['modules_with_quiet_zone']} modules "
        "with the quiet zone.",
        "",
        "| What | Runs | Median (ms) | p95 (ms) |",
        "|---|---:|---:|---:|",
        timing_row(f"`healthcode.qr.svg(token)`: fixed mask {q['fixed_mask']}, SVG path", q["svg"]),
        timing_row("of which the module matrix (`qr.matrix`)", q["matrix_only"]),
        timing_row("qrcode's default mask search, same data, matrix only", q["default_mask_search_matrix"]),
        timing_row("`healthcode.tokens.issue` (Ed25519 sign)", t["issue"]),
        timing_row("`healthcode.tokens.verify`", t["verify"]),
        "",
        f"Target: one QR in {q['target_ms']:.0f} ms or less. "
        + (
            f"**Met**: median {q['svg']['median_ms']:.2f} ms, p95 {q['svg']['p95_ms']:.2f} ms"
            if met
            else f"**Not met**: median {q['svg']['median_ms']:.2f} ms, p95 {q['svg']['p95_ms']:.2f} ms"
        )
        + f"; {ratio(q['default_mask_search_matrix']['median_ms'], q['svg']['median_ms']) or 0:.1f}x faster than "
        "the default mask search (which builds and scores all eight masks). Building the SVG path from the "
        f"matrix takes {q['svg_path_building_ms']:.2f} ms of the median.",
        "",
        "Where `qr.svg` spends its time (cProfile, own time, which inflates small calls):",
        "",
        "| Function | Share | Calls per QR |",
        "|---|---:|---:|",
    ]
    for row in q["profile"]:
        lines.append(f"| `{row['module']}/{row['function']}` | {row['share'] * 100:.0f}% | {row['calls_per_qr']:g} |")

    a = results["inprocess"]["code_page_inprocess"]
    lines += ["", "## One code page, in-process", ""]
    page = a.get("code page")
    if page:
        lines += [
            f"The Django test client, {a['runs']} requests each, no HTTP server or network: what one request "
            "costs inside Django, with the code page's parts timed inside the same requests (medians, so "
            "they add up to about the whole; the QR inside a request can cost more than in the tight loop "
            "above, with colder CPU caches).",
            "",
            "| Part | ms per request (median) | Share |",
            "|---|---:|---:|",
            f"| bare view, whole request (for comparison) | {a['bare']['median_ms']:.3f} | |",
            f"| **code page, whole request** (p95 {page['p95_ms']:.3f}) | {page['median_ms']:.3f} | 100% |",
        ]
        for row in page["parts"]:
            seen = "calls_per_request" not in row or row["calls_per_request"] > 0
            label = row["part"] if seen else f"{row['part']}: not seen (renamed?)"
            lines.append(f"| {label} | {row['median_ms']:.3f} | {row['median_ms'] / page['median_ms'] * 100:.0f}% |")
        lines.append(
            f"| SQL inside the parts above ({page['sql_queries_per_request']:g} queries; mean) | "
            f"{page['sql_ms_per_request_mean']:.3f} | |"
        )
    else:
        lines.append(f"Not measured: {a.get('error', a)}.")
    if results["inprocess"]["notes"]:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in results["inprocess"]["notes"]]
    lines += ["", f"Whole run: {results['elapsed_s']:.0f} s.", ""]
    (BENCH / "RESULTS.md").write_text("\n".join(lines))


# ---------------------------------------------------------------- main


def main() -> int:
    started = time.perf_counter()
    load_at_start = load_average()
    OUT.mkdir(exist_ok=True)
    keep = os.environ.get("BENCH_KEEP") == "1"
    work_dir = Path(tempfile.mkdtemp(prefix="hc-bench-"))
    var_dir = work_dir / "var"
    var_dir.mkdir()
    db: Database | None = None
    server: Gunicorn | None = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks below
    try:
        wrk, wrk_note = find_wrk()
        if wrk:
            tool = wrk_version(wrk) + (f" ({wrk_note})" if wrk_note else "")
        else:
            tool = f"Python fallback load generator, NOT wrk ({wrk_note}); not comparable with wrk runs"
            log(f"WARNING: {tool}")
        db = choose_database(var_dir)
        log(f"database: {db.label}")
        env = bench_env(var_dir, db)
        manage = [sys.executable, "manage.py"]
        setup = {
            "migrate_s": run([*manage, "migrate", "--noinput"], env, "migrate"),
            "collectstatic_s": run([*manage, "collectstatic", "--noinput"], env, "collectstatic"),
            "seed_demo_s": run([*manage, "seed_demo"], env, "seed_demo"),
        }
        log("migrated, collected static files, seeded the demo accounts")

        sys.path.insert(0, str(ROOT))
        os.environ.clear()
        os.environ.update(env)
        inprocess = inprocess_timings()

        server = Gunicorn(env, OUT / "gunicorn.log")
        server.start()
        session, values = log_in(server.port)
        log(f"logged in as {DEMO_CITIZEN}; code page at /code/{values['code_pk']}/")
        # The baseline runs first and once more at the end: if the two differ much, the
        # machine was not steady during the run, and RESULTS.md says so.
        baseline = next(s for s in SCENARIOS if s.name == BASELINE)
        again = replace(
            baseline, name=BASELINE_AGAIN, note="the baseline once more, to see whether the machine held steady"
        )
        plan = [*SCENARIOS, again]
        scenarios = [run_scenario(s, server, db, wrk, session, values, work_dir) for s in plan]
        base = next((s.get("requests_per_s") for s in scenarios if s["name"] == BASELINE), None)
        for record in scenarios:
            record["ratio_to_bare"] = ratio(record.get("requests_per_s"), base)
        peak_rss = server.peak_rss()
        server.stop()
        server_errors = [line for line in server.log_path.read_text().splitlines() if "Traceback" in line]

        results = {
            "machine": {**machine_info(), "load_average_start": load_at_start},
            "database": db.label,
            "db_connections": f"persistent database connections (DB_CONN_MAX_AGE={env.get('DB_CONN_MAX_AGE', '60')} s)"
            if db.url
            else "a new SQLite connection per request (the settings give SQLite no CONN_MAX_AGE)",
            "gunicorn": {"command": " ".join([".venv/bin/gunicorn", *server.cmd[1:]]), "peak_rss": peak_rss},
            "load": {
                "tool": tool,
                "shape": f"{WRK_THREADS} threads, {WRK_CONNECTIONS} connections, {WARMUP_S} s warm-up then "
                f"{DURATION_S} s measured per scenario, 127.0.0.1",
            },
            "setup": {k: round(v, 1) for k, v in setup.items()},
            "scenarios": scenarios,
            "inprocess": inprocess,
            "server_tracebacks": len(server_errors),
            "elapsed_s": round(time.perf_counter() - started, 1),
        }
        write_reports(results)
        log(f"wrote {BENCH / 'RESULTS.md'} and {BENCH / 'results.json'} in {results['elapsed_s']:.0f} s")
        failed = [s["name"] for s in scenarios if "error" in s or s.get("errors")]
        if failed:
            log(f"scenarios with errors: {', '.join(failed)} (see RESULTS.md and {server.log_path})")
            return 1
        return 0
    except BenchError as exc:
        log(f"FAILED: {exc}")
        return 2
    finally:
        if server is not None:
            server.stop()
        if db is not None and not keep:
            drop_database(db)
        if keep:
            log(f"kept {work_dir} and the bench database (BENCH_KEEP=1)")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
