"""People: their colour, its history, their check-ins and appeals (read only), and an action
to set the colour by hand, with a reason.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from declarations.admin.display import colour_badge, history_table, symptom_words
from declarations.admin.scoped import ReviewerScoped
from declarations.models import Appeal, CheckIn, Person
from declarations.review_forms import OverrideForm
from declarations.services import reviewers
from healthcode.admin_readonly import ReadOnlyInline


class CheckInInline(ReadOnlyInline):
    model = CheckIn
    fields = ["day", "temperature", "symptoms_text", "normal", "created"]
    ordering = ["-day"]
    symptoms_text = symptom_words(_("symptoms"))


class AppealInline(ReadOnlyInline):
    model = Appeal
    fields = ["created", "colour", "status", "reason", "resolution"]
    show_change_link = True


@admin.register(Person)
class PersonAdmin(ReviewerScoped):
    list_display = ["masked_name", "masked_id", "masked_phone", "relationship", "city", "colour", "since"]
    list_filter = [
        ("health_code__colour", admin.ChoicesFieldListFilter),
        ("city", admin.RelatedOnlyFieldListFilter),
        "relationship",
    ]
    list_select_related = ["city", "health_code"]
    applicant_path = "pk"
    actions = ["override_colours"]
    fields = ["name", "id_number", "phone", "relationship", "city", "colour", "since", "colour_history"]
    readonly_fields = fields
    inlines = [CheckInInline, AppealInline]

    @admin.display(description=_("colour"), ordering="health_code__colour")
    def colour(self, obj: Person) -> str:
        return colour_badge(obj.health_code.colour) if obj.health_code_id else "—"

    @admin.display(description=_("colour since"), ordering="health_code__since")
    def since(self, obj: Person) -> str | None:
        # In the site's time zone and the reader's format, on the change page too (a read-only
        # field that is a method would otherwise show the raw UTC value).
        return formats.localize(timezone.localtime(obj.health_code.since)) if obj.health_code_id else None

    @admin.display(description=_("colour history"))
    def colour_history(self, obj: Person) -> str:
        return history_table(obj.health_code_id)

    @admin.action(permissions=["change"], description=_("Set the colour by hand, with a reason"))
    def override_colours(self, request, queryset):
        def act(person: Person, data: dict) -> bool:
            decision = reviewers.override_colour(
                person.pk, request.user, colour=data["colour"], reason=data["reason"], seen_version=data["seen"]
            )
            return self.report(request, decision, person)

        return self.reason_action(
            request,
            queryset,
            form_class=OverrideForm,
            title=_("Set the colour, with a reason"),
            act=act,
            seen=lambda person: person.health_code.version if person.health_code_id else 0,  # 0: no code yet
        )
