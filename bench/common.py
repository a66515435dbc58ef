"""What every part of the bench shares: paths, the load shape, small helpers."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
VENV_BIN = Path(sys.executable).parent


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        sys.exit(f"{name}={raw!r} is not a whole number")


# Load shape: the same for every scenario, recorded with the results.
DURATION_S = env_int("BENCH_DURATION", 10)
WARMUP_S = env_int("BENCH_WARMUP", 2)
WRK_THREADS = 2
WRK_CONNECTIONS = 16
# Web processes: BENCH_WORKERS, by default two per core on the 2-core reference machine: a sync
# worker waiting for Postgres (the gate's durable commit) leaves its core to another. One per
# core until session 5; its variant in run.py compares (bench/README.md).
GUNICORN_WORKERS = env_int("BENCH_WORKERS", 4)
QR_RUNS = 2000
QR_DEFAULT_MASK_RUNS = 300  # about 8 ms each
SIGN_RUNS = 2000
INPROCESS_RUNS = 300

DEMO_CITIZEN = "13800000001"  # checkpoints/management/commands/seed_demo.py
DEMO_PASSWORD = "healthcode-demo"
BENCH_DB_NAME = "healthcode_bench"
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"


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
