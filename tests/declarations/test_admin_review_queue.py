"""The reviewers' admin: city scope, masked lists, search, filters, actions with a reason,
four eyes, and the access log."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.models import PendingOverride, RecordAccess
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories
from tests.declarations.conftest import code_of

QUEUE = "admin:declarations_declaration_changelist"
PEOPLE = "admin:declarations_person_changelist"
OVERRIDES = "admin:declarations_pendingoverride_changelist"


@pytest.fixture
def zhengzhou(citizen, declare):
    return declare(citizen, contact="unsure", name="王小明", phone="13912345678")


@pytest.fixture
def luoyang(outsider, declare):
    from healthcode.models import City

    return declare(outsider, city=City.objects.get(code="410300"), name="李四", phone="13987654321")


def changelist(client, user, name=QUEUE, **params):
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response


def rows(response):
    return list(response.context["cl"].result_list)


def test_a_reviewer_sees_only_their_city(client, reviewer, luoyang_reviewer, superuser, zhengzhou, luoyang):
    assert rows(changelist(client, reviewer)) == [zhengzhou]
    assert rows(changelist(client, luoyang_reviewer)) == [luoyang]
    assert set(rows(changelist(client, superuser))) == {zhengzhou, luoyang}
    assert [p.pk for p in rows(changelist(client, reviewer, PEOPLE))] == [zhengzhou.applicant_id]
    # Another city's record by its URL: not found (404, as another person's data answers
    # everywhere; not the admin's redirect to its index), on every page of the record.
    client.force_login(reviewer)
    for name, pk in (("declaration", luoyang.pk), ("person", luoyang.applicant_id)):
        for page in ("change", "history", "delete"):
            url = reverse(f"admin:declarations_{name}_{page}", args=[pk])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
                assert "李四" not in response.content.decode()
    assert not RecordAccess.objects.exists()


def test_a_staff_account_without_a_city_sees_no_one(client, zhengzhou):
    from tests.declarations.conftest import make_reviewer

    nobody = make_reviewer("13600000009", city_code=None)
    assert rows(changelist(client, nobody)) == []


def test_list_pages_mask_id_and_phone_numbers(client, reviewer, zhengzhou):
    for name in (QUEUE, PEOPLE):
        page = changelist(client, reviewer, name).content.decode()
        assert zhengzhou.id_number not in page
        assert "13912345678" not in page
        assert zhengzhou.id_number[:4] + "*" * 10 + zhengzhou.id_number[-4:] in page
        assert "139****5678" in page
        assert "王*明" in page and "王小明" not in page


@pytest.mark.parametrize(
    "term",
    ["王小明", "小明", "13912345678", "139****5678", "MASKED", "FULL"],
)
def test_search_by_name_phone_or_masked_id(client, reviewer, zhengzhou, citizen, declare, term):
    other = declare(factories.account(), name="赵六", phone="13711112222")
    if term == "MASKED":
        term = zhengzhou.id_number[:4] + "**********" + zhengzhou.id_number[-4:]
    elif term == "FULL":
        term = zhengzhou.id_number
    found = rows(changelist(client, reviewer, q=term))
    assert found == [zhengzhou]
    assert other not in found


def test_filters(client, reviewer, zhengzhou, declare):
    waiting = declare(factories.account(), temperature=Decimal("39.0"), symptoms=["none"])
    assert rows(changelist(client, reviewer, status="needs_review")) == [waiting]
    assert rows(changelist(client, reviewer, verdict_colour="yellow")) == [zhengzhou]
    assert rows(changelist(client, reviewer, applicant__health_code__colour="yellow")) == [zhengzhou]
    assert len(rows(changelist(client, reviewer, city__id__exact=zhengzhou.city_id))) == 2
    year = timezone.localdate().year
    assert len(rows(changelist(client, reviewer, created__year=year))) == 2
    assert rows(changelist(client, reviewer, created__year=year - 1)) == []


def test_approve_verdict_action(client, reviewer, citizen, declare):
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    client.force_login(reviewer)
    response = client.post(reverse(QUEUE), {"action": "approve_verdicts", "_selected_action": [waiting.pk]})
    assert response.status_code == 302
    assert code_of(citizen).colour == Colour.YELLOW
    assert ColourChange.objects.get().actor == reviewer


def test_approving_from_a_list_shown_before_the_code_changed_does_nothing(client, reviewer, citizen, declare):
    """The list carries each row's code version; the approval runs only if it is still so."""
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    client.force_login(reviewer)
    code = code_of(citizen)
    listed = client.get(reverse(QUEUE)).content.decode()
    assert f'name="seen_{waiting.pk}" value="{code.version}"' in listed
    # Meanwhile the authority records the person as a case: red.
    change_colour(code.pk, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="Confirmed case")
    data = {"action": "approve_verdicts", "_selected_action": [waiting.pk], f"seen_{waiting.pk}": code.version}
    page = client.post(reverse(QUEUE), data, follow=True).content.decode()
    assert "The colour changed meanwhile: nothing was applied." in page
    assert "1 approved" not in page
    waiting.refresh_from_db()
    assert waiting.status == waiting.Status.NEEDS_REVIEW
    assert code_of(citizen).colour == Colour.RED
    assert not ColourChange.objects.filter(actor=reviewer).exists()
    # From the list as it is now: decided (yellow below red: a lowering, for a second reviewer).
    data[f"seen_{waiting.pk}"] = code_of(citizen).version
    page = client.post(reverse(QUEUE), data, follow=True).content.decode()
    assert "1 approved" in page and "it waits for a second reviewer" in page
    waiting.refresh_from_db()
    assert waiting.status != waiting.Status.NEEDS_REVIEW


