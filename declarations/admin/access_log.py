"""The record access log: who opened whose record, when (written by scoped.py). Read only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from declarations.admin.search import MASKED_PHONE
from declarations.models import RecordAccess
from family.masking import mask_name
from healthcode.admin_readonly import ReadOnlyAdminMixin
from healthcode.validators import normalise_mobile


@admin.register(RecordAccess)
class RecordAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened whose record, when. Read-only: no one edits or deletes it here."""

    list_display = ["created", "user", "record", "object_id", "person"]
    list_filter = ["record", ("created", admin.DateFieldListFilter)]
    search_fields = ["pk"]  # shows the search box; get_search_results does the searching
    search_help_text = _("Who opened the record: a mobile number in full or as the list shows it, or a staff login.")
    list_select_related = ["user", "applicant"]

    def get_search_results(self, request, queryset, search_term):
        """Logins are encrypted at rest (healthcode/crypto.py): found whole or by the part the
        list shows (136****0001), never by a part of them (Django's icontains was a server error)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if match := MASKED_PHONE.match(term):
            return queryset.filter(user__username__hint=match[1] + match[2]), False
        return queryset.filter(user__username__in={term, normalise_mobile(term)}), False

    @admin.display(description=_("person"))
    def person(self, obj: RecordAccess) -> str:
        return mask_name(obj.applicant.name) if obj.applicant_id else "—"
