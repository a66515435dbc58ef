"""Appeals: the citizen's reason and supporting image (served to the person's city's reviewers
only, never by a public URL); uphold (a green code that a second reviewer approves) or reject.
"""

from __future__ import annotations

import mimetypes

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from declarations.admin.display import colour_badge, history_table, masked_account
from declarations.admin.scoped import ReviewerScoped
from declarations.models import Appeal
from declarations.review_forms import ReasonForm
from declarations.services import appeals
from family.masking import mask_name


@admin.register(Appeal)
class AppealAdmin(ReviewerScoped):
    city_path = "applicant__city"
    person_prefix = "applicant__"
    list_display = ["created", "masked_name", "masked_id", "appeal_colour", "status", "short_reason", "has_image"]
    list_filter = [
        "status",
        "colour",
        ("applicant__city", admin.RelatedOnlyFieldListFilter),
        ("created", admin.DateFieldListFilter),
    ]
    list_select_related = ["applicant"]
    actions = ["uphold", "reject"]
    fields = [
        "person",
        "colour",
        "code_version",
        "reason",
        "image_link",
        "created",
        "status",
        "resolved_by_masked",
        "resolved_at",
        "resolution",
        "colour_history",
    ]
    readonly_fields = fields
    resolved_by_masked = masked_account("resolved_by", _("resolved by"))

    def _person(self, obj):
        return obj.applicant

    @admin.display(description=_("colour"), ordering="colour")
    def appeal_colour(self, obj: Appeal) -> str:
        return colour_badge(obj.colour)

    @admin.display(description=_("reason"))
    def short_reason(self, obj: Appeal) -> str:
        return obj.reason if len(obj.reason) <= 80 else obj.reason[:79] + "…"

    @admin.display(description=_("image"), boolean=True)
    def has_image(self, obj: Appeal) -> bool:
        return bool(obj.image)

    @admin.display(description=_("person"))
    def person(self, obj: Appeal) -> str:
        url = reverse("admin:declarations_person_change", args=[obj.applicant_id])
        return format_html('<a href="{}">{}</a>', url, mask_name(obj.applicant.name))

    @admin.display(description=_("supporting image"))
    def image_link(self, obj: Appeal) -> str:
        if not obj.image:
            return "—"
        url = reverse("admin:declarations_appeal_image", args=[obj.pk])
        return format_html('<a href="{}"><img src="{}" alt="" class="hc-appeal-image"></a>', url, url)

    @admin.display(description=_("colour history"))
    def colour_history(self, obj: Appeal) -> str:
        return history_table(obj.applicant.health_code_id)

    def get_urls(self):
        return [
            path("<int:pk>/image/", self.admin_site.admin_view(self.image_view), name="declarations_appeal_image"),
            *super().get_urls(),
        ]

    def image_view(self, request: HttpRequest, pk: int) -> FileResponse:
        """The appeal's image, to reviewers of the person's city only (never a public URL)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        appeal = self.get_queryset(request).filter(pk=pk).first()
        if appeal is None or not appeal.image:
            raise Http404
        content_type = mimetypes.guess_type(appeal.image.name)[0] or "application/octet-stream"
        response = FileResponse(appeal.image.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(permissions=["change"], description=_("Uphold: propose a green code (a second reviewer approves)"))
    def uphold(self, request, queryset):
        def act(appeal: Appeal, data: dict) -> bool:
            return self.report(
                request, appeals.accept_appeal(appeal.pk, request.user, resolution=data["reason"]), appeal
            )

        return self.reason_action(request, queryset, form_class=ReasonForm, title=_("Uphold the appeal"), act=act)

    @admin.action(permissions=["change"], description=_("Reject, with a reason the citizen will read"))
    def reject(self, request, queryset):
        def act(appeal: Appeal, data: dict) -> None:
            appeals.reject_appeal(appeal.pk, request.user, resolution=data["reason"])

        return self.reason_action(request, queryset, form_class=ReasonForm, title=_("Reject the appeal"), act=act)
