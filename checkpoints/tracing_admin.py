"""The health authority's page per case: the case's visits (venue, time, window) with how many
companions were found and notified at each, the family members flagged, and the list of
everyone found as CSV.

Who sees what. The page needs the "view case trace" permission (give it to the health
authority's accounts, not to reviewers). Names, ID and mobile numbers are masked on the page
and in the CSV; an account that also has "Can export companions' full names, ID and mobile
numbers" (checkpoints.export_identities) gets them in full in the CSV, to call people. Every
export is written to the record access log, naming the case.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from checkpoints.models import CaseTrace, TraceContact, TraceVisit
from checkpoints.services.tracing import contacts_for_export
from checkpoints.tasks import trace_case
from declarations.services.reviewers import log_access
from family.masking import mask_id, mask_name, mask_phone
from healthcode.hooks import enqueue_after_commit

EXPORT_PERMISSION = "checkpoints.export_identities"
# A spreadsheet runs a cell that starts with one of these as a formula: quote it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    """A file-like object whose write returns the line (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


@admin.register(CaseTrace)
class CaseTraceAdmin(admin.ModelAdmin):
    list_display = [
        "started",
        "case_kind",
        "case_person",
        "visits",
        "companions",
        "notified",
        "family",
        "finished",
        "runs",
    ]
    list_filter = ["event__kind", ("started", admin.DateFieldListFilter)]
    list_select_related = ["event", "applicant"]
    date_hierarchy = "started"
    actions = ["trace_again"]
    fields = [
        "case_kind",
        "case_person",
        "marked_at",
        "case_reason",
        "horizon",
        "window_minutes",
        "visits",
        "companions",
        "notified",
        "family",
        "runs",
        "started",
        "finished",
        "duration_ms",
        "export_link",
        "visits_table",
        "family_table",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The page is read-only; "change" only allows the "Trace again" action.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=gettext_lazy("case"), ordering="event__kind")
    def case_kind(self, obj: CaseTrace) -> str:
        return obj.event.get_kind_display()

    @admin.display(description=gettext_lazy("person"))
    def case_person(self, obj: CaseTrace) -> str:
        name = mask_name(obj.applicant.name) if obj.applicant_id else _("not registered")
        return f"{name} {mask_id(obj.event.id_number)}"

    @admin.display(description=gettext_lazy("marked as of"))
    def marked_at(self, obj: CaseTrace):
        return obj.event.occurred_at

    @admin.display(description=gettext_lazy("reason"))
    def case_reason(self, obj: CaseTrace) -> str:
        return obj.event.note or "—"

    @admin.display(description=gettext_lazy("scans looked at"))
    def horizon(self, obj: CaseTrace) -> str:
        return f"{_local(obj.since)} – {_local(obj.until)}"

    @admin.display(description=gettext_lazy("everyone found"))
    def export_link(self, obj: CaseTrace) -> str:
        url = reverse("admin:checkpoints_casetrace_export", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Export as CSV"))

    @admin.display(description=gettext_lazy("visits"))
    def visits_table(self, obj: CaseTrace) -> str:
        visits = TraceVisit.objects.filter(trace=obj).select_related("venue").order_by("scanned_at", "pk")
        if not visits:
            return _("The case was not scanned anywhere in these days.")
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("venue"),
            _("case scanned at"),
            _("window"),
            _("companions found"),
            _("companions notified"),
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} – {}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    visit.venue.name,
                    _local(visit.scanned_at),
                    _local(visit.window_start),
                    _local(visit.window_end),
                    visit.companions,
                    visit.notified,
                )
                for visit in visits
            ),
        )
        return format_html("<table>{}{}</table>", head, rows)

    @admin.display(description=gettext_lazy("family members flagged"))
    def family_table(self, obj: CaseTrace) -> str:
        family = TraceContact.objects.filter(trace=obj, kind=TraceContact.Kind.FAMILY).select_related("applicant")
        if not family:
            return "—"
        return format_html_join(
            "",
            '<p><a href="{}">{}</a> ({}) {}</p>',
            (
                (
                    reverse("admin:declarations_person_change", args=[contact.applicant_id]),
                    mask_name(contact.applicant.name) or _("(no name yet)"),
                    contact.applicant.get_relationship_display(),
                    _("close contact, for review") if contact.event_id else _("no ID number: not flagged"),
                )
                for contact in family
            ),
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Trace again (adds scans uploaded since)"))
    def trace_again(self, request: HttpRequest, queryset) -> None:
        # Marked first, in the same transaction: a message the broker never took is sent
        # again by beat (trace_untraced_cases); the run clears the mark.
        with transaction.atomic():
            ids = list(queryset.values_list("event_id", flat=True))
            CaseTrace.objects.filter(event_id__in=ids).update(retrace_requested=timezone.now())
            for event_id in ids:
                enqueue_after_commit(trace_case, event_id)
        self.message_user(
            request,
            ngettext("%(n)d case is being traced again.", "%(n)d cases are being traced again.", len(ids))
            % {"n": len(ids)},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/export.csv",
                self.admin_site.admin_view(self.export_view),
                name="checkpoints_casetrace_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        """Everyone the trace found, one row per person and visit, streamed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        trace = CaseTrace.objects.select_related("event").filter(pk=pk).first()
        if trace is None:
            raise Http404
        full = request.user.has_perm(EXPORT_PERMISSION)
        log_access(
            request.user,
            record="checkpoints.CaseTrace export" + (" (full identities)" if full else ""),
            object_id=str(trace.pk),
            applicant_id=trace.applicant_id,
            path=request.get_full_path(),
        )
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in self._rows(trace, full=full)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="case-trace-{trace.pk}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _rows(self, trace: CaseTrace, *, full: bool) -> Iterator[list[str]]:
        yield [
            _("venue"),
            _("case scanned at"),
            _("window from"),
            _("window until"),
            _("kind"),
            _("scanned at"),
            _("name"),
            _("ID number"),
            _("mobile number"),
            _("relationship"),
            _("notified"),
        ]
        for contact in contacts_for_export(trace):
            person, visit = contact.applicant, contact.visit
            name, id_number, phone = person.name or "", person.id_number or "", person.phone or ""
            if not full:
                name, id_number, phone = mask_name(name), mask_id(id_number), mask_phone(phone)
            yield [
                _cell(value)
                for value in (
                    visit.venue.name if visit else "",
                    _local(visit.scanned_at) if visit else "",
                    _local(visit.window_start) if visit else "",
                    _local(visit.window_end) if visit else "",
                    contact.get_kind_display(),
                    _local(contact.scanned_at),
                    name,
                    id_number,
                    phone,
                    person.get_relationship_display() if contact.kind == TraceContact.Kind.FAMILY else "",
                    _("yes") if contact.event_id else _("no (no ID number on file)"),
                )
            ]
