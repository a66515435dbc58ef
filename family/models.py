"""The people who hold codes: an account's "self" and the family members it applies for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("city"))
    health_code = models.OneToOneField(
        HealthCode, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("health code")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

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