TAMPERED = ["abc", "99999999999999999999", "1\x00", "-1"]


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("person", "override_colours"),
        ("declaration", "override_colours"),
        ("declaration", "approve_verdicts"),
        ("appeal", "uphold"),
        ("pendingoverride", "approve"),
    ],
)
def test_a_tampered_selection_selects_nothing(client, reviewer, zhengzhou, name, action):
    client.force_login(reviewer)
    url = reverse(f"admin:declarations_{name}_changelist")
    for value in TAMPERED:
        for extra in ({}, {"apply": "1", "colour": "red", "reason": "x", "note": "x"}):
            data = {"action": action, "_selected_action": [value]} | extra
            response = client.post(url, data, follow=True)
            assert response.status_code == 200
            assert "Items must be selected in order to perform actions on them" in response.content.decode()
    assert not ColourChange.objects.filter(source="reviewer").exists()


def test_an_action_runs_on_the_valid_ids_of_a_tampered_selection(client, reviewer, citizen, declare):
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    client.force_login(reviewer)
    selection = [*TAMPERED, str(waiting.pk)]
    response = client.post(reverse(QUEUE), {"action": "approve_verdicts", "_selected_action": selection})
    assert response.status_code == 302
    assert code_of(citizen).colour == Colour.YELLOW


def test_override_asks_for_a_reason_first(client, reviewer, zhengzhou, citizen):
    client.force_login(reviewer)
    data = {"action": "override_colours", "_selected_action": [zhengzhou.pk]}
    page = client.post(reverse(QUEUE), data).content.decode()
    assert "Set the colour, with a reason" in page and 'name="reason"' in page
    page = client.post(reverse(QUEUE), data | {"apply": "1", "colour": "red", "reason": ""}).content.decode()
    assert "A reason is required" in page
    assert code_of(citizen).colour == Colour.YELLOW
    response = client.post(reverse(QUEUE), data | {"apply": "1", "colour": "red", "reason": "On the CDC list"})
    assert response.status_code == 302
    change = ColourChange.objects.get(to_colour=Colour.RED)
    assert (change.actor, change.reason, change.source) == (reviewer, "On the CDC list", "reviewer")


