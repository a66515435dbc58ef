"""Checkpoint staff verify a citizen's code in headless Chromium at phone size.

The camera path is real: Chromium's fake camera plays a Y4M video written from a photograph
of the citizen's QR as their code page shows it, and the page's own decoder (the vendored
jsQR) reads it from the video. Staff see PASS; the citizen's colour turns red; the same QR
then gives STOP (its token is out of date), and so does the citizen's new, red QR. A second
test takes the network away: the page checks the signature itself (WebCrypto Ed25519 with
the published keys), keeps the scan, and uploads it when the network is back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from checkpoints.models import Scan, Venue, VenueStaff
from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import City, ColourChange, User
from healthcode.services import change_colour
from tests import factories
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, STEP_TIMEOUT_MS
from tests.e2e.helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CITIZEN = "13912345001"
STAFF = "13612345002"
SCAN_TIMEOUT_MS = 20_000  # camera start, frames, decoding and the server's answer


# ---------------------------------------------------------------------------- helpers


def write_y4m(qr_png: bytes, path: Path, *, width: int = 640, height: int = 480, frames: int = 4) -> Path:
    """A Y4M video (the header line, then raw 4:2:0 frames) showing the QR on white paper,
    as a phone held up to the camera would; Chromium loops it as the fake camera's feed."""
    qr = Image.open(io.BytesIO(qr_png)).convert("RGB")
    side = min(width, height) - 60
    qr = qr.resize((side, round(qr.height * side / qr.width)), Image.Resampling.NEAREST)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr, ((width - qr.width) // 2, (height - qr.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    chroma = cb.resize(half, Image.Resampling.BILINEAR).tobytes() + cr.resize(half, Image.Resampling.BILINEAR).tobytes()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            video.write(b"FRAME\n" + y.tobytes() + chroma)
    return path


@pytest.fixture
def camera_browser(playwright_session, live_server) -> Iterator:
    """Start Chromium whose camera plays a given Y4M file: `open_scanner(video)` returns a
    logged-in staff page on the venue's scanner. Each call is a new browser (the file is
    fixed at launch)."""
    launched = []

    def open_scanner(video: Path, venue: Venue) -> Page:
        browser = playwright_session.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(browser)
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="en-US",
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
            permissions=["camera"],
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"JS error: {exc}"))
        log_in(page, STAFF, next_url=f"/checkpoints/{venue.pk}/")
        expect(page.locator("#camera-box")).to_be_visible()
        return page

    problems: list[str] = []
    open_scanner.problems = problems
    yield open_scanner
    for browser in launched:
        browser.close()


def log_in(page: Page, phone: str, *, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: urlsplit(url).path.startswith(next_url))


def snap(shots, page: Page, step: str) -> None:
    """A numbered screenshot of another page (the staff phone) in the test's folder."""
    shots.count += 1
    page.screenshot(path=str(shots.directory / f"{shots.count:02d}-{step}.png"), animations="disabled")


def qr_photo(page: Page) -> bytes:
    page.reload()
    return page.locator("#qr").screenshot(animations="disabled")


@pytest.fixture
def checkpoint(db) -> Venue:
    venue = Venue.objects.create(
        name="Zhengzhou East Railway Station", type=Venue.Type.RAILWAY, city=City.objects.get(code="410100")
    )
    VenueStaff.objects.create(venue=venue, user=factories.account(STAFF), role=VenueStaff.Role.MANAGER)
    return venue


@pytest.fixture
def citizen_page(page, checkpoint) -> Page:
    """The citizen, green, logged in on their code page."""
    user = factories.account(CITIZEN)
    factories.declared(user, name="李建国")  # reviewed at once: tasks run eagerly
    assert self_applicant(user).health_code.colour == Colour.GREEN
    log_in(page, CITIZEN, next_url="/code/")
    page.wait_for_url("**/code/*/")
    expect(page.locator("#qr svg")).to_be_visible()
    return page


# ---------------------------------------------------------------------------- tests


