"""A colour that lasts longer for a new reason is a change of the code: what was decided on
the code before it (a lowering waiting for its second reviewer, a night's release of a served
colour) is stale, as after a colour change; the new reason is never served by an old decision.
And a proposal that goes stale gives its declaration back to the reviewers' queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from declarations.models import Declaration, HealthEvent, PendingOverride
from declarations.services import record_health_event, reviewers
from declarations.services.checkins import _release
from declarations.services.review import reassess_person, review
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange, ColourExtension, HealthCode
from healthcode.services import change_colour
from tests import factories


def red_close_contact(citizen, capture, *, days_ago: int) -> tuple[Declaration, HealthCode]:
    start = timezone.now() - timedelta(days=days_ago)
    declaration = factories.declared(citizen)
    review(declaration.pk, now=start - timedelta(days=1))
    record_health_event(
        id_number=declaration.id_number,
        kind=HealthEvent.Kind.CLOSE_CONTACT,
        occurred_at=start,
        source="authority",
        source_ref="contact-1",
        now=start,
    )
    with capture(execute=True):
        reassess_person(self_applicant(citizen).pk, now=start)
    code = HealthCode.objects.get(pk=self_applicant(citizen).health_code_id)
    assert code.colour == Colour.RED
    return declaration, code


def confirmed_case(declaration: Declaration, capture) -> None:
    with capture(execute=True):
        record_health_event(
            id_number=declaration.id_number,
            kind=HealthEvent.Kind.CONFIRMED_CASE,
            occurred_at=timezone.now(),
            source="authority",
            source_ref="case-1",
        )
    assert ColourExtension.objects.filter(rules=["case"]).exists()


def test_a_lowering_proposed_before_a_new_case_is_not_applied(
    citizen, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    declaration, code = red_close_contact(citizen, capture, days_ago=5)
    person = self_applicant(citizen)
    proposal = reviewers.override_colour(
        person.pk, reviewer, colour="green", reason="Not a contact: CCTV", seen_version=code.version
    ).pending
    confirmed_case(declaration, capture)  # the red now lasts longer, for a case
    with capture(execute=True):
        decision = reviewers.approve_override(proposal.pk, second_reviewer)
    assert decision.stale
    assert PendingOverride.objects.get(pk=proposal.pk).status == PendingOverride.Status.STALE
    with capture(execute=True):
        reassess_person(person.pk)
    code.refresh_from_db()
    assert code.colour == Colour.RED
    assert not ColourChange.objects.filter(code=code, to_colour=Colour.GREEN, source="reviewer").exists()


def test_a_release_computed_before_a_new_case_is_not_applied(citizen, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    declaration, code = red_close_contact(citizen, capture, days_ago=16)
    version = code.version
    assert code.until <= timezone.now()  # served: the night's count would release it
    confirmed_case(declaration, capture)  # recorded after the count read the code
    assert _release(code.pk, version, 14, timezone.localdate() - timedelta(days=1), timezone.now()) is None
    code.refresh_from_db()
    assert code.colour == Colour.RED and code.until > timezone.now()


def test_a_stale_proposal_gives_its_declaration_back_to_the_queue(citizen, declare, reviewer, second_reviewer):
    declare(citizen, contact="unsure")  # yellow
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    code_id = waiting.applicant.health_code_id
    version = HealthCode.objects.get(pk=code_id).version
    proposal = reviewers.decide(waiting.pk, reviewer, colour="green", reason="Negative test", seen_version=version)
    assert proposal.pending is not None
    waiting.refresh_from_db()
    assert waiting.status == Declaration.Status.REVIEWED
    change_colour(code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    assert reviewers.approve_override(proposal.pending.pk, second_reviewer).stale
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (Declaration.Status.NEEDS_REVIEW, None)
    # A reviewer decides it again, on what the code is now.
    again = reviewers.decide(waiting.pk, second_reviewer, colour="red", reason="Confirmed", seen_version=version + 1)
    assert again.pending is None and not again.stale
