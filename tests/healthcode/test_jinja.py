"""The code page is rendered with Jinja2 (healthcode/jinja.py), everything else with Django's
template language: the two base layouts must stay the same, and the Jinja2 text must stay in
the translation catalogue (makemessages finds only `{{ _("...") }}` there)."""

import re
from ast import literal_eval
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation
from django.utils.translation.template import templatize

from family.services import self_applicant

JINJA_DIR = Path(settings.BASE_DIR) / "templates" / "jinja2"
LITERAL = re.compile(r'_\(\s*("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')\s*\)')


def normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="-"', html)
    html = re.sub(r'name="next" value="[^"]*"', 'name="next" value="-"', html)
    return re.sub(r"\s+", " ", html).strip()


def part(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, f"{pattern!r} not in the page"
    return normalised(found.group(0))


def with_message(client, text: str) -> None:
    """A message waiting for the next page (Django's cookie storage), as after a saved form."""
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, text)
    response = HttpResponse()
    storage.update(response)
    client.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value


def chrome(html: str) -> dict[str, str]:
    """What base.html gives every page, without what a page fills in."""
    return {
        "head": re.sub(r"<title>.*?</title>", "", part(html, r'<meta charset.*?<link rel="stylesheet"[^>]*>')),
        "skip": part(html, r'<a class="skip".*?</a>'),
        "back": re.sub(r'href="[^"]*"', 'href="-"', part(html, r'<a class="mp-back".*?</a>')),
        "messages": part(html, r'<div class="mp-messages".*?</div>') if "mp-messages" in html else "",
        "footer": part(html, r'<footer class="mp-foot">.*?</footer>'),
        "html": part(html, r"<!doctype html>\s*<html[^>]*>"),
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_code_page_has_the_same_layout_as_every_other_page(client, green_citizen, language):
    client.force_login(green_citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    pages = {}
    for name, url in (
        ("switch", reverse("code-switch")),
        ("code", reverse("code", args=[self_applicant(green_citizen).pk])),
    ):
        with_message(client, "Saved.")
        pages[name] = client.get(url).content.decode()
    dtl, jinja = chrome(pages["switch"]), chrome(pages["code"])
    assert "Saved." in jinja["messages"]
    assert jinja == dtl
    assert f'<html lang="{language}">' in pages["code"]


def test_every_jinja2_text_is_found_by_makemessages_and_translated():
    found = 0
    with translation.override("zh-hans"):
        for path in sorted(JINJA_DIR.rglob("*.html")):
            source = path.read_text()
            written = {literal_eval(text) for text in LITERAL.findall(source)}
            extracted = {literal_eval(text) for text in LITERAL.findall(templatize(source, origin=str(path)))}
            assert written == extracted, f"{path}: makemessages would miss {sorted(written - extracted)}"
            untranslated = [text for text in written if translation.gettext(text) == text]
            assert not untranslated, f"{path}: no Chinese for {untranslated}"
            found += len(written)
    assert found > 30


def test_jinja2_escapes_what_it_prints():
    from django.template import engines

    template = engines["jinja2"].from_string("{{ name }}|{{ _('Inbox (%(n)s unread)')|format(n=name) }}")
    with translation.override("en"):
        assert template.render({"name": "<b>&"}) == "&lt;b&gt;&amp;|Inbox (&lt;b&gt;&amp; unread)"


def test_links_follow_the_script_prefix_of_each_request(client, green_citizen):
    """The Jinja2 pages remember their URLs per script prefix: a site mounted under a path
    links under it, and the same process serving it at the root links at the root."""
    client.force_login(green_citizen)
    pk = self_applicant(green_citizen).pk
    set_script_prefix("/hc/")  # what the WSGI handler does for SCRIPT_NAME=/hc
    try:
        mounted = client.get(f"/code/{pk}/").content.decode()
    finally:
        clear_script_prefix()
    assert f'href="/hc/code/{pk}/why/"' in mounted and 'href="/hc/code/switch/"' in mounted
    plain = client.get(f"/code/{pk}/").content.decode()
    assert f'href="/code/{pk}/why/"' in plain and 'href="/code/switch/"' in plain and "/hc/" not in plain
