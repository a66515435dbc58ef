"""Twenty reviewers act on the same thing at the same moment, on real Postgres, each in a
thread with its own connection: exactly one transition and one history row."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections

from declarations.models import CheckIn, Declaration, PendingOverride
from declarations.services import reviewers
from declarations.services.checkins import submit_checkin
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests import factories
from tests.conftest import missing_services
from tests.declarations.conftest import make_reviewer

# serialized_rollback: a transactional test's flush empties the tables the migrations filled
# (the cities); this restores them for each test.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
THREADS = 20


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        missing_services("the concurrency tests need DATABASE_URL=postgres://… (CI sets it)")


def race(action, arguments: list) -> Counter:
    """Run action(argument) in THREADS threads released at once; count the outcomes."""
    start = threading.Barrier(len(arguments))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(argument) -> None:
        try:
            start.wait()
            result = action(argument)
            outcome = "ok" if result is not False else "no-op"
        except reviewers.ReviewError as error:
            outcome = error.code
        except Exception as error:  # anything else is a bug: report it in the assertion
            outcome = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def people(postgres):
    return [make_reviewer(f"1350000{n:04d}") for n in range(THREADS)]


def test_twenty_reviewers_deciding_one_declaration_make_one_transition(people, django_capture_on_commit_callbacks):
    citizen = factories.account()
    with django_capture_on_commit_callbacks(execute=True):
        declaration = factories.declared(citizen, temperature=Decimal("39.0"), symptoms=["none"])
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.NEEDS_REVIEW

    outcomes = race(
        lambda reviewer: reviewers.decide(declaration.pk, reviewer, colour=Colour.YELLOW, reason="fever"),
        people,
    )
    assert outcomes == Counter({"ok": 1, "already_decided": THREADS - 1})
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.REVIEWED
    assert ColourChange.objects.count() == 1
    assert self_applicant(citizen).health_code.colour == Colour.YELLOW


def test_twenty_second_reviewers_approving_one_override_apply_it_once(people, django_capture_on_commit_callbacks):
    citizen = factories.account()
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(citizen, contact="unsure")
    applicant = self_applicant(citizen)
    proposer = make_reviewer("13599999999")
    pending = reviewers.override_colour(applicant.pk, proposer, colour=Colour.GREEN, reason="negative").pending

    outcomes = race(lambda reviewer: reviewers.approve_override(pending.pk, reviewer), people)
    assert outcomes == Counter({"ok": 1, "already_decided": THREADS - 1})
    assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 1
    pending.refresh_from_db()
    assert pending.status == PendingOverride.Status.APPROVED


def test_twenty_reviewers_lowering_one_colour_make_one_proposal(people, django_capture_on_commit_callbacks):
    citizen = factories.account()
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(citizen, contact="unsure")
    applicant = self_applicant(citizen)
    outcomes = race(
        lambda reviewer: reviewers.override_colour(applicant.pk, reviewer, colour=Colour.GREEN, reason="x"), people
    )
    assert outcomes == Counter({"ok": 1, "pending_exists": THREADS - 1})
    assert PendingOverride.objects.count() == 1


def test_twenty_simultaneous_checkins_make_one_row(postgres):
    citizen = factories.account()
    applicant = self_applicant(citizen)
    outcomes = race(
        lambda _: submit_checkin(applicant, citizen, temperature=Decimal("36.5"), symptoms=["none"]).created or False,
        list(range(THREADS)),
    )
    assert outcomes == Counter({"ok": 1, "no-op": THREADS - 1})
    assert CheckIn.objects.count() == 1


def test_a_look_and_single_reviews_of_the_same_people_at_once_wait_for_each_other(postgres, settings):
    """A turn's look (declarations/services/together.py) while the sweeper's or a reviewer's
    release reviews the same people's later declarations one by one: a look locks a person's
    oldest waiting declaration only, so neither waits for a row the other holds while holding
    what the other wants (a look that took both of a person's declarations deadlocked with a
    single review of the second). Every declaration is reviewed once."""
    from django.core.cache import cache

    from declarations.services import backlog
    from declarations.services.review import review
    from declarations.services.together import look

    settings.HC_REVIEW_TURNS = 1
    cache.set_many(dict.fromkeys(backlog.turn_keys(), 1), 60)  # confirmations enqueue nothing
    pairs = []
    for _ in range(THREADS - 1):
        citizen = factories.account()
        pairs.append((factories.declared(citizen), factories.declared(citizen)))

    def act(target):
        if target == "look":
            while look(0, 1, 100)[0]:
                pass
            return True
        return review(target) is not None

    outcomes = race(act, ["look"] + [second.pk for _first, second in pairs])
    assert outcomes["ok"] + outcomes["no-op"] == THREADS, outcomes
    statuses = Counter(Declaration.objects.values_list("status", flat=True))
    assert statuses == Counter({Declaration.Status.REVIEWED: 2 * len(pairs)})
    assert ColourChange.objects.count() == len(pairs)  # pending -> green, once each
