"""RESULTS.md and results.json from one run's results."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

from bench.common import (
    BENCH,
    DURATION_S,
    ratio,
)
from bench.scenarios import BASELINE, BASELINE_AGAIN

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
