"""Large text: a phone with its font size set large (played here by the root font size at 200 %,
as the person's setting enlarges every rem), at 320 x 568 CSS pixels. Nothing scrolls sideways,
and on the code page the colour in words and the whole QR, still large enough to scan, are on the
first screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e import helpers
from tests.e2e.test_accessibility import log_in
from tests.e2e.test_small_screen import DAUGHTER, SMALL, mother, small_phone  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def large_text_page(browser, live_server, browser_log, request):
    # The phone's font size at 200 %, on every page before its first paint.
    enlarge = (
        "document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '200%'; });"
    )
    language = getattr(request, "param", "en-US")
    with small_phone(browser, live_server, browser_log, language, init_script=enlarge) as page:
        yield page


def sideways(page) -> int:
    """How far the page scrolls sideways, once its text is sure to be enlarged."""
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 34, f"{page.url}: small text"
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("large_text_page", ["en-US", "zh-CN"], indirect=True)
def test_with_large_text_the_code_is_whole_on_the_first_screen(large_text_page, mother, browser_log):  # noqa: F811
    page = large_text_page
    log_in(page, DAUGHTER)
    page.goto(f"/code/{mother.pk}/")
    expect(page.locator(".code-card")).to_have_attribute("data-color", "red")
    expect(page.locator("#qr svg, #qr canvas, #qr img").first).to_be_visible()
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 34, "the text is enlarged"
    assert sideways(page) == 0, "nothing scrolls sideways"
    assert page.evaluate("scrollY") == 0
    qr = page.locator("#qr").bounding_box()
    assert qr["x"] >= 0 and qr["x"] + qr["width"] <= SMALL["width"]
    assert qr["y"] >= 0 and qr["y"] + qr["height"] <= SMALL["height"], f"the QR ends at {qr['y'] + qr['height']}"
    assert qr["width"] >= 200, "still large enough to scan"
    # The colour in words, whole, above the QR; the date and the time each whole.
    colour = page.locator(".code-colour")
    expect(colour).to_contain_text("Red code" if "en" in page.evaluate("navigator.language") else "红码")
    box = colour.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= qr["y"]
    clock = page.locator("#clock span").all()
    assert [span.evaluate("e => e.getClientRects().length") for span in clock] == [1, 1], "2026-11-28 on one line"
    helpers.assert_service_time(page.locator("#clock").text_content())
    assert not browser_log.problems


def test_with_large_text_no_page_scrolls_sideways(large_text_page, mother, browser_log):  # noqa: F811
    """The pages around the code, with the text enlarged: the bar's title and links wrap rather
    than being cut off, a label's value goes under it, the buttons wrap."""
    page = large_text_page
    wide = []
    for url in ("/accounts/login/", "/accounts/signup/"):
        page.goto(url)
        if sideways(page):
            wide.append(url)
    log_in(page, DAUGHTER)
    for url in (f"/code/{mother.pk}/", "/code/switch/", f"/code/{mother.pk}/why/", "/inbox/", "/declare/"):
        page.goto(url)
        if sideways(page):
            wide.append(url)
    # The confirmation: its ID number may break between its groups, never beyond the screen.
    page.goto("/declare/?city=410100")
    helpers.fill_declaration(page, name="王小红", id_number=factories.valid_id("19800101"))
    helpers.tick_commitments(page)
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/confirm/")
    if sideways(page):
        wide.append("confirm")
    for span in page.locator(".id-number span").all():
        box = span.bounding_box()
        assert box["x"] + box["width"] <= SMALL["width"], "each group of the ID number on screen"
    assert not wide, f"these scroll sideways: {wide}"
    assert not browser_log.problems
