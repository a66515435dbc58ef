"""Reviewers' actions as services: decisions, overrides, four eyes, city scope."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone, translation

from declarations.models import Declaration, PendingOverride
from declarations.services import reviewers
from declarations.services.review import WAITS_WITH_EARLIER
from declarations.services.reviewers import ReviewError
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests.declarations.conftest import code_of, make_reviewer


def test_approve_verdict_applies_the_suggested_colour_once(waiting, citizen, reviewer, second_reviewer):
    decision = reviewers.approve_verdict(waiting.pk, reviewer)
    assert decision.change.to_colour == Colour.YELLOW
    assert decision.change.actor == reviewer
    assert decision.change.source == ColourChange.Source.REVIEWER
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (Declaration.Status.REVIEWED, reviewer)
    with pytest.raises(ReviewError) as error:
        reviewers.approve_verdict(waiting.pk, second_reviewer)
    assert error.value.code == "already_decided"
    assert ColourChange.objects.count() == 1


def test_decide_needs_a_reason_and_a_real_colour(waiting, reviewer):
    with pytest.raises(ReviewError) as error:
        reviewers.decide(waiting.pk, reviewer, colour=Colour.RED, reason="   ")
    assert error.value.code == "reason_required"
    with pytest.raises(ReviewError) as error:
        reviewers.decide(waiting.pk, reviewer, colour=Colour.PENDING, reason="x")
    assert error.value.code == "bad_colour"
    waiting.refresh_from_db()
    assert waiting.status == Declaration.Status.NEEDS_REVIEW


def test_raising_applies_at_once(green_citizen, reviewer):
    applicant = self_applicant(green_citizen)
    decision = reviewers.override_colour(applicant.pk, reviewer, colour=Colour.RED, reason="Listed by the CDC")
    assert decision.change is not None and decision.pending is None
    code = code_of(green_citizen)
    assert code.colour == Colour.RED
    assert (code.until - code.since).days == 14
    assert decision.change.reason == "Listed by the CDC"


def test_lowering_waits_for_a_second_reviewer(citizen, declare, reviewer, second_reviewer):
    declare(citizen, contact="unsure")
    applicant = self_applicant(citizen)
    decision = reviewers.override_colour(applicant.pk, reviewer, colour=Colour.GREEN, reason="Test was negative")
    assert decision.change is None
    pending = decision.pending
    assert (pending.from_colour, pending.to_colour, pending.status) == ("yellow", "green", "pending")
    assert code_of(citizen).colour == Colour.YELLOW

    with pytest.raises(ReviewError) as error:
        reviewers.approve_override(pending.pk, reviewer)
    assert error.value.code == "same_reviewer"
    assert code_of(citizen).colour == Colour.YELLOW

    decision = reviewers.approve_override(pending.pk, second_reviewer, note="Checked the report")
    change = decision.change
    assert code_of(citizen).colour == Colour.GREEN
    assert (change.actor, change.approved_by) == (reviewer, second_reviewer)
    assert change.rules == ["reviewer_decision"]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", second_reviewer)
    # The same approval sent again (a double click) is done already: no second change.
    again = reviewers.approve_override(pending.pk, second_reviewer)
    assert (again.change, again.pending, again.stale) == (None, None, False)
    assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 1
    with pytest.raises(ReviewError) as error:
        reviewers.approve_override(pending.pk, make_reviewer("13600000009"))
    assert error.value.code == "already_decided"


def test_the_database_refuses_the_proposer_approving(citizen, declare, reviewer):
    declare(citizen, contact="unsure")
    pending = reviewers.override_colour(self_applicant(citizen).pk, reviewer, colour=Colour.GREEN, reason="x").pending
    with pytest.raises(IntegrityError):
        PendingOverride.objects.filter(pk=pending.pk).update(decided_by=reviewer, status="approved")


def test_one_pending_override_per_person(citizen, declare, reviewer, second_reviewer):
    declare(citizen, contact="unsure")
    pk = self_applicant(citizen).pk
    reviewers.override_colour(pk, reviewer, colour=Colour.GREEN, reason="a")
    with pytest.raises(ReviewError) as error:
        reviewers.override_colour(pk, second_reviewer, colour=Colour.GREEN, reason="b")
    assert error.value.code == "pending_exists"
    assert PendingOverride.objects.count() == 1


def test_an_override_outdated_by_a_colour_change_is_not_applied(citizen, declare, reviewer, second_reviewer):
    declare(citizen, contact="unsure")
    applicant = self_applicant(citizen)
    pending = reviewers.override_colour(applicant.pk, reviewer, colour=Colour.GREEN, reason="negative test").pending
    # Meanwhile the authority reports a close contact: red.
    reviewers.override_colour(applicant.pk, second_reviewer, colour=Colour.RED, reason="close contact list")
    decision = reviewers.approve_override(pending.pk, second_reviewer)
    assert decision.stale
    assert code_of(citizen).colour == Colour.RED
    pending.refresh_from_db()
    assert pending.status == PendingOverride.Status.STALE


def test_decline_needs_a_reason_and_changes_nothing(citizen, declare, reviewer, second_reviewer):
    declare(citizen, contact="unsure")
    pending = reviewers.override_colour(self_applicant(citizen).pk, reviewer, colour=Colour.GREEN, reason="x").pending
    with pytest.raises(ReviewError):
        reviewers.decline_override(pending.pk, second_reviewer, note="")
    reviewers.decline_override(pending.pk, second_reviewer, note="No evidence")
    pending.refresh_from_db()
    assert pending.status == PendingOverride.Status.DECLINED
    assert code_of(citizen).colour == Colour.YELLOW


def test_a_reviewer_of_another_city_can_do_nothing(green_citizen, luoyang_reviewer, reviewer):
    pk = self_applicant(green_citizen).pk
    with pytest.raises(ReviewError) as error:
        reviewers.override_colour(pk, luoyang_reviewer, colour=Colour.RED, reason="x")
    assert error.value.code == "out_of_scope"
    pending = None
    reviewers.override_colour(pk, reviewer, colour=Colour.RED, reason="x")
    pending = reviewers.override_colour(pk, reviewer, colour=Colour.GREEN, reason="undo").pending
    with pytest.raises(ReviewError) as error:
        reviewers.approve_override(pending.pk, luoyang_reviewer)
    assert error.value.code == "out_of_scope"


def test_scope(green_citizen, reviewer, luoyang_reviewer, superuser, db):
    from family.models import Applicant

    everyone = Applicant.objects.all()
    assert reviewers.scoped(reviewer, everyone).count() == 1
    assert reviewers.scoped(luoyang_reviewer, everyone).count() == 0
    assert reviewers.scoped(superuser, everyone).count() == Applicant.objects.count()
    nobody = reviewer.__class__.objects.create_user("staff-without-city", password="x", is_staff=True)
    assert reviewers.scoped(nobody, everyone).count() == 0


def test_now_is_used_for_the_history(green_citizen, reviewer):
    moment = timezone.now().replace(microsecond=0)
    decision = reviewers.override_colour(
        self_applicant(green_citizen).pk, reviewer, colour=Colour.YELLOW, reason="x", now=moment
    )
    assert decision.change.created == moment


def test_a_milder_declaration_waits_with_one_a_reviewer_has_not_decided(
    waiting, citizen, declare, reviewer, django_capture_on_commit_callbacks
):
    """A pending code waiting for a reviewer was made green by declaring again with milder
    answers (session 10's audit): the new declaration waits with the earlier one."""
    milder = declare(citizen, temperature=Decimal("36.5"), symptoms=["none"], contact="no")
    assert milder.status == Declaration.Status.NEEDS_REVIEW
    assert "earlier declaration" in milder.review_note
    assert code_of(citizen).colour == Colour.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        reviewers.approve_verdict(waiting.pk, reviewer)
    assert code_of(citizen).colour == Colour.YELLOW
    # Decided, the earlier one no longer holds the milder one: back to the machine, which
    # keeps the colour just set (a declaration never lowers one) and leaves the queue.
    milder.refresh_from_db()
    assert milder.status == Declaration.Status.REVIEWED
    assert code_of(citizen).colour == Colour.YELLOW


def test_the_reviews_note_is_in_the_sites_language_whoever_ran_it(waiting, citizen, declare):
    """Run inside a Chinese request (no broker: the review runs in the citizen's request), the
    note for reviewers is still written in the site's language, as the worker writes it."""
    with translation.override("zh-hans"):
        milder = declare(citizen, temperature=Decimal("36.5"), symptoms=["none"], contact="no")
    with translation.override(settings.LANGUAGE_CODE):
        assert milder.review_note == str(WAITS_WITH_EARLIER)


@pytest.mark.parametrize(("contact", "colour"), [("unsure", Colour.YELLOW), ("yes", Colour.RED)])
def test_a_declaration_as_severe_as_the_waiting_one_is_applied_at_once(waiting, citizen, declare, contact, colour):
    """The waiting one suggests yellow: a yellow declaration (as severe) or a red one (more)
    colours the code at once; raising is always safe."""
    later = declare(citizen, temperature=Decimal("36.5"), symptoms=["none"], contact=contact)
    assert later.status == Declaration.Status.REVIEWED
    assert code_of(citizen).colour == colour
