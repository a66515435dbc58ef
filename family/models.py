"""The people who hold codes: an account's "self" and the family members it applies for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from healthcode.colours import Colour
from healthcode.fields import EncryptedCharField
from healthcode.models import City, HealthCode


class Relationship(models.TextChoices):
    SELF = "self", _("Self")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SPOUSE = "spouse", _("Spouse")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Applicant(models.Model):
    """A person with a health code, held by one account (their own, or a family agent's)."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="applicants",
        verbose_name=_("account"),
    )
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    name = models.CharField(_("name"), max_length=64, blank=True)
    id_number = EncryptedCharField(_("ID number"), kind="id", null=True, blank=True, unique=True)
    phone = EncryptedCharField(_("mobile number"), kind="phone", blank=True)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("city"))
    health_code = models.OneToOneField(
        HealthCode, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("health code")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    # When the account last chose to show this person's code (Switch Applicants): a new login,
    # or another phone, opens on the same person.
    last_shown = models.DateTimeField(_("last shown"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(relationship="self"),
                name="applicant_one_self_per_account",
            )
        ]

    def __str__(self) -> str:
        from family.masking import mask_name

        return mask_name(self.name) or str(_("(no name yet)"))


class Notice(models.Model):
    """A message for an account about its people (a take-over, say); shown once."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    message = models.TextField(_("message"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.message[:60]


class InboxMessage(models.Model):
    """The account's message about one colour change of one of its people (self or a family
    member), or about their colour lasting longer for a new reason: the inbox on the site, and
    the state of the same message sent by SMS.

    Made from the core's ColourChange row (the outbox) exactly once: one message per change,
    by the unique `change`; or from a ColourExtension, one per extension, by the unique
    `extension` (exactly one of the two is set; from_colour and to_colour are then both the
    colour that lasts longer). The SMS is claimed with a compare-and-set on `sms_state` (after
    healthchecks' sendalerts), so that concurrent senders send it once."""

    class SmsState(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")
        NO_NUMBER = "no_number", _("No mobile number")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox", verbose_name=_("account")
    )
    applicant = models.ForeignKey(
        Applicant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("person")
    )
    change = models.OneToOneField(
        "healthcode.ColourChange",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbox_message",
        verbose_name=_("change"),
    )
    extension = models.OneToOneField(
        "healthcode.ColourExtension",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbox_message",
        verbose_name=_("colour extension"),
    )
    # As the person was when the message was written (masked); the person may be removed later.
    person_name = models.CharField(_("name"), max_length=64, blank=True)
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)
    from_colour = models.CharField(_("from"), max_length=8, choices=Colour.choices)
    to_colour = models.CharField(_("to"), max_length=8, choices=Colour.choices)
    # The change's reason as written then (ColourChange.reason); the inbox and the SMS put it
    # into words from the change when read, in the reader's language (inbox.reason_of).
    reason = models.TextField(_("reason"), blank=True)
    created = models.DateTimeField(_("time"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    sms_state = models.CharField(_("SMS"), max_length=10, choices=SmsState.choices, default=SmsState.PENDING)
    sms_attempts = models.PositiveSmallIntegerField(_("SMS attempts"), default=0)
    sms_claimed_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)
    sms_error = models.CharField(_("SMS error"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(change__isnull=False, extension__isnull=True)
                | models.Q(change__isnull=True, extension__isnull=False),
                name="inbox_about_a_change_or_an_extension",
            ),
        ]
        indexes = [
            # The inbox page and its unread count: one account's messages, newest first.
            models.Index(fields=["account", "-created"], name="inbox_account_time_idx"),
            # The SMS sweep: the few messages not sent yet.
            models.Index(
                fields=["sms_state"],
                condition=models.Q(sms_state__in=["pending", "sending"]),
                name="inbox_sms_outbox_idx",
            ),
        ]

    def __str__(self) -> str:
        if self.extension_id is not None:
            return f"{self.to_colour}, extended"
        return f"{self.from_colour} → {self.to_colour}"
