"""The reviewers' admin: the review queue, people, overrides waiting for a second reviewer,
appeals, risk areas, health events and the access log.

Reviewers see only their own city's people (declarations.services.reviewers.scoped);
superusers see all. List pages show ID and mobile numbers masked. Actions that change a
colour ask for a reason on an intermediate page and go through the services; every opening
of a person's record is logged (RecordAccess), and that log cannot be edited or deleted here.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from declarations import rules
from declarations.models import (
    Appeal,
    CheckIn,
    CheckInDay,
    Declaration,
    HealthEvent,
    PendingOverride,
    Person,
    RecordAccess,
    ReviewerProfile,
    RiskArea,
)
from declarations.review_forms import NoteForm, OverrideForm, ReasonForm
from declarations.services import appeals, events, reviewers
from declarations.services.review import area_saved
from family.masking import mask_id, mask_name, mask_phone
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.reasons import reason_text
from healthcode.validators import normalise_id, validate_resident_id

MASKED_ID = re.compile(r"^(\d{4})\*+(\d{3}[\dX])$")
MASKED_PHONE = re.compile(r"^(1\d{2})\*+(\d{4})$")
FULL_ID = re.compile(r"^\d{17}[\dX]$")
PHONE = re.compile(r"^1\d{10}$")


def person_search(queryset: QuerySet, term: str, prefix: str = "") -> QuerySet:
    """Search by name, mobile number or ID number, full or masked (4101**********1234)."""
    term = term.strip().upper()
    if not term:
        return queryset
    # Numbers are encrypted at rest: a masked number is found by its hint (healthcode/crypto.py).
    if match := MASKED_ID.match(term):
        return queryset.filter(**{f"{prefix}id_number__hint": match[1] + match[2]})
    if match := MASKED_PHONE.match(term):
        return queryset.filter(**{f"{prefix}phone__hint": match[1] + match[2]})
    if FULL_ID.match(term):
        return queryset.filter(**{f"{prefix}id_number": term})
    if PHONE.match(term):
        return queryset.filter(**{f"{prefix}phone": term})
    return queryset.filter(**{f"{prefix}name__icontains": term.strip()})


BADGE = {Colour.GREEN: "#0a7d38", Colour.YELLOW: "#946000", Colour.RED: "#c0231b", Colour.PENDING: "#595959"}


def colour_badge(colour: str) -> str:
    if not colour:
        return "—"
    return format_html('<strong style="color:{}">{}</strong>', BADGE[Colour(colour)], Colour(colour).label)


def history_table(code_id: int | None) -> str:
    if code_id is None:
        return "—"
    changes = (
        ColourChange.objects.filter(code_id=code_id).select_related("actor", "approved_by").order_by("-version")[:20]
    )
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"{change.created:%Y-%m-%d %H:%M}",
                change.get_from_colour_display(),
                change.get_to_colour_display(),
                change.get_source_display(),
                ", ".join(change.rules),
                reason_text(change),
                " / ".join(str(user) for user in (change.actor, change.approved_by) if user) or "—",
            )
            for change in changes
        ),
    )
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("time"),
        _("change"),
        _("source"),
        _("rules"),
        _("reason"),
        _("reviewer / approved by"),
    )
    return format_html("<table>{}{}</table>", head, rows) if changes else "—"


class ReviewerScoped(admin.ModelAdmin):
    """Only the reviewer's city; masked identity columns; every change page opening logged."""

    city_path = "city"
    person_prefix = ""  # the path from this model to the person's name / id_number / phone
    applicant_path = "applicant_id"
    search_fields = ["pk"]  # shows the search box; get_search_results does the searching
    search_help_text = _("Name, mobile number or ID number; masked forms such as 4101**********1234 work too.")
    log_openings = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return reviewers.scoped(request.user, super().get_queryset(request), self.city_path)

    def get_search_results(self, request, queryset, search_term):
        return person_search(queryset, search_term, self.person_prefix), False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self.log_openings and request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                reviewers.log_access(
                    request.user,
                    record=self.model._meta.label,
                    object_id=obj.pk,
                    applicant_id=getattr(obj, self.applicant_path),
                    path=request.get_full_path(),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("name"))
    def masked_name(self, obj) -> str:
        return mask_name(self._person(obj).name)

    @admin.display(description=_("ID number"))
    def masked_id(self, obj) -> str:
        return mask_id(self._person(obj).id_number or "")

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj) -> str:
        return mask_phone(self._person(obj).phone or "")

    def _person(self, obj):
        return obj

    def reason_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        form_class: type[forms.Form],
        title: str,
        act: Callable[[object, dict], object],
    ) -> HttpResponse | None:
        """An action that asks for a reason first (an intermediate page), then acts on each
        selected row through a service; refusals are reported, never a 500."""
        action = request.POST.get("action", "")
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                done = 0
                for obj in queryset:
                    try:
                        act(obj, form.cleaned_data)
                        done += 1
                    except reviewers.ReviewError as error:
                        self.message_user(request, f"{obj}: {error.message}", messages.ERROR)
                if done:
                    self.message_user(
                        request,
                        ngettext("%(n)d row done.", "%(n)d rows done.", done) % {"n": done},
                        messages.SUCCESS,
                    )
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": action,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/declarations/reason_form.html", context)

    def report(self, request: HttpRequest, decision: reviewers.Decision) -> None:
        if decision.pending is not None:
            self.message_user(
                request,
                _("This lowers a colour: it waits for a second reviewer's approval."),
                messages.WARNING,
            )
        elif decision.stale:
            self.message_user(request, _("The colour changed meanwhile: nothing was applied."), messages.WARNING)


