"""Daily check-ins (read only, city-scoped) and the days the daily task has closed."""

from __future__ import annotations

from django.contrib import admin

from declarations.admin.scoped import ReviewerScoped
from declarations.models import CheckIn, CheckInDay
from healthcode.admin_readonly import ReadOnlyAdminMixin


@admin.register(CheckIn)
class CheckInAdmin(ReviewerScoped):
    city_path = "applicant__city"
    person_prefix = "applicant__"
    log_openings = False
    list_display = ["day", "masked_name", "masked_id", "temperature", "normal"]
    list_filter = ["normal", ("day", admin.DateFieldListFilter)]
    list_select_related = ["applicant"]
    date_hierarchy = "day"

    def _person(self, obj):
        return obj.applicant

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CheckInDay)
class CheckInDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "closed_at", "people", "turned_green"]
