"""Venues where codes are checked, and the staff who check them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from healthcode.models import City


class Venue(models.Model):
    class Type(models.TextChoices):
        COMMUNITY = "community", _("Residential community")
        ENTERPRISE = "enterprise", _("Enterprise")
        OFFICE = "office", _("Office building")
        SCHOOL = "school", _("School")
        SUBWAY = "subway", _("Subway station")
        RAILWAY = "railway", _("Railway station")
        BUS = "bus", _("Bus or coach")
        MALL = "mall", _("Supermarket or mall")
        PHARMACY = "pharmacy", _("Pharmacy")
        HOSPITAL = "hospital", _("Hospital")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    city = models.ForeignKey(City, on_delete=models.PROTECT, verbose_name=_("city"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name


class VenueStaff(models.Model):
    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        MANAGER = "manager", _("Manager")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="venue_roles")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("venue staff member")
        verbose_name_plural = _("venue staff")
        constraints = [models.UniqueConstraint(fields=["venue", "user"], name="venuestaff_once_per_venue")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.venue}"