# ---------------------------------------------------------------------------------------
# The review queue


@admin.register(Declaration)
class DeclarationAdmin(ReviewerScoped):
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
        (_("Review"), {"fields": ["status", "verdict_rules_text", "review_note", "suggested_colour", "decided_by"]}),
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
                    "symptoms",
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
        return colour_badge(code.colour) if code else "—"

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
                self.report(request, reviewers.approve_verdict(declaration.pk, request.user))
                done += 1
            except reviewers.ReviewError as error:
                self.message_user(request, f"{declaration}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(n)d approved.", "%(n)d approved.", done) % {"n": done})

    @admin.action(permissions=["change"], description=_("Set the colour by hand, with a reason"))
    def override_colours(self, request, queryset):
        def act(declaration: Declaration, data: dict) -> None:
            if declaration.status == Declaration.Status.NEEDS_REVIEW:
                decision = reviewers.decide(declaration.pk, request.user, colour=data["colour"], reason=data["reason"])
            else:
                decision = reviewers.override_colour(
                    declaration.applicant_id, request.user, colour=data["colour"], reason=data["reason"]
                )
            self.report(request, decision)

        return self.reason_action(
            request, queryset, form_class=OverrideForm, title=_("Set the colour, with a reason"), act=act
        )


# ---------------------------------------------------------------------------------------
# People


class CheckInInline(admin.TabularInline):
    model = CheckIn
    extra = 0
    fields = ["day", "temperature", "symptoms", "normal", "created"]
    readonly_fields = fields
    can_delete = False
    max_num = 0
    ordering = ["-day"]


class AppealInline(admin.TabularInline):
    model = Appeal
    extra = 0
    fields = ["created", "colour", "status", "reason", "resolution"]
    readonly_fields = fields
    can_delete = False
    max_num = 0
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
    def since(self, obj: Person):
        return obj.health_code.since if obj.health_code_id else None

    @admin.display(description=_("colour history"))
    def colour_history(self, obj: Person) -> str:
        return history_table(obj.health_code_id)

    @admin.action(permissions=["change"], description=_("Set the colour by hand, with a reason"))
    def override_colours(self, request, queryset):
        def act(person: Person, data: dict) -> None:
            decision = reviewers.override_colour(person.pk, request.user, colour=data["colour"], reason=data["reason"])
            self.report(request, decision)

        return self.reason_action(
            request, queryset, form_class=OverrideForm, title=_("Set the colour, with a reason"), act=act
        )


# ---------------------------------------------------------------------------------------
# Four eyes


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
        "proposed_by",
        "reason",
        "status",
        "decided_by",
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
        "proposed_by",
        "created",
        "declaration",
        "appeal",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    readonly_fields = fields

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
        def act(pending: PendingOverride, data: dict) -> None:
            self.report(request, reviewers.approve_override(pending.pk, request.user, note=data["note"]))

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


