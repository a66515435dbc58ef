"""Family Agent in headless Chromium, the seed's steps one by one:

the code page → "Family Agent" at the lower right of the QR → the family member's form →
the two commitments → "Submit" → the summary → "Confirm Submission" → the member's own code
→ "Switch Applicants" at the upper right → back to one's own code; both QRs decode into
tokens for two different people.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from family.models import Applicant, Relationship
from family.services import self_applicant
from healthcode import verification
from tests import factories
from tests.e2e import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AUTHORISED = "The information is true, and I am authorised by this person or their guardian to apply for them."
ACCOMPANY = "I will accompany this person and show the health code for them."


def _log_in(page, phone: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_label("Password").fill(helpers.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_agent_applies_for_grandmother_and_switches(page, shots, browser_log, django_capture_on_commit_callbacks):
    agent = factories.account("13912340002", password=helpers.PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(agent)
    grandma_id = factories.valid_id("19440615")

    _log_in(page, agent.username)
    page.goto("/code/")
    code_card = page.locator(".code-card")
    expect(code_card).to_have_attribute("data-color", "green")
    shots("own-code")

    # 1. "Family Agent" at the lower right of the QR.
    button = page.get_by_role("link", name="Family Agent")
    qr_box, button_box = page.locator("#qr").bounding_box(), button.bounding_box()
    assert button_box["y"] > qr_box["y"] + qr_box["height"] - 1, "the button sits below the QR"
    assert button_box["x"] + button_box["width"] / 2 > qr_box["x"] + qr_box["width"] / 2, "…on the right"
    button.click()
    expect(page.get_by_role("heading", name="Family Agent")).to_be_visible()
    shots("family-form")

    # 2. The family member's information, one by one.
    helpers.fill_declaration(page, name="王秀英", id_number=grandma_id, district="Erqi District")
    page.get_by_label("Relationship").select_option(label="Grandparent")
    # 3. The two commitments, then "Submit".
    page.get_by_label(AUTHORISED).check()
    page.get_by_label(ACCOMPANY).check()
    shots("family-form-filled")
    page.get_by_role("button", name="Submit").click()

    # 4. The confirmation with the summary.
    expect(page.get_by_role("heading", name="Please check your family member's information")).to_be_visible()
    expect(page.get_by_text("Grandparent")).to_be_visible()
    expect(page.get_by_text(helpers.grouped_id(grandma_id))).to_be_visible()
    shots("family-confirm")
    page.get_by_role("button", name="Confirm Submission").click()

    # 5. The member's own code, from the same background review.
    expect(page.locator(".code-card")).to_have_attribute("data-color", "green")
    expect(page.get_by_text("王*英")).to_be_visible()
    expect(page.get_by_text("family member (Grandparent)")).to_be_visible()
    shots("family-code")
    grandma_token = helpers.read_qr(page)

    # 6. "Switch Applicants" at the upper right lists both, with their colours.
    switch = page.get_by_role("link", name="Switch Applicants")
    assert switch.bounding_box()["x"] > 375 / 2
    switch.click()
    people = page.locator(".person")
    expect(people).to_have_count(2)
    expect(people.nth(0)).to_have_attribute("data-color", "green")
    expect(people.nth(1)).to_contain_text("王秀英")  # the account's own list: full names
    shots("switch")
    people.nth(0).get_by_role("link").first.click()
    expect(page.locator(".code-card")).to_have_attribute("data-color", "green")
    expect(page.get_by_text("family member")).to_have_count(0)
    own_token = helpers.read_qr(page)

    # The choice is remembered.
    page.goto("/code/")
    assert page.url.endswith(f"/code/{self_applicant(agent).pk}/")

    grandma = Applicant.objects.get(account=agent, relationship=Relationship.GRANDPARENT)
    own_result, grandma_result = verification.check(own_token), verification.check(grandma_token)
    assert own_result.code == grandma_result.code == "ok"
    assert own_result.health_code.pk == self_applicant(agent).health_code_id
    assert grandma_result.health_code.pk == grandma.health_code_id
    assert own_result.health_code.pk != grandma_result.health_code.pk
    assert browser_log.problems == []
