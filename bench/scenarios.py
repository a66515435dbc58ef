"""The scenarios under load, and how one is run and measured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import sampling
from bench.common import (
    DURATION_S,
    OUT,
    WARMUP_S,
    WRK_CONNECTIONS,
    WRK_THREADS,
    log,
    slug,
)
from bench.load import parse_wrk, run_python_load, run_wrk, wrk_lua
from bench.stack import Database, Gunicorn, cpu_snapshot, http_request


@dataclass(frozen=True)
class Scenario:
    """One URL under load. `path` may name values found after login: {code_pk}."""

    name: str
    path: str
    note: str
    method: str = "GET"
    auth: bool = False  # send the demo citizen's session (and CSRF) cookie
    body: str | None = None  # with method POST/PUT; sent as-is
    headers: dict[str, str] = field(default_factory=dict)
    lua: str | None = None  # a wrk script in bench/, for what method/body/headers cannot say
    # Checked with one request before the load: a 302 to the login page or a 500 must never
    # pass for a fast result (wrk counts 3xx as success).
    expect_status: int = 200
    expect_text: str | None = None
    # Scenarios whose requests need fresh data (tokens, sessions): called just before the
    # warm-up, and again before the measured run, with a directory; returns the wrk script.
    # Its Lua checks every answer, so the one check request is skipped.
    prepare: Callable[[Path], Path] | None = field(default=None, compare=False)
    threads: int = WRK_THREADS  # 16 for scenarios that keep one actor per connection
    requests_per_item: int = 1  # a declaration is two requests: the form, then its confirmation


BASELINE = "bare"
BASELINE_AGAIN = "bare, again at the end"
SCENARIOS: list[Scenario] = [
    Scenario(
        BASELINE,
        "/bench/bare",
        "JsonResponse({'ok': True}) behind the project's full middleware, no cookie: the baseline",
        expect_text='{"ok": true}',
    ),
    Scenario(
        "code page",
        "/code/{code_pk}/",
        "the demo citizen's code page as the phone loads it: the full page with a new signed token, "
        "from which the phone draws the QR",
        auth=True,
        expect_text='data-token="HC1.',
    ),
    Scenario(
        "code qr.json",
        "/code/{code_pk}/qr.json",
        "the page's renewal fetch: session, applicant, a new signed token as JSON",
        auth=True,
        expect_text='"token": "HC1.',
    ),
]

# One check-in each: more than 12 s at 1 000/s would take (session 8's machine did 640/s, and
# 400 per thread ran out: a second check-in the same day counts as an error).
CHECKIN_ACTORS_PER_THREAD = 1000


def size_scenarios(api_key: str, city_id: int, token_pool: int = 2000) -> list[Scenario]:
    """What a station morning does, at each data size: the citizen's code page, the gate API
    (verification with the scan durably logged), declarations (form and confirmation, review
    on the Celery worker) and daily check-ins. Their data is made just before each runs."""
    from bench import actors, luascripts

    def verify(work_dir: Path) -> Path:
        return luascripts.verify_script(work_dir / "verify.lua", actors.fresh_tokens(token_pool), api_key)

    def declare(work_dir: Path) -> Path:
        return luascripts.declare_script(work_dir / "declare.lua", actors.make_actors(WRK_CONNECTIONS), city_id)

    def checkin(work_dir: Path) -> Path:
        people = actors.make_actors(WRK_CONNECTIONS * CHECKIN_ACTORS_PER_THREAD)
        return luascripts.checkin_script(work_dir / "checkin.lua", people, WRK_CONNECTIONS)

    return [
        SCENARIOS[0],
        SCENARIOS[1],
        Scenario(
            "verify API",
            "/api/v1/verify",
            f"a gate posts a fresh token (a pool of {token_pool} people, random) with a new nonce; the scan is "
            "committed before the answer",
            method="POST",
            prepare=verify,
        ),
        Scenario(
            "declaration submit",
            "/declare/",
            f"{WRK_CONNECTIONS} citizens, one per connection, each POSTs the declaration form and then its "
            "confirmation (2 requests per declaration; the review runs on the Celery worker)",
            method="POST",
            prepare=declare,
            threads=WRK_CONNECTIONS,
            requests_per_item=2,
        ),
        Scenario(
            "daily check-in",
            "/code/<pk>/check-in/",
            f"{WRK_CONNECTIONS * CHECKIN_ACTORS_PER_THREAD} citizens each POST today's check-in once",
            method="POST",
            prepare=checkin,
            threads=WRK_CONNECTIONS,
        ),
    ]


# ---------------------------------------------------------------- scenarios


def run_scenario(
    scenario: Scenario,
    server: Gunicorn,
    db: Database,
    wrk: str | None,
    session: str,
    values: dict[str, str],
    work_dir: Path,
) -> dict:
    path = scenario.path.format(**values)
    headers = dict(scenario.headers)
    if scenario.auth:
        headers["Cookie"] = f"sessionid={session}; csrftoken={values['csrftoken']}"  # as the phone has them
    record: dict = {"name": scenario.name, "method": scenario.method, "path": path, "note": scenario.note}
    status, body = scenario.expect_status, scenario.expect_text or ""
    if scenario.prepare is None:
        status, _, body = http_request(server.port, scenario.method, path, headers, scenario.body)
    if status != scenario.expect_status or (scenario.expect_text and scenario.expect_text not in body):
        record["error"] = (
            f"check request: {scenario.method} {path} gave {status}"
            + (f", body without {scenario.expect_text!r}" if status == scenario.expect_status else "")
            + "; not load-tested"
        )
        record["check_body_excerpt"] = body[:300]
        log(f"{scenario.name}: {record['error']}")
        return record
    if scenario.prepare is None:
        record["response_bytes"] = len(body.encode())
    url = server.base + path
    log(f"{scenario.name}: {WARMUP_S} s warm-up, then {DURATION_S} s measured, {method_path(scenario, path)}")
    if wrk:
        lua = scenario.prepare(work_dir) if scenario.prepare else wrk_lua(scenario, work_dir)
        threads = scenario.threads
        _, warm = run_wrk(wrk, url, headers, lua, WARMUP_S, threads)
        record["warmup_unexpected_answers"] = parse_wrk(warm)["unexpected_answers"]
        if scenario.prepare:
            # Fresh data for the measured run: the warm-up has spent its nonces and check-ins,
            # and the same script again would send them a second time (a duplicate scan is
            # answered from the log, a second check-in is a lighter answer).
            lua = scenario.prepare(work_dir)
        workers, before = server.workers(), cpu_snapshot(server, db)
        sampled = sampling.start(workers, OUT, slug(scenario.name), DURATION_S)
        cmd, output = run_wrk(wrk, url, headers, lua, DURATION_S, threads)
        cpu = cpu_snapshot(server, db, since=before)
        if sampled:
            record["profile"] = sampling.finish(sampled)
        safe = " ".join(part.replace(session, "<session>") for part in cmd)
        (OUT / f"wrk-{slug(scenario.name)}.txt").write_text(f"$ {safe}\n{output}")
        record["command"] = safe
        record.update(parse_wrk(output))
    elif scenario.prepare is not None:
        record["error"] = "needs wrk (a Lua script); not load-tested with the Python fallback"
        return record
    else:
        run_python_load(server.port, path, scenario, headers, WARMUP_S)
        workers, before = server.workers(), cpu_snapshot(server, db)
        record.update(run_python_load(server.port, path, scenario, headers, DURATION_S))
        cpu = cpu_snapshot(server, db, since=before)
        record["command"] = f"python fallback: {WRK_THREADS} processes x {WRK_CONNECTIONS // WRK_THREADS} threads"
    errors = record["non_2xx_3xx"] + sum(record["socket_errors"].values()) + record.get("unexpected_answers", 0)
    record["errors"] = errors
    record["cpu_s"] = cpu
    server_cpu = cpu["gunicorn_workers"]
    if record.get("requests"):
        record["server_cpu_ms_per_request"] = round(server_cpu * 1000 / record["requests"], 3)
    if server.workers() != workers:
        record["note_workers"] = f"gunicorn workers changed during the run: {workers} -> {server.workers()}"
    log(
        f"{scenario.name}: {record['requests_per_s']:.0f} requests/s, p50 {record['p50_ms']} ms, "
        f"p99 {record['p99_ms']} ms, {errors} errors, "
        f"{record.get('server_cpu_ms_per_request', 'n/a')} ms gunicorn CPU per request"
    )
    return record


def method_path(scenario: Scenario, path: str) -> str:
    return f"{scenario.method} {path}" + (" (logged in)" if scenario.auth else "")