def test_setting_a_colour_from_a_page_shown_before_it_changed_does_nothing(
    client, reviewer, second_reviewer, zhengzhou, citizen
):
    """A reviewer's page to set a person's colour, kept open (or come back to with the back
    button) while another reviewer raised it: sending it does nothing and says so. The same
    reviewer's change sent twice (a double click) is done once and answered as done."""
    import re

    person = self_applicant(citizen)
    client.force_login(reviewer)
    ask = {"action": "override_colours", "_selected_action": [person.pk]}
    page = client.post(reverse(PEOPLE), ask).content.decode()
    seen = dict(re.findall(r'<input type="hidden" name="(seen_\d+)" value="(\d+)">', page))
    assert list(seen) == [f"seen_{person.pk}"]
    send = ask | seen | {"apply": "1", "colour": "red", "reason": "On the CDC list"}

    change_colour(person.health_code_id, Colour.RED, source=ColourChange.Source.REVIEWER, reason="Another reviewer")
    change_colour(person.health_code_id, Colour.YELLOW, source=ColourChange.Source.CHECKIN, reason="x")  # moved on
    sent_back = client.post(reverse(PEOPLE), send | {"reason": ""}).content.decode()  # no reason: the page again
    assert "A reason is required" in sent_back
    assert (
        dict(re.findall(r'<input type="hidden" name="(seen_\d+)" value="(\d+)">', sent_back)) == seen
    )  # as first seen
    response = client.post(reverse(PEOPLE), send, follow=True)
    page = response.content.decode()
    assert "The colour changed meanwhile: nothing was applied." in page
    assert "1 row done" not in page
    assert code_of(citizen).colour == Colour.YELLOW
    assert not ColourChange.objects.filter(actor=reviewer).exists()

    page = client.post(reverse(PEOPLE), ask).content.decode()
    send = ask | dict(re.findall(r'<input type="hidden" name="(seen_\d+)" value="(\d+)">', page))
    send |= {"apply": "1", "colour": "red", "reason": "On the CDC list"}
    for _ in range(2):
        response = client.post(reverse(PEOPLE), send, follow=True)
        assert "nothing was applied" not in response.content.decode()
    assert code_of(citizen).colour == Colour.RED
    assert ColourChange.objects.filter(actor=reviewer).count() == 1
    # A tampered version is no version: never a 500.
    assert client.post(reverse(PEOPLE), send | {f"seen_{person.pk}": "\u00b2"}, follow=True).status_code == 200


def test_deciding_a_waiting_declaration_from_a_page_shown_before_the_code_changed_does_nothing(
    client, reviewer, citizen, declare
):
    """The queue's page to decide a declaration waiting for a reviewer, kept open while the
    health authority made the person red: sending "green" does nothing (no proposal to lower
    the red the reviewer never saw), says so, and the declaration still waits."""
    import re

    declare(citizen, contact="unsure")  # yellow
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    assert waiting.status == waiting.Status.NEEDS_REVIEW
    client.force_login(reviewer)
    ask = {"action": "override_colours", "_selected_action": [waiting.pk]}
    page = client.post(reverse(QUEUE), ask).content.decode()
    seen = dict(re.findall(r'<input type="hidden" name="(seen_\d+)" value="(\d+)">', page))
    assert seen == {f"seen_{waiting.pk}": str(code_of(citizen).version)}
    change_colour(waiting.applicant.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")

    send = ask | seen | {"apply": "1", "colour": "green", "reason": "Negative test"}
    page = client.post(reverse(QUEUE), send, follow=True).content.decode()
    assert "The colour changed meanwhile: nothing was applied." in page
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (waiting.Status.NEEDS_REVIEW, None)
    assert not PendingOverride.objects.exists()
    assert code_of(citizen).colour == Colour.RED

    # From a page shown now, the same decision is made (a proposal: it lowers).
    page = client.post(reverse(QUEUE), ask).content.decode()
    send = ask | dict(re.findall(r'<input type="hidden" name="(seen_\d+)" value="(\d+)">', page))
    client.post(reverse(QUEUE), send | {"apply": "1", "colour": "green", "reason": "Negative test"})
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (waiting.Status.REVIEWED, reviewer)
    assert PendingOverride.objects.get().from_colour == Colour.RED


def test_four_eyes_in_the_admin(client, reviewer, second_reviewer, zhengzhou, citizen):
    client.force_login(reviewer)
    data = {"action": "override_colours", "_selected_action": [zhengzhou.pk], "apply": "1"}
    response = client.post(reverse(QUEUE), data | {"colour": "green", "reason": "Negative test"}, follow=True)
    assert "waits for a second reviewer" in response.content.decode()
    assert code_of(citizen).colour == Colour.YELLOW
    pending = PendingOverride.objects.get()

    # The proposer cannot approve it.
    approve = {"action": "approve", "_selected_action": [pending.pk], "apply": "1", "note": ""}
    response = client.post(reverse(OVERRIDES), approve, follow=True)
    assert "A second reviewer must approve" in response.content.decode()
    assert code_of(citizen).colour == Colour.YELLOW

    # A second reviewer does; the list masks the person too.
    client.force_login(second_reviewer)
    page = client.get(reverse(OVERRIDES)).content.decode()
    assert zhengzhou.id_number not in page and "Negative test" in page
    client.post(reverse(OVERRIDES), approve)
    assert code_of(citizen).colour == Colour.GREEN
    change = ColourChange.objects.get(to_colour=Colour.GREEN)
    assert (change.actor, change.approved_by) == (reviewer, second_reviewer)
    # Who proposed and who decided, by their logins with the number masked (a reviewer's login
    # is their mobile number), in the list, the override and the declaration it came from.
    pages = [client.get(reverse(OVERRIDES)).content.decode()]
    pages.append(client.get(reverse("admin:declarations_pendingoverride_change", args=[pending.pk])).content.decode())
    for page in pages:
        assert reviewer.username not in page
        assert page.count(second_reviewer.username) == 1  # the admin's own "Welcome, ..."
        assert "136****0001" in page and "136****0002" in page


def test_decline_asks_for_a_reason(client, reviewer, second_reviewer, zhengzhou, citizen):
    from declarations.services import reviewers

    pending = reviewers.override_colour(zhengzhou.applicant_id, reviewer, colour="green", reason="x").pending
    client.force_login(second_reviewer)
    data = {"action": "decline", "_selected_action": [pending.pk], "apply": "1", "reason": ""}
    assert "A reason is required" in client.post(reverse(OVERRIDES), data).content.decode()
    client.post(reverse(OVERRIDES), data | {"reason": "Not convinced"})
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == ("declined", "Not convinced")


def test_opening_a_record_is_logged_and_the_log_is_read_only(client, reviewer, superuser, zhengzhou):
    client.force_login(reviewer)
    page = client.get(reverse("admin:declarations_declaration_change", args=[zhengzhou.pk])).content.decode()
    assert "Not sure about contact" in page  # the rules that fired, in words
    client.get(reverse("admin:declarations_person_change", args=[zhengzhou.applicant_id]))
    log = list(RecordAccess.objects.order_by("id").values_list("user", "record", "applicant"))
    assert log == [
        (reviewer.pk, "declarations.Declaration", zhengzhou.applicant_id),
        (reviewer.pk, "declarations.Person", zhengzhou.applicant_id),
    ]
    # Reviewers cannot see the log; the auditor (superuser) reads it but cannot change it.
    assert client.get(reverse("admin:declarations_recordaccess_changelist")).status_code == 403
    client.force_login(superuser)
    assert client.get(reverse("admin:declarations_recordaccess_changelist")).status_code == 200
    entry = RecordAccess.objects.first()
    change = client.get(reverse("admin:declarations_recordaccess_change", args=[entry.pk])).content.decode()
    assert 'name="_save"' not in change
    delete = reverse("admin:declarations_recordaccess_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:declarations_recordaccess_add")).status_code == 403
    assert RecordAccess.objects.count() == 2


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("13600000001", True),  # the reviewer's login, in full
        ("136 0000 0001", True),
        ("136****0001", True),  # as the list shows it
        ("136****0002", False),
        ("auditor", False),
        ("王", False),
        ("😀", False),
        ("x" * 10000, False),
    ],
)
def test_the_access_log_is_searched_by_who_opened_the_record(client, reviewer, superuser, zhengzhou, term, found):
    """Logins are encrypted at rest: Django's search (username__icontains) was a server error
    whatever was typed."""
    client.force_login(reviewer)
    client.get(reverse("admin:declarations_declaration_change", args=[zhengzhou.pk]))
    response = changelist(client, superuser, "admin:declarations_recordaccess_changelist", q=term)
    assert [entry.user for entry in rows(response)] == ([reviewer] if found else [])


