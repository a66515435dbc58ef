"""What both reports share: number formatting, the synthetic data table, the files' names."""

from __future__ import annotations

import json
import os
import re

from bench.common import BENCH

REPORT_NAME = re.sub(r"[^a-z0-9-]", "", os.environ.get("BENCH_REPORT", "").lower())


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def timing_row(label: str, timing: dict) -> str:
    return f"| {label} | {timing['runs']} | {timing['median_ms']:.3f} | {timing['p95_ms']:.3f} |"


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


def write_json(results: dict, *, default: str) -> str:
    """results<suffix>.json; the suffix (BENCH_REPORT's name, else `default`) for the .md too."""
    suffix = f"-{REPORT_NAME}" if REPORT_NAME else default
    (BENCH / f"results{suffix}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return suffix
