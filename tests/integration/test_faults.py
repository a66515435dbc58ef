"""Faults, on real Postgres, Redis and Celery (issue 8, part 9):

- 1,000 declarations while the worker is SIGKILLed three times: every one reaches a colour,
  none twice, one inbox message and at most one SMS per colour change;
- Redis restarted (its queue lost) while declarations are confirmed: the same, and no
  confirmation fails for the person while the broker is away;
- the database down for a moment: the site answers a polite 503, and nothing submitted is
  lost.

How lost work comes back, as in production: reviews run in turns
(declarations/services/backlog.py). A turn that a killed worker had taken (acks_late: not
acknowledged) stays in Redis's unacked set and would be redelivered only after the
visibility timeout (an hour); its key lapses TURN_HOLD seconds after its last look, and the
declarations it left are still confirmed: the next turn of their part reviews them, started
by a confirmation or by beat's `wake_review_turns`. A Redis restart loses the queued turns
and the keys with them: the same. Last, beat runs the sweeper every minute
(`sweep_stuck_declarations`), which re-enqueues a declaration still unreviewed five minutes
after its confirmation, and the notification sweep (`dispatch_notifications`) delivers any
colour change without its message. These tests run the wake while they wait (as if beat ran
it STALLED_AFTER later), then the two sweeps once the worker has done all it was given (so
that what they find is what the fault lost, and the tests can count it). A redelivered or
re-enqueued review of a declaration already reviewed does nothing: the review moves the row
with a compare-and-set.
"""

from __future__ import annotations

import html
import json
import os
import re
import select
import shutil
import socket
import subprocess
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from django.db import close_old_connections, connection
from django.db.models import Count
from django.utils import timezone

from checkpoints.models import Venue
from checkpoints.services.keys import create_api_key
from declarations import services
from declarations.models import Declaration
from declarations.services.backlog import STALLED_AFTER, TURN_HOLD, wake_stalled
from declarations.services.review import sweep_stuck
from family.models import Applicant, InboxMessage
from family.services import self_applicant
from family.tasks import dispatch_notifications
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.priorities import queue_keys
from healthcode.validators import id_check_digit
from tests import factories
from tests.client import Client
from tests.conftest import missing_services
from tests.counting import Tally
from tests.integration.conftest import Worker, tasks_to, wait_for, worker_env

pytestmark = pytest.mark.integration

# Seconds without a review, the queue empty: the worker has done all it was given (longer than
# a dead turn's key takes to lapse, after which the wake starts a new turn of its part).
QUIET = TURN_HOLD + 5.0


# ---------------------------------------------------------------------------------------
# The stack: a Redis of our own, workers that can be killed, people who declare


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own on a spare port, so that stopping it touches no one
    else's (colleagues and CI use the one on 6379). Nothing is persisted: a restart loses the
    queue, as a crashed Redis without persistence would."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=(self.directory / "redis.log").open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self.answers, timeout=15)

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        """SHUTDOWN NOSAVE: the queue and the unacked messages are gone."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            redis.Redis(port=self.port, socket_timeout=2).shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # it answers the shutdown by closing the connection
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


@pytest.fixture
def stack(django_db_serialized_rollback, transactional_db, tmp_path, settings):
    """Postgres (the test database), a private Redis, this process's tasks routed to it and
    a factory of workers consuming from it. Everything started is stopped in `finally`. The
    cache is the private Redis too, as the worker's (one REDIS_URL for both in production):
    the review turns are taken in it by confirmations and given back by the worker."""
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        missing_services("fault tests need DATABASE_URL=postgres://… and REDIS_URL (CI sets both)")
    if shutil.which("redis-server") is None:
        missing_services("fault tests start a redis-server of their own; install redis-server")
    broker = PrivateRedis(tmp_path)
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    workers: list[Worker] = []

    def make_worker(**options) -> Worker:
        worker = Worker(worker_env(broker.url, queue, tmp_path), queue, tmp_path, **options)
        workers.append(worker)
        return worker

    broker.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": broker.url}}
    try:
        with tasks_to(broker.url, queue):
            yield SimpleNamespace(broker=broker, queue=queue, worker=make_worker)
    finally:
        for worker in workers:
            worker.stop()
        broker.stop()


_serial = iter(range(10**6))


def unique_id() -> str:
    """A valid ID number, unique in the run (born on a different day each)."""
    n = next(_serial)
    first17 = f"410105{date(1950, 1, 1) + timedelta(days=n):%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def drafts(count: int) -> list[tuple]:
    """`count` accounts, each with a draft declaration: (user, draft ref, expected colour).
    One in three answers "not sure" about contact with a case: yellow; the others green."""
    made = []
    for i in range(count):
        user = factories.account(f"137{i:08d}")
        answers = {"contact": "unsure"} if i % 3 == 0 else {}
        data = factories.declaration_data(id_number=unique_id(), **answers)
        draft = services.save_draft(user, self_applicant(user), data)
        made.append((user, draft.ref, Colour.YELLOW if answers else Colour.GREEN))
    return made


def reviewed(ids) -> int:
    return Declaration.objects.filter(pk__in=ids, status=Declaration.Status.REVIEWED).count()


def woken(predicate):
    """Beat's wake of the review turns (as if it ran STALLED_AFTER from now), then `predicate`."""

    def check():
        wake_stalled(now=timezone.now() + STALLED_AFTER)
        return predicate()

    return check


