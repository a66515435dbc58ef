"""Notifications: every colour change of an account's people becomes one inbox message and
one SMS, exactly once, through the SMS backend chosen in settings."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from family import sms
from family.models import Applicant, InboxMessage, Relationship
from family.services import inbox, self_applicant
from healthcode.colours import Colour
from healthcode.models import ColourChange, User
from healthcode.services import change_colour, create_code
from tests import factories
from tests.counting import statement_text

State = InboxMessage.SmsState


class RefusingBackend(sms.BaseBackend):
    """A gateway that is down."""

    def send(self, message: sms.Sms) -> None:
        raise sms.SmsError("gateway unavailable")


class NamesTheNumber(sms.BaseBackend):
    """A gateway SDK whose errors name the number it refused (as some do), in E.164 too."""

    def send(self, message: sms.Sms) -> None:
        raise ValueError(f"The 'To' number {message.to} (+86{message.to}) is not a valid phone number")


class BreaksOnYellow(sms.BaseBackend):
    """A gateway client with a bug: any error, not a refusal, for one kind of message."""

    def send(self, message: sms.Sms) -> None:
        if "now yellow" in message.text:
            raise RuntimeError("unexpected answer from the gateway")
        sms.outbox.append(message)


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def change(applicant: Applicant, to: Colour, capture, reason: str = "", source=ColourChange.Source.REVIEW):
    """A colour change as every service makes it, with what follows after commit."""
    with capture(execute=True):
        return change_colour(applicant.health_code_id, to, source=source, reason=reason)


def test_every_colour_change_reaches_the_account_once(green_citizen, django_capture_on_commit_callbacks):
    me = self_applicant(green_citizen)
    change(me, Colour.YELLOW, django_capture_on_commit_callbacks, "Temperature of 37.3 °C or more.")
    change(me, Colour.RED, django_capture_on_commit_callbacks, "Close contact of a confirmed or suspected case.")
    change(me, Colour.GREEN, django_capture_on_commit_callbacks, "The check-ins were completed.")
    messages = list(InboxMessage.objects.filter(account=green_citizen).order_by("created", "pk"))
    assert [(m.from_colour, m.to_colour) for m in messages] == [
        (Colour.PENDING, Colour.GREEN),  # the first review
        (Colour.GREEN, Colour.YELLOW),
        (Colour.YELLOW, Colour.RED),
        (Colour.RED, Colour.GREEN),
    ]
    assert [m.change.version for m in messages] == [2, 3, 4, 5]
    assert all(m.sms_state == State.SENT and m.sms_attempts == 1 for m in messages)
    assert [s.to for s in sms.outbox] == [green_citizen.username] * 4
    texts = [s.text for s in sms.outbox]
    assert "Your health code is now green." in texts[0]
    assert "now yellow" in texts[1] and "Temperature of 37.3" in texts[1] and "Stay at home" in texts[1]
    assert "now red" in texts[2] and "Quarantine" in texts[2]
    assert ColourChange.objects.count() == InboxMessage.objects.count() == 4


def test_a_family_members_change_goes_to_the_agent_masked(green_citizen, declare, django_capture_on_commit_callbacks):
    grandmother = factories.member(green_citizen, name="王奶奶", phone="13911112222")
    declare(green_citizen, grandmother, name="王奶奶", id_number=grandmother.id_number, contact="unsure")
    message = InboxMessage.objects.get(applicant=grandmother)
    assert (message.account, message.person_name, message.relationship) == (green_citizen, "王*奶", "parent")
    assert message.to_colour == Colour.YELLOW and "Not sure about contact" in message.reason
    text = sms.outbox[-1]
    assert text.to == green_citizen.username  # the agent who holds the code, not the grandmother
    assert "your family member 王*奶" in text.text and "王奶奶" not in text.text
    assert grandmother.id_number not in text.text


def test_the_message_is_written_with_the_change_and_rolled_back_with_it(green_citizen):
    me = self_applicant(green_citizen)
    with pytest.raises(RuntimeError), transaction.atomic():
        undone = change_colour(me.health_code_id, Colour.RED, source=ColourChange.Source.REVIEW)
        assert InboxMessage.objects.filter(change=undone).exists()  # in the same transaction
        raise RuntimeError("the caller fails after the change")
    assert not ColourChange.objects.filter(to_colour=Colour.RED).exists()
    assert not InboxMessage.objects.filter(to_colour=Colour.RED).exists()
    done = change_colour(me.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)  # callbacks not run
    assert InboxMessage.objects.get(change=done).sms_state == State.PENDING  # its SMS waits for a sender


def test_sending_twice_sends_once_and_delivering_twice_delivers_once(green_citizen, django_capture_on_commit_callbacks):
    me = self_applicant(green_citizen)
    done = change(me, Colour.YELLOW, django_capture_on_commit_callbacks)
    assert len(sms.outbox) == 2  # the first green and this change, once each
    assert inbox.send_waiting() == 0 and len(sms.outbox) == 2  # nothing waits: nothing is sent
    assert inbox.deliver(done.pk).pk == InboxMessage.objects.get(change=done).pk
    assert InboxMessage.objects.filter(change=done).count() == 1


def test_one_sender_sends_everything_that_waits_oldest_first(green_citizen):
    me = self_applicant(green_citizen)
    sms.outbox.clear()
    for to in (Colour.YELLOW, Colour.RED, Colour.GREEN):  # callbacks not run: three SMS wait
        change_colour(me.health_code_id, to, source=ColourChange.Source.REVIEW)
    assert inbox.send_waiting(batch=2) == 3  # a full batch, then the rest
    assert ["now yellow" in s.text for s in sms.outbox] == [True, False, False]
    assert ["now green" in s.text for s in sms.outbox] == [False, False, True]
    assert set(InboxMessage.objects.values_list("sms_state", flat=True)) == {State.SENT}


def test_the_sweep_tells_what_was_missed(green_citizen, settings):
    me = self_applicant(green_citizen)
    waiting = change_colour(me.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)  # no sender ran
    before = len(sms.outbox)
    assert inbox.sweep() == (0, 1)
    assert InboxMessage.objects.get(change=waiting).sms_state == State.SENT
    # A change written without its message (before messages were written with their changes).
    settings.HC_SAME_TRANSACTION = {}
    lost = change_colour(me.health_code_id, Colour.RED, source=ColourChange.Source.REVIEW)
    assert not InboxMessage.objects.filter(change=lost).exists()
    assert inbox.sweep() == (1, 1)
    assert InboxMessage.objects.get(change=lost).sms_state == State.SENT
    assert len(sms.outbox) == before + 2
    assert inbox.sweep() == (0, 0)
    # A change older than the sweep looks back is left alone (it was told long ago, or never will be).
    old = change_colour(
        me.health_code_id, Colour.GREEN, source=ColourChange.Source.REVIEW, now=timezone.now() - timedelta(days=2)
    )
    assert inbox.sweep() == (0, 0) and not InboxMessage.objects.filter(change=old).exists()


def test_a_refused_sms_is_tried_again_later_then_given_up(green_citizen, settings, django_capture_on_commit_callbacks):
    settings.HC_SMS_BACKEND = "tests.family.test_inbox.RefusingBackend"
    settings.HC_SMS_MAX_ATTEMPTS = 3
    me = self_applicant(green_citizen)
    done = change(me, Colour.YELLOW, django_capture_on_commit_callbacks)
    message = InboxMessage.objects.get(change=done)
    assert (message.sms_state, message.sms_attempts) == (State.PENDING, 1)
    assert message.sms_error == "SmsError: gateway unavailable"
    tried = message.sms_claimed_at
    assert inbox.sweep(now=tried + timedelta(seconds=1)) == (0, 0)  # not at once: the gateway is down
    message.refresh_from_db()
    assert message.sms_attempts == 1
    inbox.sweep(now=tried + inbox.SMS_RETRY_AFTER + timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.sms_state, message.sms_attempts) == (State.PENDING, 2)
    inbox.sweep(now=message.sms_claimed_at + inbox.SMS_RETRY_AFTER + timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.sms_state, message.sms_attempts) == (State.FAILED, 3)
    settings.HC_SMS_BACKEND = "family.sms.locmem.LocmemBackend"
    assert inbox.sweep(now=timezone.now() + timedelta(hours=1)) == (0, 0)  # given up: not sent again
    assert message.read_at is None  # the inbox has it all the same


def test_a_claim_left_by_a_dead_sender_is_given_back(green_citizen):
    me = self_applicant(green_citizen)
    change_colour(me.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)  # no sender ran
    sms.outbox.clear()
    now = timezone.now()
    [claimed] = inbox._claim(10, now)  # ... and the sender dies here
    assert inbox.send_waiting(now=now) == 0  # a sender may still be at it: no one else sends it
    assert inbox.sweep(now=now + timedelta(minutes=1)) == (0, 0)
    assert inbox.sweep(now=now + inbox.SMS_CLAIM_TIMEOUT + timedelta(seconds=1)) == (0, 1)
    message = InboxMessage.objects.get(pk=claimed)
    assert (message.sms_state, message.sms_attempts) == (State.SENT, 2)
    assert [s.to for s in sms.outbox] == [green_citizen.username]


def test_an_account_without_a_mobile_number_gets_the_inbox_only(db, django_capture_on_commit_callbacks):
    user = User.objects.create_user("health-office")
    person = Applicant.objects.create(account=user, relationship=Relationship.SELF, health_code=create_code())
    done = change(person, Colour.GREEN, django_capture_on_commit_callbacks)
    assert InboxMessage.objects.get(change=done).sms_state == State.NO_NUMBER
    assert sms.outbox == []


def test_a_code_nobody_holds_is_told_to_no_one(db, django_capture_on_commit_callbacks):
    code = create_code()
    with django_capture_on_commit_callbacks(execute=True):
        done = change_colour(code.pk, Colour.GREEN, source=ColourChange.Source.SYSTEM)
    assert inbox.deliver(done.pk) is None and not InboxMessage.objects.exists()


def test_the_console_backend_logs_the_number_masked(caplog):
    with caplog.at_level(logging.INFO, logger="family.sms"):
        sms.get_backend("family.sms.console.ConsoleBackend").send(sms.Sms("13812345678", "hello"))
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


def test_no_full_number_in_the_log_when_sending(green_citizen, settings, caplog, django_capture_on_commit_callbacks):
    settings.HC_SMS_BACKEND = "family.sms.console.ConsoleBackend"
    me = self_applicant(green_citizen)
    me.refresh_from_db()
    with caplog.at_level(logging.DEBUG):
        change(me, Colour.YELLOW, django_capture_on_commit_callbacks, "Temperature of 37.3 °C or more.")
    assert "now yellow" in caplog.text
    assert green_citizen.username not in caplog.text and me.id_number not in caplog.text


def test_a_refusal_naming_the_number_is_logged_and_kept_masked(
    green_citizen, settings, caplog, django_capture_on_commit_callbacks
):
    """What is logged and kept of a sending error is its class and its message with every
    number masked: the gateway's message named the full mobile number."""
    settings.HC_SMS_BACKEND = "tests.family.test_inbox.NamesTheNumber"
    number = green_citizen.username
    with caplog.at_level(logging.WARNING, logger="family.services.inbox"):
        done = change(self_applicant(green_citizen), Colour.YELLOW, django_capture_on_commit_callbacks)
    kept = InboxMessage.objects.get(change=done).sms_error
    assert kept.startswith("ValueError: The 'To' number 138****") and "is not a valid phone number" in kept
    assert "not sent" in caplog.text and "ValueError" in caplog.text
    for text in (kept, caplog.text):
        assert number not in text and number[3:] not in text


