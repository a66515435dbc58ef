"""Risk areas, managed by the health authority: adding one or raising its level re-reviews the
recent declarations that name it, in the background.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from declarations.models import EARLIEST_DATE, RiskArea
from declarations.services.review import area_saved

# How far ahead an area may be published: its start or end (a slip of the keyboard: 2062).
AHEAD = timedelta(days=365)


def within_reason(moment: datetime) -> datetime:
    """A risk area's start or end: from the first cases (December 2019) to a year from now.
    Year 0001 broke the areas' list page and every review (Postgres) or the save (SQLite)."""
    if moment < EARLIEST_DATE:
        raise forms.ValidationError(
            _("This is before the first cases (%(earliest)s): check the year."),
            code="too_early",
            params={"earliest": date_format(EARLIEST_DATE.date(), "DATE_FORMAT")},
        )
    if moment > timezone.now() + AHEAD:
        raise forms.ValidationError(_("This is more than a year ahead: check the year."), code="too_late")
    return moment


class RiskAreaForm(forms.ModelForm):
    class Meta:
        model = RiskArea
        fields = ["province", "city", "district", "level", "effective_from", "effective_until", "note"]

    def clean_effective_from(self) -> datetime:
        return within_reason(self.cleaned_data["effective_from"])

    def clean_effective_until(self) -> datetime | None:
        until = self.cleaned_data["effective_until"]
        return None if until is None else within_reason(until)


@admin.register(RiskArea)
class RiskAreaAdmin(admin.ModelAdmin):
    form = RiskAreaForm
    list_display = ["__str__", "level", "effective_from", "effective_until", "updated", "updated_by"]
    list_filter = ["level", "province"]
    search_fields = ["province", "city", "district"]
    fields = RiskAreaForm.Meta.fields

    def save_model(self, request, obj: RiskArea, form, change) -> None:
        previous = RiskArea.objects.filter(pk=obj.pk).values_list("level", flat=True).first() if change else None
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if area_saved(obj, previous):
            self.message_user(
                request, _("The recent declarations that name this area are being re-reviewed in the background.")
            )
