"""`make bench`: load and speed numbers for Health Code, measured on this machine in one run.

What it does, in order (bench/README.md explains every number):

1. picks a database (a fresh Postgres database `healthcode_bench`, else a temporary SQLite
   file), migrates it, collects static files and seeds the demo accounts;
2. times, in this process, QR rendering (healthcode.qr.svg on a real token, against qrcode's
   default mask search) and token signing, and takes one code page apart in-process;
3. starts gunicorn on 127.0.0.1, logs the demo citizen in, and runs wrk against every entry
   of SCENARIOS in rounds (a short warm-up, then the measured run), each round opened by the
   bare baseline and the last closed by it, the first and last bare runs telling whether the
   machine held steady;
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

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python bench/run.py` puts bench/ first, not the project

from bench import actors, data, pipeline, rounds, tracing  # noqa: E402
from bench.common import (  # noqa: E402
    DEMO_CITIZEN,
    DURATION_S,
    OUT,
    WARMUP_S,
    WRK_CONNECTIONS,
    WRK_THREADS,
    BenchError,
    env_int,
    log,
    ratio,
    run,
)
from bench.inprocess import inprocess_timings  # noqa: E402
from bench.load import find_wrk, wrk_version  # noqa: E402
from bench.report import load_average, machine_info, write_pipeline_reports, write_reports  # noqa: E402
from bench.scenarios import BASELINE_AGAIN, run_scenario, size_scenarios  # noqa: E402
from bench.stack import (  # noqa: E402
    CeleryWorker,
    Database,
    Gunicorn,
    bench_env,
    broker_env,
    choose_database,
    drop_database,
    forget_queue,
    log_in,
)

# Data sizes (people), cumulative; each size runs every scenario. Loading takes about 3 s for
# 10 000, 30 s more for 100 000 and a few minutes more for 1 000 000 (bench/README.md).
DEFAULT_SIZES = "10000,100000,1000000"
PIPELINE_STEADY = env_int("BENCH_PIPELINE_STEADY", 500)  # declarations confirmed with the worker running
PIPELINE_DRAIN = env_int("BENCH_PIPELINE_DRAIN", 2000)  # confirmed first, then the worker drains them
BENCH_TRACE = os.environ.get("BENCH_TRACE", "1") == "1"
# BENCH_ONLY=pipeline: only the declarations through the worker (and its variants with
# BENCH_VARIANTS=1): no in-process timings, no gunicorn scenarios, no tracing. The people of
# BENCH_SIZES are still loaded, so the tables are not empty.
ONLY = os.environ.get("BENCH_ONLY", "")
if ONLY not in ("", "pipeline"):
    sys.exit(f"BENCH_ONLY={ONLY!r}: only 'pipeline' is known")
PIPELINE_ONLY = ONLY == "pipeline"
VARIANTS = [  # (label, environment, worker class, processes: 0 for the main table's)
    # The control: the main table's settings on a fresh gunicorn, like every variant (session 3
    # saw fresh gunicorns beat the long-running one; this tells a setting's effect from that).
    ("control: as shipped, on a fresh gunicorn", {}, "sync", 0),
    ("no per-request connection check (DB_CONN_HEALTH_CHECKS=0)", {"DB_CONN_HEALTH_CHECKS": "0"}, "sync", 0),
    ("gthread, 2 processes of 4 threads (the Procfile's until session 9)", {}, "gthread", 2),
    ("sync, 2 processes, one per core (the main table's until session 5)", {}, "sync", 2),
]
if os.environ.get("BENCH_VARIANTS", "1") != "1":
    VARIANTS = []
VARIANT_SCENARIOS = {"bare", "code page", "verify API"}
# The worker, one setting changed each: Celery's close-per-task (the default before the
# worker kept its connection), no per-task connection check, and other pools: one process per
# core (the Procfile's until session 7: a review waits for Postgres part of the time, so two
# per core keep the cores busier), and threads in one process (no pipe between the consumer
# and the pool, one GIL).
PIPELINE_VARIANTS = [
    ("reconnects for every task (CELERY_DB_REUSE_MAX=0, the old default)", {"CELERY_DB_REUSE_MAX": "0"}, 4, "prefork"),
    ("no per-task connection check (DB_CONN_HEALTH_CHECKS=0)", {"DB_CONN_HEALTH_CHECKS": "0"}, 4, "prefork"),
    ("2 processes, one per core (--concurrency 2, the Procfile's until session 7)", {}, 2, "prefork"),
    ("4 threads in one process (--pool threads --concurrency 4)", {}, 4, "threads"),
]
if VARIANTS == []:
    PIPELINE_VARIANTS = []


def bench_sizes() -> list[int]:
    raw = os.environ.get("BENCH_SIZES", DEFAULT_SIZES)
    try:
        sizes = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        sys.exit(f"BENCH_SIZES={raw!r}: use whole numbers separated by commas")
    if not sizes or sizes[0] < 10:
        sys.exit(f"BENCH_SIZES={raw!r}: at least one size of 10 or more people")
    return sizes


def measure_pipeline(env: dict[str, str], worker: CeleryWorker) -> tuple[dict, list[dict]]:
    """The declarations through the worker as configured, then on a fresh worker per variant.
    Returns the main measurement and the variants'; `worker` is stopped at the end."""
    worker_rss = worker.peak_rss()
    declarations = pipeline.measure(worker, PIPELINE_STEADY, PIPELINE_DRAIN)
    declarations["worker_peak_rss_scenarios"] = worker_rss
    declarations["worker_concurrency"] = worker.concurrency
    variants = []
    for label, overrides, concurrency, pool in PIPELINE_VARIANTS:
        worker.stop()
        log(f"--- worker variant: {label}")
        worker = CeleryWorker({**env, **overrides}, OUT / "celery-variant.log", concurrency=concurrency, pool=pool)
        worker.start()
        measured = pipeline.measure(worker, PIPELINE_STEADY, PIPELINE_DRAIN)
        variants.append({"label": label, **measured})
    worker.stop()
    return declarations, variants


