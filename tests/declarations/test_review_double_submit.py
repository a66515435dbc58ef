"""A reviewer's admin action sent twice (a double click, the browser's retry): the second is
answered as the first, never "decided already" for the reviewer whose first click did it; a
different reviewer, or a different decision, is still refused. (Many reviewers at once, on
Postgres: tests/integration/test_review_concurrency.py.)"""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from declarations.models import Appeal, Declaration, PendingOverride
from declarations.services import appeals, reviewers
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests.declarations.conftest import code_of

QUEUE = "admin:declarations_declaration_changelist"
PEOPLE = "admin:declarations_person_changelist"
OVERRIDES = "admin:declarations_pendingoverride_changelist"
APPEALS = "admin:declarations_appeal_changelist"


def twice(client, name: str, data: dict) -> list[str]:
    """POST the action twice; the messages the second answer shows, with their level tags."""
    client.post(reverse(name), data)
    response = client.post(reverse(name), data)
    assert response.status_code == 302
    return [f"{m.level_tag}: {m}" for m in get_messages(response.wsgi_request)]


def no_errors(shown: list[str]) -> bool:
    return not any(line.startswith("error:") for line in shown)


@pytest.fixture
def waiting(citizen, declare):
    return declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")


@pytest.fixture
def yellow(citizen, declare):
    return declare(citizen, contact="unsure")


def test_approving_a_verdict_twice(client, reviewer, second_reviewer, waiting, citizen):
    client.force_login(reviewer)
    shown = twice(client, QUEUE, {"action": "approve_verdicts", "_selected_action": [waiting.pk]})
    assert no_errors(shown), shown
    assert ColourChange.objects.filter(source="reviewer").count() == 1
    assert code_of(citizen).colour == Colour.YELLOW
    # Another reviewer after it: decided already.
    with pytest.raises(reviewers.ReviewError) as refused:
        reviewers.approve_verdict(waiting.pk, second_reviewer)
    assert refused.value.code == "already_decided"


def test_deciding_a_declaration_twice_the_same_way_and_then_another_way(reviewer, waiting, citizen):
    reviewers.decide(waiting.pk, reviewer, colour=Colour.RED, reason="fever and travel")
    again = reviewers.decide(waiting.pk, reviewer, colour=Colour.RED, reason="fever and travel")
    assert again.pending is None and not again.stale
    assert ColourChange.objects.filter(source="reviewer").count() == 1
    with pytest.raises(reviewers.ReviewError) as refused:
        reviewers.decide(waiting.pk, reviewer, colour=Colour.GREEN, reason="fever and travel")
    assert refused.value.code == "already_decided"
    assert Declaration.objects.get(pk=waiting.pk).verdict_colour == Colour.RED


def test_lowering_a_colour_by_hand_twice_proposes_once(client, reviewer, second_reviewer, yellow, citizen):
    client.force_login(reviewer)
    data = {"action": "override_colours", "_selected_action": [yellow.applicant_id], "apply": "1"}
    shown = twice(client, PEOPLE, data | {"colour": "green", "reason": "Negative test"})
    assert no_errors(shown), shown
    assert any("waits for a second reviewer" in line for line in shown)
    assert PendingOverride.objects.count() == 1
    # Someone else's proposal, or another one of the same reviewer's: still refused.
    with pytest.raises(reviewers.ReviewError) as refused:
        reviewers.override_colour(yellow.applicant_id, second_reviewer, colour="green", reason="Negative test")
    assert refused.value.code == "pending_exists"
    with pytest.raises(reviewers.ReviewError):
        reviewers.override_colour(yellow.applicant_id, reviewer, colour="green", reason="Another reason")


def test_lowering_from_the_queue_twice_proposes_once(client, reviewer, yellow, citizen, declare):
    # The first click decides the waiting declaration (a proposal: lowering waits for a second
    # reviewer); the second finds it decided, so the queue acts on the person: the same
    # reviewer's same proposal is the answer, not "another change is waiting".
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    assert waiting.status == Declaration.Status.NEEDS_REVIEW
    version = code_of(citizen).version
    client.force_login(reviewer)
    data = {"action": "override_colours", "_selected_action": [waiting.pk], "apply": "1", f"seen_{waiting.pk}": version}
    shown = twice(client, QUEUE, data | {"colour": "green", "reason": "Negative test"})
    assert no_errors(shown), shown
    assert any("waits for a second reviewer" in line for line in shown)
    assert PendingOverride.objects.get().declaration_id == waiting.pk
    assert code_of(citizen).colour == Colour.YELLOW
    # Another reason from the same reviewer while it waits: still refused.
    with pytest.raises(reviewers.ReviewError) as refused:
        reviewers.override_colour(waiting.applicant_id, reviewer, colour="green", reason="Another reason")
    assert refused.value.code == "pending_exists"


def test_raising_a_colour_by_hand_twice_changes_it_once(client, reviewer, yellow, citizen):
    client.force_login(reviewer)
    data = {"action": "override_colours", "_selected_action": [yellow.applicant_id], "apply": "1"}
    shown = twice(client, PEOPLE, data | {"colour": "red", "reason": "On the CDC list"})
    assert no_errors(shown), shown
    assert ColourChange.objects.filter(to_colour=Colour.RED).count() == 1


def test_approving_and_declining_an_override_twice(client, reviewer, second_reviewer, yellow, citizen):
    pending = reviewers.override_colour(yellow.applicant_id, reviewer, colour="green", reason="x").pending
    client.force_login(second_reviewer)
    approve = {"action": "approve", "_selected_action": [pending.pk], "apply": "1", "note": ""}
    shown = twice(client, OVERRIDES, approve)
    assert no_errors(shown), shown
    assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 1
    # Declining what this reviewer approved is a different decision: refused.
    with pytest.raises(reviewers.ReviewError) as refused:
        reviewers.decline_override(pending.pk, second_reviewer, note="no")
    assert refused.value.code == "already_decided"

    reviewers.override_colour(yellow.applicant_id, second_reviewer, colour="red", reason="contact")
    other = reviewers.override_colour(yellow.applicant_id, second_reviewer, colour="yellow", reason="y").pending
    client.force_login(reviewer)
    decline = {"action": "decline", "_selected_action": [other.pk], "apply": "1", "reason": "Not convinced"}
    shown = twice(client, OVERRIDES, decline)
    assert no_errors(shown), shown
    other.refresh_from_db()
    assert other.status == PendingOverride.Status.DECLINED


@pytest.mark.parametrize(("action", "status"), [("uphold", Appeal.Status.ACCEPTED), ("reject", Appeal.Status.REJECTED)])
def test_deciding_an_appeal_twice(client, reviewer, second_reviewer, yellow, citizen, action, status):
    appeal = appeals.file_appeal(self_applicant(citizen), citizen, reason="I was home all month.")
    client.force_login(reviewer)
    data = {"action": action, "_selected_action": [appeal.pk], "apply": "1", "reason": "Checked"}
    shown = twice(client, APPEALS, data)
    assert no_errors(shown), shown
    appeal.refresh_from_db()
    assert appeal.status == status
    assert PendingOverride.objects.count() == (1 if action == "uphold" else 0)
    with pytest.raises(reviewers.ReviewError) as refused:
        appeals.reject_appeal(appeal.pk, second_reviewer, resolution="Checked")
    assert refused.value.code == "already_decided"
