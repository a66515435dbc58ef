"""Screenshots of the main pages for the README, taken in headless Chromium: `make screenshots`.

Starts its own server (a temporary SQLite database, DEBUG off as in production, static files
collected and served by WhiteNoise), migrates, runs seed_demo and seed_dashboard_demo, then
drives the pages the way people do: the citizen logs in and applies for a family member with
Family Agent, checkpoint staff check both codes (PASS, then STOP), and the health authority
opens its dashboard. PNGs go to docs/screenshots/ at 375 CSS pixels, scale 1, 256 colours.

    .venv/bin/python docs/screenshots.py                   # the README's set
    .venv/bin/python docs/screenshots.py --widths 320,375,414,1280 --out var/screenshots/widths
        # every citizen page at each width and in both languages, to look at the layout
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "healthcode-demo"
CITIZEN, STAFF, ADMIN = "13800000001", "13800000002", "admin"
LANGS = {"en": "en-US", "zh-hans": "zh-CN"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A throwaway site: its own var dir, database, keys and static files."""
    var = Path(tempfile.mkdtemp(prefix="hc-shots-"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DEBUG": "0",
        "SECRET_KEY": "screenshots-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "HC_VAR_DIR": str(var),
        "HC_KEY_DIR": str(var / "keys"),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DEMO_PASSWORD": PASSWORD,
        "LOG_LEVEL": "WARNING",
    }

    def manage(*args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    manage("compilemessages", "--ignore=.venv", "--ignore=var")
    manage("seed_demo")
    manage("seed_dashboard_demo", "--force")
    process = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(var, ignore_errors=True)


def save(page: Page, path: Path, *, full_page: bool = True) -> None:
    """A full-page PNG, reduced to 256 colours: small enough to commit."""
    png = page.screenshot(full_page=full_page, animations="disabled")
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KiB)")


def context(browser: Browser, url: str, lang: str, width: int, *, mobile: bool = True):
    ctx = browser.new_context(
        base_url=url,
        viewport={"width": width, "height": 760 if mobile else 900},
        device_scale_factor=1,
        is_mobile=mobile,
        has_touch=mobile,
        locale=LANGS[lang],
        timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(15_000)
    return ctx


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def add_yellow_family_member(page: Page) -> int:
    """Family Agent: a grandmother who travelled in a medium-risk area (so her code is yellow).
    Returns her applicant id."""
    page.goto("/family/add/")
    page.locator("select[name=relationship]").select_option("grandparent")
    page.locator("input[name=name]").fill("王秀英")
    page.locator("input[name=id_number]").fill(id_number("41010219450101002"))
    page.locator("select[name=city]").select_option(label="Zhengzhou 郑州市")
    page.locator("input[name=district]").fill("Jinshui District")
    page.locator("input[name=street_address]").fill("8 Weilai Road")
    page.locator("input[name=temperature]").fill("36.6")
    page.locator("input[name=symptoms][value=none]").check()
    page.locator("input[name=travel][value=medium]").check()
    page.locator("input[name=travel_area]").fill("Beijing, Chaoyang District")
    page.locator("input[name=contact][value=no]").check()
    for box in page.locator(".field-check input[type=checkbox]").all():
        box.check()
    page.locator("form.form button[type=submit]").click()
    page.locator("form[action*=confirm] button[type=submit]").click()
    page.wait_for_url("**/code/*/")
    page.wait_for_selector(".code-card[data-color=yellow]", timeout=20_000)
    return int(page.url.rstrip("/").split("/")[-1])


def id_number(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def token_of(page: Page, applicant: int) -> str:
    return page.request.get(f"/code/{applicant}/qr.json").json()["token"]


def check(page: Page, token: str) -> None:
    page.locator("#token").fill(token)
    page.locator("#scan-form .manual button[type=submit]").click()
    page.wait_for_selector("#verdict:not([hidden])")
    page.wait_for_timeout(300)


def readme_set(browser: Browser, url: str, out: Path) -> None:
    citizen = context(browser, url, "zh-hans", 375).new_page()
    log_in(citizen, CITIZEN)
    citizen.goto("/code/")
    own = int(citizen.url.rstrip("/").split("/")[-1])
    citizen.goto("/family/add/")
    save(citizen, out / "family-agent-zh.png", full_page=False)  # the first screen, Submit at its foot
    member = add_yellow_family_member(citizen)
    citizen.goto(f"/code/{own}/")
    citizen.wait_for_selector("#qr svg")
    save(citizen, out / "code-green-zh.png")
    citizen.goto("/code/switch/")
    save(citizen, out / "switch-applicants-zh.png")

    english = context(browser, url, "en", 375).new_page()
    log_in(english, CITIZEN)
    english.goto(f"/code/{member}/")
    english.wait_for_selector("#qr svg")
    save(english, out / "code-yellow-en.png")

    staff = context(browser, url, "en", 375).new_page()
    log_in(staff, STAFF)
    staff.goto("/checkpoints/")
    staff.locator(".city-list a").first.click()
    check(staff, token_of(citizen, own))
    save(staff, out / "checkpoint-pass-en.png", full_page=False)
    staff.locator("#verdict-next").click()
    check(staff, token_of(citizen, member))
    save(staff, out / "checkpoint-stop-en.png", full_page=False)

    authority = context(browser, url, "en", 1280, mobile=False).new_page()
    log_in(authority, ADMIN)
    authority.goto("/authority/dashboard/")
    authority.wait_for_timeout(800)  # the charts' first frame
    save(authority, out / "dashboard-en.png")


CITIZEN_PAGES = [
    ("home", "/"),
    ("cities", "/henan/"),
    ("city", "/henan/410100/"),
    ("code", "/code/"),
    ("switch", "/code/switch/"),
    ("family-agent", "/family/add/"),
    ("declare", "/declare/"),
]


def add_family_member(page: Page, *, name: str, first17: str, relationship: str, **answers: str) -> int:
    """Family Agent for one more person; `answers` overrides the healthy defaults. Returns the
    applicant id once the code page shows (whatever its colour, or still under review)."""
    page.goto("/family/add/")
    page.locator("select[name=relationship]").select_option(relationship)
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=id_number]").fill(id_number(first17))
    page.locator("select[name=city]").select_option(label="Zhengzhou 郑州市")
    page.locator("input[name=district]").fill("Jinshui District")
    page.locator("input[name=street_address]").fill("8 Weilai Road")
    page.locator("input[name=temperature]").fill(answers.get("temperature", "36.6"))
    page.locator(f"input[name=symptoms][value={answers.get('symptoms', 'none')}]").check()
    page.locator(f"input[name=travel][value={answers.get('travel', 'none')}]").check()
    if answers.get("travel_area"):
        page.locator("input[name=travel_area]").fill(answers["travel_area"])
    page.locator(f"input[name=contact][value={answers.get('contact', 'no')}]").check()
    for box in page.locator(".field-check input[type=checkbox]").all():
        box.check()
    page.locator("form.form button[type=submit]").click()
    page.locator("form[action*=confirm] button[type=submit]").click()
    page.wait_for_url("**/code/*/")
    return int(page.url.rstrip("/").split("/")[-1])


def family_of_four(browser: Browser, url: str) -> dict[str, int]:
    """The citizen's own code and three family members: yellow (a grandmother back from a
    medium-risk area), red (a father who met a case) and under review (a mother whose 38.6 °C
    without fever waits for a reviewer)."""
    page = context(browser, url, "zh-hans", 375).new_page()
    log_in(page, CITIZEN)
    page.goto("/code/")
    people = {"self": int(page.url.rstrip("/").split("/")[-1])}
    people["yellow"] = add_yellow_family_member(page)
    people["red"] = add_family_member(
        page, name="王建国", first17="41010219500202003", relationship="parent", contact="yes"
    )
    people["pending"] = add_family_member(
        page, name="李桂兰", first17="41010219520303004", relationship="parent", temperature="38.6"
    )
    page.context.close()
    return people


def widths_set(browser: Browser, url: str, out: Path, widths: list[int]) -> None:
    """Each citizen page at each width, in both languages, for a person to look at."""
    people = family_of_four(browser, url)
    own, yellow, red, pending = people["self"], people["yellow"], people["red"], people["pending"]
    member_pages = [
        ("code-self", f"/code/{own}/"),
        ("code-yellow", f"/code/{yellow}/"),
        ("code-red", f"/code/{red}/"),
        ("code-pending", f"/code/{pending}/"),
        ("why-green", f"/code/{own}/why/"),
        ("why-yellow", f"/code/{yellow}/why/"),
        ("why-red", f"/code/{red}/why/"),
        ("why-pending", f"/code/{pending}/why/"),
        ("checkin-yellow", f"/code/{yellow}/check-in/"),
        ("appeal-yellow", f"/code/{yellow}/appeal/"),
        ("paper-yellow", f"/family/{yellow}/paper/"),
        ("inbox", "/inbox/"),
        ("family-declare", f"/family/{yellow}/declare/"),
        ("family-remove", f"/family/{yellow}/remove/"),
        ("my-data", "/accounts/my-data/"),
    ]
    for lang in LANGS:
        for width in widths:
            page = context(browser, url, lang, width, mobile=width < 800).new_page()
            page.goto("/accounts/login/")
            save(page, out / f"{lang}-{width}-login.png")
            page.locator("input[name=username]").fill("13800000009")
            page.locator("input[name=password]").fill("wrong-password")
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-login-errors.png")
            page.goto("/accounts/signup/")
            save(page, out / f"{lang}-{width}-signup.png")
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-signup-errors.png")
            page.goto("/search/?q=%E5%81%A5%E5%BA%B7%E7%A0%81")
            save(page, out / f"{lang}-{width}-search.png")
            page.goto("/search/?q=xyz")
            save(page, out / f"{lang}-{width}-search-none.png")
            log_in(page, CITIZEN)
            for name, path in CITIZEN_PAGES + member_pages:
                page.goto(path)
                if name.startswith("code-") and name != "code-pending":
                    page.wait_for_selector("#qr svg")
                save(page, out / f"{lang}-{width}-{name}.png")
            page.goto(f"/code/{own}/")
            save(page, out / f"{lang}-{width}-code-self-screen.png", full_page=False)
            page.goto(f"/code/{yellow}/")
            page.wait_for_selector("#qr svg")
            save(page, out / f"{lang}-{width}-code-yellow-screen.png", full_page=False)
            page.goto("/henan/410100/use/")
            save(page, out / f"{lang}-{width}-use-now.png")
            page.goto("/declare/")
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-declare-errors.png")
            page.goto("/family/add/")
            page.locator("input[name=id_number]").fill("41010219450101")
            page.locator("input[name=temperature]").fill("45")
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-family-agent-errors.png")
            page.goto("/declare/")
            page.locator("input[name=temperature]").fill("36.5")
            page.locator("input[name=symptoms][value=none]").check()
            page.locator("input[name=travel][value=none]").check()
            page.locator("input[name=contact][value=no]").check()
            for box in page.locator(".field-check input[type=checkbox]").all():
                box.check()
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-confirm.png")
            page.goto(f"/code/{yellow}/check-in/")
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-checkin-errors.png")
            page.goto(f"/code/{yellow}/appeal/")
            page.locator("form.form button[type=submit]").click()
            save(page, out / f"{lang}-{width}-appeal-errors.png")
            citizen_page = page
            staff = context(browser, url, lang, width, mobile=width < 800).new_page()
            log_in(staff, STAFF)
            staff.goto("/checkpoints/")
            save(staff, out / f"{lang}-{width}-checkpoints.png")
            staff.locator(".city-list a").first.click()
            save(staff, out / f"{lang}-{width}-scan.png")
            check(staff, token_of(citizen_page, own))
            save(staff, out / f"{lang}-{width}-scan-pass.png", full_page=False)
            staff.locator("#verdict-next").click()
            check(staff, token_of(citizen_page, red))
            save(staff, out / f"{lang}-{width}-scan-stop-red.png", full_page=False)
            staff.locator("#verdict-next").click()
            check(staff, "HC1.garbage")
            save(staff, out / f"{lang}-{width}-scan-invalid.png", full_page=False)
            staff.context.close()
            page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--widths", help="comma-separated widths: every citizen page at each, both languages")
    args = parser.parse_args()
    with server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            if args.widths:
                widths_set(browser, url, args.out.resolve(), [int(w) for w in args.widths.split(",")])
            else:
                readme_set(browser, url, args.out.resolve())
        finally:
            browser.close()


if __name__ == "__main__":
    main()