def settle(broker_url: str, queue: str, ids: list[int], *, timeout: float = 300) -> int:
    """Wait until the worker has done all it was given: its queue empty and no review for
    QUIET seconds. Returns how many declarations are reviewed."""
    queued = redis.Redis.from_url(broker_url)
    deadline = time.monotonic() + timeout
    count, since = -1, time.monotonic()
    while True:
        wake_stalled(now=timezone.now() + STALLED_AFTER)  # beat, while the test waits
        now, current = time.monotonic(), reviewed(ids)
        if current != count:
            count, since = current, now
        elif now - since >= QUIET and sum(queued.llen(key) for key in queue_keys(queue)) == 0:
            return count
        assert now < deadline, f"the worker did not settle: {count}/{len(ids)} reviewed"
        time.sleep(0.5)


def recover(ids: list[int], tally: Tally) -> list[int]:
    """Beat's part: the sweeper re-enqueues what is unreviewed (what the fault lost), then the
    notification sweep delivers whatever colour change has no message yet. Returns the lost."""
    lost = sorted(
        Declaration.objects.filter(pk__in=ids).exclude(status=Declaration.Status.REVIEWED).values_list("pk", flat=True)
    )
    tally["lost_by_the_fault"] = len(lost)
    requeued = sweep_stuck(older_than=timedelta(seconds=1))
    tally["reenqueued_by_the_sweeper"] = len(requeued)
    assert sorted(requeued) == lost, tally.line()
    wait_for(lambda: reviewed(ids) == len(ids), timeout=120)

    changes = ColourChange.objects.filter(code__applicant__declarations__pk__in=ids)
    messages = InboxMessage.objects.filter(change__in=changes)
    deadline = time.monotonic() + 120
    sent_before = None
    # Done when every change has its message, none waits, and no sender is still at a batch
    # it claimed (the count of those sent has not moved since the last look); a claim a killed
    # sender left stays "sending" (assert_one_colour_each counts it).
    while (
        changes.filter(inbox_message__isnull=True).exists()
        or messages.filter(sms_state="pending").exists()
        or messages.filter(sms_state="sent").count() != sent_before
    ):
        assert time.monotonic() < deadline, f"notifications not delivered; {tally.line()}"
        sent_before = messages.filter(sms_state="sent").count()
        dispatch_notifications.delay()
        tally["notification_sweeps"] += 1
        time.sleep(3)
    return lost


def assert_one_colour_each(people: list[tuple], ids: list[int], worker_logs: str, tally: Tally) -> None:
    """Every declaration reviewed, its person's code the colour the rules give, exactly one
    colour change per code, one inbox message per change, and no SMS sent twice."""
    line = tally.line()
    assert reviewed(ids) == len(ids), line
    colours = {}
    for user, _ref, expected in people:
        applicant = Applicant.objects.select_related("health_code").get(account=user, relationship="self")
        colours[applicant.health_code_id] = (applicant.health_code.colour, expected)
    wrong = {code: pair for code, pair in colours.items() if pair[0] != pair[1]}
    assert not wrong, f"{len(wrong)} codes with the wrong colour: {list(wrong.items())[:5]}; {line}"

    per_code = ColourChange.objects.filter(code_id__in=colours).values("code_id").annotate(n=Count("id"))
    twice = [row for row in per_code if row["n"] != 1]
    assert not twice and len(per_code) == len(ids), f"colour changes per code: {twice[:5]}; {line}"

    messages = InboxMessage.objects.filter(change__code_id__in=colours)
    assert messages.count() == len(ids), line  # the inbox: exactly one message per change
    attempts = messages.values_list("sms_attempts", flat=True)
    assert set(attempts) == {1}, f"SMS claimed more than once: {sorted(set(attempts))}; {line}"
    sent = messages.filter(sms_state="sent").count()
    interrupted = messages.filter(sms_state="sending").count()  # a sender killed mid-send
    sms_lines = len(re.findall(r"SMS to \d{3}\*{4}\d{4}: ", worker_logs))  # the console backend's line
    tally["sms_sent"] = sent
    tally["sms_interrupted_by_a_kill"] = interrupted
    assert sent + interrupted == len(ids), line
    assert sent <= sms_lines <= sent + interrupted, f"{sms_lines} SMS logged for {sent} sent; {line}"


