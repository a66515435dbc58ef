"""Load generation: wrk (with Lua scripts), or a labelled Python fallback."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import (
    BENCH,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    log,
    percentile,
    slug,
)

if TYPE_CHECKING:
    from bench.scenarios import Scenario

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
    bad = find(r"^BAD (\d+)")  # printed by the Lua scripts of bench/luascripts.py
    result["unexpected_answers"] = int(bad.group(1)) if bad else 0
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


def run_wrk(
    wrk: str, url: str, headers: dict[str, str], lua: Path | None, duration: int, threads: int = WRK_THREADS
) -> tuple[list[str], str]:
    cmd = [wrk, f"-t{threads}", f"-c{WRK_CONNECTIONS}", f"-d{duration}s", "--latency"]
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
