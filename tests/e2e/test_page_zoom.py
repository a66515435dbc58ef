"""Page zoom at 200 % (Chrome Android's "page zoom", a desktop's zoom): the browser lays the page
out in half the CSS pixels, each drawn with twice the device pixels. A 320 x 568 phone shows the
code page at 160 x 284 CSS px, a 375 x 667 one at 187 x 333, both at scale 4. The name, the
colour in words and the whole QR, square and as wide as the screen allows, are on the first
screen; the clock, which proves the page is live, comes right below the QR; nothing scrolls
sideways (static/css/app.css, its page zoom layer)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e import helpers
from tests.e2e.test_accessibility import log_in
from tests.e2e.test_small_screen import DAUGHTER, mother, small_phone  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ZOOMED = {  # the phone's screen at 200 %, in CSS pixels
    "320x568": {"width": 160, "height": 284},
    "375x667": {"width": 187, "height": 333},
}
CASES = [(language, phone) for phone in ZOOMED for language in ("en-US", "zh-CN")]


@pytest.fixture
def zoomed_page(browser, live_server, browser_log, request):
    language, phone = request.param
    with small_phone(browser, live_server, browser_log, language, viewport=ZOOMED[phone], scale=4) as page:
        yield page


def lines(locator) -> int:
    """How many lines the element's own text takes (not a hidden label's inside it)."""
    return locator.evaluate(
        """e => new Set([...e.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).flatMap(n => {
            const r = document.createRange(); r.selectNodeContents(n);
            return [...r.getClientRects()].map(x => Math.round(x.bottom));
        })).size"""
    )


def sideways(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("zoomed_page", CASES, indirect=True, ids=[f"{p}-{lang}" for lang, p in CASES])
def test_zoomed_in_the_code_is_whole_on_the_first_screen(zoomed_page, mother, browser_log):  # noqa: F811
    page = zoomed_page
    screen = page.viewport_size
    log_in(page, DAUGHTER)
    page.goto(f"/code/{mother.pk}/")
    expect(page.locator(".code-card")).to_have_attribute("data-color", "red")
    expect(page.locator("#qr svg").first).to_be_visible()
    assert sideways(page) == 0, "nothing scrolls sideways"
    assert page.evaluate("scrollY") == 0
    qr = page.locator("#qr").bounding_box()
    assert qr["x"] >= 0 and qr["x"] + qr["width"] <= screen["width"]
    assert qr["y"] >= 0 and qr["y"] + qr["height"] <= screen["height"], f"the QR ends at {qr['y'] + qr['height']}"
    assert abs(qr["width"] - qr["height"]) < 1, f"square: {qr}"
    assert qr["width"] >= 120 and qr["width"] >= screen["width"] - 16, f"as wide as the screen allows: {qr}"
    # The checkpoint's scanner reads it as shown (600 device pixels and more).
    assert helpers.read_qr(page) == page.locator("#qr").get_attribute("data-token")
    # Whose code and its colour in words, whole, above the QR.
    name = page.locator(".code-name")
    expect(name).to_have_text(helpers.masked_name(mother.name))
    colour = page.locator(".code-colour")
    expect(colour).to_contain_text("Red code" if "en" in page.evaluate("navigator.language") else "红码")
    for box in (name.bounding_box(), colour.bounding_box()):
        assert box["y"] >= 0 and box["y"] + box["height"] <= qr["y"]
        assert box["x"] >= 0 and box["x"] + box["width"] <= screen["width"]
    # The clock right below the QR's frame (or above it, where there is room), ticking.
    clock = page.locator(".code-clock").bounding_box()
    frame = page.locator(".qr-frame").bounding_box()
    assert clock["y"] + clock["height"] <= qr["y"] or 0 <= clock["y"] - (frame["y"] + frame["height"]) <= 8
    if screen["height"] >= 333:  # on the 375 x 667 phone it is whole on the first screen too, on one line
        assert clock["y"] + clock["height"] <= screen["height"], f"the clock ends at {clock['y'] + clock['height']}"
        assert len({round(box["y"]) for box in (s.bounding_box() for s in page.locator("#clock span").all())}) == 1
    helpers.assert_service_time(page.locator("#clock").text_content())
    assert not browser_log.problems


@pytest.mark.parametrize("zoomed_page", [("en-US", "320x568"), ("zh-CN", "320x568")], indirect=True)
def test_zoomed_in_the_pages_around_the_code_do_not_scroll_sideways(zoomed_page, mother, browser_log):  # noqa: F811
    page = zoomed_page
    log_in(page, DAUGHTER)
    wide = []
    for url in (f"/code/{mother.pk}/", "/code/switch/", f"/code/{mother.pk}/why/", "/inbox/"):
        page.goto(url)
        if sideways(page):
            wide.append(url)
    assert not wide, f"these scroll sideways: {wide}"
    # Words stay whole, each on one line: the masked name beside the colour, Edit and Remove.
    page.goto(f"/code/{mother.pk}/why/")
    assert lines(page.locator(".why-colour .muted")) == 1
    page.goto("/code/switch/")
    tools = page.locator(".person-tools a")
    expect(tools.first).to_be_visible()
    assert [lines(link) for link in tools.all()] == [1] * tools.count()
    assert not browser_log.problems
