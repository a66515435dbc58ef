"""A turn's look reviewed together (declarations/services/together.py): every person's
declaration judged and written exactly as one review each would, in one transaction whose
statements do not grow with the number of people."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from declarations import services
from declarations.models import Declaration, HealthEvent
from declarations.services import backlog, together
from declarations.services.events import record_health_event
from declarations.services.review import REVIEWED_FIELDS, review
from declarations.services.together import look
from family.models import Applicant
from family.services import self_applicant
from healthcode.models import ColourChange, HealthCode
from tests import factories

pytestmark = pytest.mark.django_db

# What people declare on a station morning, each a different path through the review.
ANSWERS = [
    {},  # green
    {"contact": "unsure"},  # yellow
    {"contact": "yes"},  # red
    {"symptoms": ["none", "cough"]},  # contradictory: a reviewer decides
    {"temperature": Decimal("38.6")},  # a high temperature without fever ticked: a reviewer
    {"symptoms": ["cough"]},  # fever or respiratory: yellow
]


def look_at_all(*, now=None) -> tuple[list[int], list[int]]:
    """One look of a single part (every declaration waiting): those it reviewed and those it
    left for the next look."""
    _found, reviewed, later = look(0, 1, 100, now=now)
    return reviewed, later


def hold_turns() -> None:
    """Every part's turn taken (a turn runs elsewhere): confirmations enqueue nothing."""
    cache.set_many(dict.fromkeys(backlog.turn_keys(), 1), 60)


def confirm(user, **answers) -> Declaration:
    draft = services.save_draft(user, self_applicant(user), factories.declaration_data(**answers))
    return services.confirm(user, draft.ref)


def people(count: int) -> list:
    return [factories.account() for _ in range(count)]


def outcome(declaration: Declaration) -> tuple:
    """What a review wrote: the declaration's verdict, its code, and the code's history."""
    row = Declaration.objects.get(pk=declaration.pk)
    code = HealthCode.objects.get(applicant__pk=row.applicant_id)
    history = [
        (c.from_colour, c.to_colour, c.source, tuple(c.rules), str(c.reason_parts), c.version)
        for c in ColourChange.objects.filter(code=code).order_by("version")
    ]
    fields = tuple(str(getattr(row, name)) for name in REVIEWED_FIELDS)
    return fields, (code.colour, code.version, code.until), history


def test_a_look_writes_what_one_review_each_would(django_capture_on_commit_callbacks):
    hold_turns()
    now = timezone.now()
    # The same morning twice: each person once, then again (a second, milder declaration of
    # a person waiting for a reviewer waits with it; a green person declaring again).
    alone, together = people(len(ANSWERS)), people(len(ANSWERS))
    for accounts in (alone, together):
        first = [confirm(user, **answers) for user, answers in zip(accounts, ANSWERS, strict=True)]
        again = [confirm(user) for user in accounts]  # everyone again, green answers
        if accounts is alone:
            for declaration in first + again:
                review(declaration.pk, now=now)
            expected = [outcome(d) for d in first + again]
        else:
            ids = [d.pk for d in first + again]
            reviewed, later = look_at_all(now=now)
            # A person's second declaration waits for the next look, which sees the first's verdict.
            assert sorted(reviewed) == sorted(d.pk for d in first)
            assert sorted(later) == sorted(d.pk for d in again)
            assert look_at_all(now=now) == (sorted(later, key=ids.index), [])
            got = [outcome(d) for d in first + again]
    assert got == expected
    statuses = [fields[0] for fields, _code, _history in got]
    assert statuses[: len(ANSWERS)] == ["reviewed"] * 3 + ["needs_review"] * 2 + ["reviewed"]


def test_what_the_authority_knows_is_read_for_each_person_in_a_look():
    hold_turns()
    now = timezone.now()
    contact, other = people(2)
    first = [confirm(user) for user in (contact, other)]
    look_at_all(now=now)
    record_health_event(
        id_number=Declaration.objects.get(pk=first[0].pk).id_number,
        kind=HealthEvent.Kind.CLOSE_CONTACT,
        occurred_at=now - timedelta(hours=1),
        source="test",
        source_ref="contact-1",
    )
    again = [confirm(user, id_number=d.id_number) for user, d in zip((contact, other), first, strict=True)]
    look_at_all(now=timezone.now())
    colours = [self_applicant(user).health_code.colour for user in (contact, other)]
    assert colours == ["red", "green"]
    assert Declaration.objects.get(pk=again[0].pk).verdict_colour == "red"


def test_a_look_costs_the_same_statements_for_few_or_many():
    """People declaring again, green (a station morning): one statement finds and locks them
    all with their codes, one UPDATE writes them, whatever their number (in the test's
    transaction, a SAVEPOINT and its RELEASE; the risk areas may be read)."""
    hold_turns()
    counts = []
    for count in (2, 12):
        accounts = people(count)
        for user in accounts:
            confirm(user)
        look_at_all()  # their first review: their codes turn green
        for user in accounts:
            confirm(user)
        with CaptureQueriesContext(connection) as captured:
            reviewed, later = look_at_all()
        assert (len(reviewed), later) == (count, [])
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 5


def test_the_codes_are_locked_in_their_order():
    """Two turns (or a turn and the sweeper's single review) lock a shared code in the same
    order: they wait for each other instead of deadlocking."""
    hold_turns()
    confirm(people(1)[0])
    look_at_all()
    sql = together._looks[100]._compiled_for("default")[0]
    assert ("FOR UPDATE" in sql) == connection.features.has_select_for_update
    assert sql.endswith(
        'ORDER BY "family_applicant"."health_code_id" ASC, "declarations_declaration"."id" ASC'
        + (
            ' FOR UPDATE OF "declarations_declaration", "healthcode_healthcode"'
            if connection.features.has_select_for_update
            else ""
        )
    )


def test_declarations_not_waiting_are_left_alone():
    hold_turns()
    user, orphan = people(2)
    confirm(user)
    look_at_all()
    version = self_applicant(user).health_code.version
    lost = confirm(orphan)
    Applicant.objects.filter(pk=lost.applicant_id).update(health_code=None)
    assert look(0, 1, 100) == (0, [], [])  # reviewed already; no code: the sweeper's
    assert self_applicant(user).health_code.version == version
    assert Declaration.objects.get(pk=lost.pk).status == Declaration.Status.CONFIRMED