def test_the_message_costs_the_change_two_statements(green_citizen, django_assert_num_queries):
    """In the change's transaction: the person who holds the code, the message's insert."""
    me = self_applicant(green_citizen)
    with django_assert_num_queries(3 + 2) as captured:
        change_colour(me.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)
    assert [statement_text(q["sql"]).split()[0] for q in captured.captured_queries] == [
        "SELECT", "UPDATE", "INSERT", "SELECT", "INSERT"
    ]  # fmt: skip
    assert 'FROM "family_applicant"' in statement_text(captured.captured_queries[3]["sql"])
    assert 'INTO "family_inboxmessage"' in statement_text(captured.captured_queries[4]["sql"])


@pytest.mark.parametrize("waiting", [1, 7])
def test_a_batch_of_sms_costs_the_same_statements_however_many_it_holds(
    green_citizen, waiting, django_assert_num_queries
):
    """Claim (savepoint, the locked ids, the update, release), the messages with their
    accounts and changes, the outcome; then the last look after giving the turn back."""
    me = self_applicant(green_citizen)
    for n in range(waiting):
        change_colour(
            me.health_code_id, Colour.YELLOW if n % 2 == 0 else Colour.GREEN, source=ColourChange.Source.REVIEW
        )
    sms.outbox.clear()
    with django_assert_num_queries(4 + 2 + 3):  # + the last look: savepoint, select, release
        assert inbox.send_waiting() == waiting
    assert len(sms.outbox) == waiting


