"""A health declaration: what a person (or their agent) declared, and how it was reviewed."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from declarations import rules
from family.models import Applicant, Relationship
from healthcode.colours import Colour
from healthcode.fields import EncryptedCharField
from healthcode.models import City

COMMITMENTS_VERSION = 1

# The times a risk area or a health event may carry (database constraints; the admin's forms
# hold them closer): nothing the authority records is older than the first cases, in December
# 2019, and nothing is dated after 2099. A date outside them is a slip of the keyboard (year
# 0001, 9999), and near the ends of Python's calendar a time-zone shift fails: 0001-01-01 in
# Henan is a day of year 0 in UTC, which Postgres stores and no page could read back.
EARLIEST_DATE = datetime(2019, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
LATEST_DATE = datetime(2100, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


class Symptom(models.TextChoices):
    NONE = "none", _("None")
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    FATIGUE = "fatigue", _("Fatigue")
    SORE_THROAT = "sore_throat", _("Sore throat")
    SHORTNESS_OF_BREATH = "shortness_of_breath", _("Shortness of breath")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")


class Travel(models.TextChoices):
    NONE = "none", _("No")
    MEDIUM = "medium", _("Yes, a medium-risk area")
    HIGH = "high", _("Yes, a high-risk area")


class Contact(models.TextChoices):
    NO = "no", _("No")
    YES = "yes", _("Yes")
    UNSURE = "unsure", _("Not sure")


class Declaration(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Not yet confirmed")
        CONFIRMED = "confirmed", _("Under review")
        REVIEWED = "reviewed", _("Reviewed")
        NEEDS_REVIEW = "needs_review", _("Waiting for a reviewer")

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Empty until a new family member's declaration is confirmed (the person is created then).
    applicant = models.ForeignKey(
        Applicant, null=True, blank=True, on_delete=models.CASCADE, related_name="declarations"
    )
    relationship = models.CharField(
        _("relationship"), max_length=16, choices=Relationship.choices, default=Relationship.SELF
    )
    # No index of its own: the unique (account, form token) below starts with it (one index
    # fewer written by every declaration's insert and status changes: bench/README.md, session 15).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    form_token = models.UUIDField(_("form token"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    city = models.ForeignKey(City, on_delete=models.PROTECT, verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=64)
    id_number = EncryptedCharField(_("ID number"), kind="id")
    phone = EncryptedCharField(_("mobile number"), kind="phone", blank=True)
    district = models.CharField(_("district"), max_length=64)
    street_address = models.CharField(_("street address"), max_length=200)
    temperature = models.DecimalField(_("body temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list)
    travel = models.CharField(_("risk-area travel"), max_length=8, choices=Travel.choices)
    travel_area = models.CharField(_("which area"), max_length=200, blank=True)
    contact = models.CharField(_("contact with a case"), max_length=8, choices=Contact.choices)
    commitment_truthful = models.BooleanField(_("information is true and complete"), default=False)
    commitment_consent = models.BooleanField(_("consent to epidemic-prevention use only"), default=False)
    commitments_version = models.PositiveSmallIntegerField(default=COMMITMENTS_VERSION)

    created = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    verdict_colour = models.CharField(_("verdict"), max_length=8, choices=Colour.choices, blank=True)
    verdict_rules = models.JSONField(_("rules that fired"), default=list, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    # For a manual review: the colour the rules that fired would give; a reviewer approves it or overrides.
    suggested_colour = models.CharField(_("suggested colour"), max_length=8, choices=Colour.choices, blank=True)
    # The highest level of a published risk area the declared places fell in when reviewed;
    # an area raised later re-reviews the declaration only when this rises.
    area_level = models.CharField(_("risk-area level"), max_length=8, default="none", editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by reviewer"),
        db_index=False,  # a partial index below: nearly every declaration is decided by no one
    )
    sweeps = models.PositiveSmallIntegerField(_("times re-enqueued by the sweeper"), default=0, editable=False)
    swept_at = models.DateTimeField(_("last re-enqueued"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [
            models.UniqueConstraint(fields=["submitted_by", "form_token"], name="declaration_one_per_form"),
        ]
        indexes = [
            models.Index(fields=["status", "confirmed_at"], name="declaration_status_idx"),
            # A review turn's look: the oldest waiting, in order (services/together.py, WINDOW).
            models.Index(
                fields=["confirmed_at", "id"],
                condition=models.Q(status="confirmed", sweeps=0),
                name="declaration_waiting_idx",
            ),
            # A reviewer's decisions (their account's deletion is refused while they exist).
            models.Index(
                fields=["decided_by"],
                condition=models.Q(decided_by__isnull=False),
                name="declaration_decided_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {timezone.localtime(self.created):%Y-%m-%d %H:%M}"

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(code, code)) for code in self.symptoms]


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskArea(models.Model):
    """A published risk area: province, city or district, with its level and when it applies."""

    province = models.CharField(
        _("province"), max_length=64, help_text=_("Alternatives separated by “/”, e.g. Henan/河南.")
    )
    city = models.CharField(
        _("city"), max_length=64, blank=True, help_text=_("Empty: the whole province. E.g. Zhengzhou/郑州.")
    )
    district = models.CharField(
        _("district or county"), max_length=64, blank=True, help_text=_("Empty: the whole city. E.g. Jinshui/金水.")
    )
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    effective_until = models.DateTimeField(_("effective until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # Added or raised, and the recent declarations not re-reviewed for it yet: from when (the
    # area's start, if later). Cleared by the re-review; a beat sweep re-enqueues it if still
    # set a while after (its message was lost: a broker down when the area was saved).
    rereview_due = models.DateTimeField(_("re-review due"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-effective_from", "province", "city", "district"]
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        indexes = [models.Index(fields=["effective_from", "effective_until"], name="riskarea_effective_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gt=models.F("effective_from")),
                name="riskarea_until_after_from",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_from__gte=EARLIEST_DATE, effective_from__lt=LATEST_DATE),
                name="riskarea_from_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True) | models.Q(effective_until__lte=LATEST_DATE),
                name="riskarea_until_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.as_rule_area().name} ({self.get_level_display()})"

    def clean(self) -> None:
        if self.district.strip() and not self.city.strip():
            raise ValidationError(
                {"city": _("Give the city of the district (many cities have a district of that name).")}
            )
        if self.effective_until and self.effective_from and self.effective_until <= self.effective_from:
            raise ValidationError({"effective_until": _("The end must be after the start.")})

    def as_rule_area(self) -> rules.Area:
        return rules.Area(self.province.strip(), self.city.strip(), self.district.strip(), self.level)


class HealthEvent(models.Model):
    """What the authority or a checkpoint learnt about a person: a case, a close contact, a
    medicine purchase, a spatio-temporal companion. Recorded through
    `declarations.services.record_health_event`; idempotent by (source, source_ref)."""

    class Kind(models.TextChoices):
        CONFIRMED_CASE = "confirmed_case", _("Confirmed case")
        SUSPECTED_CASE = "suspected_case", _("Suspected case")
        CLOSE_CONTACT = "close_contact", _("Close contact")
        MEDICINE_PURCHASE = "medicine_purchase", _("Fever, cough or antiviral medicine purchase")
        COMPANION = "companion", _("Spatio-temporal companion of a case")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    id_number = EncryptedCharField(_("ID number"), kind="id", db_index=True)
    applicant = models.ForeignKey(
        Applicant, null=True, blank=True, on_delete=models.SET_NULL, related_name="health_events"
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    source = models.CharField(_("source"), max_length=32, help_text=_("Who reported it, e.g. authority, pharmacy."))
    source_ref = models.CharField(_("reference at the source"), max_length=64)
    # The venue of a companion: the person's reason names it and the day, in their language.
    place = models.CharField(
        _("place"),
        max_length=120,
        blank=True,
        default="",
        db_default="",
        help_text=_("Where it happened, e.g. the venue; shown to the person."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("recorded at"), default=timezone.now)
    # About a known person, and their colour not re-assessed for it yet: since when. Cleared by
    # the re-assessment; a beat sweep re-enqueues it if still set a while after (its message
    # was lost: a broker down when the event was recorded).
    reassess_due = models.DateTimeField(_("re-assessment due"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("health event")
        verbose_name_plural = _("health events")
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], name="healthevent_once_per_source_ref"),
            # Nothing is known before it happens: an event dated after it was recorded would be
            # skipped by the re-assessment it starts (the rules count what has happened).
            models.CheckConstraint(
                condition=models.Q(occurred_at__gte=EARLIEST_DATE, occurred_at__lte=models.F("created")),
                name="healthevent_occurred_in_range",
            ),
        ]
        # Contact tracing's sweep looks for recent cases among many more companion events.
        indexes = [
            models.Index(
                fields=["created"],
                condition=models.Q(kind__in=["confirmed_case", "suspected_case"]),
                name="healthevent_case_time_idx",
            ),
            # The sweep's: only the few events still waiting for their re-assessment.
            models.Index(
                fields=["reassess_due"],
                condition=models.Q(reassess_due__isnull=False),
                name="healthevent_reassess_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d}"


class CheckIn(models.Model):
    """One daily health check-in (打卡). One per person per day (Asia/Shanghai)."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="checkins")
    day = models.DateField(_("day"))
    temperature = models.DecimalField(_("body temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list)
    normal = models.BooleanField(_("normal"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("daily check-in")
        verbose_name_plural = _("daily check-ins")
        constraints = [models.UniqueConstraint(fields=["applicant", "day"], name="checkin_one_per_day")]
        # The health authority's dashboard counts each day's check-ins (authority/services/figures.py).
        indexes = [models.Index(fields=["day"], name="checkin_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.temperature} °C"

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(code, code)) for code in self.symptoms]


class CheckInDay(models.Model):
    """A day (Asia/Shanghai) the daily task has closed: every yellow and red code was checked
    against its check-ins up to that day. Closing a day twice does nothing the second time."""

    day = models.DateField(unique=True)
    closed_at = models.DateTimeField(default=timezone.now)
    people = models.PositiveIntegerField(default=0)
    turned_green = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("closed check-in day")
        verbose_name_plural = _("closed check-in days")

    def __str__(self) -> str:
        return str(self.day)


class ReviewerProfile(models.Model):
    """A reviewer works on the people of one city. Superusers see every city."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    city = models.ForeignKey(City, on_delete=models.PROTECT, verbose_name=_("city"))

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")

    def __str__(self) -> str:
        return f"{self.user} ({self.city.name_en})"


class Person(Applicant):
    """The reviewers' view of an applicant (scoped to their city, every opening logged)."""

    class Meta:
        proxy = True
        verbose_name = _("person")
        verbose_name_plural = _("people")


class Appeal(models.Model):
    """A citizen's (or their family agent's) appeal against a colour."""

    class Status(models.TextChoices):
        OPEN = "open", _("Submitted, waiting for a reviewer")
        ACCEPTED = "accepted", _("Accepted, waiting for a second reviewer")
        UPHELD = "upheld", _("Upheld: the colour was changed")
        REJECTED = "rejected", _("Rejected")

    ACTIVE = (Status.OPEN, Status.ACCEPTED)

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="appeals")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    colour = models.CharField(_("colour appealed"), max_length=8, choices=Colour.choices)
    code_version = models.PositiveIntegerField()
    reason = models.TextField(_("reason"))
    image = models.ImageField(_("supporting image"), upload_to="appeals/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created = models.DateTimeField(_("submitted"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("reviewer's answer"), blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status__in=["open", "accepted"]),
                name="appeal_one_active_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} {timezone.localtime(self.created):%Y-%m-%d} ({self.get_status_display()})"


class PendingOverride(models.Model):
    """A reviewer's change that lowers a colour: it applies only when a different reviewer
    approves it (four eyes). The database refuses the same person deciding twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a second reviewer")
        APPROVED = "approved", _("Approved and applied")
        DECLINED = "declined", _("Declined")
        STALE = "stale", _("Outdated: the colour changed meanwhile")

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="pending_overrides")
    declaration = models.ForeignKey(Declaration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="overrides")
    from_colour = models.CharField(_("from"), max_length=8, choices=Colour.choices)
    to_colour = models.CharField(_("to"), max_length=8, choices=Colour.choices)
    code_version = models.PositiveIntegerField(_("code version when proposed"))
    reason = models.TextField(_("reason"))
    # The machine's words in it, as parts (ColourChange.reason_parts), for the change it makes.
    reason_parts = models.JSONField(_("reason in parts"), default=list, db_default=[], blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(_("proposed"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("second reviewer's note"), blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("colour override waiting for approval")
        verbose_name_plural = _("colour overrides waiting for approval")
        constraints = [
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status="pending"),
                name="override_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("proposed_by")),
                name="override_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_colour} → {self.to_colour} ({self.get_status_display()})"


class RecordAccess(models.Model):
    """One reviewer's opening of a person's record in the admin. Written, never edited."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Applicant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    record = models.CharField(_("record"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=32)
    path = models.CharField(_("path"), max_length=200)
    created = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("record access")
        verbose_name_plural = _("record access log")

    def __str__(self) -> str:
        return f"{self.user} opened {self.record} {self.object_id}"
