"""Four eyes: changes of colour that lower a colour wait here (PendingOverride) until a second
reviewer approves or declines them.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from declarations.admin.display import colour_badge, masked_account
from declarations.admin.scoped import ReviewerScoped
from declarations.models import PendingOverride
from declarations.review_forms import NoteForm, ReasonForm
from declarations.services import reviewers
from family.masking import mask_name


@admin.register(PendingOverride)
class PendingOverrideAdmin(ReviewerScoped):
    city_path = "applicant__city"
    person_prefix = "applicant__"
    log_openings = False  # the person's record is opened from here through its link, and logged there
    list_display = [
        "created",
        "masked_name",
        "masked_id",
        "colour_change",
        "proposed_by_masked",
        "reason",
        "status",
        "decided_by_masked",
    ]
    list_filter = ["status", ("applicant__city", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["applicant", "proposed_by", "decided_by"]
    actions = ["approve", "decline"]
    fields = [
        "person",
        "from_colour",
        "to_colour",
        "code_version",
        "reason",
        "proposed_by_masked",
        "created",
        "declaration",
        "appeal",
        "status",
        "decided_by_masked",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields

    proposed_by_masked = masked_account("proposed_by", _("proposed by"))
    decided_by_masked = masked_account("decided_by", _("decided by"))

    def _person(self, obj):
        return obj.applicant

    @admin.display(description=_("change"))
    def colour_change(self, obj: PendingOverride) -> str:
        return format_html("{} → {}", colour_badge(obj.from_colour), colour_badge(obj.to_colour))

    @admin.display(description=_("person"))
    def person(self, obj: PendingOverride) -> str:
        url = reverse("admin:declarations_person_change", args=[obj.applicant_id])
        return format_html('<a href="{}">{}</a>', url, mask_name(obj.applicant.name))

    @admin.action(permissions=["change"], description=_("Approve (second reviewer): apply the change"))
    def approve(self, request, queryset):
        def act(pending: PendingOverride, data: dict) -> bool:
            return self.report(
                request, reviewers.approve_override(pending.pk, request.user, note=data["note"]), pending
            )

        return self.reason_action(
            request, queryset, form_class=NoteForm, title=_("Approve the change of colour"), act=act
        )

    @admin.action(permissions=["change"], description=_("Decline, with a reason"))
    def decline(self, request, queryset):
        def act(pending: PendingOverride, data: dict) -> None:
            reviewers.decline_override(pending.pk, request.user, note=data["reason"])

        return self.reason_action(
            request, queryset, form_class=ReasonForm, title=_("Decline the change of colour"), act=act
        )
