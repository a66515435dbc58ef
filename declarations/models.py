"""A health declaration: what a person (or their agent) declared, and how it was reviewed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from family.models import Applicant, Relationship
from healthcode.colours import Colour
from healthcode.models import City

COMMITMENTS_VERSION = 1


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
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form_token = models.UUIDField(_("form token"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    city = models.ForeignKey(City, on_delete=models.PROTECT, verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=64)
    id_number = models.CharField(_("ID number"), max_length=18)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
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

    class Meta:
        ordering = ["-created"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        constraints = [
            models.UniqueConstraint(fields=["submitted_by", "form_token"], name="declaration_one_per_form"),
        ]
        indexes = [models.Index(fields=["status", "confirmed_at"], name="declaration_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.created:%Y-%m-%d %H:%M}"

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(code, code)) for code in self.symptoms]