# ---------------------------------------------------------------------------------------
# (a) The worker killed three times


DECLARATIONS = 1000
KILL_AFTER = (150, 450, 750)  # confirmations after which the worker is SIGKILLed
DEAD_FOR = 100  # confirmations made while it is dead (the web does not wait for workers)


def test_1000_declarations_while_the_worker_is_killed_three_times(stack):
    tally = Tally("faults: worker SIGKILLed during 1,000 declarations")
    people = drafts(DECLARATIONS)
    tally["declarations"] = len(people)
    worker = stack.worker(pool="prefork", concurrency=2)  # as production: a pool of processes
    worker.start()
    ids: list[int] = []
    at_start = 0  # declarations reviewed when the running worker started
    for i, (user, ref, _colour) in enumerate(people):
        if i in KILL_AFTER:
            # Kill it at work: once it has reviewed some declarations since it started.
            wait_for(woken(lambda: reviewed(ids) > at_start), timeout=120)
            worker.kill()
            tally["kills"] += 1
        if i - DEAD_FOR in KILL_AFTER:
            at_start = reviewed(ids)
            worker.start()
            tally["restarts"] += 1
        ids.append(services.confirm(user, ref).pk)
    tally["reviewed_by_the_workers"] = settle(stack.broker.url, stack.queue, ids)
    assert worker.process.poll() is None

    recover(ids, tally)
    assert_one_colour_each(people, ids, worker.log_text(), tally)
    line = tally.report()
    assert tally["kills"] == 3 and tally["restarts"] == 3, line
    # Each kill cost the turns the worker had taken and not acknowledged (acks_late), and the
    # review it was in (rolled back): still confirmed, never swept, every one was reviewed by a
    # later turn of its part (started by a confirmation or the wake); the sweeper found none.
    assert tally["lost_by_the_fault"] == 0, line
    assert "Task declarations.tasks.review_declaration[" not in worker.log_text(), line


# ---------------------------------------------------------------------------------------
# (b) Redis restarted while declarations are confirmed


REDIS_DECLARATIONS = 200
REDIS_DOWN_AT, REDIS_UP_AT = 60, 80  # 20 confirmations while Redis is down


def test_redis_restarted_while_declarations_are_confirmed(stack, client):
    tally = Tally("faults: Redis restarted during 200 confirmations")
    people = drafts(REDIS_DECLARATIONS)
    worker = stack.worker()
    worker.start()
    ids, while_down = [], []
    for i, (user, ref, _colour) in enumerate(people):
        if i == REDIS_DOWN_AT:
            # Signed in before Redis goes (signing in or out needs the session cache:
            # healthcode/sessions.py); the session is read from the database while it is away.
            client.force_login(user)
            stack.broker.stop()
            tally["redis_restarts"] += 1
        if i == REDIS_UP_AT:
            stack.broker.start()
        if REDIS_DOWN_AT <= i < REDIS_UP_AT:
            started = time.monotonic()
            if i == REDIS_DOWN_AT:
                # One through the page, as a person confirms: no server error, the code page.
                response = client.post(f"/declare/{ref}/confirm/")
                assert response.status_code == 302 and response["Location"].startswith("/code/")
                declaration = Declaration.objects.get(ref=ref)
            else:
                declaration = services.confirm(user, ref)
            tally["confirmed_while_redis_was_down"] += 1
            tally["slowest_confirmation_while_down_ms"] = max(
                tally["slowest_confirmation_while_down_ms"], int((time.monotonic() - started) * 1000)
            )
            # Stored, though not enqueued (the turn running through the restart may have
            # reviewed it already: it reads Postgres).
            assert declaration.status in (Declaration.Status.CONFIRMED, Declaration.Status.REVIEWED)
            while_down.append(declaration.pk)
        else:
            declaration = services.confirm(user, ref)
        ids.append(declaration.pk)
    tally["reviewed_by_the_worker"] = settle(stack.broker.url, stack.queue, ids)

    lost = recover(ids, tally)
    tally["lost_confirmed_while_down"] = len(set(lost) & set(while_down))
    assert_one_colour_each(people, ids, worker.log_text(), tally)
    line = tally.report()
    # The same worker reconnected by itself; what was confirmed while Redis was down was
    # stored and never enqueued: the turn running through the restart (it reads Postgres), a
    # later turn of its part or the wake reviewed it, and the sweeper whatever they left.
    assert worker.process.poll() is None and len(worker.logs) == 1, line


# ---------------------------------------------------------------------------------------
# (c) The database down for a moment


