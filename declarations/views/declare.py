"""The declaration form and its confirmation step."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from declarations import services
from declarations.forms import DeclarationForm
from declarations.models import Declaration
from family.services import self_applicant
from healthcode.models import City


def _initial(request: HttpRequest, applicant) -> dict:
    """Start from the latest declaration (people re-declare), else from the account."""
    try:
        draft_ref = uuid.UUID(request.GET.get("draft", ""))
    except ValueError:
        draft_ref = None
    if draft_ref is not None:
        # A foreign or unknown ref simply starts afresh: it reveals nothing.
        draft = Declaration.objects.filter(
            ref=draft_ref, submitted_by=request.user, status=Declaration.Status.DRAFT
        ).first()
        if draft is not None:
            return {name: getattr(draft, name) for name in services.DECLARED_FIELDS} | {"form_token": draft.form_token}
    initial = {"form_token": DeclarationForm.new_token(), "phone": applicant.phone, "name": applicant.name}
    if applicant.id_number:
        initial["id_number"] = applicant.id_number
    city = City.objects.filter(code=request.GET.get("city", "")).first() or applicant.city
    if city is not None:
        initial["city"] = city
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    applicant = self_applicant(request.user)
    if request.method == "POST":
        form = DeclarationForm(request.POST, applicant=applicant)
        if form.is_valid():
            declaration = services.save_draft(request.user, applicant, form.cleaned_data)
            if declaration.status != Declaration.Status.DRAFT:
                return redirect("code", pk=declaration.applicant_id)
            return redirect("declare-confirm", ref=declaration.ref)
    else:
        form = DeclarationForm(initial=_initial(request, applicant), applicant=applicant)
    return render(request, "declarations/declare.html", {"form": form, "applicant": applicant})


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, ref) -> HttpResponse:
    declaration = services.get_declaration_for_user(request.user, ref)
    if declaration.status != Declaration.Status.DRAFT:
        return redirect("code", pk=declaration.applicant_id)
    if request.method == "POST":
        try:
            declaration = services.confirm(request.user, declaration.ref)
        except services.IdNumberTaken:
            messages.error(
                request,
                _("This ID number is already registered for another person. Check it, or contact the hotline."),
            )
            return redirect(f"{reverse('declare')}?{urlencode({'draft': declaration.ref})}")
        return redirect("code", pk=declaration.applicant_id)
    return render(request, "declarations/confirm.html", {"declaration": declaration})
