"""The declaration's two requests, timed in-process: CPU per request of POST /declare/ and of
POST /declare/<ref>/confirm/, against the bare view in the same run.

The requests are the bench's (bench/luascripts.py, declare_script): a signed-in citizen whose
session was written as the bench writes it (bench/actors.py), the CSRF cookie and field,
urlencoded bodies, a new form token each time, through the production handler (the test
client with the short chain, tests/client.py) with CSRF enforced. CPU is time.process_time,
so a wait for Postgres or Redis is not counted (their own CPU is theirs). The test client
costs CPU of its own: compare with the bare view measured here, not with gunicorn's numbers.

    DJANGO_SETTINGS_MODULE=bench.settings DEBUG=0 SECRET_KEY=... DATABASE_URL=postgres://... \
    REDIS_URL=redis://127.0.0.1:6379/11 ALLOWED_HOSTS=testserver SECURE_SSL_REDIRECT=0 \
    .venv/bin/python -m bench.requestcost [runs] [--profile]

It writes declarations (confirmed, never reviewed: run it on a throwaway database).
"""

from __future__ import annotations

import cProfile
import gc
import io
import itertools
import pstats
import statistics
import sys
import time
import uuid
from urllib.parse import urlencode

ACTORS = 16  # as the bench: one citizen per connection


def _clients(actors):
    from django.conf import settings

    from bench.actors import CSRF_SECRET
    from tests.client import Client

    clients = []
    for actor in actors:
        client = Client(enforce_csrf_checks=True)
        client.cookies[settings.SESSION_COOKIE_NAME] = actor.session_key
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        clients.append(client)
    return clients


def _form(actor, city_id: int) -> str:
    from bench.luascripts import declaration_form

    return declaration_form(actor, city_id)


FORM = "application/x-www-form-urlencoded"


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from bench import actors as bench_actors
    from bench.actors import CITY_CODE, CSRF_SECRET, make_actors
    from healthcode.models import City, User
    from tests.client import Client

    runs = int(next((a for a in argv if a.isdigit()), "2000"))
    profile = "--profile" in argv
    # New people each run (a run again on the same database would repeat bench/actors.py's numbers).
    bench_actors._serial = itertools.count(User.objects.count() + 1)
    actors = make_actors(ACTORS)
    city_id = City.objects.get(code=CITY_CODE).pk
    clients = _clients(actors)
    forms = [_form(actor, city_id) for actor in actors]
    confirm_body = urlencode({"csrfmiddlewaretoken": CSRF_SECRET})
    bare = Client()  # no cookie, as the bench's bare view

    def declaration(i: int, times: list[list[float]] | None, profilers=None) -> None:
        n = i % ACTORS
        client = clients[n]
        body = forms[n] + "&" + urlencode({"form_token": str(uuid.uuid4())})
        started = time.process_time()
        if profilers:
            profilers[0].enable()
        response = client.post("/declare/", body, content_type=FORM)
        if profilers:
            profilers[0].disable()
        middle = time.process_time()
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/confirm/" not in location:
            raise SystemExit(f"POST /declare/ gave {response.status_code} {location}")
        if profilers:
            profilers[1].enable()
        response = client.post(location, confirm_body, content_type=FORM)
        if profilers:
            profilers[1].disable()
        ended = time.process_time()
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.startswith("/code/"):
            raise SystemExit(f"POST confirm gave {response.status_code} {location}")
        if times is not None:
            times[0].append(middle - started)
            times[1].append(ended - middle)

    def bare_request(times: list[float] | None) -> None:
        started = time.process_time()
        response = bare.get("/bench/bare")
        if times is not None:
            times.append(time.process_time() - started)
        if response.status_code != 200:
            raise SystemExit(f"bare gave {response.status_code}")

    for i in range(100):  # warm-up: every compiled statement and cache filled
        declaration(i, None)
        bare_request(None)
    gc.collect()
    times: list[list[float]] = [[], []]
    bare_times: list[float] = []
    for i in range(runs):
        declaration(i, times)
        bare_request(bare_times)

    def report(label: str, samples: list[float]) -> None:
        mean = statistics.fmean(samples) * 1000
        median = statistics.median(samples) * 1000
        # Other processes share the cores and move a run's median by a tenth of a millisecond:
        # the lowest median of ten consecutive batches is the steadier figure to compare.
        size = max(1, len(samples) // 10)
        low = min(statistics.median(samples[i : i + size]) for i in range(0, len(samples), size)) * 1000
        print(f"{label:<18} mean {mean:6.3f}  median {median:6.3f}  lowest batch median {low:6.3f} ms", end="")
        print(f"  ({len(samples)} runs)")

    print(f"CPU per request (time.process_time), {runs} declarations, {ACTORS} citizens in turn:")
    report("POST /declare/", times[0])
    report("POST confirm", times[1])
    report("GET /bench/bare", bare_times)
    if profile:
        profilers = [cProfile.Profile(time.process_time), cProfile.Profile(time.process_time)]  # CPU, not waits
        for i in range(min(runs, 1000)):
            declaration(i, None, profilers)
        for label, profiler in zip(("POST /declare/", "POST confirm"), profilers, strict=True):
            for sort in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(45)
                print(f"\n==== {label}, by {sort} ====")
                print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])


if __name__ == "__main__":
    main(sys.argv[1:])
