"""Headless Chromium against pytest-django's live server.

Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM
calls from a thread with a running loop unless told otherwise. The tests only touch the
database between browser steps (and the live server runs requests in its own threads), so
this is safe here and must be set before Django sees a query.
"""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import missing_services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}  # an iPhone X/11 Pro class screen, in CSS pixels
STEP_TIMEOUT_MS = 10_000  # a page that takes longer than this is a failure, not a wait

SCREENSHOT_ROOT = Path(os.environ.get("E2E_SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots" / "e2e"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome on the item, so the page fixture can photograph a failure.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_session():
    if not CHROMIUM.exists():
        missing_services(f"{CHROMIUM} not found: the e2e tests need Debian's Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    yield playwright
    manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser(playwright_session):
    browser = playwright_session.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class BrowserLog:
    """What went wrong in the browser while the test looked elsewhere: JS errors, console
    errors and HTTP error responses (a missing static file, a 500)."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.problems.append(f"JS error: {exc}"))
        page.on("console", self._console)
        page.on(
            "response",
            lambda resp: self.problems.append(f"HTTP {resp.status} {resp.url}") if resp.status >= 400 else None,
        )

    def _console(self, msg) -> None:
        # "Failed to load resource" repeats an HTTP error without its address; the response
        # event above records those with the address, except the browser's own favicon probe.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.problems.append(f"console.error: {msg.text}")


class Shots:
    """Numbered full-page screenshots of each step, one folder per test."""

    def __init__(self, page, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.count = 0

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def phone_timezone() -> str:
    """The phone's own time zone; a test may parametrize it to play a phone set elsewhere."""
    return "Asia/Shanghai"


@pytest.fixture
def page(browser, live_server, browser_log, phone_timezone, request) -> Iterator:
    """A fresh phone-sized context per test: no cookies or storage carried over."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        timezone_id=phone_timezone,
        base_url=live_server.url,
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    browser_log.attach(page)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        directory = SCREENSHOT_ROOT / _safe(request.node.name)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(directory / "FAILED.png"), full_page=True)
        except Exception:  # a dead page must not hide the real failure
            pass
    context.close()


@pytest.fixture
def shots(page, request) -> Shots:
    directory = SCREENSHOT_ROOT / _safe(request.node.name)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return Shots(page, directory)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