class TcpProxy:
    """127.0.0.1:<port> → Postgres, for this process's connection only. `cut()` drops every
    connection and refuses new ones (the database is down, for us); `restore()` listens
    again on the same port. The shared Postgres itself is never touched."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self.down = threading.Event()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self.down.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        self.down.set()
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.sockets.clear()

    def close(self) -> None:
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while not self.down.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.sockets |= {client, server}
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        pair = {client: server, server: client}
        try:
            while not self.down.is_set():
                readable, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            for sock in pair:
                sock.close()
            with self.lock:
                self.sockets -= set(pair)


@pytest.fixture
def database_through_a_proxy(django_db_serialized_rollback, transactional_db):
    if connection.vendor != "postgresql":
        missing_services("the database outage test needs DATABASE_URL=postgres://… (CI sets it)")
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        if proxy.down.is_set():
            proxy.restore()
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved
        proxy.close()
        connection.close()


def request(client: Client, method: str, url: str, data=None, **extra):
    """As a WSGI server runs a request: stale or broken connections are closed first (the
    test client skips that step)."""
    close_old_connections()
    if method == "get":
        return client.get(url, **extra)
    if extra.get("content_type") == "application/json":
        return client.post(url, json.dumps(data), **extra)
    return client.post(url, data or {}, **extra)


def hidden_fields(page: str) -> dict[str, list[str]]:
    """The fields the "Send again" button sends (a name may repeat: every ticked symptom)."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page):
        fields.setdefault(html.unescape(name), []).append(html.unescape(value))
    return fields


def test_the_database_down_for_a_moment(database_through_a_proxy):
    proxy = database_through_a_proxy
    tally = Tally("faults: the database down for a moment")
    # Declared before the outage (tasks run in this process here): reviewed, green.
    earlier = factories.account("13600000100")
    before = factories.declared(earlier, id_number=unique_id())
    assert Declaration.objects.get(pk=before.pk).status == Declaration.Status.REVIEWED
    venue = Venue.objects.create(name="Gate", type=Venue.Type.SUBWAY, city=before.city, address="Jinshui")
    _key, raw_key = create_api_key(venue, "Gate 1")

    citizen = factories.account("13600000101")
    client = Client(raise_request_exception=False)  # as in production: the error page, not a traceback
    client.force_login(citizen)
    form = request(client, "get", "/declare/")
    assert form.status_code == 200
    data = factories.post_data(form_token=form.context["form"].initial["form_token"], id_number=unique_id())

    proxy.cut()
    pages = {
        "the declaration form": request(client, "get", "/declare/"),
        "the declaration sent": request(client, "post", "/declare/", data),
        "the code page": request(client, "get", "/code/"),
    }
    for name, response in pages.items():
        tally["pages_while_down"] += 1
        page = response.content.decode()
        assert response.status_code == 503, (name, response.status_code, page[:300])
        assert response["Retry-After"].isdigit(), name
        assert "service is busy" in page, name
        assert "Traceback" not in page and "OperationalError" not in page, name
    sent = pages["the declaration sent"]
    # Honest about a form sent during the outage, and it keeps what was typed: no reload
    # that would drop it, a "Send again" button that sends the same fields.
    page = sent.content.decode()
    assert "may not have been saved" in page and "Send again" in page, page
    assert 'http-equiv="refresh"' not in page
    assert "no-store" in sent["Cache-Control"]  # what the person typed is not kept by a cache
    kept = hidden_fields(page)
    assert {name: kept.get(name) for name in data} == {
        name: value if isinstance(value, list) else [str(value)] for name, value in data.items()
    }
    gate = request(
        Client(raise_request_exception=False), "post", "/api/v1/verify",
        {"token": "x", "direction": "entry", "nonce": "outage-0001"},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    )  # fmt: skip
    assert gate.status_code == 503, (gate.status_code, gate.content[:500])
    assert gate["Retry-After"].isdigit() and gate.json()["error"] == "service_busy"
    health = request(Client(), "get", "/healthz")  # as a load balancer asks: no cookies
    assert health.status_code == 503 and health.json()["database"] == "down"
    tally["api_and_health_while_down"] += 2

    proxy.restore()
    # A moment later the person presses "Send again": the same fields, one draft.
    again = request(client, "post", "/declare/", kept)
    assert again.status_code == 302, again.content.decode()[:300]
    assert Declaration.objects.filter(submitted_by=citizen).count() == 1
    assert request(client, "post", again["Location"]).status_code == 302  # confirm: reviewed on commit
    assert self_applicant(citizen).health_code.colour == Colour.GREEN
    # And what was submitted before the outage is all there, reviewed once.
    assert Declaration.objects.get(pk=before.pk).status == Declaration.Status.REVIEWED
    assert ColourChange.objects.filter(code__applicant__account=earlier).count() == 1
    line = tally.report()
    assert tally["pages_while_down"] == 3 and tally["api_and_health_while_down"] == 2, line
