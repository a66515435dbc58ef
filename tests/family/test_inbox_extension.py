"""A colour that lasts longer for a new reason is told, as a colour change is: a close contact
(red for 14 days) recorded a confirmed case 5 days later is red for 14 days from then, and is
told so and why, in the inbox and by SMS, in the account's language. The same reason again
(a fever declared every day) only moves the date: nothing is told."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration, HealthEvent
from declarations.services import record_health_event, reviewers
from declarations.services.review import reassess_person, review
from family import sms, tasks
from family.models import InboxMessage
from family.services import inbox, self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange, ColourExtension, HealthCode, User
from healthcode.services import remember_language
from tests import factories
from tests.declarations.conftest import make_reviewer

State = InboxMessage.SmsState
CASE_EN = "Confirmed or suspected case (set by the health authority)."
CASE_ZH = "确诊或疑似病例（由卫健部门认定）。"
CONTACT_EN = "Close contact of a confirmed or suspected case."
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def day_of(moment) -> str:
    return timezone.localdate(moment).isoformat()


@pytest.fixture
def close_contact(citizen, django_capture_on_commit_callbacks):
    """The citizen declared 6 days ago (green) and was found a close contact 5 days ago: red
    until 14 days from then, and told so. Returns their declaration."""
    start = timezone.now() - timedelta(days=5)
    declaration = factories.declared(citizen)  # its review, enqueued on commit, runs below
    review(declaration.pk, now=start - timedelta(days=1))
    record_health_event(
        id_number=declaration.id_number,
        kind=HealthEvent.Kind.CLOSE_CONTACT,
        occurred_at=start,
        source="authority",
        source_ref="contact-1",
        now=start,
    )  # its re-assessment, enqueued on commit, is run here at that moment
    with django_capture_on_commit_callbacks(execute=True):
        change = reassess_person(self_applicant(citizen).pk, now=start)
    assert change.to_colour == Colour.RED and change.rules == ["close_contact"]
    assert HealthCode.objects.get(pk=change.code_id).until == start + timedelta(days=14)
    sms.outbox.clear()
    return declaration


def confirmed_case(declaration: Declaration, capture, ref: str = "case-1"):
    """The authority records the person a confirmed case today; the re-assessment task and the
    SMS sender run after commit, as in production."""
    with capture(execute=True):
        return record_health_event(
            id_number=declaration.id_number,
            kind=HealthEvent.Kind.CONFIRMED_CASE,
            occurred_at=timezone.now(),
            source="authority",
            source_ref=ref,
        )


def test_a_close_contact_found_a_case_is_told_why_the_red_lasts_longer(
    citizen, close_contact, client, django_capture_on_commit_callbacks
):
    code = self_applicant(citizen).health_code
    code.refresh_from_db()
    before = (code.version, code.until, ColourChange.objects.count())
    confirmed_case(close_contact, django_capture_on_commit_callbacks)
    extension = ColourExtension.objects.get()
    code.refresh_from_db()
    # Still red, no colour change written; the version moves (what was decided on the code
    # before is stale); red now lasts 14 days from today, for the case.
    assert (code.colour, code.version, ColourChange.objects.count()) == (Colour.RED, before[0] + 1, before[2])
    assert code.until == extension.until > before[1] == extension.previous_until
    assert timezone.now() + timedelta(days=13, hours=23) < extension.until <= timezone.now() + timedelta(days=14)
    assert (extension.colour, extension.version, extension.source) == (Colour.RED, code.version, "authority")
    assert extension.rules == ["case"] and extension.reason_parts == [{"code": "case"}]
    # The inbox message, its SMS sent, in English (the account's language: none chosen).
    message = InboxMessage.objects.get(extension=extension)
    assert (message.account, message.from_colour, message.to_colour) == (citizen, Colour.RED, Colour.RED)
    assert message.change is None and message.sms_state == State.SENT
    until = day_of(extension.until)
    [text] = [s.text for s in sms.outbox]
    assert text.startswith(f"[Henan Health Code] Your health code stays red, now at least until {until}. {CASE_EN}")
    assert "Quarantine" in text and "Details in your inbox" in text and CONTACT_EN not in text
    # The inbox page names the new day and the reason.
    client.force_login(citizen)
    page = client.get(reverse("inbox"), **EN).content.decode()
    assert f"extended, now at least until {until}" in page
    assert f"Why</span>: {CASE_EN}" in page


def test_the_extension_is_told_in_the_accounts_language(
    citizen, close_contact, client, django_capture_on_commit_callbacks
):
    remember_language(citizen, "zh-hans")
    confirmed_case(close_contact, django_capture_on_commit_callbacks)
    until = day_of(ColourExtension.objects.get().until)
    [text] = [s.text for s in sms.outbox]
    assert text.startswith("【河南健康码】") and until in text
    assert CASE_ZH in text and "请集中隔离" in text and "详情请查看站内消息。" in text
    assert f"仍为红码，期限延长至{until}。" in text
    assert CASE_EN not in text and "Quarantine" not in text
    client.force_login(citizen)
    page = client.get(reverse("inbox"), **ZH).content.decode()
    assert f"原因</span>：{CASE_ZH}" in page and f"期限延长至{until}" in page
    assert CASE_EN not in page


def test_the_same_reason_again_is_not_told_again(citizen, close_contact, django_capture_on_commit_callbacks):
    confirmed_case(close_contact, django_capture_on_commit_callbacks)
    first = ColourExtension.objects.get()
    # A second case record (another source) a moment later, then the close contact again:
    # the date moves, nothing is told.
    confirmed_case(close_contact, django_capture_on_commit_callbacks, ref="case-2")
    with django_capture_on_commit_callbacks(execute=True):
        record_health_event(
            id_number=close_contact.id_number,
            kind=HealthEvent.Kind.CLOSE_CONTACT,
            occurred_at=timezone.now(),
            source="authority",
            source_ref="contact-2",
        )
    assert HealthCode.objects.get(pk=first.code_id).until > first.until
    assert ColourExtension.objects.get() == first
    assert InboxMessage.objects.filter(extension__isnull=False).count() == 1
    assert len(sms.outbox) == 1


def test_a_fever_declared_every_day_is_told_once(citizen, django_capture_on_commit_callbacks):
    """Yellow for 7 days from each declaration of fever: the first one turns the code yellow
    (and is told), the next ones extend it for the same reason (and are not)."""
    start = timezone.now() - timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(3):
            declaration = factories.declared(citizen, temperature=Decimal("38.0"), symptoms=["fever"])
            review(declaration.pk, now=start + timedelta(days=day))
    code = self_applicant(citizen).health_code
    code.refresh_from_db()
    assert code.colour == Colour.YELLOW and code.until == start + timedelta(days=2 + 7)
    assert not ColourExtension.objects.exists()
    assert [m.to_colour for m in InboxMessage.objects.order_by("pk")] == [Colour.YELLOW]
    assert len(sms.outbox) == 1


def test_green_again_tells_nothing(green_citizen, declare):
    sms.outbox.clear()
    declare(green_citizen)
    assert self_applicant(green_citizen).health_code.colour == Colour.GREEN
    assert not ColourExtension.objects.exists()
    assert InboxMessage.objects.count() == 1 and sms.outbox == []  # the first green only


def test_retried_tasks_tell_once(citizen, close_contact, django_capture_on_commit_callbacks):
    """A task run again (acks_late: a worker killed after its work committed) tells nothing more:
    the re-assessment finds the case told, the sender finds nothing waiting."""
    confirmed_case(close_contact, django_capture_on_commit_callbacks)
    applicant = self_applicant(citizen)
    from declarations import tasks as review_tasks

    with django_capture_on_commit_callbacks(execute=True):
        review_tasks.reassess_person(applicant.pk)
        review_tasks.reassess_person(applicant.pk)
    tasks.send_waiting_sms()
    tasks.dispatch_notifications()
    assert ColourExtension.objects.count() == 1
    assert InboxMessage.objects.filter(extension__isnull=False).count() == 1
    assert len(sms.outbox) == 1


def test_a_message_waiting_for_its_sms_is_sent_once_by_any_sender(citizen, close_contact):
    """The sender not run after commit (a broker down): the sweep sends it, once."""
    with_no_sender = record_health_event(
        id_number=close_contact.id_number,
        kind=HealthEvent.Kind.CONFIRMED_CASE,
        occurred_at=timezone.now(),
        source="authority",
        source_ref="case-1",
    )
    reassess_person(with_no_sender.applicant_id)  # callbacks not run: no sender
    message = InboxMessage.objects.get(extension__isnull=False)
    assert message.sms_state == State.PENDING and sms.outbox == []
    assert inbox.sweep() == (0, 1)
    assert inbox.send_waiting() == 0 and inbox.sweep() == (0, 0)
    assert len(sms.outbox) == 1 and "stays red" in sms.outbox[0].text


def test_a_reviewer_who_sets_the_colour_it_has_is_told_with_their_words(
    citizen, close_contact, client, django_capture_on_commit_callbacks
):
    reviewer = make_reviewer("13600000009")
    applicant = self_applicant(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        decision = reviewers.override_colour(applicant.pk, reviewer, colour="red", reason="On the CDC's list")
    assert decision.change is None and not decision.stale  # no colour change: an extension
    extension = ColourExtension.objects.get()
    assert (extension.actor, extension.source, extension.rules) == (reviewer, "reviewer", ["reviewer_decision"])
    assert extension.reason == "On the CDC's list"
    [text] = [s.text for s in sms.outbox]
    assert "stays red" in text and "A reviewer decided, and wrote down why. On the CDC's list" in text
    # The raw code's admin (superusers) lists it, the reviewer masked.
    client.force_login(User.objects.create_superuser("auditor", "", "Sturdy-pass-2026"))
    page = client.get(reverse("admin:healthcode_healthcode_change", args=[applicant.health_code_id]), **EN)
    html = page.content.decode()
    assert "Colour extensions" in html and "On the CDC&#x27;s list" in html
    assert "136****0009" in html and "13600000009" not in html


def test_a_family_members_extension_goes_to_the_agent_masked(
    green_citizen, declare, django_capture_on_commit_callbacks
):
    grandmother = factories.member(green_citizen, name="王奶奶")
    declaration = declare(green_citizen, grandmother, name="王奶奶", id_number=grandmother.id_number, contact="yes")
    assert declaration.verdict_rules == ["close_contact"]
    sms.outbox.clear()
    confirmed_case(declaration, django_capture_on_commit_callbacks)
    message = InboxMessage.objects.get(extension__isnull=False)
    assert (message.account, message.applicant, message.person_name) == (green_citizen, grandmother, "王*奶")
    # (The case's household is traced too: the agent's own code turns red, told as a change.)
    [text] = [s for s in sms.outbox if "family member" in s.text]
    assert text.to == green_citizen.username
    assert "The health code of your family member 王*奶 stays red" in text.text and "王奶奶" not in text.text


def test_why_this_colour_and_the_reviewers_history_show_the_extension(
    citizen, close_contact, client, django_capture_on_commit_callbacks
):
    """Among the colour changes, the colour extended reads as such (not as a change), with its
    reason; reviewers read it in their history table, and the person's data download has it."""
    confirmed_case(close_contact, django_capture_on_commit_callbacks)
    until = day_of(ColourExtension.objects.get().until)
    applicant = self_applicant(citizen)
    client.force_login(citizen)
    why = client.get(reverse("why-colour", args=[applicant.pk]), **EN).content.decode()
    assert f"<strong>Red: extended, now at least until {until}</strong>" in why
    assert f'<span class="small">{CASE_EN}</span>' in why  # its reason, in the history
    assert f"<li>{CASE_EN}</li>" in why and f"<li>{CONTACT_EN}</li>" in why  # the reasons now
    assert "Red → Red" not in why and "Green → Red" in why
    data = client.get(reverse("my-data-download")).json()
    [extended] = data["family"]["people"][0]["code"]["extended"]
    assert (extended["colour"], extended["rules"], extended["reason"]) == ("red", ["case"], CASE_EN)
    client.force_login(make_reviewer("13600000009"))
    person = client.get(reverse("admin:declarations_person_change", args=[applicant.pk]), **EN).content.decode()
    assert f"Red: extended, now at least until {until}" in person and "Green → Red" in person


