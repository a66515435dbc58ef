"""RESULTS.md and results.json from one run's results."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
from pathlib import Path

from bench.common import (
    BENCH,
    DURATION_S,
    ratio,
)

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


REPORT_NAME = re.sub(r"[^a-z0-9-]", "", os.environ.get("BENCH_REPORT", "").lower())

# Targets, as ratios to the bare view of the same size (issue 7).
TARGETS = {"verify API": 0.40, "code page": 0.25, "declaration submit": 0.20}
P99_TARGET_MS = {"verify API": 50.0}
WORKER_RSS_TARGET_MIB = 150


def _rounds_cell(s: dict, closing: dict | None) -> str:
    """Every round's ratio, the median round's in bold; for the bare view, the requests/s of the
    bare run opening each round and of the one closing the last."""
    bare = s["name"] == "bare"
    values = s.get("round_requests_per_s") if bare else s.get("round_ratios")
    if not values:
        return ""
    failed = {int(k) for k in s.get("failed_rounds") or {}}
    shown = ["not measured" if i + 1 in failed else f"{v:.0f}" if bare else fmt(v, 3) for i, v in enumerate(values)]
    if not bare:
        shown[s["chosen_round"] - 1] = f"**{shown[s['chosen_round'] - 1]}**"
    cell = " / ".join(shown)
    if bare and closing and closing.get("requests_per_s"):
        cell += f"; closing {closing['requests_per_s']:.0f}"
    return cell


def _verdict(s: dict) -> str:
    target = TARGETS.get(s["name"])
    if target is None or s.get("ratio_to_bare") is None:
        return ""
    verdict = f"{target:.2f} {'met' if s['ratio_to_bare'] >= target else '**not met**'}"
    ratios = s.get("round_ratios") or []
    if len(ratios) > 1:
        verdict += f" ({sum(r is not None and r >= target for r in ratios)} of {len(ratios)} rounds)"
    return verdict


def scenario_rows(results: dict) -> list[str]:
    lines = [
        "| People | Scenario | Requests/s | Ratio to bare | Target | Each round | p50 (ms) | p99 (ms) | Errors "
        "| gunicorn CPU per request (ms) | CPU ratio |",
        "|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in results["sizes"]:
        bare_cpu = size["scenarios"][0].get("server_cpu_ms_per_request")
        for s in size["scenarios"]:
            own_cpu = s.get("server_cpu_ms_per_request")
            cpu_ratio = fmt(bare_cpu / own_cpu) if bare_cpu and own_cpu else "n/a"
            if "error" in s:
                lines.append(f"| {size['people']:,} | {s['name']} | not measured | | | | | | {s['error']} | | |")
                continue
            rounds_cell = _rounds_cell(s, size.get("closing_bare"))
            lines.append(
                f"| {size['people']:,} | {s['name']} | {s['requests_per_s']:.0f} | {fmt(s.get('ratio_to_bare'), 3)} | "
                f"{_verdict(s)} | {rounds_cell} | {fmt(s['p50_ms'])} | {fmt(s['p99_ms'])} | {s['errors']} | "
                f"{fmt(s.get('server_cpu_ms_per_request'))} | {cpu_ratio} |"
            )
    last = results["bare_again"]
    if "requests_per_s" in last:
        lines.append(
            f"| (last) | {last['name']} | {last['requests_per_s']:.0f} | {fmt(last.get('ratio_to_bare'))} | | | "
            f"{fmt(last['p50_ms'])} | {fmt(last['p99_ms'])} | {last['errors']} | "
            f"{fmt(last.get('server_cpu_ms_per_request'))} | |"
        )
    rounds = results["load"].get("rounds")
    if rounds:  # results.json of runs before session 9 have none
        lines += [
            "",
            f"**Rounds**: at each size every scenario ran {rounds} time{'s' if rounds != 1 else ''}; "
            "a bare run opened each round and "
            "one more closed the last, and a round's ratios are to the mean of the bare runs before and after "
            "it. A scenario's ratio is the median of its rounds' (**Each round** lists them, the median's in "
            "bold; for bare, the requests/s of each bare run), and its other numbers are its median round's. "
            'Errors are those of all rounds; a round that could not load-test a scenario shows "not measured" '
            "and fails the run. Until session 8 the bench measured one round, against the bare "
            "run before it only (bench/rounds.py; results.json keeps that ratio too).",
        ]
    lines += [
        "",
        "**CPU ratio**: the bare view's gunicorn CPU per request over this scenario's, at the same size: the "
        "ratio the requests/s would show if gunicorn had the cores to itself. It moves less than requests/s "
        "when other processes take CPU, but it leaves out what the scenario costs Postgres, Redis and the "
        "worker, so the requests/s ratio is the one the targets are judged on.",
    ]
    return lines


def growth_rows(results: dict) -> list[str]:
    """The same ratio at every size: the largest size's ratio over the smallest's."""
    sizes = results["sizes"]
    if len(sizes) < 2:
        return []
    first, last = sizes[0], sizes[-1]
    lines = [
        "",
        f"Cost against the number of people: each scenario's ratio at {last['people']:,} people over its ratio "
        f"at {first['people']:,} (1.00: the same cost; the bare view of each size is its own baseline):",
        "",
        "| Scenario | " + " | ".join(f"{size['people']:,}" for size in sizes) + " | last / first |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    for index, s in enumerate(first["scenarios"][1:], start=1):
        ratios = [size["scenarios"][index].get("ratio_to_bare") for size in sizes]
        change = ratios[-1] / ratios[0] if ratios[0] and ratios[-1] else None
        lines.append(f"| {s['name']} | " + " | ".join(fmt(r) for r in ratios) + f" | {fmt(change)} |")
    return lines


def cpu_rows(results: dict, nproc: int) -> list[str]:
    lines = [
        "",
        f"Where the machine's CPU went during each measured {DURATION_S} s run (CPU seconds summed over cores, "
        f"{nproc * DURATION_S} available; the database column counts a Postgres on this machine, all its "
        "processes; the Celery worker is in everything else):",
        "",
        "| People | Scenario | gunicorn workers | database server | load generator | everything else |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    noisy = []
    for size in results["sizes"]:
        for s in size["scenarios"]:
            if "cpu_s" not in s:
                continue
            cpu = s["cpu_s"]
            values = (cpu["gunicorn_workers"], cpu["database"], cpu["load_generator"], cpu["everything_else"])
            lines.append(f"| {size['people']:,} | {s['name']} | " + " | ".join(f"{v:.1f}" for v in values) + " |")
            if cpu["everything_else"] > 0.1 * nproc * DURATION_S and s["name"] != "declaration submit":
                noisy.append(f"{s['name']} at {size['people']:,}")
    if noisy:
        lines += [
            "",
            f"**Caution**: other processes used more than a tenth of the machine during {', '.join(noisy)}; "
            "those numbers are lower than a quiet machine would give.",
        ]
    return lines


def variant_lines(results: dict) -> list[str]:
    variants = results.get("variants") or []
    if not variants:
        return []
    lines = [
        "",
        f"## Variants, at {results['sizes'][-1]['people']:,} people",
        "",
        "One setting changed, on a fresh gunicorn with its own bare baseline (the main table's server is "
        "`sync`, health checks on):",
        "",
        "| Variant | Scenario | Requests/s | Ratio to its bare | p50 (ms) | p99 (ms) | Errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        for s in v["scenarios"]:
            if "error" in s:
                lines.append(f"| {v['label']} | {s['name']} | not measured | | | | {s['error']} |")
                continue
            lines.append(
                f"| {v['label']} | {s['name']} | {s['requests_per_s']:.0f} | {fmt(s.get('ratio_to_bare'), 3)} | "
                f"{fmt(s['p50_ms'])} | {fmt(s['p99_ms'])} | {s['errors']} |"
            )
    return lines


TARGET_RATE = 200  # declarations a second (issue 3)
OFFERED_ENOUGH = 0.95  # of the target's rate, for the latency target to be judged met


def pipeline_lines(p: dict | None, reuse: list | None = None) -> list[str]:
    lines = ["", "## Declarations through the Celery worker (confirmed to colour set)", ""]
    if not p:
        return [*lines, "Not measured: no Redis, so no worker."]
    steady, drain, paced, target = p["steady"], p["drain"], p.get("paced"), p.get("paced_target")
    rate = drain.get("colours_per_s")
    # The latency target is judged at the target's rate (200/s) when it was measured, else at
    # the paced rate (below the worker's capacity), else at the steady rate.
    judged = target or paced or steady
    p95 = judged["confirm_to_colour_ms"]["p95"]
    # Met only where the target's rate was offered: the confirming process shares the cores
    # with the worker and Postgres, and on a slow machine falls short of 200/s.
    offered_enough = judged["offered_per_s"] >= OFFERED_ENOUGH * TARGET_RATE
    if p95 is None or p95 >= 1000:
        latency_verdict = "not met"
    elif offered_enough:
        latency_verdict = "met"
    else:
        offered = judged["offered_per_s"]
        latency_verdict = f"not shown: under 1 s, but the bench offered {offered}/s, not {TARGET_RATE}/s"
    lines += [
        f"Real `celery -A healthcode worker` (prefork, concurrency {p.get('worker_concurrency', 2)}, as the "
        "Procfile) on Redis and Postgres, beat off; bench/pipeline.py says how.",
        "",
        "| Measurement | Declarations | Coloured | Left confirmed | Needs review | p50 confirm to colour (ms) "
        "| p95 (ms) | max (ms) | Rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| steady: confirmed one after another, worker running | {steady['declarations']} | {steady['coloured']} "
        f"| {steady['left_confirmed']} | {steady['needs_review']} | {steady['confirm_to_colour_ms']['p50']} | "
        f"{steady['confirm_to_colour_ms']['p95']} | {steady['confirm_to_colour_ms']['max']} | "
        f"{steady['offered_per_s']}/s offered |",
        *(
            [
                f"| paced: confirmed at a fixed rate, worker running | {paced['declarations']} | "
                f"{paced['coloured']} | {paced['left_confirmed']} | {paced['needs_review']} | "
                f"{paced['confirm_to_colour_ms']['p50']} | {paced['confirm_to_colour_ms']['p95']} | "
                f"{paced['confirm_to_colour_ms']['max']} | {paced['offered_per_s']}/s offered |"
            ]
            if paced
            else []
        ),
        *(
            [
                f"| paced at the target's rate | {target['declarations']} | "
                f"{target['coloured']} | {target['left_confirmed']} | {target['needs_review']} | "
                f"{target['confirm_to_colour_ms']['p50']} | {target['confirm_to_colour_ms']['p95']} | "
                f"{target['confirm_to_colour_ms']['max']} | {target['offered_per_s']}/s offered |"
            ]
            if target
            else []
        ),
        f"| drain: all confirmed first, then the worker starts | {drain['declarations']} | {drain['coloured']} | "
        f"{drain['left_confirmed']} | {drain['needs_review']} | | | | **{rate}/s** through the worker |",
        "",
        f"Targets: 200 declarations/s through the worker: **{'met' if rate and rate >= 200 else 'not met'}** "
        f"({rate}/s); p95 confirm to colour under 1 s at {TARGET_RATE}/s: **{latency_verdict}** "
        f"({p95} ms at {judged['offered_per_s']}/s offered"
        + (
            f"; {paced['confirm_to_colour_ms']['p95']} ms at {paced['offered_per_s']}/s offered"
            if target and paced
            else ""
        )
        + (
            f"; at the steady measurement's {steady['offered_per_s']}/s a queue builds and the p95 is "
            f"{steady['confirm_to_colour_ms']['p95']} ms)."
            if paced or target
            else ")."
        ),
    ]
    lines += drain_work_lines(drain)
    if isinstance(reuse, dict):  # results.json of runs before the variants were a list
        reuse = [{"label": "keeps its database connection (CELERY_DB_REUSE_MAX=100)", **reuse}]
    if reuse:
        lines += [
            "",
            "The worker with one setting changed (each a fresh worker; the defaults above are prefork with "
            f"{(p or {}).get('worker_concurrency', 2)} processes, the database connection kept across tasks, a "
            "connection check before each task):",
            "",
            "| Worker variant | Drain rate | Steady p50 (ms) | Steady p95 (ms) | Offered | Coloured | Left confirmed |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for v in reuse:
            st, dr = v["steady"], v["drain"]
            lines.append(
                f"| {v['label']} | **{dr.get('colours_per_s')}/s** | {st['confirm_to_colour_ms']['p50']} | "
                f"{st['confirm_to_colour_ms']['p95']} | {st['offered_per_s']}/s | "
                f"{dr['coloured'] + st['coloured']} | {dr['left_confirmed'] + st['left_confirmed']} |"
            )
        for v in reuse:
            lines += ["", f"*{v['label']}*:", *drain_work_lines(v["drain"])]
    rss = p.get("worker_peak_rss_scenarios") or {}
    if rss:
        lines += [
            "",
            f"Celery worker peak resident memory (VmHWM) after the scenarios: main {rss.get('main_mib')} "
            f"MiB, pool processes " + ", ".join(f"{v} MiB" for v in rss.get("pool_mib", {}).values()) + ".",
        ]
    return lines


def drain_work_lines(drain: dict) -> list[str]:
    """The drain with the notifications that follow every colour, and the CPU it cost."""
    if "declarations_fully_done_per_s" not in drain:  # results.json of runs before these were measured
        return []
    colour, work = drain["cpu_ms_per_declaration_to_colour"], drain["cpu_ms_per_declaration_all_work"]
    return [
        "",
        "Drain with everything a declaration causes (the review with its inbox message, then the SMS, sent by "
        f"one sender task at a time on the same worker): {drain['declarations']} declarations in "
        f"{drain['start_to_all_notified_s']} s "
        f"from the worker's start, **{drain['declarations_fully_done_per_s']}/s** "
        f"(the last colour at {drain['start_to_last_colour_s']} s; {drain['not_notified']} not notified at the end).",
        "",
        "| CPU ms per declaration (2 cores: 2 000 ms a second between them) | Celery worker | Postgres "
        "| everything else | whole machine |",
        "|---|---:|---:|---:|---:|",
        f"| to the last colour (reviews) | {colour['worker_ms']} | {colour['postgres_ms']} | "
        f"{colour['everything_else_ms']} | {colour['machine_ms']} |",
        f"| to the last SMS (reviews and notifications) | {work['worker_ms']} | {work['postgres_ms']} | "
        f"{work['everything_else_ms']} | {work['machine_ms']} |",
    ]


def pipeline_header(results: dict) -> list[str]:
    m = results["machine"]
    return [
        f"- Date: {m['date']}",
        f"- Machine: {m['nproc']} cores ({m['cpu'] or 'unknown CPU'}), {m['memory']} RAM, Linux {m['kernel']}, "
        f"load average {m['load_average_start']} at the start, {m['load_average_end']} at the end",
        f"- Python {m['python']}, Django {m['django']}",
        f"- Database: {results['database']}",
        f"- Broker: {results['broker']}",
    ]


def _write_json(results: dict, *, default: str) -> str:
    """results<suffix>.json; the suffix (BENCH_REPORT's name, else `default`) for the .md too."""
    suffix = f"-{REPORT_NAME}" if REPORT_NAME else default
    (BENCH / f"results{suffix}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return suffix


def write_pipeline_reports(results: dict) -> Path:
    """BENCH_ONLY=pipeline: the declarations through the worker, nothing else."""
    suffix = _write_json(results, default="-pipeline")
    m = results["machine"]
    lines = [
        "# Benchmark results: declarations through the worker only",
        "",
        "Written by `BENCH_ONLY=pipeline make bench` (bench/run.py); bench/README.md says what each number",
        "means. One run on one machine: the Celery worker, Postgres, Redis and the bench process that",
        f"confirms the declarations all share the {m['nproc']} cores.",
        "",
        *pipeline_header(results),
    ]
    lines += pipeline_lines(results.get("declarations_pipeline"), results.get("declarations_pipeline_db_reuse"))
    lines += load_lines(results)
    lines += profile_lines(results)
    lines += ["", f"Whole run: {results['elapsed_s']:.0f} s.", ""]
    report = BENCH / f"RESULTS{suffix}.md"
    report.write_text("\n".join(lines))
    return report


def tracing_lines(t: dict | None) -> list[str]:
    lines = ["", "## Contact tracing at scale", ""]
    if not t:
        return [*lines, "Not measured (BENCH_TRACE=0)."]
    ok = t["seconds"] < t["target_s"]
    lines += [
        f"One confirmed case among {t['people']:,} people and {t['scans']:,} scans, with {t['case_visits']} "
        f"visits in the past 14 days, traced by `checkpoints.services.tracing.trace_case` (find companions "
        f"within ±{t['window_minutes']} min at the same venue, record them, flag each as a companion health "
        f"event): **{t['seconds']:.2f} s**, target under {t['target_s']:.0f} s: **{'met' if ok else 'not met'}**. "
        f"{t['companions']} companions found, {t['companion_events']} flagged.",
        "",
        "Indexes on the scan log:",
        "",
    ]
    lines += [f"- `{i['name']}`: `{i['definition']}`" for i in t["scan_indexes"]]
    lines += ["", "EXPLAIN (ANALYZE, BUFFERS) of the trace query:", "", "```", *t["explain_analyze"], "```"]
    return lines


def profile_lines(results: dict) -> list[str]:
    """py-spy summaries (BENCH_PROFILE=1): the last size's scenarios and the worker's drain."""
    profiled = [(s["name"], s["profile"]) for s in results["sizes"][-1]["scenarios"] if s.get("profile")]
    drain = (results.get("declarations_pipeline") or {}).get("drain", {}).get("profile")
    if drain:
        profiled.append(("Celery worker, draining reviews", drain))
    if not profiled:
        return []
    lines = [
        "",
        "## Where the time goes (py-spy, BENCH_PROFILE=1)",
        "",
        "Sampled from outside at 200 Hz during the measured runs of the largest size; shares of the samples in "
        "which the process was busy (not waiting for a request). The parts overlap (SQL inside a template, say).",
    ]
    for name, p in profiled:
        parts = ", ".join(f"{part} {share * 100:.0f}%" for part, share in p["parts"].items() if share >= 0.02)
        lines += ["", f"**{name}** ({p['samples']} samples, {p['idle_share'] * 100:.0f}% idle): {parts}.", ""]
        lines += ["| Own time: function (file:line) | Share |", "|---|---:|"]
        lines += [f"| `{row['frame'][:110]}` | {row['share_of_busy'] * 100:.1f}% |" for row in p["own"][:6]]
        lines += ["", "| The project's functions, inclusive | Share |", "|---|---:|"]
        lines += [
            f"| `{row['frame'][:110]}` | {row['share_of_busy'] * 100:.1f}% |" for row in p["project_inclusive"][:6]
        ]
    return lines


def load_lines(results: dict) -> list[str]:
    lines = [
        "",
        "## Synthetic data",
        "",
        "| People (total) | Added | Scans added | Load time (s) | Slowest steps |",
        "|---:|---:|---:|---:|---|",
    ]
    for size in results["sizes"]:
        load = size.get("load")
        if not load:
            continue
        steps = sorted(load["steps"].items(), key=lambda kv: kv[1], reverse=True)[:3]
        lines.append(
            f"| {size['people']:,} | {load['people_added']:,} | {load['scans_added']:,} | {load['seconds']:.0f} | "
            + ", ".join(f"{k} {v:.0f} s" for k, v in steps)
            + " |"
        )
    return lines


def write_reports(results: dict) -> Path:
    # BENCH_REPORT=name writes RESULTS-name.md and results-name.json instead (a profiled run, a
    # worker experiment), leaving the main results alone.
    suffix = _write_json(results, default="")
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
        f"- Broker: {results['broker']}",
        f"- Server: `{results['gunicorn']['command']}` with DJANGO_SETTINGS_MODULE=bench.settings, DEBUG=0, "
        f"{results['db_connections']}, access log off",
        f"- Load: {results['load']['tool']}; {results['load']['shape']}; the load generator, the Celery worker "
        f"and Postgres share the {m['nproc']} cores with gunicorn",
        "",
        "## Requests per second, by data size",
        "",
        *scenario_rows(results),
        "",
    ]
    for s in results["sizes"][0]["scenarios"]:
        lines.append(f"- **{s['name']}**: `{s['method']} {s['path']}`: {s['note']}.")
    lines += growth_rows(results)
    first = (results["sizes"][0].get("round_records") or [results["sizes"][0]["scenarios"]])[0][0]
    last = results["bare_again"]
    if first.get("requests_per_s") and last.get("requests_per_s"):
        drift = abs(last["requests_per_s"] - first["requests_per_s"]) / first["requests_per_s"]
        lines += [
            "",
            f"The bare baseline gave {first['requests_per_s']:.0f} requests/s first and "
            f"{last['requests_per_s']:.0f} at the very end ({drift * 100:.0f}% apart)"
            + ("." if drift <= 0.1 else ": **the machine was not steady during this run**; treat the ratios as rough."),
        ]
    lines += cpu_rows(results, m["nproc"])
    rss = results["gunicorn"]["peak_rss"]
    worst = rss.get("max_worker_mib")
    workers = ", ".join(f"{v} MiB" for v in rss["workers_mib"].values())
    lines += [
        "",
        f"Peak resident memory (VmHWM) after all scenarios: gunicorn workers {workers or 'n/a'} (target under "
        f"{WORKER_RSS_TARGET_MIB} MB: **{'met' if worst and worst < WORKER_RSS_TARGET_MIB else 'not met'}**); "
        f"master {rss['master_mib']} MiB.",
    ]
    lines += variant_lines(results)
    lines += pipeline_lines(results.get("declarations_pipeline"), results.get("declarations_pipeline_db_reuse"))
    lines += tracing_lines(results.get("tracing"))
    lines += load_lines(results)
    lines += profile_lines(results)

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
    report = BENCH / f"RESULTS{suffix}.md"
    report.write_text("\n".join(lines))
    return report
