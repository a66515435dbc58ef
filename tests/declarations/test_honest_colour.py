""" "Honest about why a code has its colour": for each way a colour is set, the history row,
the "Why this colour?" page, the inbox and SMS and the reviewers' admin tell the same truth
(session 12's audit)."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone, translation

from declarations.models import Declaration
from declarations.services import reviewers
from declarations.services.checkins import close_day, submit_checkin
from declarations.services.clock import local_day
from declarations.services.events import record_health_event
from declarations.services.explain import explain
from declarations.services.review import reassess_person
from family import sms
from family.models import InboxMessage
from family.services import self_applicant
from family.services.inbox import reason_of, sms_text
from healthcode.colours import Colour
from healthcode.models import City, ColourChange
from tests.declarations.conftest import CHINA, at, code_of

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def at_day(day, hour):
    return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()), CHINA) + timedelta(
        hours=hour
    )


# ---------------------------------------------------------------------------------------
# A new reason of the same colour extends its minimum duration: the check-ins go on until then.


def test_check_ins_left_count_to_the_end_of_the_minimum_duration(client, citizen, reviewed):
    """Yellow for "not sure" on day 0; a medicine purchase on day 2 keeps it yellow and its 7
    days run to day 9. After the 7 check-ins of days 1-7, the page said 0 left (and the
    check-in page "0 more turn your code green"), but the code turns green only in the night
    after day 9 and only if days 8 and 9 are checked in too: a person who believed the page
    and stopped started the count again. (The check-in page, before today's, says the same.)"""
    today = local_day(timezone.now())
    start = today - timedelta(days=7)
    reviewed(citizen, at_day(start, 10), contact="unsure")
    me = self_applicant(citizen)
    record_health_event(
        id_number=me.id_number,
        kind="medicine_purchase",
        occurred_at=at_day(start + timedelta(days=2), 9),
        source="pharmacy",
        source_ref="purchase-1",
        now=at_day(start + timedelta(days=2), 9),
    )
    reassess_person(me.pk, now=at_day(start + timedelta(days=2), 9))
    code = code_of(citizen)
    assert code.colour == Colour.YELLOW and local_day(code.until) == start + timedelta(days=9)
    for n in range(1, 8):
        submit_checkin(me, citizen, temperature=Decimal("36.5"), symptoms=["none"], now=at_day(start + timedelta(n), 8))

    x = explain(me, now=at_day(today, 20))
    assert (x.checkins_done, x.checkins_needed) == (7, 7)
    assert x.checkins_left == 2  # tomorrow's and the day after's
    assert x.earliest_green == today + timedelta(days=3)
    client.force_login(citizen)
    why = client.get(reverse("why-colour", args=[me.pk])).content.decode()
    assert "<dt>Check-ins left</dt><dd>2</dd>" in why
    code_page = client.get(reverse("code", args=[me.pk])).content.decode()
    assert "2 more normal daily check-ins in a row turn it green." in code_page

    # What the page says is what the daily task does: without tomorrow's check-in, no green.
    for n in (1, 2):
        close_day(today + timedelta(days=n), now=at_day(today + timedelta(days=n + 1), 0) + timedelta(minutes=30))
    assert code_of(citizen).colour == Colour.YELLOW


def test_check_ins_left_on_a_controlled_clock_without_an_extension(citizen, reviewed):
    """Without a later reason, the minimum duration ends before the check-ins do: unchanged."""
    reviewed(citizen, at("2026-03-01", 10), contact="unsure")
    me = self_applicant(citizen)
    submit_checkin(me, citizen, temperature=Decimal("36.4"), symptoms=["none"], now=at("2026-03-02", 8))
    x = explain(me, now=at("2026-03-02", 20))
    assert (x.checkins_done, x.checkins_left, str(x.earliest_green)) == (1, 6, "2026-03-09")


# ---------------------------------------------------------------------------------------
# A reviewer approves the colour the rules suggest: the row names the rules.


def test_approving_the_suggested_colour_records_the_rules_that_give_it(
    client, citizen, waiting, reviewer, django_capture_on_commit_callbacks
):
    """The history row said only "Approved the colour the rules suggest." (rules:
    reviewer_decision): which rules, neither the inbox, the SMS nor the admin's history said."""
    with django_capture_on_commit_callbacks(execute=True):
        change = reviewers.approve_verdict(waiting.pk, reviewer, note="Called: 39.0 was right.").change
    assert ColourChange.objects.count() == 1
    assert change.to_colour == Colour.YELLOW
    assert change.rules == ["fever_or_respiratory", "contact_unsure"]
    message = InboxMessage.objects.get(change=change)
    with translation.override("en"):
        reason = reason_of(message)
    assert reason == (
        "Temperature of 37.3 °C or more, fever, or respiratory symptoms (cough, sore throat, shortness of breath). "
        "Not sure about contact with a confirmed or suspected case. "
        "Approved the colour the rules suggest. Called: 39.0 was right."
    )
    assert change.reason == reason  # the record, in LANGUAGE_CODE
    with translation.override("zh-hans"):
        zh = reason_of(message)
    assert "不确定是否接触过确诊或疑似病例。" in zh and "已批准规则建议的颜色。" in zh
    assert sms_text(message).startswith(
        "[Henan Health Code] Your health code is now yellow. Temperature of 37.3 °C or more"
    )
    assert sms.outbox[-1].text == sms_text(message)

    # The citizen's page: the rules as the reasons, the reviewer's note once, as written.
    client.force_login(citizen)
    why = client.get(reverse("why-colour", args=[self_applicant(citizen).pk])).content.decode()
    assert "<li>Not sure about contact with a confirmed or suspected case.</li>" in why
    assert "<strong>The reviewer wrote:</strong> Approved the colour the rules suggest. Called: 39.0 was right." in why
    why_zh = client.get(reverse("why-colour", args=[self_applicant(citizen).pk]), **ZH).content.decode()
    assert "<li>不确定是否接触过确诊或疑似病例。</li>" in why_zh

    # The reviewers' admin: the rules and the same reason.
    client.force_login(reviewer)
    page = client.get(reverse("admin:declarations_person_change", args=[waiting.applicant_id])).content.decode()
    assert "fever_or_respiratory, contact_unsure" in page
    assert "Not sure about contact with a confirmed or suspected case. Approved the colour the rules suggest." in page


# ---------------------------------------------------------------------------------------
# The review queue is scoped by the person's city, as every reviewer's action is.


def test_a_person_who_moved_is_reviewed_by_their_new_city(
    client, citizen, declare, reviewer, luoyang_reviewer, django_capture_on_commit_callbacks
):
    """Declared in Zhengzhou with answers that do not fit together, then in Luoyang: the person
    is Luoyang's now. The Zhengzhou reviewer still saw the declaration in the queue, its live
    colour history too (404 on the person), and could not decide it ("not in your city"); the
    Luoyang reviewer, who could, did not see it: no one could decide it but a superuser."""
    waiting = declare(citizen, temperature=Decimal("39.0"), symptoms=["none"], contact="unsure")
    declare(citizen, city=City.objects.get(code="410300"))
    assert self_applicant(citizen).city.code == "410300"
    url = reverse("admin:declarations_declaration_change", args=[waiting.pk])

    client.force_login(reviewer)
    assert client.get(url).status_code == 404
    listed = client.get(reverse("admin:declarations_declaration_changelist")).context["cl"].result_list
    assert waiting not in list(listed)

    client.force_login(luoyang_reviewer)
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:declarations_declaration_changelist"),
            {"action": "approve_verdicts", "_selected_action": [waiting.pk]},
        )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (Declaration.Status.REVIEWED, luoyang_reviewer)
    assert code_of(citizen).colour == Colour.YELLOW


