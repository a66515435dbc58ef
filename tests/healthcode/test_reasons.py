"""A colour change's reason is kept as parts and put into words when read, in the reader's
language; a change without parts (a reviewer's, or one written before) reads as written. The
rules' words come from declarations, registered in its AppConfig (the core imports no app)."""

from __future__ import annotations

import pytest
from django.utils import translation

from family.services import self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.reasons import reason_text
from healthcode.services import change_colour, remember_language
from tests import factories

CONTACT_UNSURE_EN = "Not sure about contact with a confirmed or suspected case."
CONTACT_UNSURE_ZH = "不确定是否接触过确诊或疑似病例。"


@pytest.fixture
def code_id(db):
    return self_applicant(factories.account()).health_code_id


def test_parts_are_put_into_words_in_the_active_language(code_id):
    change = change_colour(
        code_id,
        Colour.YELLOW,
        source=ColourChange.Source.REVIEW,
        rules=["contact_unsure"],
        reason_parts=[
            {"code": "contact_unsure"},
            {
                "code": "risk_areas",
                "areas": [{"name": "Jinshui", "level": "high"}, {"name": "Erqi", "level": "medium"}],
            },
        ],
    )
    change.refresh_from_db()
    assert change.reason_parts[0] == {"code": "contact_unsure"}
    # Kept in words too, in the site's default language (the export, the record).
    assert change.reason == f"{CONTACT_UNSURE_EN} Risk areas: Jinshui (high risk), Erqi (medium risk)."
    with translation.override("zh-hans"):
        assert reason_text(change) == f"{CONTACT_UNSURE_ZH}风险地区：Jinshui（高风险）、Erqi（中风险）。"
    with translation.override("en"):
        assert reason_text(change) == change.reason


def test_the_stored_words_are_english_whatever_the_language_of_the_moment(code_id):
    with translation.override("zh-hans"):
        change = change_colour(
            code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW, reason_parts=[{"code": "contact_unsure"}]
        )
    assert change.reason == CONTACT_UNSURE_EN


def test_a_change_without_parts_reads_as_written(code_id):
    """Rows from before parts were kept, and a reviewer's own words."""
    old = change_colour(code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW, reason="Temperature of 37.3 °C.")
    mine = change_colour(code_id, Colour.RED, source=ColourChange.Source.REVIEWER, reason="On the CDC list 疾控名单")
    with translation.override("zh-hans"):
        assert reason_text(old) == "Temperature of 37.3 °C."
        assert reason_text(mine) == "On the CDC list 疾控名单"


def test_a_text_part_and_an_unknown_code_read_as_they_are(code_id):
    change = change_colour(
        code_id,
        Colour.YELLOW,
        source=ColourChange.Source.REVIEW,
        reason_parts=[{"text": "Seen at the market on 03-01."}, {"code": "not_a_rule"}],
    )
    with translation.override("zh-hans"):
        assert reason_text(change) == "Seen at the market on 03-01. not_a_rule"


def test_remember_language_keeps_only_the_sites_languages(db):
    user = factories.account()
    assert user.language == ""
    assert remember_language(user, "zh-Hans") == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert remember_language(user, "fr") == "zh-hans"  # not one of ours: ignored
    assert remember_language(user, "en", unless_set=True) == "zh-hans"
    assert remember_language(user, "en") == "en"
