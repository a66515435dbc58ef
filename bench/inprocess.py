"""QR, token and one code page, timed inside the bench process (no HTTP server)."""

from __future__ import annotations

import cProfile
import gc
import importlib
import logging
import pstats
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from bench.common import (
    DEMO_CITIZEN,
    INPROCESS_RUNS,
    QR_DEFAULT_MASK_RUNS,
    QR_RUNS,
    SIGN_RUNS,
    log,
    percentile,
    time_calls,
)

# ---------------------------------------------------------------- in-process timings


def inprocess_timings() -> dict:
    """QR, token and one code page, timed inside this process (Django set up from os.environ)."""
    import django

    django.setup()
    import qrcode
    from django.db import connections
    from qrcode.constants import ERROR_CORRECT_M

    from family.services import self_applicant
    from family.views.code import QR_COLOURS
    from healthcode import qr, tokens
    from healthcode.models import User

    citizen = User.objects.get(username=DEMO_CITIZEN)
    applicant = self_applicant(citizen)
    code = applicant.health_code
    out: dict = {"notes": []}
    ref = code.ref
    try:
        token = tokens.issue(ref, code.colour, code.version)
    except Exception as exc:  # the code page fails the same way; its check request reports that
        out["notes"].append(
            f"tokens.issue fails on HealthCode.ref as the database returns it ({type(ref).__name__}): "
            f"{type(exc).__name__}: {exc}. The in-process timings pass bytes(ref) instead."
        )
        ref = bytes(ref)
        token = tokens.issue(ref, code.colour, code.version)
    colour = QR_COLOURS[code.colour]
    modules = len(qr.matrix(token))

    def default_mask_search() -> list:
        code_ = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=qr.QUIET_ZONE)  # no mask_pattern
        code_.add_data(token, optimize=0)
        code_.make(fit=True)
        return code_.get_matrix()

    log(f"timing QR rendering ({QR_RUNS} runs) and qrcode's default mask search ({QR_DEFAULT_MASK_RUNS} runs)")
    out["qr"] = {
        "token_length": len(token),
        "qr_version": (modules - 2 * qr.QUIET_ZONE - 17) // 4,
        "modules_with_quiet_zone": modules,
        "error_correction": "M",
        "fixed_mask": qr.FIXED_MASK,
        "svg": time_calls(lambda: qr.svg(token, colour=colour), QR_RUNS),
        "matrix_only": time_calls(lambda: qr.matrix(token), QR_RUNS),
        "default_mask_search_matrix": time_calls(default_mask_search, QR_DEFAULT_MASK_RUNS),
        "target_ms": 3.0,
    }
    out["qr"]["svg_path_building_ms"] = round(out["qr"]["svg"]["median_ms"] - out["qr"]["matrix_only"]["median_ms"], 4)
    out["qr"]["profile"] = profile_share(lambda: qr.svg(token, colour=colour), 300)

    log(f"timing token signing and verification ({SIGN_RUNS} runs each)")
    out["token"] = {
        "issue": time_calls(lambda: tokens.issue(ref, code.colour, code.version), SIGN_RUNS),
        "verify": time_calls(lambda: tokens.verify(token), SIGN_RUNS),
    }

    log(f"taking the code page apart in-process ({INPROCESS_RUNS} requests each, Django test client)")
    out["code_page_inprocess"] = code_page_anatomy(citizen, f"/code/{applicant.pk}/")
    connections.close_all()
    return out


# The parts of one code page request, timed by wrapping these names where the view finds
# them (the view calls tokens.issue through its module, and imported render and
# code_page_applicant into its own; the session middleware saves a changed session).
# A part that a refactoring moves shows 0 calls. The parts do not nest.
CODE_PAGE_PARTS = [
    ("session and user loading (auth.get_user)", "django.contrib.auth", "get_user"),
    ("the person's read, compiled once (code_page_applicant)", "family.views.code", "code_page_applicant"),
    ("token signing (tokens.issue)", "healthcode.tokens", "issue"),
    ("template render (render)", "family.views.code", "render"),
]
# Not parts any more: the QR's SVG (the phone draws the QR) and the session's save (the page
# changes nothing in it); a part that shows 0 calls in RESULTS.md was renamed in the code.


