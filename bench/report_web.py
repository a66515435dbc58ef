"""RESULTS.md: the web scenarios under gunicorn, then every other section of a full run."""

from __future__ import annotations

from pathlib import Path

from bench.common import BENCH, DURATION_S
from bench.report_common import fmt, load_lines, write_json
from bench.report_inprocess import inprocess_lines
from bench.report_optional import profile_lines, tracing_lines
from bench.report_worker import pipeline_lines

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


def write_reports(results: dict) -> Path:
    # BENCH_REPORT=name writes RESULTS-name.md and results-name.json instead (a profiled run, a
    # worker experiment), leaving the main results alone.
    suffix = write_json(results, default="")
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
    lines += inprocess_lines(results)
    lines += ["", f"Whole run: {results['elapsed_s']:.0f} s.", ""]
    report = BENCH / f"RESULTS{suffix}.md"
    report.write_text("\n".join(lines))
    return report
