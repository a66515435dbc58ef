"""A long reason in a colour-change SMS: it was cut at its 119th character whatever stood
there (inside a word, a venue's name or a date) and the SMS did not say where the rest was. It
is cut where a sentence, a clause or a word ends (in Chinese after a punctuation mark), ends
with "…", and the SMS points to "Why this colour?", where the reason is whole."""

from __future__ import annotations

import pytest
from django.urls import reverse

from family import sms
from family.models import InboxMessage
from family.services import self_applicant
from family.services.inbox import SMS_REASON_CHARS, sms_text
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.reasons import shorten
from healthcode.services import change_colour, remember_language

POINTER_EN = "The full reason is on the code page, under “Why this colour?”."
POINTER_ZH = "完整原因请见健康码页面的“为什么是这个颜色？”。"

# A reviewer's own words, kept as written: the old cut fell inside "2026-03-02" (English) and
# between two characters of a place name (Chinese).
LONG_EN = (
    "Checked with the Zhengzhou CDC by telephone: the person was at Zhengzhou East Railway Station, Waiting "
    "Hall 3, on 2026-03-02 between 08:30 and 09:10, at the same time as a confirmed case, "
    "and then took the metro to Erqi Square."
)
LONG_ZH = (
    "经郑州市疾控中心核实，该人员于 2026-03-02 上午 08:30 至 09:10 在郑州东站 3 号候车厅与一名确诊病例同时"
    "停留，随后乘地铁前往二七广场，又在二七广场商场停留约两小时，期间未全程佩戴口罩，请居家隔离观察并配合"
    "流调，听从卫生健康部门的安排，不要外出"
)


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# Both examples are longer than an SMS's reason, and the old cut (at character 119) kept part of a
# date in the English one (" on 2026-") and half a word in the Chinese one ("配合流调，听").


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            LONG_EN,
            "Checked with the Zhengzhou CDC by telephone: the person was at Zhengzhou East Railway Station, "
            "Waiting Hall 3…",
        ),
        (
            LONG_ZH,
            "经郑州市疾控中心核实，该人员于 2026-03-02 上午 08:30 至 09:10 在郑州东站 3 号候车厅与一名确诊病例同时"
            "停留，随后乘地铁前往二七广场，又在二七广场商场停留约两小时，期间未全程佩戴口罩，请居家隔离观察并配合流调…",
        ),
    ],
    ids=["en", "zh"],
)
def test_a_long_reason_is_cut_after_a_clause_and_ends_with_an_ellipsis(text, kept):
    short, cut = shorten(text, SMS_REASON_CHARS)
    assert cut and short == kept and len(short) <= SMS_REASON_CHARS
    assert text[len(short) - 1] in ",，"  # the mark the cut came after, dropped for the "…"


def test_sentences_are_kept_whole_before_clauses():
    first = "Spatio-temporal companion of a case at Zhengzhou East Railway Station on 2026-03-01."
    second = "Spatio-temporal companion of a case at Erqi Square Mall, Zhengzhou, on 2026-03-02."
    assert shorten(f"{first} {second}", SMS_REASON_CHARS) == (first[:-1] + "…", True)
    zh = "2026-03-01 在郑州东站与病例时空伴随。" * 6
    assert shorten(zh, SMS_REASON_CHARS) == (
        "2026-03-01 在郑州东站与病例时空伴随。" * 3 + "2026-03-01 在郑州东站与病例时空伴随…",
        True,
    )


def test_without_clauses_the_cut_is_between_words_never_inside_a_date_or_number():
    text = (
        "Companion " * 9
        + "of a case at Zhengzhou East Railway Station on 2026-03-01 at 08:30 with 37.3 °C fever reported"
    )
    short, cut = shorten(text, SMS_REASON_CHARS)
    assert cut and short.endswith("…") and len(short) <= SMS_REASON_CHARS
    assert text.startswith(short[:-1]) and text[len(short) - 1] == " "
    for whole in ("2026-03-01", "08:30", "37.3"):
        assert whole in short or whole[:3] not in short[-8:], short


@pytest.mark.parametrize("limit", range(28, 48))
def test_a_chinese_text_without_punctuation_is_never_cut_inside_a_date_or_time(limit):
    text = "该人员与确诊病例同时停留于郑州东站候车厅时间为2026年3月2日上午8点30分至9点之间随后乘地铁离开"
    short, cut = shorten(text, limit)
    assert cut and text.startswith(short[:-1])
    kept = short[:-1]
    # Every date or time is kept whole or not at all.
    for whole in ("2026年3月2日", "8点30分", "9点"):
        start = text.index(whole)
        assert len(kept) <= start or len(kept) >= start + len(whole), (limit, short)


def test_a_short_reason_and_an_unbroken_one():
    assert shorten("Close contact of a confirmed or suspected case.", SMS_REASON_CHARS) == (
        "Close contact of a confirmed or suspected case.",
        False,
    )
    assert shorten("x" * 200, SMS_REASON_CHARS) == ("x" * (SMS_REASON_CHARS - 1) + "…", True)


def yellow_with(user, reason: str, capture) -> InboxMessage:
    code_id = self_applicant(user).health_code_id
    with capture(execute=True):
        change_colour(code_id, Colour.YELLOW, source=ColourChange.Source.REVIEWER, reason=reason)
    return InboxMessage.objects.filter(account=user).latest("created")


def test_the_english_sms_cuts_honestly_and_points_to_the_whole_reason(
    client, green_citizen, django_capture_on_commit_callbacks
):
    message = yellow_with(green_citizen, LONG_EN, django_capture_on_commit_callbacks)
    text = sms.outbox[-1].text
    assert text == sms_text(message)
    assert (
        "Your health code is now yellow. Checked with the Zhengzhou CDC by telephone: the person was at Zhengzhou East "
        f"Railway Station, Waiting Hall 3… {POINTER_EN} Stay at home" in text
    )
    # Where the pointer sends the reader, the reason is whole.
    client.force_login(green_citizen)
    why = client.get(reverse("why-colour", args=[self_applicant(green_citizen).pk])).content.decode()
    assert "on 2026-03-02 between 08:30 and 09:10" in why and "took the metro to Erqi Square." in why


def test_the_chinese_sms_cuts_at_a_punctuation_mark_and_points_to_the_whole_reason(
    green_citizen, django_capture_on_commit_callbacks
):
    remember_language(green_citizen, "zh-hans")
    yellow_with(green_citizen, LONG_ZH, django_capture_on_commit_callbacks)
    text = sms.outbox[-1].text
    assert text.startswith("【河南健康码】您的健康码已变为黄码。经郑州市疾控中心核实，")
    assert f"期间未全程佩戴口罩，请居家隔离观察并配合流调…{POINTER_ZH}请居家观察" in text
    assert "听" not in text


def test_a_reason_that_fits_is_sent_whole_without_the_pointer(green_citizen, django_capture_on_commit_callbacks):
    yellow_with(green_citizen, "Listed by the CDC.", django_capture_on_commit_callbacks)
    text = sms.outbox[-1].text
    assert "now yellow. Listed by the CDC. Stay at home" in text and "…" not in text and POINTER_EN not in text
