"""The base of the reviewers' admins (ReviewerScoped): a reviewer sees only their own city's
people (declarations.services.reviewers.scoped), superusers all; another city's record, or
none, answers 404 on its change, history and delete pages; identity columns masked; no adding
or deleting; every opening of a record's change page logged (RecordAccess); actions that ask
for a reason on an intermediate page before acting through the services, on a selection of
valid keys only (healthcode/admin_selection.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from declarations.admin.search import person_search
from declarations.services import reviewers
from family.masking import mask_id, mask_name, mask_phone
from healthcode.admin_selection import KeysOnlySelection

SEEN = re.compile(r"[0-9]{1,18}")  # a code's version as the page carried it


class ReviewerScoped(KeysOnlySelection, admin.ModelAdmin):
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
        obj = self.object_or_404(request, object_id)
        if self.log_openings and request.method == "GET":
            reviewers.log_access(
                request.user,
                record=self.model._meta.label,
                object_id=obj.pk,
                applicant_id=getattr(obj, self.applicant_path),
                path=request.get_full_path(),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self.object_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.object_or_404(request, object_id)  # before Django's permission check: no 403 as a hint
        return super().delete_view(request, object_id, extra_context)

    def object_or_404(self, request: HttpRequest, object_id: str):
        """The record, if it is in the reviewer's scope; another city's, or none: 404, as
        another person's data answers everywhere (Django's admin would redirect to its index
        saying the record does not exist)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

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
        seen: Callable[[object], int | None] | None = None,
    ) -> HttpResponse | None:
        """An action that asks for a reason first (an intermediate page), then acts on each
        selected row through a service; refusals are reported, never a 500. `seen`: what the
        page shows of each row that the action must find unchanged (a code's version): carried
        by the page as `seen_<pk>` and given to `act` as data["seen"] (None when absent)."""
        action = request.POST.get("action", "")
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                done = 0
                for obj in queryset:
                    try:
                        # act returns False when nothing was done (the row changed meanwhile).
                        if act(obj, form.cleaned_data | {"seen": seen_value(request, obj.pk)}) is not False:
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
            # Sent back (a reason missing): still what the reviewer saw first, not what is now.
            "seen": [
                (obj.pk, seen_value(request, obj.pk) if "apply" in request.POST else seen(obj)) for obj in queryset
            ]
            if seen is not None
            else [],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/declarations/reason_form.html", context)

    def report(self, request: HttpRequest, decision: reviewers.Decision, obj: object = None) -> bool:
        """Say what a decision did; False when it did nothing (the colour changed meanwhile)."""
        if decision.pending is not None:
            self.message_user(
                request,
                _("This lowers a colour: it waits for a second reviewer's approval."),
                messages.WARNING,
            )
        elif decision.stale:
            stale = _("The colour changed meanwhile: nothing was applied.")
            self.message_user(request, f"{obj}: {stale}" if obj is not None else stale, messages.WARNING)
            return False
        return True


def seen_value(request: HttpRequest, pk: object) -> int | None:
    """The `seen_<pk>` the intermediate page carried, if it is a number."""
    raw = request.POST.get(f"seen_{pk}", "")
    return int(raw) if SEEN.fullmatch(raw) else None
