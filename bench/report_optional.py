"""The sections a run can leave out: contact tracing (BENCH_TRACE) and py-spy (BENCH_PROFILE)."""

from __future__ import annotations


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