# ---------------------------------------------------------------------------------------
# A reviewer's change, an appeal upheld: the inbox and the SMS say so, as the history does.


def test_an_upheld_appeal_is_told_as_upheld_in_the_inbox_and_the_sms(
    client, citizen, declare, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    """The history row read "The appeal was upheld by two reviewers." and the reviewer's words
    on the "Why this colour?" page, but the inbox and the SMS only the reviewer's words ("Your
    health code is now green. Travel record checked"): not that the appeal was upheld."""
    from declarations.services import appeals

    declare(citizen, contact="unsure")
    me = self_applicant(citizen)
    appeal = appeals.file_appeal(me, citizen, reason="I answered “not sure” by mistake.")
    pending = appeals.accept_appeal(appeal.pk, reviewer, resolution="Travel record checked.").pending
    with django_capture_on_commit_callbacks(execute=True):
        change = reviewers.approve_override(pending.pk, second_reviewer).change
    assert ColourChange.objects.filter(to_colour=Colour.GREEN).count() == 1
    assert change.rules == ["appeal_upheld"] and change.reason == "Travel record checked."
    message = InboxMessage.objects.get(change=change)
    with translation.override("en"):
        assert reason_of(message) == "The appeal was upheld by two reviewers. Travel record checked."
    with translation.override("zh-hans"):
        assert reason_of(message).startswith("申诉经两位审核员确认成立。")
    assert sms.outbox[-1].text == (
        "[Henan Health Code] Your health code is now green. The appeal was upheld by two reviewers. "
        "Travel record checked. The code is green: it passes at checkpoints. Details in your inbox on the site."
    )
    client.force_login(citizen)
    why = client.get(reverse("why-colour", args=[me.pk])).content.decode()
    assert "The appeal was upheld by two reviewers." in why and "Travel record checked." in why


def test_a_reviewers_change_is_told_as_a_reviewers_in_the_inbox_and_the_sms(
    client, green_citizen, reviewer, django_capture_on_commit_callbacks
):
    me = self_applicant(green_citizen)
    with django_capture_on_commit_callbacks(execute=True):
        change = reviewers.override_colour(me.pk, reviewer, colour="red", reason="Listed by the CDC.").change
    assert change.rules == ["reviewer_decision"] and change.reason == "Listed by the CDC."
    message = InboxMessage.objects.get(change=change)
    with translation.override("en"):
        assert reason_of(message) == "A reviewer decided, and wrote down why. Listed by the CDC."
    assert "now red. A reviewer decided, and wrote down why. Listed by the CDC. Quarantine" in sms.outbox[-1].text
    client.force_login(green_citizen)
    why = client.get(reverse("why-colour", args=[me.pk])).content.decode()
    # The reason once, and the reviewer's words once, as before.
    assert why.count("A reviewer decided, and wrote down why.") == 2  # the reasons, and the history
    assert "<strong>The reviewer wrote:</strong> Listed by the CDC." in why
    client.force_login(reviewer)
    page = client.get(reverse("admin:declarations_person_change", args=[me.pk])).content.decode()
    assert "A reviewer decided, and wrote down why. Listed by the CDC." in page


def test_checkins_left_is_a_published_rule():
    from datetime import date

    from declarations import rules

    day = date(2026, 3, 8)
    assert rules.checkins_left(7, 3, day, None) == 4
    assert rules.checkins_left(7, 7, day, None) == 0
    assert rules.checkins_left(7, 9, day, None) == 0  # more than needed: none left, never fewer
    assert rules.checkins_left(7, 7, day, date(2026, 3, 9)) == 2  # the 8th and the 9th
    assert rules.checkins_left(7, 3, day, date(2026, 3, 9)) == 4  # the count lasts longer anyway
    assert rules.checkins_left(7, 7, day, date(2026, 3, 7)) == 0  # the duration is over
    assert rules.checkins_left(0, 0, day, date(2026, 3, 9)) == 0  # green: nothing to serve
    # 14 days to go: the last 7 of them are what turn it green, not all 14.
    assert rules.checkins_left(7, 0, day, date(2026, 3, 21)) == 7
    assert rules.checkins_left(7, 3, day, date(2026, 3, 21)) == 7  # those 3 end too early to count