def test_drafts_are_not_in_the_queue(client, reviewer, citizen):
    from declarations.services import save_draft

    save_draft(citizen, self_applicant(citizen), factories.declaration_data())
    assert rows(changelist(client, reviewer)) == []


def test_view_only_staff_cannot_run_actions(client, zhengzhou, citizen):
    from django.contrib.auth.models import Permission

    from tests.declarations.conftest import make_reviewer

    viewer = make_reviewer("13600000010")
    viewer.groups.clear()
    viewer.user_permissions.set(Permission.objects.filter(codename="view_declaration"))
    client.force_login(viewer)
    data = {"action": "override_colours", "_selected_action": [zhengzhou.pk], "apply": "1"}
    client.post(reverse(QUEUE), data | {"colour": "red", "reason": "x"})
    assert code_of(citizen).colour == Colour.YELLOW


def test_the_demo_reviewer_reviews_zhengzhou_only(client, zhengzhou, luoyang):
    from django.core.management import call_command

    from healthcode.models import User

    call_command("seed_demo", stdout=io.StringIO())
    demo = User.objects.get(username="13800000003")
    seen = rows(changelist(client, demo))  # ours and the demo citizen's, both in Zhengzhou
    assert zhengzhou in seen and luoyang not in seen
    assert {declaration.city.code for declaration in seen} == {"410100"}
    assert client.get(reverse("admin:family_applicant_changelist")).status_code == 403