def test_staff_scan_a_citizens_qr_with_the_camera(
    citizen_page, checkpoint, camera_browser, shots, browser_log, tmp_path
):
    applicant = self_applicant(User.objects.get(username=CITIZEN))
    shots("citizen-green-code")

    # The camera sees the citizen's phone: PASS.
    staff = camera_browser(write_y4m(qr_photo(citizen_page), tmp_path / "green.y4m"), checkpoint)
    verdict = staff.locator("#verdict")
    expect(verdict).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    expect(verdict).to_have_attribute("data-display", "green")
    expect(staff.locator("#verdict-text")).to_have_text("PASS")
    expect(staff.locator("#verdict-colour")).to_have_text("Green code")
    expect(staff.locator("#verdict-name")).to_have_text("李*国")
    expect(staff.locator("#verdict-id")).to_have_text(applicant.id_number[:4] + "*" * 10 + applicant.id_number[-4:])
    expect(staff.locator("#verdict-issued")).to_contain_text("Code issued")
    snap(shots, staff, "staff-pass")
    scan = Scan.objects.get()
    assert (scan.result, scan.applicant_id, scan.source, scan.direction) == ("ok", applicant.pk, "staff", "entry")
    assert applicant.id_number not in staff.content()

    # The health authority turns the citizen red. The QR still in front of the camera is now
    # out of date: after "Next person" it is read again and stopped.
    change_colour(applicant.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    staff.get_by_role("button", name="Next person").click()
    expect(verdict).to_be_hidden()
    expect(verdict).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    expect(staff.locator("#verdict-text")).to_have_text("STOP")
    expect(verdict).to_have_attribute("data-display", "invalid")
    expect(staff.locator("#verdict-reason")).to_contain_text("out of date")
    snap(shots, staff, "staff-stop-stale")
    assert list(Scan.objects.order_by("pk").values_list("result", flat=True)) == ["ok", "revoked"]

    # The citizen's page now shows a red QR; scanned, it is a red STOP.
    red_qr = qr_photo(citizen_page)
    expect(citizen_page.locator(".code-card")).to_have_attribute("data-color", "red")
    shots("citizen-red-code")
    staff = camera_browser(write_y4m(red_qr, tmp_path / "red.y4m"), checkpoint)
    verdict = staff.locator("#verdict")
    expect(verdict).to_be_visible(timeout=SCAN_TIMEOUT_MS)
    expect(verdict).to_have_attribute("data-display", "red")
    expect(staff.locator("#verdict-text")).to_have_text("STOP")
    expect(staff.locator("#verdict-colour")).to_have_text("Red code")
    expect(staff.locator("#verdict-reason")).to_have_text("Red code: no entry. Quarantine.")
    snap(shots, staff, "staff-stop-red")
    assert list(Scan.objects.order_by("pk").values_list("result", "colour")) == [
        ("ok", "green"),
        ("revoked", "red"),
        ("not_green", "red"),
    ]
    assert camera_browser.problems == []
    assert browser_log.problems == []


def test_offline_scans_are_checked_on_the_phone_and_uploaded_later(
    citizen_page, checkpoint, browser, live_server, shots, browser_log
):
    applicant = self_applicant(User.objects.get(username=CITIZEN))
    token = citizen_page.evaluate(
        "url => fetch(url).then(r => r.json()).then(d => d.token)", f"/code/{applicant.pk}/qr.json"
    )
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, locale="en-US", base_url=live_server.url
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    staff = context.new_page()
    browser_log.attach(staff)
    log_in(staff, STAFF, next_url=f"/checkpoints/{checkpoint.pk}/")
    expect(staff.locator("#camera-status")).to_have_text("No camera available: type or paste the code below.")

    context.set_offline(True)
    expect(staff.locator("#offline-banner")).to_have_text("Offline: codes are checked on this phone.")
    staff.get_by_label("Type or paste the code").fill(token)
    staff.get_by_role("button", name="Check").click()
    expect(staff.locator("#verdict-text")).to_have_text("PASS")
    expect(staff.locator("#verdict")).to_have_attribute("data-display", "green")
    expect(staff.locator("#verdict-note")).to_contain_text("Checked offline")
    snap(shots, staff, "offline-pass")
    staff.get_by_role("button", name="Next person").click()

    # A forged code is refused offline too: the signature is checked on the phone.
    prefix, kid, payload, signature = token.split(".")
    forged = f"{prefix}.{kid}.{payload}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
    staff.get_by_label("Type or paste the code").fill(forged)
    staff.get_by_role("button", name="Check").click()
    expect(staff.locator("#verdict-text")).to_have_text("STOP")
    expect(staff.locator("#verdict-reason")).to_contain_text("forged")
    staff.get_by_role("button", name="Next person").click()
    expect(staff.locator("#offline-banner")).to_contain_text("2 scans kept on this phone")
    snap(shots, staff, "offline-queue")
    assert not Scan.objects.exists()

    # Back online: the page uploads what it kept, once.
    context.set_offline(False)
    expect(staff.locator("#offline-banner")).to_be_hidden(timeout=SCAN_TIMEOUT_MS)
    rows = list(Scan.objects.order_by("pk").values_list("result", "source", "applicant_id"))
    assert rows == [("ok", "offline", applicant.pk), ("bad_signature", "offline", None)]
    assert browser_log.problems == []
    context.close()
