"""The health authority marks a person in the admin: a case or a close contact, with a reason;
bad input is refused with a message; a case is traced after commit; lowering the colour that
follows needs a second reviewer."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from checkpoints.models import CaseTrace
from declarations.models import HealthEvent, PendingOverride
from declarations.services import reviewers
from family.services import self_applicant
from healthcode.colours import Colour
from tests import factories
from tests.declarations.conftest import code_of

ADD = "admin:declarations_healthevent_add"


def mark(client, **overrides):
    now = timezone.localtime()
    data = {
        "kind": "confirmed_case",
        "occurred_at_0": now.strftime("%Y-%m-%d"),
        "occurred_at_1": now.strftime("%H:%M:%S"),
        "source_ref": "CDC-2026-0100",
        "note": "Positive PCR test, Zhengzhou CDC",
    } | overrides
    return client.post(reverse(ADD), data)


def test_marking_a_case_needs_a_reason_a_valid_id_and_a_new_reference(client, superuser, green_citizen):
    client.force_login(superuser)
    id_number = self_applicant(green_citizen).id_number
    page = mark(client, id_number=id_number, note="  ").content.decode()
    assert "Write down why." in page
    page = mark(client, id_number="410105199003071234").content.decode()  # wrong check digit
    assert "errorlist" in page and not HealthEvent.objects.exists()
    assert mark(client, id_number=id_number).status_code == 302
    page = mark(client, id_number=id_number).content.decode()
    assert "This reference has been recorded already" in page
    assert HealthEvent.objects.count() == 1


def test_only_the_authoritys_kinds_are_offered(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse(ADD)).content.decode()
    for kind in ("confirmed_case", "suspected_case", "close_contact"):
        assert f'value="{kind}"' in page
    for kind in ("companion", "medicine_purchase"):
        assert f'value="{kind}"' not in page
    response = mark(client, id_number=factories.valid_id(), kind="companion")
    assert response.status_code == 200 and not HealthEvent.objects.exists()


def test_a_marked_case_is_traced_and_lowering_it_takes_two_reviewers(
    client, superuser, green_citizen, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    person = self_applicant(green_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        assert mark(client, id_number=person.id_number).status_code == 302
    event = HealthEvent.objects.get()
    assert (event.kind, event.recorded_by) == ("confirmed_case", superuser)
    assert event.note == "Positive PCR test, Zhengzhou CDC"
    assert CaseTrace.objects.filter(event=event, applicant=person).exists()
    assert code_of(green_citizen).colour == Colour.RED
    decision = reviewers.override_colour(person.pk, reviewer, colour="green", reason="Test was a false positive")
    assert decision.pending is not None and code_of(green_citizen).colour == Colour.RED
    reviewers.approve_override(decision.pending.pk, second_reviewer)
    assert code_of(green_citizen).colour == Colour.GREEN
    assert PendingOverride.objects.get().status == PendingOverride.Status.APPROVED
