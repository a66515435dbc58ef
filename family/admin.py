from django.contrib import admin

from family.masking import mask_id
from family.models import Applicant


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "masked_id", "relationship", "city", "health_code"]
    list_filter = ["relationship", "city"]
    raw_id_fields = ["account", "health_code"]

    @admin.display(description="ID")
    def masked_id(self, obj: Applicant) -> str:
        return mask_id(obj.id_number or "")
