"""`make bench-dashboard`: the health authority's dashboard at a million people, on Postgres.

Fills a fresh database `hcux_dashboard_bench` (on the server of DATABASE_URL, or local
Postgres as user postgres) with a province: 1,000,000 people with codes in 18 cities, their
1,000,000 declarations over 30 days, 900,000 daily check-ins, 5,000 venues with 5,000,000
scans over today and yesterday, and 1,000,000 colour changes (2,000 of them by reviewers
today). Then times, best of 5:

- each of the beat task's counts for today (authority/services/figures.py),
- the dashboard page itself (authority/views.py: 12 queries on the daily tables) with 30 days
  of figures,

and writes bench/RESULTS-dashboard.md with the EXPLAIN of the counting queries. The database
is dropped at the end (BENCH_KEEP=1 keeps it).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "hcux_dashboard_bench"
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1000000"))
SCANS_PER_DAY = int(os.environ.get("BENCH_SCANS_PER_DAY", "2500000"))
VENUES = 5000
RUNS = 5


def server_url() -> str:
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def admin(sql: str) -> None:
    connection = psycopg2.connect(server_url())
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def setup_django() -> None:
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(server_url())._replace(path="/" + DB))
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("HC_VAR_DIR", "/tmp/hcux-dashboard-bench")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "healthcode.settings"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


FILL = """
-- People: 1 account per person, a code each; 97% green, 2% yellow, 0.3% red, the rest pending.
INSERT INTO healthcode_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                             is_active, date_joined)
SELECT '!', false, '1' || lpad(i::text, 10, '0'), '', '', '', false, true, now()
FROM generate_series(1, %(people)s) i;
INSERT INTO healthcode_healthcode (ref, colour, version, since, created)
SELECT substring(decode(md5(i::text), 'hex') from 1 for 12),
       CASE WHEN i %% 1000 < 970 THEN 'green' WHEN i %% 1000 < 990 THEN 'yellow'
            WHEN i %% 1000 < 993 THEN 'red' ELSE 'pending' END,
       2, now(), now()
FROM generate_series(1, %(people)s) i;
INSERT INTO family_applicant (account_id, relationship, name, id_number, phone, city_id, health_code_id, created)
SELECT u.id, 'self', 'P' || u.id, NULL, '', c.id, h.id, now()
FROM (SELECT id, row_number() OVER (ORDER BY id) n FROM healthcode_user) u
JOIN (SELECT id, row_number() OVER (ORDER BY id) n FROM healthcode_healthcode) h ON h.n = u.n
JOIN (SELECT id, row_number() OVER (ORDER BY code) - 1 k FROM healthcode_city) c ON c.k = u.n %% 18;
-- One declaration each, confirmed over the past 30 days.
INSERT INTO declarations_declaration (ref, applicant_id, relationship, submitted_by_id, form_token, status,
    city_id, name, id_number, phone, district, street_address, temperature, symptoms, travel, travel_area,
    contact, commitment_truthful, commitment_consent, commitments_version, created, confirmed_at,
    reviewed_at, verdict_colour, verdict_rules, review_note, suggested_colour, area_level, sweeps)
SELECT md5(a.id::text)::uuid, a.id, 'self', a.account_id, md5('t' || a.id)::uuid, 'reviewed', a.city_id,
       a.name, '', '', 'District', 'Street', 36.5, '["none"]', 'none', '', 'no', true, true, 1,
       now() - (a.id %% 30) * interval '1 day',
       now() - (a.id %% 30) * interval '1 day' - (a.id %% 86400) * interval '1 second',
       now(), 'green', '[]', '', '', 'none', 0
FROM family_applicant a;
-- Daily check-ins: 30,000 people a day for 30 days.
INSERT INTO declarations_checkin (applicant_id, day, temperature, symptoms, normal, submitted_by_id, created)
SELECT a.id, (now() AT TIME ZONE 'Asia/Shanghai')::date - d, 36.6, '["none"]', true, a.account_id,
       now() - d * interval '1 day'
