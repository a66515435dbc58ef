"""Accessibility in headless Chromium: axe-core (vendored from npm, tests/e2e/vendor/axe-core)
finds no serious or critical violation on the main pages, in English and in Chinese; and the
declaration works with the keyboard alone.

axe is injected through the DevTools protocol (page.evaluate), not a <script> tag: the pages'
Content-Security-Policy rightly refuses inline scripts, and axe is a test tool that the site
itself never serves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

from checkpoints.models import Venue, VenueStaff
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City, ColourChange, User
from healthcode.services import change_colour
from tests import factories
from tests.e2e import helpers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CITIZEN, STAFF, AUTHORITY = "13912345001", "13912345002", "13912345003"


def axe_violations(page: Page) -> list[str]:
    """The serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:4])
            lines.append(f"{violation['impact']} {violation['id']}: {violation['help']} [{targets}]")
    return lines


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(helpers.PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def people(transactional_db, django_capture_on_commit_callbacks):
    """A citizen with a green code and a grandmother with a yellow one; checkpoint staff; the
    health authority."""
    citizen = factories.account(CITIZEN, password=helpers.PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        factories.declared(citizen)
        grandma = factories.member(citizen, relationship="grandparent", name="王秀英")
        factories.declared(citizen, grandma, name="王秀英", id_number=grandma.id_number)
    grandma.refresh_from_db()
    change_colour(grandma.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="test")
    venue = Venue.objects.create(
        name="Zhengzhou East Railway Station", type=Venue.Type.RAILWAY, city=City.objects.get(code="410100")
    )
    VenueStaff.objects.create(
        venue=venue, user=factories.account(STAFF, password=helpers.PASSWORD), role=VenueStaff.Role.MANAGER
    )
    authority = factories.account(AUTHORITY, password=helpers.PASSWORD)
    group, _ = Group.objects.get_or_create(name="Health authority")
    group.permissions.add(Permission.objects.get(content_type__app_label="authority", codename="view_dashboard"))
    authority.groups.add(group)
    return {"citizen": citizen, "me": self_applicant(citizen), "grandma": grandma, "venue": venue}


def check_pages(page: Page, pages: list[tuple[str, str]]) -> list[str]:
    found = []
    for name, url in pages:
        page.goto(url)
        page.wait_for_load_state()
        found += [f"{name} ({url}): {line}" for line in axe_violations(page)]
    return found


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_no_serious_violation_on_the_main_pages(browser, live_server, people, locale, browser_log):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale=locale, timezone_id="Asia/Shanghai", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    browser_log.attach(page)
    me, grandma = people["me"].pk, people["grandma"].pk
    found = check_pages(
        page,
        [
            ("home", "/"),
            ("search", "/search/?q=Henan"),
            ("city list", "/henan/"),
            ("city page", "/henan/410100/"),
            ("log in", "/accounts/login/"),
            ("sign up", "/accounts/signup/"),
            ("not found", "/no/such/page/"),
        ],
    )
    log_in(page, CITIZEN)
    found += check_pages(
        page,
        [
            ("code, green", f"/code/{me}/"),
            ("code, yellow", f"/code/{grandma}/"),
            ("switch applicants", "/code/switch/"),
            ("family agent form", "/family/add/"),
            ("paper code", f"/family/{me}/paper/"),
            ("why this colour", f"/code/{grandma}/why/"),
            ("check-in", f"/code/{grandma}/check-in/"),
            ("appeal", f"/code/{grandma}/appeal/"),
        ],
    )
    # The declaration with a mistake, then its confirmation.
    page.goto("/declare/")
    page.locator("input[name=temperature]").fill("45")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_be_visible()
    found += [f"declaration with errors: {line}" for line in axe_violations(page)]
    page.locator("input[name=temperature]").fill("36.5")
    for answer in ("symptoms][value=none", "travel][value=none", "contact][value=no"):
        page.locator(f"input[name={answer}]").check()
    for box in page.locator(".field-check input[type=checkbox]").all():
        box.check()
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/confirm/")
    found += [f"confirmation: {line}" for line in axe_violations(page)]

    staff = context.new_page()
    browser_log.attach(staff)
    context.clear_cookies()
    log_in(staff, STAFF)
    venue = people["venue"].pk
    found += check_pages(
        staff,
        [("checkpoint staff page", f"/checkpoints/{venue}/"), ("venue today", f"/checkpoints/{venue}/manage/")],
    )
    token = None
    context.clear_cookies()
    log_in(staff, CITIZEN)
    token = staff.request.get(f"/code/{grandma}/qr.json").json()["token"]
    context.clear_cookies()
    log_in(staff, STAFF)
    staff.goto(f"/checkpoints/{venue}/")
    staff.locator("#token").fill(token)
    staff.locator("#scan-form .manual button[type=submit]").click()
    expect(staff.locator("#verdict")).to_be_visible()
    found += [f"checkpoint STOP: {line}" for line in axe_violations(staff)]

    context.clear_cookies()
    log_in(staff, AUTHORITY)
    staff.goto("/authority/dashboard/")
    staff.locator("form[action$=count] button").click()
    staff.wait_for_load_state()
    found += [f"dashboard: {line}" for line in axe_violations(staff)]
    context.close()
    assert not found, "\n".join(found)
    unexpected = [p for p in browser_log.problems if not p.endswith("/no/such/page/")]
    assert not unexpected, unexpected


def test_the_declaration_with_the_keyboard_alone(page, browser_log):
    """Tab from field to field, type, Space ticks, arrow keys choose, Enter submits and
    confirms; the focused control is always outlined."""
    user = factories.account(CITIZEN, password=helpers.PASSWORD)
    log_in(page, user.username)
    page.goto("/declare/")

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", f"{selector} has focus but no visible outline"
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("select[name=city]")
    page.keyboard.type("Zhengzhou")
    tab_to("input[name=name]")
    page.keyboard.type("王小明")
    tab_to("input[name=id_number]")
    page.keyboard.type(factories.valid_id())
    tab_to("input[name=phone]")
    page.keyboard.type("13912345678")
    tab_to("input[name=district]")
    page.keyboard.type("Jinshui District")
    tab_to("input[name=street_address]")
    page.keyboard.type("1 Huayuan Road")
    tab_to("input[name=temperature]")
    page.keyboard.type("36.5")
    tab_to("input[name=symptoms][value=none]")
    page.keyboard.press("Space")
    tab_to("input[name=travel]")
    page.keyboard.press("Space")  # the first answer: No
    tab_to("input[name=contact]")
    page.keyboard.press("Space")
    tab_to("input[name=commitment_truthful]")
    page.keyboard.press("Space")
    tab_to("input[name=commitment_consent]")
    page.keyboard.press("Space")
    tab_to("form.form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/confirm/")
    expect(page.get_by_role("heading", name="Please check your information")).to_be_visible()
    tab_to("form[action$='/confirm/'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/code/*/")
    expect(page.locator(".code-card")).to_have_attribute("data-color", "green", timeout=15_000)
    assert page.locator("input[name=travel][value=none]").count() == 0
    assert User.objects.get(pk=user.pk).applicants.get().health_code.colour == Colour.GREEN
    assert not browser_log.problems, browser_log.problems


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_nothing_scrolls_sideways_at_320_px(browser, live_server, people, locale):
    """The smallest phones: every page fits the width (a wide table scrolls in its own box)."""
    context = browser.new_context(
        viewport={"width": 320, "height": 640}, locale=locale, is_mobile=True, base_url=live_server.url
    )
    page = context.new_page()
    me, grandma, venue = people["me"].pk, people["grandma"].pk, people["venue"].pk
    wide = []

    def check(urls):
        for url in urls:
            page.goto(url)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 320:
                wide.append(f"{url}: {width} px")

    check(["/", "/henan/", "/henan/410100/", "/accounts/login/", "/accounts/signup/", "/no/such/page/"])
    log_in(page, CITIZEN)
    check(
        [
            f"/code/{me}/",
            f"/code/{grandma}/",
            "/code/switch/",
            "/family/add/",
            "/declare/",
            f"/family/{me}/paper/",
            f"/code/{grandma}/why/",
            f"/code/{grandma}/check-in/",
        ]
    )
    context.clear_cookies()
    log_in(page, STAFF)
    check([f"/checkpoints/{venue}/", f"/checkpoints/{venue}/manage/", f"/checkpoints/{venue}/log/"])
    context.clear_cookies()
    log_in(page, AUTHORITY)
    page.goto("/authority/dashboard/")
    page.locator("form[action$=count] button").click()
    check(["/authority/dashboard/"])
    context.close()
    assert not wide, wide
