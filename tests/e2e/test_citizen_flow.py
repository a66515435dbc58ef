"""The foundation flow in headless Chromium at phone size, as a citizen walks it.

Home → sign up → search "Henan Health Code" → city list → Zhengzhou → "Use Now" → the
declaration form (once with a broken ID number) → the commitments → "Submit" → the summary →
"Confirm Submission" → the colour code issued by the background review (eager in tests), whose
QR, photographed and decoded, is a token that verifies.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from family.services import self_applicant
from healthcode import tokens, verification
from healthcode.colours import Colour
from healthcode.models import City, User
from tests import factories
from tests.e2e import helpers

# serialized_rollback: the live server needs a transactional database, whose flush would
# otherwise wipe the Henan cities that a data migration loaded, for every later test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BROKEN_ID = "110105194912310021"  # a real shape and date, but the check digit is wrong


def test_citizen_gets_a_green_code_that_verifies(page, shots, browser_log):
    phone = "13912340001"
    name = "王小明"
    id_number = factories.valid_id()

    page.goto("/")
    expect(page.get_by_role("searchbox", name="Search services")).to_be_visible()
    shots("home")

    helpers.sign_up(page, phone)
    shots("signed-up")

    page.get_by_role("searchbox", name="Search services").fill("Henan Health Code")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Mini programs")).to_be_visible()
    shots("search-results")

    page.get_by_role("link", name="Henan Health Code").click()
    expect(page.get_by_role("heading", name="Choose your city")).to_be_visible()
    shots("city-list")

    page.get_by_role("link", name="Zhengzhou").click()
    expect(page.get_by_role("heading", name="Zhengzhou")).to_be_visible()
    shots("city")

    page.get_by_role("link", name="Use Now").click()
    expect(page.get_by_role("heading", name="Health declaration")).to_be_visible()
    zhengzhou = City.objects.get(code="410100")
    expect(page.get_by_label("City")).to_have_value(str(zhengzhou.pk))
    expect(page.get_by_label("Mobile number")).to_have_value(phone)  # carried over from the account
    shots("declaration-form")

    # First a typo in the ID number, with the commitments forgotten too.
    helpers.fill_declaration(page, name=name, id_number=BROKEN_ID)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("What you typed is kept")
    id_field = page.locator("#div_id_id_number")
    expect(id_field).to_have_class("field has-error")
    expect(id_field.locator(".error")).to_have_text(
        "This ID number's last character does not match; please check it against the ID card."
    )
    expect(page.get_by_label("ID number")).to_have_value(BROKEN_ID)
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    expect(page.get_by_label("Body temperature (°C)")).to_have_value("36.5")
    expect(
        page.get_by_role("group", name="Symptoms in the past 14 days").get_by_label("None", exact=True)
    ).to_be_checked()
    expect(page.locator("#div_id_commitment_truthful .error")).to_have_text("Please tick this commitment to continue.")
    shots("declaration-errors")

    page.get_by_label("ID number").fill(id_number)
    helpers.tick_commitments(page)
    page.get_by_role("button", name="Submit").click()
    summary = page.get_by_role("dialog", name="Please check your information")
    expect(summary).to_be_visible()
    for fact in (
        "Zhengzhou",
        name,
        helpers.grouped_id(id_number),
        phone,
        "Jinshui District, 1 Huayuan Road",
        "36.5 °C",
        "Both ticked",
    ):
        expect(summary).to_contain_text(fact)
    shots("confirmation")

    page.get_by_role("button", name="Confirm Submission").click()
    card = page.locator(".code-card")
    expect(card).to_have_attribute("data-color", "green")
    expect(page.get_by_role("heading", name="Green code: pass")).to_be_visible()
    shots("code")

    # The clock ticks, so a screenshot can be told from the live page.
    clock = page.locator("#clock")
    before = clock.text_content()
    helpers.assert_service_time(before)
    page.wait_for_timeout(1200)
    assert clock.text_content() != before

    # Masked, never the full ID number anywhere in the page.
    expect(card).to_contain_text(helpers.masked_name(name))
    assert helpers.masked_name(name) == "王*明"
    expect(card).to_contain_text(helpers.masked_id(id_number))
    html = page.content()
    assert id_number not in html
    assert name not in html
    expect(page.get_by_role("link", name="Family Agent")).to_be_visible()

    # The QR, as a scanner sees it, is their own signed token and it passes.
    token = helpers.read_qr(page)
    claims = tokens.verify(token)
    assert claims.colour == Colour.GREEN
    assert not claims.paper
    own_code = self_applicant(User.objects.get(username=phone)).health_code
    assert claims.ref == bytes(own_code.ref)  # BinaryField: memoryview on Postgres, bytes on SQLite
    result = verification.check(token)
    assert result.code == "ok", result.code
    assert id_number not in token and phone not in token

    assert browser_log.problems == []


@pytest.mark.parametrize("phone_timezone", ["Europe/London"])  # a phone set to another zone
def test_fever_and_cough_give_a_yellow_code(page, shots, browser_log):
    phone = "13912340002"
    helpers.sign_up(page, phone)
    page.goto("/henan/410100/use/")
    helpers.fill_declaration(page, name="李华", id_number=factories.valid_id(), temperature="37.8", symptoms=("Cough",))
    helpers.tick_commitments(page)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("dialog", name="Please check your information")).to_contain_text("Cough")
    page.get_by_role("button", name="Confirm Submission").click()

    card = page.locator(".code-card")
    expect(card).to_have_attribute("data-color", "yellow")
    expect(page.get_by_role("heading", name="Yellow code")).to_contain_text("Yellow")
    shots("code-yellow")
    clock = page.locator("#clock")
    expect(clock).to_have_attribute("datetime", re.compile(r"^\d{4}-"))  # the script has ticked
    helpers.assert_service_time(clock.text_content())

    # A yellow token is genuine but does not let the holder through.
    token = helpers.read_qr(page)
    assert tokens.verify(token).colour == Colour.YELLOW
    assert verification.check(token).code == "not_green"

    assert browser_log.problems == []


def test_id_error_is_read_out_with_its_field(page):
    helpers.sign_up(page, "13912340003")
    page.goto("/henan/410100/use/")
    helpers.fill_declaration(page, name="王小明", id_number=BROKEN_ID)
    page.get_by_role("button", name="Submit").click()
    id_input = page.get_by_label("ID number")
    expect(id_input).to_have_attribute("aria-invalid", "true")
    expect(id_input).to_have_accessible_description(re.compile("last character does not match"), timeout=1000)
