"""The record access log: who opened whose record, when (written by scoped.py). Read only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from declarations.models import RecordAccess
from family.masking import mask_name
from healthcode.admin_readonly import ReadOnlyAdminMixin


@admin.register(RecordAccess)
class RecordAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened whose record, when. Read-only: no one edits or deletes it here."""

    list_display = ["created", "user", "record", "object_id", "person"]
    list_filter = ["record", ("created", admin.DateFieldListFilter)]
    search_fields = ["user__username"]
    list_select_related = ["user", "applicant"]

    @admin.display(description=_("person"))
    def person(self, obj: RecordAccess) -> str:
        return mask_name(obj.applicant.name) if obj.applicant_id else "—"