def pipeline_only(env: dict[str, str], db: Database, broker: str, setup: dict, started: float, load_avg: str) -> int:
    """BENCH_ONLY=pipeline: load the people, then only the declarations through the worker."""
    import django

    django.setup()  # inprocess_timings does it in a full run
    from healthcode.models import City

    if "REDIS_URL" not in env:
        raise BenchError("BENCH_ONLY=pipeline needs Redis (BENCH_REDIS_URL): no broker, no worker to measure")
    city_id = City.objects.get(code=actors.CITY_CODE).pk
    conn = psycopg2.connect(db.url)
    loaded, per_size = 0, []
    for size in bench_sizes():
        load = data.load_people(conn, loaded + 1, size - loaded, city_id) if size > loaded else None
        loaded = max(loaded, size)
        per_size.append({"people": size, "load": load, "scenarios": []})
    conn.close()
    worker = CeleryWorker(env, OUT / "celery.log")
    worker.start()
    try:
        declarations, variants = measure_pipeline(env, worker)
    finally:
        worker.stop()
    results = {
        "only": "pipeline",
        "machine": {**machine_info(), "load_average_start": load_avg},
        "database": db.label,
        "broker": broker,
        "setup": {k: round(v, 1) for k, v in setup.items()},
        "sizes": per_size,
        "declarations_pipeline": declarations,
        "declarations_pipeline_db_reuse": variants,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    report = write_pipeline_reports(results)
    log(f"wrote {report} in {results['elapsed_s']:.0f} s")
    return 0


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
    worker: CeleryWorker | None = None
    env: dict[str, str] = {}
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
        if db.url is None:
            raise BenchError("the load scenarios need PostgreSQL (bulk loading, the gate API's scan log)")
        env, broker = broker_env(bench_env(var_dir, db))
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
        if PIPELINE_ONLY:
            return pipeline_only(env, db, broker, setup, started, load_at_start)
        inprocess = inprocess_timings()
        from healthcode.models import City  # Django is set up from here on

        if "REDIS_URL" in env:
            worker = CeleryWorker(env, OUT / "celery.log")
            worker.start()
        server = Gunicorn(env, OUT / "gunicorn.log")
        server.start()
        session, values = log_in(server.port)
        log(f"logged in as {DEMO_CITIZEN}; code page at /code/{values['code_pk']}/")
        api_key = actors.gate_key()
        city_id = City.objects.get(code=actors.CITY_CODE).pk
        conn = psycopg2.connect(db.url)

        # Per size: load the people it adds, then every scenario in ROUNDS rounds, each round
        # opened by a bare run and the last closed by one (a round's ratios are to the mean of
        # the bare runs around it; a scenario is judged on its median round: bench/rounds.py).
        # The last size's closing bare run is also the run's last: if it differs much from the
        # first, the machine was not steady, and RESULTS.md says so.
        sizes, loaded, per_size = bench_sizes(), 0, []
        for size in sizes:
            load = data.load_people(conn, loaded + 1, size - loaded, city_id) if size > loaded else None
            loaded = max(loaded, size)
            measured = []
            for round_no in range(1, rounds.ROUNDS + 1):
                log(f"--- {size} people: scenarios, round {round_no} of {rounds.ROUNDS}")
                scenarios = size_scenarios(api_key, city_id)
                measured.append([run_scenario(s, server, db, wrk, session, values, work_dir) for s in scenarios])
            closing_bare = replace(scenarios[0], name="bare, closing the rounds", note="the bare view after the rounds")
            closing = run_scenario(closing_bare, server, db, wrk, session, values, work_dir)
            rounds.bracketed(measured, closing)
            per_size.append(
                {
                    "people": size,
                    "load": load,
                    "scenarios": rounds.combine(measured),
                    "round_records": measured,
                    "closing_bare": closing,
                }
            )
        # Not measured again: the last size's closing bare run was the last measurement.
        last = {**per_size[-1]["closing_bare"], "name": BASELINE_AGAIN}
        first_bare = per_size[0]["round_records"][0][0]  # the run's very first measurement
        last["ratio_to_bare"] = ratio(last.get("requests_per_s"), first_bare.get("requests_per_s"))
        peak_rss = server.peak_rss()
        main_cmd = " ".join([".venv/bin/gunicorn", *server.cmd[1:]])

        server.stop()

        # Variants at the largest size, each on a fresh gunicorn with its own bare baseline:
        # what one setting changes (bench/README.md, "What was tried").
        variants = []
        for label, overrides, worker_class, processes in VARIANTS:
            log(f"--- variant: {label}")
            server = Gunicorn(
                {**env, **overrides}, OUT / "gunicorn-variant.log", worker_class=worker_class, workers=processes
            )
            server.start()
            session, values = log_in(server.port)
            chosen = [s for s in size_scenarios(api_key, city_id) if s.name in VARIANT_SCENARIOS]
            records = rounds.with_ratios([run_scenario(s, server, db, wrk, session, values, work_dir) for s in chosen])
            variants.append(
                {"label": label, "server": " ".join(server.cmd[1:]), "env": overrides, "scenarios": records}
            )
            server.stop()

        declarations = declarations_reuse = None
        if worker is not None:
            declarations, declarations_reuse = measure_pipeline(env, worker)
        trace = tracing.measure() if BENCH_TRACE else None
        conn.close()
        server_errors = [
            line
            for path in (OUT / "gunicorn.log", OUT / "gunicorn-variant.log")
            if path.exists()
            for line in path.read_text().splitlines()
            if "Traceback" in line
        ]
        scenarios = [s for size in per_size for s in [*size["scenarios"], size["closing_bare"]]]

        results = {
            "machine": {**machine_info(), "load_average_start": load_at_start},
            "database": db.label,
            "broker": broker,
            "db_connections": f"persistent database connections (DB_CONN_MAX_AGE={env.get('DB_CONN_MAX_AGE', '60')} s)",
            "gunicorn": {"command": main_cmd, "peak_rss": peak_rss},
            "load": {
                "tool": tool,
                "shape": f"{WRK_CONNECTIONS} connections ({WRK_THREADS} wrk threads; 16 for the scenarios that "
                f"keep one citizen per connection), {WARMUP_S} s warm-up then {DURATION_S} s measured per "
                f"scenario, {rounds.ROUNDS} rounds of every scenario per size, 127.0.0.1",
                "rounds": rounds.ROUNDS,
            },
            "setup": {k: round(v, 1) for k, v in setup.items()},
            "sizes": per_size,
            "bare_again": last,
            "declarations_pipeline": declarations,
            "declarations_pipeline_db_reuse": declarations_reuse,
            "variants": variants,
            "tracing": trace,
            "inprocess": inprocess,
            "server_tracebacks": len(server_errors),
            "elapsed_s": round(time.perf_counter() - started, 1),
        }
        report = write_reports(results)
        log(f"wrote {report} and its JSON in {results['elapsed_s']:.0f} s")
        failed = [s["name"] for s in scenarios if "error" in s or s.get("errors") or s.get("failed_rounds")]
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
        if worker is not None:
            worker.stop()
        forget_queue(env)
        if db is not None and not keep:
            drop_database(db)
        if keep:
            log(f"kept {work_dir} and the bench database (BENCH_KEEP=1)")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
