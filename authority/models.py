"""Daily figures for the health authority's dashboard, counted by a beat task.

At a million people the dashboard must not count the big tables (codes, scans, declarations)
on every view. `authority.services.figures.count_figures` counts the current day (and closes
the previous one) every few minutes into these small tables; the dashboard reads only them,
so its cost does not grow with the data: a month is 30 days x 18 cities x 4 colours rows.
The 30-day colour trend in particular cannot be recounted later from the codes themselves
(they only know their colour now), so the day's last count is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from checkpoints.models import Venue
from healthcode.colours import Colour
from healthcode.models import City


class ColourCount(models.Model):
    """How many people held each colour in a city, as last counted on that day."""

    day = models.DateField(_("day"))
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+", verbose_name=_("city"))
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    people = models.PositiveIntegerField(_("people"))
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("people by colour")
        verbose_name_plural = _("people by colour")
        default_permissions = ()
        permissions = [("view_dashboard", _("Can view the health authority's dashboard"))]
        constraints = [models.UniqueConstraint(fields=["day", "city", "colour"], name="colourcount_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.city_id} {self.colour}: {self.people}"


class DailyActivity(models.Model):
    """Declarations confirmed and daily check-ins made on a day (Asia/Shanghai)."""

    day = models.DateField(_("day"), unique=True)
    declarations = models.PositiveIntegerField(_("declarations"))
    checkins = models.PositiveIntegerField(_("daily check-ins"))
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("daily activity")
        verbose_name_plural = _("daily activity")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.day}: {self.declarations} / {self.checkins}"


class HourlyScans(models.Model):
    """Scans at one type of venue in one hour of a day, and how many of them stopped someone."""

    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    venue_type = models.CharField(_("venue type"), max_length=16, choices=Venue.Type.choices)
    scans = models.PositiveIntegerField(_("scans"))
    stops = models.PositiveIntegerField(_("stopped"))

    class Meta:
        verbose_name = _("scans per hour")
        verbose_name_plural = _("scans per hour")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["day", "hour", "venue_type"], name="hourlyscans_once_per_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.hour}:00 {self.venue_type}: {self.scans}"


class ReviewerDay(models.Model):
    """Colour changes one reviewer made by hand on a day (ColourChange, source "reviewer")."""

    day = models.DateField(_("day"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reviewer")
    )
    changes = models.PositiveIntegerField(_("colour changes by hand"))

    class Meta:
        verbose_name = _("reviewer's day")
        verbose_name_plural = _("reviewers' days")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["day", "reviewer"], name="reviewerday_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.reviewer_id}: {self.changes}"
