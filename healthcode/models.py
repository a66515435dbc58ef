"""The core: accounts, cities, the health code and its colour history. Knows no person."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from healthcode.colours import Colour
from healthcode.fields import EncryptedCharField
from healthcode.masking import mask_account


class User(AbstractUser):
    """An account. Citizens sign up with their mobile number as the username, which is
    stored encrypted like every mobile number (healthcode/crypto.py)."""

    username = EncryptedCharField(
        _("username"),
        kind="phone",
        unique=True,
        help_text=_("The mobile number (or a staff login name)."),
        validators=[UnicodeUsernameValidator()],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    # What is sent to the account later (text messages) is in this language: the one it chose
    # with the switch on every page, else the one it signed up in. Blank: LANGUAGE_CODE.
    language = models.CharField(
        _("language"), max_length=16, choices=settings.LANGUAGES, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        """The login with its number masked (138****0001; a staff name such as "admin" whole):
        what the admin shows for an account (titles, raw-id labels, lists of what names one)
        and keeps in its own log (django_admin_log's object_repr and change messages)."""
        return mask_account(self)


class City(models.Model):
    """A prefecture-level city (GB/T 2260 code). The model allows any province."""

    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    province = models.CharField(_("province"), max_length=32, default="henan")
    name_zh = models.CharField(_("name (Chinese)"), max_length=32)
    name_en = models.CharField(_("name (English)"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return f"{self.name_en} {self.name_zh}"

    @property
    def display_name(self) -> str:
        """The name in the page's language alone: both together wrap on a 320 px phone."""
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


def new_ref() -> bytes:
    return secrets.token_bytes(12)


class HealthCode(models.Model):
    """One person's code. `ref` is the opaque reference a token names; `version` grows on
    every colour change so that older tokens go stale at once."""

    ref = models.BinaryField(_("reference"), max_length=12, unique=True, default=new_ref, editable=False)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices, default=Colour.PENDING)
    version = models.PositiveIntegerField(_("version"), default=1)
    since = models.DateTimeField(_("colour since"), default=timezone.now)
    until = models.DateTimeField(_("at least until"), null=True, blank=True)
    # Issued-at (Unix seconds) of the one valid paper code; reissuing or revoking changes it.
    paper_issued_at = models.PositiveBigIntegerField(_("paper code issued at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("health code")
        verbose_name_plural = _("health codes")

    def __str__(self) -> str:
        return f"{self.get_colour_display()} (v{self.version})"


class ColourChange(models.Model):
    """History, audit and outbox of every colour change (after healthchecks' Flip)."""

    class Source(models.TextChoices):
        REVIEW = "review", _("Background review")
        REVIEWER = "reviewer", _("Reviewer")
        CHECKIN = "checkin", _("Daily check-in")
        AUTHORITY = "authority", _("Health authority")
        SYSTEM = "system", _("System")

    code = models.ForeignKey(HealthCode, on_delete=models.CASCADE, related_name="changes")
    from_colour = models.CharField(_("from"), max_length=8, choices=Colour.choices)
    to_colour = models.CharField(_("to"), max_length=8, choices=Colour.choices)
    version = models.PositiveIntegerField(_("code version"))
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    rules = models.JSONField(_("rules"), default=list, blank=True)
    # The machine's reason in parts, put into words when read, in the reader's language
    # (healthcode/reasons.py): [{"code": "companion", "venue": "…", "date": "2026-03-01"}, …].
    reason_parts = models.JSONField(_("reason in parts"), default=list, db_default=[], blank=True)
    # In words: a reviewer's own, as written; for the machine's, its parts in LANGUAGE_CODE at the
    # time (rows written before parts were kept have only this).
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    # Four eyes: a change that lowers a colour by hand names the second reviewer who approved it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("colour change")
        verbose_name_plural = _("colour changes")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="colourchange_one_per_version"),
        ]
        # The notification sweep (family.services.inbox) reads the recent changes by time.
        indexes = [models.Index(fields=["created"], name="colourchange_time_idx")]

    def __str__(self) -> str:
        return f"{self.from_colour} → {self.to_colour}"


class ColourExtension(models.Model):
    """A colour's minimum duration moved later for a reason the person had not been told: what
    the person is told about ("your red code now lasts until ..."), as a colour change is.

    Its own table, not a ColourChange row from a colour to itself: a ColourChange is a change of
    colour (its "from → to"), and the readers of ColourChange (the history, the last change's
    reasons, the releases that serve earlier facts, the reviewers' changes counted on the
    dashboard, a reviewer's double click found by its row) would each have had to learn to skip
    it. The code's version does move (every time the minimum duration moves, told or not): what
    was decided on the code before (a reviewer's page, a proposal waiting for its second
    reviewer, a night's release) is stale, as after a colour change. `version` is the code's
    version the extension made: the reasons a person was told for the colour they have are the
    last change's `rules` and those of the extensions with a later version
    (healthcode.services.change_colour)."""

    # Indexed by (code, version) below, which serves a look by code as well.
    code = models.ForeignKey(HealthCode, on_delete=models.CASCADE, related_name="extensions", db_index=False)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    version = models.PositiveIntegerField(_("code version"))
    previous_until = models.DateTimeField(_("previously at least until"), null=True, blank=True)
    until = models.DateTimeField(_("at least until"))
    source = models.CharField(_("source"), max_length=16, choices=ColourChange.Source.choices)
    # The new reasons only (rule codes the person had not been told for this colour): what this
    # row tells. The reason's parts are theirs, with the details that go with them.
    rules = models.JSONField(_("rules"), default=list, blank=True)
    reason_parts = models.JSONField(_("reason in parts"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    created = models.DateTimeField(_("time"), default=timezone.now)

    # Told apart from a ColourChange where both are listed (the history on "Why this colour?").
    is_extension = True

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("colour extension")
        verbose_name_plural = _("colour extensions")
        # What the person was told for the colour they have: the extensions after a version.
        indexes = [models.Index(fields=["code", "version"], name="extension_code_version_idx")]

    def __str__(self) -> str:
        return f"{self.colour} until {self.until:%Y-%m-%d}"


class AuditEvent(models.Model):
    """Who did what, when and why, for actions outside the colour history: signing-key
    rotation and revocation, case marks, data exports. Written, never edited (the admin is
    read-only)."""

    class Action(models.TextChoices):
        KEY_ROTATED = "key_rotated", _("Signing key rotated")
        KEY_REVOKED = "key_revoked", _("Signing key revoked")
        OTHER = "other", _("Other")

    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, help_text=_("The operator, when not an account."))
    reason = models.TextField(_("reason"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name}"
