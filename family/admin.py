from django.contrib import admin

from family.masking import mask_id
from family.models import Applicant


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    """Raw records, for superusers only: reviewers work in the city-scoped "People" admin of
    the declarations app, which masks numbers and logs every opening."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission
    has_add_permission = has_module_permission

    list_display = ["__str__", "masked_id", "relationship", "city", "health_code"]
    list_filter = ["relationship", "city"]
    raw_id_fields = ["account", "health_code"]

    @admin.display(description="ID")
    def masked_id(self, obj: Applicant) -> str:
        return mask_id(obj.id_number or "")
