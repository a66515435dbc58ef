"""The review queue: declarations (drafts excluded), with the verdict, the suggested colour
and the current one; actions to approve the suggested colour or set one by hand, with a reason.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from declarations import rules
from declarations.admin.display import colour_badge, history_table, masked_account, symptom_words
from declarations.admin.scoped import ReviewerScoped, seen_value
from declarations.models import Declaration
from declarations.review_forms import OverrideForm
from declarations.services import reviewers


@admin.register(Declaration)
class DeclarationAdmin(ReviewerScoped):
    # The person's city, as every reviewer's action checks (reviewers.require_scope), not the
    # declared one: a person who moved is their new city's, declarations from before included
    # (the page shows the person's live colour history).
    city_path = "applicant__city"
    list_display = [
        "created",
        "masked_name",
        "masked_id",
        "masked_phone",
        "city",
        "status",
        "verdict",
        "suggested",
        "current_colour",
    ]
    list_filter = [
        "status",
        "verdict_colour",
        ("applicant__health_code__colour", admin.ChoicesFieldListFilter),
        ("city", admin.RelatedOnlyFieldListFilter),
        ("created", admin.DateFieldListFilter),
    ]
    list_select_related = ["city", "applicant__health_code"]
    date_hierarchy = "created"
    actions = ["approve_verdicts", "override_colours"]
    fieldsets = [
        (
            _("Review"),
            {"fields": ["status", "verdict_rules_text", "review_note", "suggested_colour", "decided_by_masked"]},
        ),
        (
            _("Declared"),
            {
                "fields": [
                    "name",
                    "id_number",
                    "phone",
                    "city",
                    "district",
                    "street_address",
                    "temperature",
                    "symptoms_text",
                    "travel",
                    "travel_area",
                    "contact",
                    "relationship",
                ]
            },
        ),
        (_("Colour history"), {"fields": ["colour_history"]}),
        (_("Times"), {"fields": ["created", "confirmed_at", "reviewed_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Drafts are not declarations yet: nobody reviews them.
        return super().get_queryset(request).exclude(status=Declaration.Status.DRAFT)

    decided_by_masked = masked_account("decided_by", _("decided by"))
    symptoms_text = symptom_words(_("symptoms"))

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    @admin.display(description=_("verdict"), ordering="verdict_colour")
    def verdict(self, obj: Declaration) -> str:
        return colour_badge(obj.verdict_colour)

    @admin.display(description=_("suggested"))
    def suggested(self, obj: Declaration) -> str:
        return colour_badge(obj.suggested_colour) if obj.status == Declaration.Status.NEEDS_REVIEW else ""

    @admin.display(description=_("current colour"))
    def current_colour(self, obj: Declaration) -> str:
        code = obj.applicant.health_code if obj.applicant_id else None
        if code is None:
            return "—"
        # The version the reviewer sees, sent with an action from the list (the list is the
        # action's form): approving from a list shown before the code changed does nothing.
        return format_html(
            '{}<input type="hidden" name="seen_{}" value="{}">', colour_badge(code.colour), obj.pk, code.version
        )

    @admin.display(description=_("rules that fired"))
    def verdict_rules_text(self, obj: Declaration) -> str:
        return format_html_join("", "<p>{}</p>", ((rules.text_for(code),) for code in obj.verdict_rules)) or "—"

    @admin.display(description=_("colour history"))
    def colour_history(self, obj: Declaration) -> str:
        return history_table(obj.applicant.health_code_id if obj.applicant_id else None)

    @admin.action(
        permissions=["change"], description=_("Approve the suggested colour (declarations waiting for a reviewer)")
    )
    def approve_verdicts(self, request, queryset):
        done = 0
        for declaration in queryset:
            try:
                seen = seen_value(request, declaration.pk)  # from the list; None: a row not shown
                decision = reviewers.approve_verdict(declaration.pk, request.user, seen_version=seen)
                done += self.report(request, decision, declaration)
            except reviewers.ReviewError as error:
                self.message_user(request, f"{declaration}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(n)d approved.", "%(n)d approved.", done) % {"n": done})

    @admin.action(permissions=["change"], description=_("Set the colour by hand, with a reason"))
    def override_colours(self, request, queryset):
        def act(declaration: Declaration, data: dict) -> bool:
            if declaration.status == Declaration.Status.NEEDS_REVIEW:
                decision = reviewers.decide(
                    declaration.pk,
                    request.user,
                    colour=data["colour"],
                    reason=data["reason"],
                    seen_version=data["seen"],
                )
            else:
                decision = reviewers.override_colour(
                    declaration.applicant_id,
                    request.user,
                    colour=data["colour"],
                    reason=data["reason"],
                    seen_version=data["seen"],
                )
            return self.report(request, decision, declaration)

        def seen(declaration: Declaration) -> int | None:
            code = declaration.applicant.health_code if declaration.applicant_id else None
            return code.version if code is not None else 0  # 0: no code yet (versions start at 1)

        return self.reason_action(
            request,
            queryset,
            form_class=OverrideForm,
            title=_("Set the colour, with a reason"),
            act=act,
            seen=seen,
        )