def test_an_abnormal_check_in_on_a_red_code_is_told_once(citizen, close_contact, django_capture_on_commit_callbacks):
    """Red escalates to red: the first abnormal check-in is a new reason (told, with its day and
    temperature), the next day's is the same reason (the date moves, nothing is told)."""
    from declarations.services.checkins import submit_checkin

    applicant = self_applicant(citizen)
    today = timezone.now() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(2):
            result = submit_checkin(
                applicant, citizen, temperature=Decimal("38.2"), symptoms=["fever"], now=today + timedelta(days=day)
            )
            assert result.change is None  # red stays red
    extension = ColourExtension.objects.get()
    assert (extension.source, extension.rules) == ("checkin", ["abnormal_checkin_escalated"])
    assert extension.until == today + timedelta(days=14)
    assert HealthCode.objects.get(pk=applicant.health_code_id).until == today + timedelta(days=15)
    [text] = [s.text for s in sms.outbox]
    assert "stays red" in text and "An abnormal daily check-in while under observation" in text
    assert f"Check-in of {day_of(today)}: 38.2 °C." in text


def reasons_list(page: str) -> str:
    import re

    return re.search(r'<ul class="why-reasons">(.*?)</ul>', page, re.S).group(1)


def test_the_why_page_lists_the_reason_an_abnormal_checkin_extended_the_colour_by(
    citizen, close_contact, client, django_capture_on_commit_callbacks
):
    # The SMS sends the person to "Why this colour?" for the whole reason: it must be there.
    from declarations.services.checkins import submit_checkin

    person = self_applicant(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        submit_checkin(person, citizen, temperature=Decimal("38.2"), symptoms=["fever"], now=timezone.now())
    assert ColourExtension.objects.count() == 1
    client.force_login(citizen)
    page = client.get(reverse("why-colour", args=[person.pk]), **EN).content.decode()
    assert "abnormal daily check-in" in reasons_list(page)
    assert "Close contact" in reasons_list(page)


def test_every_reviewer_extending_a_colour_is_recorded_told_and_shown(
    citizen, close_contact, client, django_capture_on_commit_callbacks
):
    first, second = make_reviewer("13600000009"), make_reviewer("13600000008")
    person = self_applicant(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        reviewers.override_colour(person.pk, first, colour="red", reason="On the CDC list")
    later = timezone.now() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        reviewers.override_colour(person.pk, second, colour="red", reason="Second list, new exposure", now=later)
    # Who moved it, when and why: a row each, a message each, the latest reviewer's words shown.
    assert list(ColourExtension.objects.order_by("pk").values_list("actor", "reason")) == [
        (first.pk, "On the CDC list"),
        (second.pk, "Second list, new exposure"),
    ]
    assert InboxMessage.objects.filter(extension__isnull=False).count() == 2
    client.force_login(citizen)
    page = client.get(reverse("why-colour", args=[person.pk]), **EN).content.decode()
    assert "The reviewer wrote:</strong> Second list, new exposure" in page


def test_a_reviewers_extension_sent_again_is_done_once(citizen, close_contact):
    reviewer = make_reviewer("13600000007")
    person = self_applicant(citizen)
    version = HealthCode.objects.get(pk=person.health_code_id).version
    for _ in range(2):  # a double click on the admin's page, which carries the version it showed
        decision = reviewers.override_colour(
            person.pk, reviewer, colour="red", reason="On the CDC list", seen_version=version
        )
        assert not decision.stale and decision.pending is None
    assert ColourExtension.objects.filter(actor=reviewer).count() == 1
