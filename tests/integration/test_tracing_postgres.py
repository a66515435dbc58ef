"""On real Postgres: the trace query is answered from the scan log's two indexes, and
concurrent traces of one case, or concurrent senders of one SMS, act once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from checkpoints.models import CaseTrace, Scan, TraceContact, Venue
from checkpoints.services import tracing
from checkpoints.services.visits import register_visit
from declarations.models import HealthEvent
from declarations.services import record_health_event
from family import sms
from family.models import Applicant, InboxMessage
from family.services import inbox, self_applicant
from healthcode.colours import Colour
from healthcode.models import City, ColourChange, User
from healthcode.services import change_colour
from tests import factories
from tests.conftest import missing_services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
THREADS = 10


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        missing_services("these tests need DATABASE_URL=postgres://… (CI sets it)")


def at_once(action, n: int = THREADS) -> list:
    start = threading.Barrier(n)
    results, lock = [], threading.Lock()

    def run() -> None:
        try:
            start.wait()
            outcome = action()
        except Exception as error:  # reported in the assertion
            outcome = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def scene(postgres, django_capture_on_commit_callbacks):
    venue = Venue.objects.create(name="Erqi Square Mall", type="mall", city=City.objects.get(code="410100"))
    people = []
    for _ in range(4):
        user = factories.account()
        with django_capture_on_commit_callbacks(execute=True):
            factories.declared(user)
        people.append(self_applicant(user))
    at = timezone.now() - timedelta(hours=1)
    for person in people:
        register_visit(venue, person, nonce=uuid.uuid4().hex, now=at)
    case = people[0]
    event = record_health_event(
        id_number=case.id_number,
        kind="confirmed_case",
        occurred_at=timezone.now(),
        source="authority",
        source_ref="P-1",
    )
    return event, case, people[1:]


def test_the_trace_query_uses_the_scan_logs_indexes(scene):
    _event, case, _companions = scene
    now = timezone.now()
    # A scan log with some history (20,000 scans at 20 venues over 28 days), so that the
    # planner has statistics to choose by, as it has in production.
    city = City.objects.get(code="410100")
    venues = Venue.objects.bulk_create([Venue(name=f"Venue {n}", type="mall", city=city) for n in range(20)])
    users = User.objects.bulk_create([User(username=f"bulk-{n}") for n in range(200)])
    visitors = Applicant.objects.bulk_create([Applicant(account=user, relationship="self") for user in users])
    Scan.objects.bulk_create(
        [
            Scan(
                venue=venues[n % 20],
                applicant=visitors[n % 200],
                result="ok",
                colour="green",
                direction="entry",
                source="gate",
                nonce=f"bulk-{n:08d}",
                scanned_at=now - timedelta(minutes=2 * n),
                created=now,
            )
            for n in range(20000)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE checkpoints_scan")
    sql, params = tracing.encounters_query(
        case.pk, since=now - timedelta(days=14), until=now, window=timedelta(hours=2)
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "scan_person_time_idx" in plan, plan  # the case's own scans
    # The others: one range of the (venue, time) index per visit of the case.
    assert "Index Scan on scan_venue_time_idx" in plan or "Index Scan using scan_venue_time_idx" in plan, plan
    assert "Index Cond: ((venue_id = c.venue_id) AND (scanned_at >= (c.scanned_at - " in plan, plan
    assert "Seq Scan on checkpoints_scan" not in plan, plan


def test_ten_traces_of_one_case_at_once_flag_everyone_once(scene):
    event, _case, _companions = scene
    results = at_once(lambda: tracing.trace_case(event.pk).pk)
    assert len(set(results)) == 1, results  # one trace, every run saw it
    assert CaseTrace.objects.get().companions == 3
    assert TraceContact.objects.filter(kind="companion").count() == 3
    assert HealthEvent.objects.filter(kind="companion").count() == 3


def test_ten_senders_at_once_send_each_waiting_sms_once(postgres, settings):
    """Senders claim with row locks that skip what another holds: each message is sent by
    exactly one of them, whichever; and a change's message is delivered once."""
    settings.HC_SMS_BACKEND = "family.sms.locmem.LocmemBackend"
    users = [factories.account() for _ in range(25)]
    changes = [
        change_colour(self_applicant(user).health_code_id, Colour.GREEN, source=ColourChange.Source.REVIEW)
        for user in users
    ]  # autocommit: written with their messages, the on-commit sender not yet run
    InboxMessage.objects.update(sms_state=InboxMessage.SmsState.PENDING, sms_claimed_at=None, sms_attempts=0)
    sms.outbox.clear()
    sent = at_once(lambda: inbox.send_waiting(batch=3))
    assert sum(sent) == 25 and len(sms.outbox) == 25, sent
    assert sorted(s.to for s in sms.outbox) == sorted(user.username for user in users)
    assert set(InboxMessage.objects.values_list("sms_state", "sms_attempts")) == {("sent", 1)}
    first = changes[0]
    assert len(set(at_once(lambda: inbox.deliver(first.pk).pk))) == 1
    assert InboxMessage.objects.count() == 25


def test_bulk_rows_arrive_as_written(postgres):
    """healthcode.bulk sends each column as one array literal: quotes, backslashes, braces,
    commas, NULL, Chinese and time zones come back as they went in."""
    from healthcode.bulk import insert_rows

    notes = ['a "quoted" word', "back\\slash", "{braces}, commas", "", "河南 郑州", "NULL", "trailing \\"]
    when = timezone.now().replace(microsecond=123456)
    seal = HealthEvent._meta.get_field("id_number").get_prep_value
    rows = [
        ("companion", seal(factories.valid_id()), None, when, "bulk", f"ref-{n}", note, None, when)
        for n, note in enumerate(notes)
    ]
    columns = ("kind", "id_number", "applicant_id", "occurred_at", "source", "source_ref", "note", "recorded_by_id",
               "created")  # fmt: skip
    returned = insert_rows(HealthEvent, columns, rows, returning=("source_ref",))
    assert sorted(returned) == sorted((f"ref-{n}",) for n in range(len(notes)))
    assert insert_rows(HealthEvent, columns, rows, returning=("source_ref",)) == []  # all there already
    stored = HealthEvent.objects.filter(source="bulk").order_by("source_ref")
    assert [event.note for event in stored] == [notes[int(e.source_ref[4:])] for e in stored]
    assert {event.occurred_at for event in stored} == {when}
    assert all(len(event.id_number) == 18 for event in stored)  # sealed on the way in, opened on the way out
