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

import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/run.py` puts bench/ first, not the project

from bench.common import (  # noqa: E402
    BENCH,
    DEMO_CITIZEN,
    DURATION_S,
    OUT,
    WARMUP_S,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    log,
    ratio,
    run,
)
from bench.inprocess import inprocess_timings  # noqa: E402
from bench.load import find_wrk, wrk_version  # noqa: E402
from bench.report import load_average, machine_info, write_reports  # noqa: E402
from bench.scenarios import BASELINE, BASELINE_AGAIN, SCENARIOS, run_scenario  # noqa: E402
from bench.stack import Database, Gunicorn, bench_env, choose_database, drop_database, log_in  # noqa: E402

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
