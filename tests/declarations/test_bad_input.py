"""Bad input on the citizen's declaration pages (tests/bad_input.py): the declaration for
oneself and for a family member (add and edit), its confirmation, the daily check-in and the
appeal. Never a server error; each form comes back with the message at its field and what was
typed in it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from declarations import services
from declarations.models import Appeal, CheckIn, Declaration
from declarations.services import DECLARED_FIELDS
from family.services import self_applicant
from tests import factories
from tests.bad_input import ID_NOT_THERE, VALUES, post, rolled_back, shows, variants

DECLARATION_FIELDS = ["form_token", *DECLARED_FIELDS, "relationship"]


@pytest.fixture
def yellow(citizen, declare, settings, tmp_path):
    """A citizen whose own code is yellow (they may appeal), with a family member."""
    settings.MEDIA_ROOT = tmp_path
    declare(citizen, contact="unsure")
    factories.member(citizen)
    return citizen


def pages(user) -> dict[str, tuple[str, list[str]]]:
    me = self_applicant(user)
    member = user.applicants.exclude(pk=me.pk).get()
    draft = services.save_draft(user, me, factories.declaration_data())
    return {
        "declare": (reverse("declare"), DECLARATION_FIELDS),
        "family-add": (reverse("family-add"), DECLARATION_FIELDS),
        "family-declare": (reverse("family-declare", args=[member.pk]), DECLARATION_FIELDS),
        "declare-confirm": (reverse("declare-confirm", args=[draft.ref]), ["form_token"]),
        "checkin": (reverse("checkin", args=[me.pk]), ["temperature", "symptoms"]),
        "appeal": (reverse("appeal", args=[me.pk]), ["reason", "latest", "image"]),
    }


@pytest.mark.parametrize("page", ["declare", "family-add", "family-declare", "declare-confirm", "checkin", "appeal"])
def test_no_input_is_a_server_error(client, yellow, page):
    client.force_login(yellow)
    url, fields = pages(yellow)[page]
    for value in VALUES:
        for data in [{}, *variants(fields, value)]:
            with rolled_back():
                response = post(client, url, data)
            # 200: the form again; 302: done (the confirmation), or nothing to do.
            assert response.status_code in (200, 302), (page, data, response.status_code)


@pytest.mark.parametrize(
    ("page", "data", "message", "typed"),
    [
        (
            "declare",
            {"temperature": "abc", "district": "金水区 😀"},
            "Enter the temperature as a number, for example 36.5.",
            'value="金水区 😀"',
        ),
        (
            "declare",
            {"id_number": "41010519900307001X", "street_address": "x" * 201},
            "This ID number&#x27;s last character does not match",
            'value="41010519900307001X"',
        ),
        (
            "family-add",
            {"relationship": "self", "name": "王奶奶"},
            "Select a valid choice.",
            'value="王奶奶"',
        ),
        ("checkin", {"temperature": "99", "symptoms": ["none"]}, "at most 42.0 °C", 'value="99"'),
        (
            "checkin",
            {"temperature": "36.5", "symptoms": ["none", "cough"]},
            "cannot be ticked together",
            'value="36.5"',
        ),
        ("appeal", {"reason": "short"}, "at least 10 characters", "\nshort</textarea>"),
        ("appeal", {"reason": "x" * 2001}, "under 2,000 characters", "x" * 2001 + "</textarea>"),
    ],
)
def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(client, yellow, page, data, message, typed):
    client.force_login(yellow)
    url, _fields = pages(yellow)[page]
    base = {"checkin": {}, "appeal": {}, "family-add": factories.member_post_data()}.get(page, factories.post_data())
    stored = Declaration.objects.count(), CheckIn.objects.count(), Appeal.objects.count()
    response = post(client, url, base | data)
    assert response.status_code == 200
    page_text = response.content.decode()
    assert message in page_text and typed in page_text
    assert (Declaration.objects.count(), CheckIn.objects.count(), Appeal.objects.count()) == stored


def test_the_message_is_in_the_readers_language(client, yellow):
    client.force_login(yellow)
    url, _fields = pages(yellow)["checkin"]
    response = post(client, url, {"temperature": "99", "symptoms": ["none"]}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert shows(response, "体温不高于 42.0 °C，请重新测量。", 'value="99"')


REVIEWER_ACTIONS = [
    ("declarations_declaration", "override_colours"),
    ("declarations_declaration", "approve_verdicts"),
    ("declarations_person", "override_colours"),
    ("declarations_appeal", "uphold"),
    ("declarations_appeal", "reject"),
    ("declarations_pendingoverride", "approve"),
    ("declarations_pendingoverride", "decline"),
]


@pytest.mark.parametrize(("admin_page", "action"), REVIEWER_ACTIONS, ids=[f"{p}.{a}" for p, a in REVIEWER_ACTIONS])
def test_no_reason_page_of_a_reviewers_action_is_a_server_error(client, reviewer, waiting, admin_page, action):
    """The intermediate page that asks for a reason: every field of it mistyped, repeated,
    overlong; and the selection naming a record of another city, or none."""
    from tests.declarations.conftest import make_reviewer

    luoyang = make_reviewer("13600000009", "410300")
    client.force_login(reviewer)
    url = reverse(f"admin:{admin_page}_changelist")
    mine = {
        "declarations_declaration": waiting.pk,
        "declarations_person": waiting.applicant_id,
    }.get(admin_page, ID_NOT_THERE)
    for value in VALUES:
        for selected in ([mine, value], [ID_NOT_THERE]):
            data = {"action": action, "_selected_action": selected, "apply": "1", "index": value}
            for fields in variants(["colour", "reason", "note", f"seen_{mine}", "select_across"], value):
                with rolled_back():
                    response = post(client, url, data | fields)
                assert response.status_code in (200, 302), (data | fields, response.status_code)
    # Another city's reviewer selecting this city's record acts on nothing.
    client.force_login(luoyang)
    before = waiting.applicant.health_code.version
    data = {"action": action, "_selected_action": [mine], "apply": "1", "colour": "red", "reason": "r", "note": "n"}
    assert post(client, url, data).status_code in (200, 302, 403)
    waiting.applicant.health_code.refresh_from_db()
    assert waiting.applicant.health_code.version == before
