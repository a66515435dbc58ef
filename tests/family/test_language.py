"""Why a colour changed, in the reader's language: the inbox and "Why this colour?" put the
reason into words when read; the SMS is written in the account's language (the one it signed
up in, or last chose with the switch on every page). Old rows, kept only in words, still read."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from declarations.services import reviewers
from declarations.services.checkins import submit_checkin
from family import sms
from family.models import InboxMessage
from family.services import self_applicant
from family.services.inbox import reason_of
from healthcode.colours import Colour
from healthcode.models import ColourChange, User
from healthcode.services import change_colour, remember_language
from tests import factories
from tests.declarations.conftest import make_reviewer

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
UNSURE_EN = "Not sure about contact with a confirmed or suspected case."
UNSURE_ZH = "不确定是否接触过确诊或疑似病例。"
PASSWORD = "Sturdy-pass-2026"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def sign_up(client, phone: str, headers: dict) -> User:
    response = client.post(
        reverse("signup"), {"username": phone, "password1": PASSWORD, "password2": PASSWORD}, **headers
    )
    assert response.status_code == 302
    return User.objects.get(username=phone)


def test_a_rules_reason_reads_in_chinese_in_the_inbox_and_why_this_colour(client, citizen, declare):
    declare(citizen, contact="unsure")
    assert ColourChange.objects.filter(to_colour=Colour.YELLOW).get().reason_parts == [{"code": "contact_unsure"}]
    client.force_login(citizen)
    inbox = client.get(reverse("inbox"), **ZH).content.decode()
    assert f"原因</span>：{UNSURE_ZH}" in inbox
    assert UNSURE_EN not in inbox
    why = client.get(reverse("why-colour", args=[self_applicant(citizen).pk]), **ZH).content.decode()
    assert f"<li>{UNSURE_ZH}</li>" in why  # the reasons
    assert f'<span class="small">{UNSURE_ZH}</span>' in why  # and the history
    assert UNSURE_EN not in why
    # The same rows, read in English.
    assert f"Why</span>: {UNSURE_EN}" in client.get(reverse("inbox"), **EN).content.decode()


def test_the_sms_is_in_the_language_the_account_signed_up_in(client, db, declare):
    chinese = sign_up(client, "13912340001", ZH)
    english = sign_up(client, "13912340002", EN)
    assert (chinese.language, english.language) == ("zh-hans", "en")
    declare(chinese, contact="unsure")
    declare(english, contact="unsure")
    texts = {message.to: message.text for message in sms.outbox}
    zh, en = texts[chinese.username], texts[english.username]
    assert zh.startswith("【河南健康码】您的健康码已变为黄码。")
    assert UNSURE_ZH in zh and "详情请查看站内消息。" in zh
    assert "health code" not in zh and UNSURE_EN not in zh
    assert en.startswith("[Henan Health Code] Your health code is now yellow.")
    assert UNSURE_EN in en and UNSURE_ZH not in en


def test_the_language_switch_is_remembered_for_the_sms(client, green_citizen, django_capture_on_commit_callbacks):
    assert green_citizen.language == ""  # an account from before languages were kept: English
    client.force_login(green_citizen)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("inbox")})
    green_citizen.refresh_from_db()
    assert green_citizen.language == "zh-hans"
    with django_capture_on_commit_callbacks(execute=True):
        change_colour(
            self_applicant(green_citizen).health_code_id,
            Colour.YELLOW,
            source=ColourChange.Source.REVIEW,
            reason_parts=[{"code": "contact_unsure"}],
        )
    assert sms.outbox[-1].text.startswith("【河南健康码】您的健康码已变为黄码。")
    client.post(reverse("set_language"), {"language": "en", "next": reverse("inbox")})
    green_citizen.refresh_from_db()
    assert green_citizen.language == "en"


def test_switching_without_an_account_keeps_only_the_cookie(client, db):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "zh-hans"
    assert not User.objects.exclude(language="").exists()


def test_logging_in_gives_an_account_without_a_language_the_one_it_uses(client, citizen):
    response = client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD}, **ZH)
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.language == "zh-hans"
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD}, **EN)
    citizen.refresh_from_db()
    assert citizen.language == "zh-hans"  # a language once kept changes only by the switch


def test_an_abnormal_check_in_reads_with_its_day_and_temperature(
    client, green_citizen, django_capture_on_commit_callbacks
):
    remember_language(green_citizen, "zh-hans")
    me = self_applicant(green_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        submit_checkin(me, green_citizen, temperature=Decimal("37.8"), symptoms=["cough"])
    change = ColourChange.objects.get(to_colour=Colour.YELLOW)
    day = change.reason_parts[-1]["day"]
    assert change.reason_parts == [
        {"code": "abnormal_checkin"},
        {"code": "checkin_day", "day": day, "temperature": "37.8"},
    ]
    client.force_login(green_citizen)
    why = client.get(reverse("why-colour", args=[me.pk]), **ZH).content.decode()
    assert f"{day} 打卡：37.8 °C。" in why
    assert "每日打卡异常：体温 37.3 °C 及以上、发热，或有呼吸道症状。" in why
    assert f"{day} 打卡：37.8 °C。" in sms.outbox[-1].text


def test_a_reviewers_approval_reads_in_the_readers_language_and_their_note_as_written(
    client, citizen, declare, django_capture_on_commit_callbacks
):
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # in the reviewer's language
        reviewers.approve_verdict(waiting.pk, make_reviewer("13600000001"), note="Called: 38.9 on the phone.")
    change = ColourChange.objects.get(to_colour=Colour.YELLOW)
    # The rules approved first (session 12: the row named none of them), then the reviewer's note.
    assert change.reason == (
        "Temperature of 37.3 °C or more, fever, or respiratory symptoms (cough, sore throat, shortness of breath). "
        "Not sure about contact with a confirmed or suspected case. "
        "Approved the colour the rules suggest. Called: 38.9 on the phone."
    )
    client.force_login(citizen)
    inbox = client.get(reverse("inbox"), **ZH).content.decode()
    assert "已批准规则建议的颜色。Called: 38.9 on the phone." in inbox
    why = client.get(reverse("why-colour", args=[self_applicant(citizen).pk]), **ZH).content.decode()
    assert "已批准规则建议的颜色。Called: 38.9 on the phone." in why


def test_old_rows_kept_only_in_words_still_read(client, green_citizen, django_capture_on_commit_callbacks):
    """Before parts were kept: the machine's reason in English words, and its rule codes."""
    me = self_applicant(green_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        change_colour(
            me.health_code_id,
            Colour.YELLOW,
            source=ColourChange.Source.REVIEW,
            rules=["contact_unsure"],
            reason=UNSURE_EN,
        )
    with django_capture_on_commit_callbacks(execute=True):
        change_colour(
            me.health_code_id,
            Colour.RED,
            source=ColourChange.Source.REVIEWER,
            rules=["reviewer_decision"],
            reason="Listed by the CDC.",
            actor=factories.account(),
        )
    assert InboxMessage.objects.filter(account=green_citizen).count() == 3
    client.force_login(green_citizen)
    inbox = client.get(reverse("inbox"), **ZH).content.decode()
    assert f"原因</span>：{UNSURE_EN}" in inbox  # as written
    assert "原因</span>：Listed by the CDC." in inbox
    why = client.get(reverse("why-colour", args=[me.pk]), **ZH).content.decode()
    assert UNSURE_ZH in why  # the history reads its rule codes in Chinese
    assert "Listed by the CDC." in why  # and the reviewer's words as written
    assert "Listed by the CDC." in sms.outbox[-1].text


def test_parts_wait_with_a_lowering_for_the_second_reviewer(citizen, declare, django_capture_on_commit_callbacks):
    declare(citizen, contact="unsure")  # yellow
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="no")
    parts = [{"code": "approved_suggested"}, {"text": "Negative test on 03-02."}]
    with translation.override("en"):
        pending = reviewers.decide(
            waiting.pk,
            make_reviewer("13600000001"),
            colour=Colour.GREEN,
            reason="Approved the colour the rules suggest. Negative test on 03-02.",
            reason_parts=parts,
        ).pending
    assert pending.reason_parts == parts
    with django_capture_on_commit_callbacks(execute=True):
        change = reviewers.approve_override(pending.pk, make_reviewer("13600000002")).change
    assert change.to_colour == Colour.GREEN and change.reason_parts == parts
    assert sms.outbox[-1].text.startswith("[Henan Health Code] Your health code is now green.")
    with translation.override("zh-hans"):  # the inbox, read in Chinese
        assert reason_of(InboxMessage.objects.get(change=change)) == "已批准规则建议的颜色。Negative test on 03-02."
