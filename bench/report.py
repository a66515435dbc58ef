"""RESULTS.md and results.json from one run's results: the names bench/run.py imports.

The report is written by the modules below, one concern each (bench/README.md lists them):

- bench/machine.py: the machine a run measured on
- bench/report_common.py: number formatting, the synthetic data table, the files' names
- bench/report_web.py: RESULTS.md, the web scenarios and the report of a full run
- bench/report_worker.py: declarations through the Celery worker, and the BENCH_ONLY=pipeline report
- bench/report_optional.py: contact tracing and py-spy, the sections a run can leave out
- bench/report_inprocess.py: one QR, one token, one code page taken apart in-process
"""

from __future__ import annotations

from bench.machine import load_average, machine_info
from bench.report_common import REPORT_NAME, fmt, load_lines, timing_row
from bench.report_inprocess import inprocess_lines
from bench.report_optional import profile_lines, tracing_lines
from bench.report_web import (
    P99_TARGET_MS,
    TARGETS,
    WORKER_RSS_TARGET_MIB,
    cpu_rows,
    growth_rows,
    scenario_rows,
    variant_lines,
    write_reports,
)
from bench.report_worker import (
    OFFERED_ENOUGH,
    TARGET_RATE,
    drain_work_lines,
    pipeline_header,
    pipeline_lines,
    write_pipeline_reports,
)

__all__ = [
    "OFFERED_ENOUGH",
    "P99_TARGET_MS",
    "REPORT_NAME",
    "TARGETS",
    "TARGET_RATE",
    "WORKER_RSS_TARGET_MIB",
    "cpu_rows",
    "drain_work_lines",
    "fmt",
    "growth_rows",
    "inprocess_lines",
    "load_average",
    "load_lines",
    "machine_info",
    "pipeline_header",
    "pipeline_lines",
    "profile_lines",
    "scenario_rows",
    "timing_row",
    "tracing_lines",
    "variant_lines",
    "write_pipeline_reports",
    "write_reports",
]
