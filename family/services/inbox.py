"""Notifications: every colour change of an account's people (self and family members)
reaches the account, as a message in its inbox on the site and as an SMS; so does a colour
that lasts longer for a reason the person had not been told (a ColourExtension: "your red code
now lasts until ...", `deliver_with_extension`, wired to "period_extended" the same way).

The message is written in the colour change's own transaction (`deliver_with_change`, wired in
settings.HC_SAME_TRANSACTION): it exists exactly when the change does, one per change
(`InboxMessage.change` is unique). Its SMS waits ("pending") until a sender sends it:

- after commit, `family.tasks.send_waiting_sms` is enqueued unless one is waiting already
  (healthcode.hooks.enqueue_once_after_commit): one sender works through everything waiting,
  in batches, instead of one task per change (bench/README.md: a task per change cost the
  worker about as much as the review itself);
- a sender claims a batch with a compare-and-set (pending -> sending) on rows it locks
  skipping those another sender holds (after healthchecks' sendalerts), so concurrent senders
  never take the same message; an error with one message is that message's refusal, and what
  was sent is recorded however the batch ends; a sender killed mid-batch leaves its claim
  behind, and the sweep gives it back after SMS_CLAIM_TIMEOUT, so the messages of that batch
  not yet recorded may be sent twice (never more than HC_SMS_MAX_ATTEMPTS tries), never lost;
- a refused SMS waits SMS_RETRY_AFTER before it is claimed again (by the beat sweep, every
  HC_NOTIFY_SWEEP_SECONDS), up to HC_SMS_MAX_ATTEMPTS times.

The sweep also delivers a change without a message (one written before messages were written
with their changes).

No full mobile or ID number is logged; names are masked in every message.

The words are put together when read: the inbox in the reader's language, the SMS in the
account's (`healthcode.services.language_of`: the language it chose on the site, or signed up
in). The reason comes from the change's parts (healthcode/reasons.py); a change without them
(a reviewer's, or one written before parts were kept) reads as written.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from family import sms
from family.masking import mask_name
from family.models import Applicant, InboxMessage, Relationship
from healthcode.colours import Colour
from healthcode.hooks import enqueue_once_after_commit, release
from healthcode.masking import mask_numbers
from healthcode.models import ColourChange, ColourExtension, User
from healthcode.prepared import STAND_IN_ID, Prepared
from healthcode.reasons import join_sentences, reason_text, shorten
from healthcode.services import language_of
from healthcode.validators import MOBILE
from healthcode.writes import insert

log = logging.getLogger(__name__)

# Changes older than this are not picked up by the sweep (the on-commit task had them).
SWEEP_LOOKBACK = timedelta(days=1)
# A claim this old belongs to a sender that died: the SMS is given back to be sent again.
SMS_CLAIM_TIMEOUT = timedelta(minutes=10)
# A refused SMS is claimed again no sooner than this after its last try (a gateway that is
# down is not asked again at once; the beat sweep comes every HC_NOTIFY_SWEEP_SECONDS).
SMS_RETRY_AFTER = timedelta(seconds=20)
SMS_BATCH = 100  # messages a sender claims at a time
# One sender at a time (healthcode.hooks.enqueue_once_after_commit).
SENDER_TASK = "family.tasks.send_waiting_sms"
SENDER_KEY = "family:sms-sender"
SMS_REASON_CHARS = 120  # the reason in an SMS, its "…" included

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


# A colour that lasts longer: its new end, a local date (YYYY-MM-DD, as the site writes dates).
STAYS_COLOUR = {
    Colour.YELLOW: gettext_lazy("%(whose)s stays yellow, now at least until %(date)s."),
    Colour.RED: gettext_lazy("%(whose)s stays red, now at least until %(date)s."),
}


def advice_for(colour: str) -> str:
    """What to do now, for a code of this colour."""
    return str(ADVICE.get(colour, ""))


# ---------------------------------------------------------------------------------------
# Delivery: a change becomes a message


def deliver_with_change(change: ColourChange) -> InboxMessage | None:
    """In the transaction that writes the change (settings.HC_SAME_TRANSACTION,
    "colour_changed"): the message to the account that holds the code, its SMS waiting; the
    sender is enqueued after commit unless one is waiting. Two statements, both compiled once
    per process: the holder, the insert. None when no one holds the code."""
    return _deliver_within(change.code_id, lambda applicant: _message_for(change, applicant))


def deliver_with_extension(extension: ColourExtension) -> InboxMessage | None:
    """In the transaction that writes the extension (settings.HC_SAME_TRANSACTION,
    "period_extended"): the message to the account that holds the code, its SMS waiting, the
    sender enqueued after commit, as for a colour change. None when no one holds the code.

    Unlike changes, extensions were never written without their message: the sweep looks for
    none (it sends their waiting SMS as any other's)."""
    return _deliver_within(
        extension.code_id,
        lambda applicant: _message(applicant, extension, extension.colour, extension.colour, extension=extension),
    )


def _deliver_within(code_id: int, message_for) -> InboxMessage | None:
    applicant = _holder_query.first(code_id=code_id)
    if applicant is None:
        return None
    message = message_for(applicant)
    insert(message)  # an INSERT built once per process (healthcode/writes.py)
    enqueue_once_after_commit(SENDER_TASK, SENDER_KEY)
    return message


def deliver(change_id: int) -> InboxMessage | None:
    """The inbox message for this colour change, made once (the sweep: a change written
    without its message). None when no one holds the code."""
    existing = InboxMessage.objects.filter(change_id=change_id).first()
    if existing is not None:
        return existing
    change = ColourChange.objects.filter(pk=change_id).first()
    if change is None:
        return None
    applicant = _holder_query.first(code_id=change.code_id)
    if applicant is None:
        return None
    message, _created = _create_once(_message_for(change, applicant))
    return message


def _holder(code_id: int) -> QuerySet[Applicant]:
    fields = ("id", "account_id", "name", "relationship")
    return Applicant.objects.filter(health_code_id=code_id).only(*fields).order_by()


# Compiled once per process (healthcode/prepared.py): every colour change is delivered.
_holder_query = Prepared(_holder, code_id=STAND_IN_ID)


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


def _message_for(change: ColourChange, applicant: Applicant) -> InboxMessage:
    return _message(applicant, change, change.from_colour, change.to_colour, change=change)


def _message(applicant: Applicant, told, from_colour: str, to_colour: str, **about) -> InboxMessage:
    """The message about `told` (a colour change or an extension: `about` names which)."""
    return InboxMessage(
        account_id=applicant.account_id,
        applicant=applicant,
        person_name=mask_name(applicant.name),
        relationship=applicant.relationship,
        from_colour=from_colour,
        to_colour=to_colour,
        reason=told.reason,
        created=told.created,
        sms_state=InboxMessage.SmsState.PENDING,
        **about,
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
    """Why the colour changed (or lasts longer), in the active language."""
    return reason_text(message.extension if message.extension_id is not None else message.change)


def extended_until(message: InboxMessage) -> date | None:
    """The local day a colour that lasts longer now lasts at least until; None for a change."""
    if message.extension_id is None:
        return None
    return timezone.localdate(message.extension.until)


def sms_text(message: InboxMessage) -> str:
    """The SMS, in the account's language: whose code, its new colour (or the colour and the
    day it now lasts until), the reason (a long one shortened, with where to read it whole)
    and what to do."""
    with translation.override(language_of(message.account)):
        if message.relationship == Relationship.SELF:
            whose = _("Your health code")
        else:
            whose = _("The health code of your family member %(name)s") % {"name": message.person_name or "—"}
        # A long reason is cut where a sentence, a clause or a word ends, and the SMS says
        # where the whole of it is (healthcode.reasons.shorten).
        reason, cut = shorten(reason_of(message), SMS_REASON_CHARS)
        parts = [
            _("[Henan Health Code]"),
            _headline(message, whose),
            reason,
            _("The full reason is on the code page, under “Why this colour?”.") if cut else "",
            advice_for(message.to_colour),
            _("Details in your inbox on the site."),
        ]
        return join_sentences(parts)


def _headline(message: InboxMessage, whose: str) -> str:
    until = extended_until(message)
    if until is not None and message.to_colour in STAYS_COLOUR:
        return str(STAYS_COLOUR[message.to_colour]) % {"whose": whose, "date": until.isoformat()}
    return str(NOW_COLOUR[message.to_colour]) % {"whose": whose}


def send_waiting(*, now: datetime | None = None, batch: int = SMS_BATCH) -> int:
    """Send the SMS that wait, a batch at a time; returns how many were sent. After a look that
    finds less than a full batch, the sender gives its turn back (a colour change committed
    from then on enqueues a new sender) and looks again, for what was committed while the turn
    was taken (healthcode.hooks.enqueue_once_after_commit), until a look finds less than a full
    batch. Each claim is stamped with its own time (`now` only in tests)."""
    sent, released = 0, False
    while True:
        claimed_at = now or timezone.now()
        claimed = _claim(batch, claimed_at)
        if claimed:
            sent += _send_claimed(claimed, claimed_at)
        if len(claimed) == batch:
            continue  # more may wait
        if released:
            return sent
        release(SENDER_KEY)
        released = True


def _claim(batch: int, now: datetime) -> list[int]:
    """Take up to `batch` waiting SMS for this sender: pending -> sending, oldest first, on rows
    locked skipping those another sender holds (Postgres; SQLite writes one at a time). A
    refused one waits SMS_RETRY_AFTER from its last claim; one tried HC_SMS_MAX_ATTEMPTS times
    is not taken again."""
    State = InboxMessage.SmsState
    due = Q(sms_claimed_at__isnull=True) | Q(sms_claimed_at__lt=now - SMS_RETRY_AFTER)
    with transaction.atomic():
        waiting = InboxMessage.objects.select_for_update(skip_locked=True).filter(
            due, sms_state=State.PENDING, sms_attempts__lt=settings.HC_SMS_MAX_ATTEMPTS
        )
        ids = list(waiting.order_by("pk").values_list("pk", flat=True)[:batch])
        if ids:
            InboxMessage.objects.filter(pk__in=ids).update(
                sms_state=State.SENDING, sms_claimed_at=now, sms_attempts=F("sms_attempts") + 1
            )
    return ids


def _send_claimed(ids: list[int], claimed_at: datetime) -> int:
    """Send the SMS of messages this sender claimed at `claimed_at`, record the outcomes: one
    UPDATE for those sent, one for those without a number, one per refused message; each only
    while the claim is still this sender's (a batch given back by the sweep and claimed again is
    another sender's). Whatever happens to one message (a gateway's refusal, any error while
    putting it into words or sending it) is that message's refusal: the rest of the batch is
    sent, and what was sent is recorded even if recording another outcome fails."""
    State = InboxMessage.SmsState
    mine = InboxMessage.objects.filter(sms_state=State.SENDING, sms_claimed_at=claimed_at)
    outcome: dict[str, list[int]] = {State.SENT: [], State.NO_NUMBER: []}
    try:
        claimed = InboxMessage.objects.filter(pk__in=ids).select_related("account", "change", "extension")
        for message in claimed.order_by("pk"):
            try:
                to = mobile_of(message.account)
                if not to:
                    outcome[State.NO_NUMBER].append(message.pk)
                    continue
                sms.send_sms(to, sms_text(message))
            except Exception as error:  # one message's failure is not the batch's
                give_up = message.sms_attempts >= settings.HC_SMS_MAX_ATTEMPTS
                why = error_text(error)
                mine.filter(pk=message.pk).update(
                    sms_state=State.FAILED if give_up else State.PENDING, sms_error=why[:200]
                )
                log.warning("SMS of inbox message %s not sent (attempt %s): %s", message.pk, message.sms_attempts, why)
                continue
            outcome[State.SENT].append(message.pk)
    finally:
        if outcome[State.SENT]:
            mine.filter(pk__in=outcome[State.SENT]).update(
                sms_state=State.SENT, sms_sent_at=timezone.now(), sms_error=""
            )
        if outcome[State.NO_NUMBER]:
            mine.filter(pk__in=outcome[State.NO_NUMBER]).update(sms_state=State.NO_NUMBER)
    return len(outcome[State.SENT])


def error_text(error: Exception) -> str:
    """A sending error as it is logged and kept (InboxMessage.sms_error): its class and its
    message with every number masked. A gateway's message may name the number it refused."""
    return f"{type(error).__name__}: {mask_numbers(str(error))}"


# ---------------------------------------------------------------------------------------
# The sweep (beat)


def sweep(*, now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Deliver the recent colour changes that have no message yet, give back SMS claims of
    senders that died, and send the SMS that wait. Returns (delivered, sent). `now` is for tests;
    otherwise each claim of the sending is stamped with its own time."""
    given, now = now, now or timezone.now()
    missed = list(
        ColourChange.objects.filter(
            created__gte=now - SWEEP_LOOKBACK, inbox_message__isnull=True, code__applicant__isnull=False
        )
        .order_by("created")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = sum(1 for change_id in missed if deliver(change_id) is not None)
    State = InboxMessage.SmsState
    # A claim its sender left (killed mid-batch): given back, or given up after the last try.
    stale = InboxMessage.objects.filter(sms_state=State.SENDING, sms_claimed_at__lt=now - SMS_CLAIM_TIMEOUT)
    stale.filter(sms_attempts__gte=settings.HC_SMS_MAX_ATTEMPTS).update(sms_state=State.FAILED)
    stale.update(sms_state=State.PENDING)
    return delivered, send_waiting(now=given)


# ---------------------------------------------------------------------------------------
# Reading the inbox


def messages_for(user: User) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(account=user).select_related("change", "extension").order_by("-created", "-id")


def unread_count(user: User) -> int:
    return InboxMessage.objects.filter(account=user, read_at__isnull=True).count()


def mark_read(user: User, *, up_to: int, now: datetime | None = None) -> int:
    """Mark the account's messages up to id `up_to` (those it was shown) as read; a message
    that arrived since stays unread. Another account's messages are never touched."""
    return InboxMessage.objects.filter(account=user, pk__lte=up_to, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