FROM family_applicant a, generate_series(0, 29) d
WHERE a.id %% (%(people)s / 30000) = 0;
-- Venues and scans: today and yesterday, spread over the day.
INSERT INTO checkpoints_venue (name, type, city_id, address, active, place_code)
SELECT 'Venue ' || i,
       (ARRAY['community','subway','mall','office','railway','pharmacy','hospital','school'])[1 + i %% 8],
       (SELECT id FROM healthcode_city ORDER BY code LIMIT 1 OFFSET i %% 18), '', true, md5('v' || i)
FROM generate_series(1, %(venues)s) i;
INSERT INTO checkpoints_scan (venue_id, applicant_id, result, colour, paper, direction, source, nonce,
                              scanned_at, created)
SELECT v.first + (i %% %(venues)s), 1 + (i %% %(people)s), CASE WHEN i %% 50 = 0 THEN 'not_green' ELSE 'ok' END,
       CASE WHEN i %% 50 = 0 THEN 'yellow' ELSE 'green' END, false, 'entry', 'staff', 'n' || d || '-' || i,
       date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' - d * interval '1 day'
         + (i::float / %(scans)s) * interval '1 day', now()
FROM generate_series(1, %(scans)s) i, generate_series(0, 1) d, (SELECT min(id) first FROM checkpoints_venue) v;
-- Colour changes: one review per person over 30 days; 2,000 by reviewers today.
INSERT INTO healthcode_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                             is_active, date_joined)
SELECT '!', false, 'reviewer-' || i, '', '', '', true, true, now() FROM generate_series(1, 20) i;
INSERT INTO healthcode_colourchange (code_id, from_colour, to_colour, version, source, rules, reason, created)
SELECT h.id, 'pending', h.colour, 2, 'review', '[]', '', now() - (h.id %% 30) * interval '1 day'
FROM healthcode_healthcode h;
INSERT INTO healthcode_colourchange (code_id, from_colour, to_colour, version, source, rules, reason, actor_id, created)
SELECT h.id, h.colour, 'yellow', 3, 'reviewer', '[]', 'bench',
       (SELECT id FROM healthcode_user WHERE username = 'reviewer-' || (1 + h.id %% 20)), now() - interval '1 minute'
