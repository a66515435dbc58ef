"""Risk areas, managed by the health authority: adding one or raising its level re-reviews the
recent declarations that name it, in the background.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from declarations.models import RiskArea
from declarations.services.review import area_saved


@admin.register(RiskArea)
class RiskAreaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "level", "effective_from", "effective_until", "updated", "updated_by"]
    list_filter = ["level", "province"]
    search_fields = ["province", "city", "district"]
    fields = ["province", "city", "district", "level", "effective_from", "effective_until", "note"]

    def save_model(self, request, obj: RiskArea, form, change) -> None:
        previous = RiskArea.objects.filter(pk=obj.pk).values_list("level", flat=True).first() if change else None
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if area_saved(obj, previous):
            self.message_user(
                request, _("The recent declarations that name this area are being re-reviewed in the background.")
            )
