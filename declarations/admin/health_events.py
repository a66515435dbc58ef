"""Health events: the health authority marks a person as a case or a close contact (its form
and its list); the marks are never edited or deleted. Reviewers see the events of their own
city's people only (ReviewerScoped, through the applicant), each opening logged; an event about
no known person is seen by superusers and the health authority (who may record events) only.
The ID number and who recorded it are shown masked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from declarations import rules
from declarations.admin.scoped import ReviewerScoped
from declarations.admin.search import FULL_ID, MASKED_ID, person_search
from declarations.models import HealthEvent
from declarations.services import events
from family.masking import mask_name
from healthcode.masking import mask_account
from healthcode.validators import normalise_id, validate_resident_id

# Who may record events (the health authority's case desk) sees every city's, as superusers do.
RECORDERS = "declarations.add_healthevent"


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

    def clean_occurred_at(self) -> datetime:
        # The review counts the events of the past 14 days that have happened: a case dated
        # ahead (3 hours, or in 9999) was "added successfully" and changed no colour, its
        # re-assessment marked done at once; an older one changes none either. A few minutes
        # ahead (the authority's clock runs fast) is taken as now (events.occurred).
        occurred = self.cleaned_data["occurred_at"]
        now = timezone.now()
        if occurred > now + events.CLOCK_SLACK:
            raise forms.ValidationError(
                _("This is in the future (it is %(now)s now): give the time it happened."),
                code="future",
                params={"now": date_format(timezone.localtime(now), "DATETIME_FORMAT")},
            )
        if occurred < now - timedelta(days=rules.LOOKBACK_DAYS):
            raise forms.ValidationError(
                _(
                    "This is more than %(days)s days ago: the colour rules look back %(days)s days, "
                    "so it would change no one's colour. Check the date."
                ),
                code="too_old",
                params={"days": rules.LOOKBACK_DAYS},
            )
        return occurred

    def clean_source_ref(self) -> str:
        ref = self.cleaned_data["source_ref"].strip()
        if HealthEvent.objects.filter(source="authority", source_ref=ref).exists():
            raise forms.ValidationError(
                _("This reference has been recorded already: give each entry its own."), code="duplicate_ref"
            )
        return ref


@admin.register(HealthEvent)
class HealthEventAdmin(ReviewerScoped):
    """The health authority's case and contact lists (checkpoints report theirs by service)."""

    city_path = "applicant__city"
    person_prefix = "applicant__"
    form = HealthEventForm
    list_display = ["created", "kind", "masked_id", "occurred_at", "source", "source_ref"]
    list_filter = ["kind", "source"]
    list_select_related = ["applicant"]
    shown = ["kind", "masked_id", "person", "occurred_at", "source_ref", "note", "place", "source"]
    shown += ["recorder", "created"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        if request.user.has_perm(RECORDERS):
            return admin.ModelAdmin.get_queryset(self, request)
        return super().get_queryset(request)

    @admin.display(description=_("person"))
    def person(self, obj: HealthEvent) -> str:
        if obj.applicant_id is None:
            return "—"
        url = reverse("admin:declarations_person_change", args=[obj.applicant_id])
        return format_html('<a href="{}">{}</a>', url, mask_name(obj.applicant.name))

    @admin.display(description=_("recorded by"))
    def recorder(self, obj: HealthEvent) -> str:
        return mask_account(obj.recorded_by) if obj.recorded_by_id else "—"

    def get_fields(self, request, obj=None):
        return HealthEventForm.Meta.fields if obj is None else self.shown

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().upper()
        if MASKED_ID.match(term) or FULL_ID.match(term):
            # By the event's own ID number: the events about no known person are found too.
            return person_search(queryset, term), False
        return super().get_search_results(request, queryset, search_term)

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

    def has_add_permission(self, request, obj=None) -> bool:
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False
