"""The smallest phones in use (320 x 568 CSS pixels), as a daughter in a queue uses them: her
mother's code is whole on the first screen, and a refused form shows what to fix."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from family.models import InboxMessage, Notice
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories
from tests.e2e import helpers
from tests.e2e.test_accessibility import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SMALL = {"width": 320, "height": 568}
DAUGHTER = "13912345101"


@contextmanager
def small_phone(browser, live_server, browser_log, language: str, *, init_script: str = "", viewport=SMALL, scale=2):
    """A page on a 320 x 568 phone in `language`; `init_script` runs in every document first.
    `viewport` and `scale` play the same phone otherwise (its page zoomed: tests/e2e/test_page_zoom.py)."""
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=scale,
        is_mobile=True,
        has_touch=True,
        locale=language,
        extra_http_headers={"Accept-Language": language},
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    browser_log.attach(page)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def small_page(browser, live_server, browser_log, request):
    with small_phone(browser, live_server, browser_log, getattr(request, "param", "en-US")) as page:
        yield page


@pytest.fixture
def mother(transactional_db, django_capture_on_commit_callbacks):
    """A daughter's account holding her mother, whose code is red, with everything that can
    stand around the code: unread messages and a notice."""
    daughter = factories.account(DAUGHTER, password=helpers.PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(daughter)
        mother = factories.member(daughter, relationship="parent", name="王秀英")
        factories.declared(daughter, mother, name="王秀英", id_number=mother.id_number)
    mother.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        change_colour(mother.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="test")
    Notice.objects.create(account=daughter, message="A notice that stands above the code until it is read.")
    assert InboxMessage.objects.filter(account=daughter, read_at__isnull=True).exists()
    return mother


@pytest.mark.parametrize("small_page", ["en-US", "zh-CN"], indirect=True)
def test_a_family_members_red_code_is_whole_on_the_first_screen(small_page, mother, browser_log):
    page = small_page
    log_in(page, DAUGHTER)
    page.goto(f"/code/{mother.pk}/")
    expect(page.locator(".code-card")).to_have_attribute("data-color", "red")
    expect(page.locator("#qr svg, #qr canvas, #qr img").first).to_be_visible()
    assert page.evaluate("scrollY") == 0
    qr = page.locator("#qr").bounding_box()
    assert qr["y"] >= 0 and qr["y"] + qr["height"] <= SMALL["height"], f"the QR ends at {qr['y'] + qr['height']}"
    assert qr["width"] >= 200, "still large enough to scan"
    # Whose code it is, is on the first screen too; the inbox and the notice come after it.
    person = page.locator(".code-person").bounding_box()
    assert person["y"] + person["height"] <= qr["y"]
    assert page.locator(".inbox-link").bounding_box()["y"] > qr["y"] + qr["height"]
    assert page.locator(".agent-banner").bounding_box()["y"] > qr["y"] + qr["height"]
    assert not browser_log.problems


def test_a_refused_form_brings_the_field_to_fix_into_view(small_page, browser_log):
    page = small_page
    factories.account(DAUGHTER, password=helpers.PASSWORD)
    log_in(page, DAUGHTER)
    page.goto("/declare/?city=410100")  # as "Use Now" on the city's page opens it
    # Everything but the two commitments, at the end of the form.
    helpers.fill_declaration(page, name="王小红", id_number=factories.valid_id("19800101"))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    banner = page.locator(".form-errors")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("link")).to_have_count(2)  # one link per field to fix
    field = page.locator("#div_id_commitment_truthful")
    box = field.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= SMALL["height"], "the first field to fix is on screen"
    assert page.evaluate("document.activeElement.name") == "commitment_truthful"
    banner.get_by_role("link").nth(1).click()
    expect(page.locator("#div_id_commitment_consent")).to_be_in_viewport()
    assert not browser_log.problems


@pytest.mark.parametrize("small_page", ["en-US", "zh-CN"], indirect=True)
def test_the_confirmation_shows_the_id_number_whole_on_one_line(small_page, browser_log):
    """Checking her mother's ID number digit by digit: its three groups side by side, not the
    last four characters alone on a second line."""
    page = small_page
    factories.account(DAUGHTER, password=helpers.PASSWORD)
    log_in(page, DAUGHTER)
    page.goto("/declare/?city=410100")
    # By the fields' names: the labels are in the page's language.
    page.locator("input[name=name]").fill("王小红")
    page.locator("input[name=id_number]").fill(factories.valid_id("19800101"))
    page.locator("input[name=district]").fill("Jinshui District")
    page.locator("input[name=street_address]").fill("1 Huayuan Road")
    page.locator("input[name=temperature]").fill("36.5")
    for choice in ("symptoms][value=none", "travel][value=none", "contact][value=no"):
        page.locator(f"input[name={choice}]").check()
    for box in page.locator(".field-check input[type=checkbox]").all():
        box.check()
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/confirm/")
    groups = [box for box in (span.bounding_box() for span in page.locator(".id-number span").all())]
    assert len(groups) == 3
    assert len({round(box["y"]) for box in groups}) == 1, f"the groups wrap: {groups}"
    assert groups[-1]["x"] + groups[-1]["width"] <= SMALL["width"] - 16, "inside the card"
    # Its label is still just above it.
    label = page.locator(".summary .id-label").bounding_box()
    assert label["y"] + label["height"] <= groups[0]["y"] + 2
    assert not browser_log.problems


def test_a_code_waiting_for_a_reviewer_offers_no_dead_refresh_button(small_page, browser_log):
    from decimal import Decimal

    page = small_page
    daughter = factories.account(DAUGHTER, password=helpers.PASSWORD)
    factories.declared(daughter, temperature=Decimal("39.2"), symptoms=["none"])  # waits for a reviewer
    log_in(page, DAUGHTER)
    page.goto("/code/")
    expect(page.locator(".code-card")).to_have_attribute("data-color", "pending")
    expect(page.locator(".qr-pending")).to_contain_text("reviewer")
    expect(page.locator("#refresh")).to_be_hidden()  # no QR to renew
    expect(page.get_by_role("link", name="Family Agent")).to_be_visible()
    assert not browser_log.problems