@contextmanager
def timed_parts(parts: list[tuple[str, str, str]]):
    """Wrap each (label, module, attribute or Class.method) with a timer; yields
    {label: [seconds, calls]}. Only the attribute where the caller looks it up is replaced."""
    totals: dict[str, list] = {label: [0.0, 0] for label, _, _ in parts}
    patched = []
    for label, module_name, path in parts:
        owner = importlib.import_module(module_name)
        *owners, attr = path.split(".")
        for name in owners:
            owner = getattr(owner, name)
        original = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr, None)
        if original is None:
            continue

        def wrapper(*args, _original=original, _total=totals[label], **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                _total[0] += time.perf_counter() - started
                _total[1] += 1

        setattr(owner, attr, wrapper)  # a plain function on a class still binds as a method
        patched.append((owner, attr, original))
    try:
        yield totals
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)


def code_page_anatomy(citizen, page: str) -> dict:
    """One code page request inside Django (test client, no HTTP server): its parts in ms."""
    from django.db import connection
    from django.test import Client

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a 500 is recorded, not printed
    bare_client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(citizen)
    anatomy: dict = {"runs": INPROCESS_RUNS, "path": page}
    anatomy["bare"] = time_calls(lambda: bare_client.get("/bench/bare"), INPROCESS_RUNS)
    status = client.get(page).status_code
    if status != 200:
        anatomy["error"] = f"GET {page} gave {status}"
        return anatomy
    for _ in range(20):
        client.get(page)
    sql = [0.0, 0]

    def timed_sql(execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql[0] += time.perf_counter() - started
            sql[1] += 1

    # Per request: the whole and each part, so that a slow outlier (another process taking
    # the CPU) moves no median; "everything else" is the whole minus the parts, per request.
    labels = [label for label, _, _ in CODE_PAGE_PARTS]
    samples: dict[str, list[float]] = {label: [] for label in [*labels, "whole", "rest"]}
    calls = dict.fromkeys(labels, 0)
    with timed_parts(CODE_PAGE_PARTS) as parts, connection.execute_wrapper(timed_sql):
        for _ in range(INPROCESS_RUNS):
            before = {label: parts[label][0] for label in labels}
            started = time.perf_counter()
            client.get(page)
            whole_ms = (time.perf_counter() - started) * 1000
            samples["whole"].append(whole_ms)
            for label in labels:
                samples[label].append((parts[label][0] - before[label]) * 1000)
            samples["rest"].append(whole_ms - sum(samples[label][-1] for label in labels))
        calls = {label: parts[label][1] for label in labels}
    whole = sorted(samples["whole"])
    rows = [
        {
            "part": label,
            "median_ms": round(statistics.median(samples[label]), 4),
            "calls_per_request": round(calls[label] / INPROCESS_RUNS, 2),
        }
        for label in labels
    ]
    rows.append(
        {
            "part": "everything else (middleware, URL resolving, response)",
            "median_ms": round(statistics.median(samples["rest"]), 4),
        }
    )
    anatomy["code page"] = {
        "runs": INPROCESS_RUNS,
        "median_ms": round(statistics.median(whole), 4),
        "p95_ms": round(percentile(whole, 95), 4),
        "parts": rows,
        "sql_queries_per_request": round(sql[1] / INPROCESS_RUNS, 2),
        "sql_ms_per_request_mean": round(sql[0] * 1000 / INPROCESS_RUNS, 4),
    }
    return anatomy


def profile_share(fn: Callable[[], object], runs: int) -> list[dict]:
    """Where qr.svg spends its time: the top functions by own time under cProfile."""
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    for _ in range(runs):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt or 1
    rows = []
    for (filename, line, func), (_cc, ncalls, tottime, _ct, _callers) in stats.stats.items():
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({func})",
                "module": Path(filename).parent.name,
                "share": tottime / total,
                "calls_per_qr": ncalls / runs,
            }
        )
    rows.sort(key=lambda row: row["share"], reverse=True)
    return [{**row, "share": round(row["share"], 3), "calls_per_qr": round(row["calls_per_qr"], 1)} for row in rows[:8]]
