"""Notifications: every colour change of an account's people (self and family members)
reaches the account, as a message in its inbox on the site and as an SMS.

The core's ColourChange row is the outbox (DESIGN.md, "The way data flows"). After it
commits, `notify(change_id)` runs in the background (wired in settings.HC_HOOKS), and every
HC_NOTIFY_SWEEP_SECONDS beat runs `sweep()` for anything that was missed (a broker that could
not be reached, a failed SMS to try again). Both are safe to run at once and any number of
times:

- one message per change: `InboxMessage.change` is unique, so a second delivery finds the first;
- one SMS per message: a sender claims it with a compare-and-set (pending → sending) and only
  the sender whose update moved exactly one row sends it (after healthchecks' sendalerts). A
  sender killed between the claim and the gateway's answer leaves the claim behind; the sweep
  gives it back after SMS_CLAIM_TIMEOUT, so such a message may be sent twice, never lost.

No full mobile or ID number is logged; names are masked in every message.

The words are put together when read: the inbox in the reader's language, the SMS in the
account's (`healthcode.services.language_of`: the language it chose on the site, or signed up
in). The reason comes from the change's parts (healthcode/reasons.py); a change without them
(a reviewer's, or one written before parts were kept) reads as written.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from family import sms
from family.masking import mask_name
from family.models import Applicant, InboxMessage, Relationship
from healthcode.colours import Colour
from healthcode.models import ColourChange, User
from healthcode.prepared import STAND_IN_ID, Prepared
from healthcode.reasons import join_sentences, reason_text
from healthcode.services import language_of
from healthcode.validators import MOBILE
from healthcode.writes import insert

log = logging.getLogger(__name__)

# Changes older than this are not picked up by the sweep (the on-commit task had them).
SWEEP_LOOKBACK = timedelta(days=1)
# A claim this old belongs to a sender that died: the SMS is given back to be sent again.
SMS_CLAIM_TIMEOUT = timedelta(minutes=10)
SMS_REASON_CHARS = 120

ADVICE = {
    Colour.GREEN: gettext_lazy("The code is green: it passes at checkpoints."),
    Colour.YELLOW: gettext_lazy(
        "Stay at home for observation and do the daily health check-in every day: enough normal "
        "check-ins in a row turn the code green. “Why this colour?” on the code page shows how many are left."
    ),
    Colour.RED: gettext_lazy(
        "Quarantine: stay where you are, follow the health authority's instructions and do the daily "
        "health check-in every day. “Why this colour?” on the code page shows what turns the code green."
    ),
    Colour.PENDING: gettext_lazy("The code is being reviewed; the code page shows its colour when it is ready."),
}

NOW_COLOUR = {
    Colour.GREEN: gettext_lazy("%(whose)s is now green."),
    Colour.YELLOW: gettext_lazy("%(whose)s is now yellow."),
    Colour.RED: gettext_lazy("%(whose)s is now red."),
    Colour.PENDING: gettext_lazy("%(whose)s is under review."),
}


def advice_for(colour: str) -> str:
    """What to do now, for a code of this colour."""
    return str(ADVICE.get(colour, ""))


# ---------------------------------------------------------------------------------------
# Delivery: a change becomes a message


def deliver(change_id: int) -> InboxMessage | None:
    """The inbox message for this colour change, made once. None when no one holds the code."""
    existing = InboxMessage.objects.filter(change_id=change_id).first()
    if existing is not None:
        return existing
    change = ColourChange.objects.filter(pk=change_id).first()
    if change is None:
        return None
    applicant = Applicant.objects.filter(health_code_id=change.code_id).first()
    if applicant is None:
        return None
    message, _created = _create_once(_message_for(change, applicant))
    return message


def notify(change_id: int, *, now: datetime | None = None) -> InboxMessage | None:
    """Deliver the change to the inbox and send its SMS (each exactly once).

    The usual run, the first for a change, costs three queries (tests/family pin them): the
    change with its person and account and whether it has a message already; the message,
    inserted already claimed for its SMS by this sender (sms_state "sending", one attempt:
    the insert is the claim, since only one insert of a change's message can succeed); and
    the SMS's outcome. A sender killed between the two is one killed after a claim: the
    sweep gives the claim back after SMS_CLAIM_TIMEOUT. A redelivered task finds the message
    and sends its SMS only if it is still pending."""
    now = now or timezone.now()
    change = _change_query.first(pk=change_id)
    if change is None:
        return None
    if change.message_id is not None:  # delivered before (a redelivery, or the sweep)
        message = InboxMessage.objects.get(pk=change.message_id)
        if message.sms_state == InboxMessage.SmsState.PENDING:
            send_sms(message.pk, now=now)
        return message
    applicant = getattr(change.code, "applicant", None)
    if applicant is None:
        return None
    claimed = _message_for(
        change, applicant, sms_state=InboxMessage.SmsState.SENDING, sms_claimed_at=now, sms_attempts=1
    )
    message, created = _create_once(claimed)
    if created:
        _send_claimed(message, applicant.account)
    return message


def _change_with_person(pk: int) -> QuerySet[ColourChange]:
    return (
        ColourChange.objects.select_related("code__applicant__account")
        .annotate(message_id=F("inbox_message__id"))
        .filter(pk=pk)
        .order_by()
    )


# Compiled once per process (healthcode/prepared.py): every colour change is notified.
_change_query = Prepared(_change_with_person, pk=STAND_IN_ID)


def _create_once(message: InboxMessage) -> tuple[InboxMessage, bool]:
    """Insert the message unless its change has one; (the change's message, whether this call
    made it). One statement in autocommit (a worker's task); inside a caller's transaction, in
    a savepoint, so that a unique violation does not break the caller's transaction."""
    nested = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if nested else nullcontext():
            insert(message)  # an INSERT built once per process (healthcode/writes.py)
        return message, True
    except IntegrityError:  # delivered at the same moment by another worker
        return InboxMessage.objects.get(change_id=message.change_id), False


def _message_for(change: ColourChange, applicant: Applicant, **sms) -> InboxMessage:
    return InboxMessage(
        account_id=applicant.account_id,
        applicant=applicant,
        change=change,
        person_name=mask_name(applicant.name),
        relationship=applicant.relationship,
        from_colour=change.from_colour,
        to_colour=change.to_colour,
        reason=change.reason,
        created=change.created,
        **({"sms_state": InboxMessage.SmsState.PENDING} | sms),
    )


# ---------------------------------------------------------------------------------------
# SMS


def mobile_of(account: User) -> str:
    """The account's mobile number: the login (citizens sign up and log in with it), else
    the number its own person declared (accounts made another way)."""
    if MOBILE.match(account.username or ""):
        return account.username
    own = Applicant.objects.filter(account=account, relationship=Relationship.SELF)
    phone = own.values_list("phone", flat=True).first() or ""
    return phone if MOBILE.match(phone) else ""


def reason_of(message: InboxMessage) -> str:
    """Why the colour changed, in the active language."""
    return reason_text(message.change)


def sms_text(message: InboxMessage) -> str:
    """The SMS, in the account's language: whose code, its new colour, the reason (shortened)
    and what to do."""
    with translation.override(language_of(message.account)):
        if message.relationship == Relationship.SELF:
            whose = _("Your health code")
        else:
            whose = _("The health code of your family member %(name)s") % {"name": message.person_name or "—"}
        reason = reason_of(message)
        if len(reason) > SMS_REASON_CHARS:
            reason = reason[: SMS_REASON_CHARS - 1] + "…"
        parts = [
            _("[Henan Health Code]"),
            str(NOW_COLOUR[message.to_colour]) % {"whose": whose},
            reason,
            advice_for(message.to_colour),
            _("Details in your inbox on the site."),
        ]
        return join_sentences(parts)


def send_sms(message_id: int, *, now: datetime | None = None) -> bool:
    """Send the message's SMS if no one has: claim it (pending → sending, exactly one row
    moved), send, record the outcome. A refused send is tried again by the sweep up to
    HC_SMS_MAX_ATTEMPTS times. Returns whether this call sent it."""
    now = now or timezone.now()
    State = InboxMessage.SmsState
    claimed = InboxMessage.objects.filter(pk=message_id, sms_state=State.PENDING).update(
        sms_state=State.SENDING, sms_claimed_at=now, sms_attempts=F("sms_attempts") + 1
    )
    if claimed != 1:
        return False
    # The change too: the SMS puts its reason into words in the account's language.
    return _send_claimed(InboxMessage.objects.select_related("account", "change").get(pk=message_id))


def _send_claimed(message: InboxMessage, account: User | None = None) -> bool:
    """Send the SMS of a message this sender has claimed (state "sending"), record the outcome."""
    State = InboxMessage.SmsState
    if account is not None:
        message.account = account  # already read by the caller: no query for its language
    mine = InboxMessage.objects.filter(pk=message.pk, sms_state=State.SENDING)
    message_id = message.pk
    to = mobile_of(message.account)
    if not to:
        mine.update(sms_state=State.NO_NUMBER)
        return False
    try:
        sms.send_sms(to, sms_text(message))
    except sms.SmsError as error:
        give_up = message.sms_attempts >= settings.HC_SMS_MAX_ATTEMPTS
        mine.update(sms_state=State.FAILED if give_up else State.PENDING, sms_error=str(error)[:200])
        log.warning("SMS of inbox message %s not sent (attempt %s): %s", message_id, message.sms_attempts, error)
        return False
    mine.update(sms_state=State.SENT, sms_sent_at=timezone.now(), sms_error="")
    return True


# ---------------------------------------------------------------------------------------
# The sweep (beat)


def sweep(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Deliver the recent colour changes that have no message yet, give back SMS claims of
    senders that died, and send the SMS still waiting. Returns (delivered, sent)."""
    now = now or timezone.now()
    missed = list(
        ColourChange.objects.filter(
            created__gte=now - SWEEP_LOOKBACK, inbox_message__isnull=True, code__applicant__isnull=False
        )
        .order_by("created")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = sum(1 for change_id in missed if deliver(change_id) is not None)
    State = InboxMessage.SmsState
    InboxMessage.objects.filter(sms_state=State.SENDING, sms_claimed_at__lt=now - SMS_CLAIM_TIMEOUT).update(
        sms_state=State.PENDING
    )
    waiting = InboxMessage.objects.filter(sms_state=State.PENDING).order_by("pk").values_list("pk", flat=True)
    sent = sum(1 for message_id in list(waiting[:limit]) if send_sms(message_id, now=now))
    return delivered, sent


# ---------------------------------------------------------------------------------------
# Reading the inbox


def messages_for(user: User) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(account=user).select_related("change").order_by("-created", "-id")


def unread_count(user: User) -> int:
    return InboxMessage.objects.filter(account=user, read_at__isnull=True).count()


def mark_read(user: User, *, up_to: int, now: datetime | None = None) -> int:
    """Mark the account's messages up to id `up_to` (those it was shown) as read; a message
    that arrived since stays unread. Another account's messages are never touched."""
    return InboxMessage.objects.filter(account=user, pk__lte=up_to, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