FROM healthcode_healthcode h WHERE h.id <= 2000;
"""


def fill() -> dict[str, float]:
    from django.db import connection

    took = {}
    params = {"people": PEOPLE, "venues": VENUES, "scans": SCANS_PER_DAY}
    sql_text = "\n".join(line for line in FILL.splitlines() if not line.startswith("--"))
    with connection.cursor() as cursor:
        for sql in [statement.strip() for statement in sql_text.split(";") if statement.strip()]:
            start = time.perf_counter()
            cursor.execute(sql, params)
            took[sql.split("(")[0][:60]] = time.perf_counter() - start
        cursor.execute("VACUUM ANALYZE")
    return took


def best(fn, runs: int = RUNS) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def explain(sql_from_queryset) -> str:
    from django.db import connection

    sql, params = sql_from_queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    return "\n".join(line if len(line) <= 150 else line[:147] + "..." for line in lines)


def measure() -> tuple[list[str], list[str], int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from authority.models import ColourCount
    from authority.services import figures
    from checkpoints.models import Scan, Venue
    from declarations.models import CheckIn, Declaration
    from family.models import Applicant
    from healthcode.models import ColourChange

    now = timezone.now()
    today = figures.local_day(now)
    rows = []
    hour = now.astimezone(figures.zone()).hour
    for name, fn in [
        ("people by colour per city (codes ⋈ holders)", lambda: figures.count_colours(today, now)),
        (
            "a day's declarations, check-ins, reviewers' changes and all its scans (the day's close)",
            lambda: figures.count_activity(today, now),
        ),
        (
            "the same, scans from the hour before on (a run during the day)",
            lambda: figures.count_activity(today, now, from_hour=max(0, hour - 1)),
        ),
        ("the whole beat task during the day (count_figures)", lambda: figures.count_figures(now)),
    ]:
        low, median = best(fn)
        rows.append(f"| {name} | {low * 1000:.0f} | {median * 1000:.0f} |")
    # 30 days of figures, then the page.
    base = list(ColourCount.objects.filter(day=today))
    for days in range(1, 30):
        ColourCount.objects.bulk_create(
            ColourCount(
                day=today - timedelta(days=days),
                city_id=c.city_id,
                colour=c.colour,
                people=c.people,
                counted_at=c.counted_at,
            )
            for c in base
        )
    for days in range(1, 30):
        figures.count_activity(today - timedelta(days=days), now)
    user = get_user_model().objects.create_superuser("bench-authority", "", "x")
    client = Client()
    client.force_login(user)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: (queries.append(sql), execute(sql, *args))[1]):
        assert client.get("/authority/dashboard/").status_code == 200
    low, median = best(lambda: client.get("/authority/dashboard/"))
    rows.append(
        f"| the dashboard page, 30 days of figures ({len(queries)} queries) | {low * 1000:.0f} | {median * 1000:.0f} |"
    )

    start, end = figures.day_bounds(today)
    venue_ids = list(Venue.objects.filter(type="subway").values_list("pk", flat=True))
    plans = {
        "People by colour per city": Applicant.objects.filter(city__isnull=False, health_code__isnull=False)
        .values("city_id", "health_code__colour")
        .annotate(n=Count("id"))
        .order_by(),
        "Scans per hour at one type of venue (subway, 625 venues)": Scan.objects.filter(
            venue_id__in=venue_ids, scanned_at__gte=start, scanned_at__lt=end
        )
        .values("venue_id")
        .annotate(n=Count("id"))
        .order_by(),
        "Declarations confirmed today": Declaration.objects.filter(
            status__in=["confirmed", "reviewed", "needs_review"], confirmed_at__gte=start, confirmed_at__lt=end
        )
        .values("status")
        .annotate(n=Count("id"))
        .order_by(),
        "Daily check-ins of today": CheckIn.objects.filter(day=today).values("day").annotate(n=Count("id")).order_by(),
        "Reviewers' changes by hand today": ColourChange.objects.filter(
            source="reviewer", actor__isnull=False, created__gte=start, created__lt=end
        )
        .values("actor_id")
        .annotate(n=Count("id"))
        .order_by(),
    }
    out = []
    for title, qs in plans.items():
        out += [f"### {title}", "", "```", explain(qs), "```", ""]
    return rows, out, hour


def main() -> None:
    admin(f"DROP DATABASE IF EXISTS {DB}")
    admin(f"CREATE DATABASE {DB}")
    try:
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off: the manifest storage
        start = time.perf_counter()
        fill()
        filled = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            sizes = {}
            for table in (
                "family_applicant",
                "healthcode_healthcode",
                "declarations_declaration",
                "declarations_checkin",
                "checkpoints_scan",
                "healthcode_colourchange",
            ):
                cursor.execute(f"SELECT count(*) FROM {table}")
                sizes[table] = cursor.fetchone()[0]
        rows, plans, hour = measure()
        report = [
            "# The dashboard at a million people",
            "",
            f"`make bench-dashboard` on {platform.node()} ({os.cpu_count()} CPUs), PostgreSQL {version}, "
            f"{time.strftime('%Y-%m-%d %H:%M %Z')}. Filled in {filled:.0f} s:",
            "",
            "| table | rows |",
            "| --- | ---: |",
            *[f"| `{table}` | {n:,} |" for table, n in sizes.items()],
            "",
            f"Times in milliseconds, best and median of {RUNS} runs, in one process (no HTTP server):",
            "",
            "| what | best | median |",
            "| --- | ---: | ---: |",
            *rows,
            "",
            "The beat task (every HC_DASHBOARD_EVERY_MINUTES, 10 by default) does the counting; the",
            "page reads the daily tables only, so its time does not grow with the people or the scans.",
            "The synthetic scans fill the whole of today, the hours still to come too, so a run",
            f"during the day here recounts the hours from {hour - 1:02d}:00 to midnight; on a real day it",
            "counts at most the two latest hours. The day's close recounts all 24 once, after midnight.",
            "",
            "## Plans",
            "",
            *plans,
        ]
        (ROOT / "bench" / "RESULTS-dashboard.md").write_text("\n".join(report) + "\n", encoding="utf-8")
        print("\n".join(report[:30]))
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            admin(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
