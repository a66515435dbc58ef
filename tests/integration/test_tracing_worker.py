"""A case recorded in this process is traced by a real worker through Redis, on Postgres:
the companion's code turns yellow and the companion's account is told (inbox and SMS)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from checkpoints.models import CaseTrace, Venue
from checkpoints.services.visits import register_visit
from declarations.services import record_health_event
from family.models import InboxMessage
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def colour(applicant) -> str:
    applicant.health_code.refresh_from_db()
    return applicant.health_code.colour


def test_the_worker_traces_a_case_and_tells_the_companions(celery_worker):
    worker, log = celery_worker
    venue = Venue.objects.create(
        name="Zhengzhou East Railway Station", type="railway", city=City.objects.get(code="410100")
    )
    case, companion, elsewhere = (self_applicant(factories.account()) for _ in range(3))
    for person, name in ((case, "张三丰"), (companion, "李四"), (elsewhere, "王五")):
        factories.declared(person.account, person, name=name)  # reviewed by the worker
    wait_for(lambda: all(colour(p) == Colour.GREEN for p in (case, companion, elsewhere)))
    at = timezone.now() - timedelta(hours=2)
    for person, when in ((case, at), (companion, at + timedelta(minutes=30)), (elsewhere, at - timedelta(hours=3))):
        person.refresh_from_db()
        register_visit(venue, person, nonce=uuid.uuid4().hex, now=when)

    event = record_health_event(
        id_number=case.id_number,
        kind="confirmed_case",
        occurred_at=timezone.now(),
        source="authority",
        source_ref="CDC-2026-42",
        note="Positive PCR test",
    )  # commits: the review and the trace go to Redis on commit

    wait_for(lambda: colour(companion) == Colour.YELLOW)
    trace = CaseTrace.objects.get(event=event)
    assert (trace.visits, trace.companions, trace.notified) == (1, 1, 1)
    assert wait_for(lambda: colour(case) == Colour.RED)
    assert colour(elsewhere) == Colour.GREEN
    message = wait_for(
        lambda: InboxMessage.objects.filter(
            account=companion.account, to_colour=Colour.YELLOW, sms_state="sent"
        ).first()
    )
    assert "Zhengzhou East Railway Station" in message.reason and "张" not in message.reason
    text = log.read_text()
    assert "checkpoints.tasks.trace_case" in text and "family.tasks.send_waiting_sms" in text
    assert companion.account.username not in text  # the SMS is logged with the number masked
    assert worker.poll() is None
