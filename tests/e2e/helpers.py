"""Steps a person takes, written the way they see the page: by labels and button names."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

PASSWORD = "Sturdy-pass-2026"
TRUTHFUL = "I promise that the information above is true and complete."
CONSENT = "I agree that this information is used for epidemic prevention only."


def sign_up(page: Page, phone: str, password: str = PASSWORD) -> None:
    """From any page with the site's home link: home → "Sign up" → the form → back home."""
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password confirmation").fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("link", name="My health code")).to_be_visible()


def fill_declaration(
    page: Page,
    *,
    name: str,
    id_number: str,
    district: str = "Jinshui District",
    street_address: str = "1 Huayuan Road",
    temperature: str = "36.5",
    symptoms: tuple[str, ...] = ("None",),
    travel: str = "No",
    contact: str = "No",
) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("ID number").fill(id_number)
    page.get_by_label("District").fill(district)
    page.get_by_label("Street address").fill(street_address)
    page.get_by_label("Body temperature (°C)").fill(temperature)
    group = page.get_by_role("group", name="Symptoms in the past 14 days")
    for symptom in symptoms:
        group.get_by_label(symptom, exact=True).check()
    page.get_by_role("group", name="medium or high risk area").get_by_label(travel, exact=True).check()
    page.get_by_role("group", name="contact with a confirmed or suspected case").get_by_label(
        contact, exact=True
    ).check()


def tick_commitments(page: Page) -> None:
    page.get_by_label(TRUTHFUL).check()
    page.get_by_label(CONSENT).check()


def read_qr(page: Page) -> str:
    """Photograph the QR as shown and decode it, as a checkpoint's scanner would."""
    png = page.locator("#qr").screenshot(animations="disabled")
    # QR codes only, as a checkpoint's scanner reads them: zxing-cpp looking for every format
    # found a second barcode in a large QR now and then (CI, session 14, 320x568 zoomed).
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = {result.text for result in results}
    assert len(texts) == 1, f"expected one QR code in the screenshot, found {len(results)}: {sorted(texts)}"
    return texts.pop()


def masked_name(name: str) -> str:
    """What the code page may show of a name: first and last character, the middle starred."""
    return name[0] + "*" * (len(name) - 2) + name[-1]


def masked_id(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def assert_service_time(clock_text: str, *, zone: str = "Asia/Shanghai", slack: float = 5.0) -> None:
    """The code page's clock shows the service's local time (Beijing), whatever the phone says."""
    shown = datetime.strptime(clock_text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(zone))
    drift = abs((datetime.now(ZoneInfo(zone)) - shown).total_seconds())
    assert drift < slack, f"the clock shows {clock_text!r}, {drift:.0f} s away from {zone} time"


def grouped_id(number: str) -> str:
    """How the confirmation shows an ID number, to be checked against the card: region,
    date of birth, sequence and check digit."""
    return f"{number[:6]} {number[6:14]} {number[14:]}"
