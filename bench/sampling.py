"""Where the time goes, under load: py-spy samples the gunicorn workers (or Celery's pool)
from outside during a measured run (BENCH_PROFILE=1; it costs the sampled processes a little,
so a profiled run's requests/s are not the ones to quote). Summaries of the collapsed stacks:
own time by function, and inclusive time by the project's functions and a few known parts."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.common import VENV_BIN, log

ENABLED = os.environ.get("BENCH_PROFILE") == "1"
# Inclusive shares of parts that cut across the project's own functions.
PARTS = {
    "SQL (psycopg2 execute and fetch)": ("psycopg2", "django/db/backends"),
    "template rendering (django.template)": ("django/template/",),
    "QR matrix and SVG (qrcode, healthcode/qr.py)": ("qrcode/", "healthcode/qr.py"),
    "token signing and checking (healthcode/tokens.py)": ("healthcode/tokens.py",),
    "sessions (django.contrib.sessions)": ("django/contrib/sessions",),
    "middleware chain (django/utils/deprecation.py)": ("django/utils/deprecation.py",),
    "Celery publish (kombu)": ("kombu/",),
}
PROJECT = ("healthcode/", "family/", "declarations/", "checkpoints/")


def py_spy() -> str | None:
    found = VENV_BIN / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


def start(pids: list[int], out_dir: Path, name: str, duration: int) -> list[tuple[subprocess.Popen, Path]]:
    tool = py_spy()
    if not ENABLED or not tool:
        return []
    runs = []
    for pid in pids:
        path = out_dir / f"profile-{name}-{pid}.txt"
        cmd = [tool, "record", "--nonblocking", "--format", "raw", "-r", "200", "-d", str(duration)]
        cmd += ["-o", str(path), "--pid", str(pid)]
        runs.append((subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), path))
    return runs


def finish(runs: list[tuple[subprocess.Popen, Path]]) -> dict | None:
    if not runs:
        return None
    stacks: Counter[str] = Counter()
    for proc, path in runs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        if path.exists():
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if count.isdigit():
                    stacks[stack] += int(count)
    return summarise(stacks)


def summarise(stacks: Counter[str]) -> dict | None:
    total = sum(stacks.values())
    if not total:
        log("py-spy recorded nothing (permissions? ptrace)")
        return None
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    idle = 0
    for stack, count in stacks.items():
        frames = stack.split(";")
        leaf = frames[-1]
        if any(word in leaf for word in ("select (selectors", "accept (", "wait (", "sleep (")):
            idle += count
        own[leaf] += count
        seen = set()
        for frame in frames:
            if any(p in frame for p in PROJECT) and frame not in seen and "/.venv/" not in frame:
                seen.add(frame)
                inclusive[frame] += count
        for part, needles in PARTS.items():
            if any(n in stack for n in needles):
                parts[part] += count
    busy = total - idle or 1

    def top(counter: Counter[str], n: int) -> list[dict]:
        return [{"frame": frame, "share_of_busy": round(c / busy, 3)} for frame, c in counter.most_common(n)]

    return {
        "samples": total,
        "idle_share": round(idle / total, 3),
        "own": top(own, 12),
        "project_inclusive": top(inclusive, 12),
        "parts": {part: round(c / busy, 3) for part, c in parts.most_common()},
    }
