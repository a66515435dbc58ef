"""What the reviewers' admin shows: colours through classes (the Content Security Policy
refuses a style attribute), times in the site's time zone (not UTC) and symptoms in words."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from declarations.admin.display import colour_badge
from healthcode.colours import Colour
from healthcode.models import ColourChange
from tests.declarations.conftest import code_of

STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
# 02:30 UTC is 10:30 in Henan: a time shown in UTC reads 8 hours early.
MOMENT = datetime(2026, 3, 1, 2, 30, tzinfo=ZoneInfo("UTC"))


def test_the_colour_badge_has_a_class_and_no_style():
    for colour in Colour:
        badge = colour_badge(colour)
        assert not STYLE_ATTRIBUTE.search(badge)
        assert f'class="hc-colour hc-colour-{colour.value}"' in badge
        assert str(colour.label) in badge


def test_admin_pages_carry_no_style_attribute_and_load_the_admin_styles(client, reviewer, declare, citizen):
    declaration = declare(citizen)
    client.force_login(reviewer)
    for url in (
        reverse("admin:declarations_declaration_changelist"),
        reverse("admin:declarations_declaration_change", args=[declaration.pk]),
        reverse("admin:declarations_person_changelist"),
        reverse("admin:declarations_person_change", args=[declaration.applicant_id]),
    ):
        html = client.get(url).content.decode()
        assert not STYLE_ATTRIBUTE.search(html), url
        assert "css/admin.css" in html, url
        assert "img/icon.svg" in html, url  # no request for a /favicon.ico that is not there
        if url.endswith("/person/") or url.endswith("/declaration/"):
            assert "hc-colour-green" in html, url  # the lists' colour columns


def test_admin_times_are_in_the_site_time_zone(client, reviewer, declare, citizen):
    declaration = declare(citizen)
    code = code_of(citizen)
    type(declaration).objects.filter(pk=declaration.pk).update(created=MOMENT)
    ColourChange.objects.filter(code=code).update(created=MOMENT)
    type(code).objects.filter(pk=code.pk).update(since=MOMENT)
    declaration.refresh_from_db()
    assert str(declaration).endswith("2026-03-01 10:30")

    client.force_login(reviewer)
    change = client.get(reverse("admin:declarations_declaration_change", args=[declaration.pk])).content.decode()
    assert "2026-03-01 10:30" in change  # the title and the colour history
    assert "2026-03-01 02:30" not in change
    person = client.get(reverse("admin:declarations_person_change", args=[declaration.applicant_id])).content.decode()
    assert "+00:00" not in person  # colour since: not the raw UTC value
    assert "10:30" in person and "2026-03-01 02:30" not in person
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


def test_symptoms_are_shown_in_words(client, reviewer, declare, citizen):
    declaration = declare(citizen, symptoms=["fever", "cough"])
    client.force_login(reviewer)
    html = client.get(reverse("admin:declarations_declaration_change", args=[declaration.pk])).content.decode()
    assert "Fever, Cough" in html
    assert "[&quot;fever&quot;" not in html and '["fever"' not in html