def test_an_error_with_one_message_does_not_stop_the_batch(green_citizen, settings):
    """The messages sent before and after it are recorded as sent (none is sent twice later);
    the broken one waits for a later try."""
    settings.HC_SMS_BACKEND = "tests.family.test_inbox.BreaksOnYellow"
    me = self_applicant(green_citizen)
    for to in (Colour.RED, Colour.YELLOW, Colour.GREEN):  # callbacks not run: three SMS wait
        change_colour(me.health_code_id, to, source=ColourChange.Source.REVIEW)
    sms.outbox.clear()
    assert inbox.send_waiting() == 2
    states = dict(InboxMessage.objects.exclude(from_colour=Colour.PENDING).values_list("to_colour", "sms_state"))
    assert states == {Colour.RED: State.SENT, Colour.YELLOW: State.PENDING, Colour.GREEN: State.SENT}
    assert len(sms.outbox) == 2
    assert "unexpected answer" in InboxMessage.objects.get(to_colour=Colour.YELLOW).sms_error


def test_a_message_tried_as_often_as_allowed_is_not_taken_again(green_citizen, settings):
    settings.HC_SMS_MAX_ATTEMPTS = 2
    me = self_applicant(green_citizen)
    change_colour(me.health_code_id, Colour.YELLOW, source=ColourChange.Source.REVIEW)  # no sender ran
    waiting = InboxMessage.objects.filter(sms_state=State.PENDING)
    waiting.update(sms_attempts=2)  # tried twice, its last sender killed and its claim given back
    now = timezone.now()
    assert inbox._claim(10, now) == []
    # A claim left by a sender killed on the last try is given up, not given back.
    InboxMessage.objects.filter(to_colour=Colour.YELLOW).update(sms_state=State.SENDING, sms_claimed_at=now)
    inbox.sweep(now=now + inbox.SMS_CLAIM_TIMEOUT + timedelta(seconds=1))
    assert InboxMessage.objects.get(to_colour=Colour.YELLOW).sms_state == State.FAILED
