"""The declaration form (for self or a family member) and its confirmation step."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from declarations import services
from declarations.forms import ID_TAKEN, DeclarationForm, FamilyMemberForm
from declarations.models import Declaration
from family.models import Applicant, Relationship
from family.services import MAX_FAMILY_MEMBERS, get_applicant_for_user, has_room_for_member, self_applicant
from healthcode.models import City

FAMILY_FULL = _(
    "You already apply for %(max)d family members, the most one account can. "
    "Remove one before adding another, or let them sign up with their own phone."
)


def _initial(request: HttpRequest, applicant: Applicant | None) -> dict:
    """Resume a draft (back from the confirmation), else start from what is known."""
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
            return {name: getattr(draft, name) for name in services.DECLARED_FIELDS} | {
                "form_token": draft.form_token,
                "relationship": draft.relationship,
            }
    initial: dict = {"form_token": DeclarationForm.new_token()}
    if applicant is not None:
        initial |= {"name": applicant.name, "phone": applicant.phone, "relationship": applicant.relationship}
        if applicant.id_number:
            initial["id_number"] = applicant.id_number
        last = applicant.declarations.exclude(status=Declaration.Status.DRAFT).first()
        if last is not None:
            initial |= {"district": last.district, "street_address": last.street_address}
    # A new family member most likely lives in the agent's city.
    known = applicant.city if applicant is not None else self_applicant(request.user).city
    city = City.objects.filter(code=request.GET.get("city", "")).first() or known
    if city is not None:
        initial["city"] = city
    return initial


def _declaration_form(
    request: HttpRequest, applicant: Applicant | None, form_class: type[DeclarationForm], template_context: dict
) -> HttpResponse:
    if request.method == "POST":
        form = form_class(request.POST, user=request.user, applicant=applicant)
        if form.is_valid():
            declaration = services.save_draft(
                request.user,
                applicant,
                form.cleaned_data,
                relationship=form.cleaned_data.get("relationship", Relationship.SELF),
            )
            if declaration.status != Declaration.Status.DRAFT:
                return redirect("code", pk=declaration.applicant_id)
            return redirect("declare-confirm", ref=declaration.ref)
    else:
        form = form_class(initial=_initial(request, applicant), user=request.user, applicant=applicant)
    return render(request, "declarations/declare.html", {"form": form, "applicant": applicant} | template_context)


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    return _declaration_form(request, self_applicant(request.user), DeclarationForm, {"for_member": False})


@login_required
@require_http_methods(["GET", "POST"])
def add_member(request: HttpRequest) -> HttpResponse:
    """Family Agent: apply for a person who has no phone."""
    if not has_room_for_member(request.user):
        # The form that added the last member, sent again: that member's code, as the first time.
        done = services.sent_before(request.user, request.POST.get("form_token", ""))
        if request.method == "POST" and done is not None and done.applicant_id is not None:
            return redirect("code", pk=done.applicant_id)
        return render(
            request,
            "declarations/family_full.html",
            {"message": FAMILY_FULL % {"max": MAX_FAMILY_MEMBERS}},
            status=200,
        )
    return _declaration_form(request, None, FamilyMemberForm, {"for_member": True})


@login_required
@require_http_methods(["GET", "POST"])
def member_declare(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a family member's details and declaration (the commitments are ticked again)."""
    applicant = get_applicant_for_user(request.user, pk)
    if applicant.relationship == Relationship.SELF:
        return redirect("declare")
    return _declaration_form(request, applicant, FamilyMemberForm, {"for_member": True})


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, ref) -> HttpResponse:
    if request.method == "POST":
        # The service reads the declaration locked (404 if not the account's) and leaves one
        # past its draft as it is: to its code, as a GET of it.
        try:
            declaration = services.confirm(request.user, ref)
        except services.IdNumberTaken:
            messages.error(request, ID_TAKEN)
            return redirect(_edit_url(services.get_declaration_for_user(request.user, ref)))
        except services.FamilyFull:
            messages.error(request, FAMILY_FULL % {"max": MAX_FAMILY_MEMBERS})
            return redirect("code-switch")
        return redirect("code", pk=declaration.applicant_id)
    declaration = services.get_declaration_for_user(request.user, ref)
    if declaration.status != Declaration.Status.DRAFT:
        return redirect("code", pk=declaration.applicant_id)
    return render(
        request,
        "declarations/confirm.html",
        {
            "declaration": declaration,
            "for_member": declaration.relationship != Relationship.SELF,
            "edit_url": _edit_url(declaration),
        },
    )


def _edit_url(declaration: Declaration) -> str:
    if declaration.relationship == Relationship.SELF:
        base = reverse("declare")
    elif declaration.applicant_id is None:
        base = reverse("family-add")
    else:
        base = reverse("family-declare", args=[declaration.applicant_id])
    return f"{base}?{urlencode({'draft': declaration.ref})}"