# ---------------------------------------------------------------------------------------
# Appeals


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
        "resolved_by",
        "resolved_at",
        "resolution",
        "colour_history",
    ]
    readonly_fields = fields

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
        return format_html('<a href="{}"><img src="{}" alt="" style="max-width:320px"></a>', url, url)

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
        def act(appeal: Appeal, data: dict) -> None:
            self.report(request, appeals.accept_appeal(appeal.pk, request.user, resolution=data["reason"]))

        return self.reason_action(request, queryset, form_class=ReasonForm, title=_("Uphold the appeal"), act=act)

    @admin.action(permissions=["change"], description=_("Reject, with a reason the citizen will read"))
    def reject(self, request, queryset):
        def act(appeal: Appeal, data: dict) -> None:
            appeals.reject_appeal(appeal.pk, request.user, resolution=data["reason"])

        return self.reason_action(request, queryset, form_class=ReasonForm, title=_("Reject the appeal"), act=act)


# ---------------------------------------------------------------------------------------
# Check-ins (read only)


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
class CheckInDayAdmin(admin.ModelAdmin):
    list_display = ["day", "closed_at", "people", "turned_green"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# ---------------------------------------------------------------------------------------
# What the authority manages: risk areas, health events


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


class HealthEventForm(forms.ModelForm):
    """The health authority marks a person: a confirmed or suspected case, or a close contact,
    with its own reference and a reason. (Pharmacies and contact tracing report the other
    kinds by service.) Lowering the colour that follows is a reviewer's override, which needs
    a second reviewer (four eyes); the mark itself is never edited or deleted."""

    AUTHORITY_KINDS = (HealthEvent.Kind.CONFIRMED_CASE, HealthEvent.Kind.SUSPECTED_CASE, HealthEvent.Kind.CLOSE_CONTACT)

    kind = forms.ChoiceField(label=_("kind"), choices=[(kind.value, kind.label) for kind in AUTHORITY_KINDS])
    note = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the person is marked (kept for the record; the person is not shown it)."),
        error_messages={"required": _("Write down why.")},
    )

    class Meta:
        model = HealthEvent
        fields = ["kind", "id_number", "occurred_at", "source_ref", "note"]

    def clean_id_number(self) -> str:
        number = normalise_id(self.cleaned_data["id_number"])
        validate_resident_id(number)
        return number

    def clean_source_ref(self) -> str:
        ref = self.cleaned_data["source_ref"].strip()
        if HealthEvent.objects.filter(source="authority", source_ref=ref).exists():
            raise forms.ValidationError(
                _("This reference has been recorded already: give each entry its own."), code="duplicate_ref"
            )
        return ref


@admin.register(HealthEvent)
class HealthEventAdmin(admin.ModelAdmin):
    """The health authority's case and contact lists (checkpoints report theirs by service)."""

    form = HealthEventForm
    list_display = ["created", "kind", "masked_id", "occurred_at", "source", "source_ref"]
    list_filter = ["kind", "source"]

    @admin.display(description=_("ID number"))
    def masked_id(self, obj: HealthEvent) -> str:
        return mask_id(obj.id_number)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*HealthEventForm.Meta.fields, "place", "source", "applicant", "recorded_by", "created"]

    def save_model(self, request, obj: HealthEvent, form, change) -> None:
        if change:
            return
        event = events.record_health_event(
            id_number=obj.id_number,
            kind=obj.kind,
            occurred_at=obj.occurred_at,
            source="authority",
            source_ref=obj.source_ref,
            note=obj.note,
            actor=request.user,
        )
        obj.pk, obj.source, obj.created = event.pk, event.source, event.created

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# ---------------------------------------------------------------------------------------
# Reviewers and the access log


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "city"]
    list_filter = ["city"]
    raw_id_fields = ["user"]


@admin.register(RecordAccess)
class RecordAccessAdmin(admin.ModelAdmin):
    """Who opened whose record, when. Read-only: no one edits or deletes it here."""

    list_display = ["created", "user", "record", "object_id", "person"]
    list_filter = ["record", ("created", admin.DateFieldListFilter)]
    search_fields = ["user__username"]
    list_select_related = ["user", "applicant"]

    @admin.display(description=_("person"))
    def person(self, obj: RecordAccess) -> str:
        return mask_name(obj.applicant.name) if obj.applicant_id else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
