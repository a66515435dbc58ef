"""The review's one read (declarations/services/review.py): the declaration and the code, both
locked, the city, and whether any health event about the person falls in the past 14 days,
compiled once per process (healthcode/prepared.py) and the same as the ORM's."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from declarations.models import HealthEvent
from declarations.services.review import LOOKBACK, _declaration_query, _locked_declaration, review
from family.services import self_applicant
from tests import factories

DECLARATION = ["id", "status", "applicant_id", "id_number", "district", "temperature", "symptoms", "travel"]
CODE = ["id", "colour", "version", "since", "until"]


def read(pk, now):
    with transaction.atomic():
        prepared = _declaration_query.first(pk=pk, since=now - LOOKBACK, now=now)
        orm = _locked_declaration(pk, now - LOOKBACK, now).first()
    return prepared, orm


def snapshot(declaration) -> dict:
    code = declaration.applicant.health_code
    return {
        "declaration": {f: getattr(declaration, f) for f in DECLARATION},
        "code": {f: getattr(code, f) for f in CODE},
        "city": declaration.city.code,
        "has_events": declaration.has_events,
    }


def add_event(applicant, *, at, by_applicant: bool, ref: str) -> None:
    HealthEvent.objects.create(
        kind=HealthEvent.Kind.MEDICINE_PURCHASE,
        id_number=applicant.id_number,
        applicant=applicant if by_applicant else None,
        occurred_at=at,
        source="pharmacy",
        source_ref=ref,
        created=max(at, timezone.now()),  # recorded no earlier than it happened (a constraint)
    )


@pytest.mark.parametrize(
    ("offset", "by_applicant", "expected"),
    [
        (None, True, False),  # no event at all
        (timedelta(days=-1), True, True),  # known person
        (timedelta(days=-1), False, True),  # recorded before the person was known: by ID number only
        (-LOOKBACK + timedelta(minutes=1), False, True),
        (-LOOKBACK - timedelta(minutes=1), True, False),  # older than 14 days
        (timedelta(minutes=1), True, False),  # after the review's time
    ],
)
def test_the_prepared_read_is_the_orms(citizen, offset, by_applicant, expected):
    declaration = factories.declared(citizen)
    applicant = self_applicant(citizen)
    now = timezone.now()
    if offset is not None:
        add_event(applicant, at=now + offset, by_applicant=by_applicant, ref="1")
    prepared, orm = read(declaration.pk, now)
    assert snapshot(prepared) == snapshot(orm)
    assert prepared.has_events is expected
    assert prepared.id_number == applicant.id_number  # the sealed field is opened


def test_another_persons_event_does_not_count(citizen, outsider):
    declaration = factories.declared(citizen)
    factories.declared(outsider)
    add_event(self_applicant(outsider), at=timezone.now(), by_applicant=True, ref="2")
    prepared, orm = read(declaration.pk, timezone.now())
    assert prepared.has_events is False and orm.has_events is False


def test_a_declaration_not_waiting_for_review_is_read_by_its_key_and_left_alone(citizen):
    """By primary key alone (a status in the WHERE let Postgres scan the backlog through the
    status index); the review leaves a declaration that is not waiting alone."""
    draft = factories.declared(citizen)
    type(draft).objects.filter(pk=draft.pk).update(status="reviewed")
    prepared, orm = read(draft.pk, timezone.now())
    assert prepared.status == orm.status == "reviewed"
    assert review(draft.pk) is None
    assert type(draft).objects.get(pk=draft.pk).reviewed_at is None
