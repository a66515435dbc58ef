"""Family-agent management: remove a member, print or revoke a paper code."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from family.masking import mask_id, mask_name
from family.services import CannotRemove, get_applicant_for_user, remove_member
from family.services.paper import issue_paper_code, paper_token, revoke_paper_code
from healthcode import qr
from healthcode.colours import Colour


@login_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            remove_member(request.user, applicant)
        except CannotRemove as exc:
            error = exc.message
        else:
            messages.success(
                request, _("%(name)s was removed from your family list.") % {"name": mask_name(applicant.name)}
            )
            return redirect("code-switch")
    return render(
        request,
        "family/remove.html",
        {"applicant": applicant, "masked_name": mask_name(applicant.name), "error": error},
        status=409 if error else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def paper(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable paper code. POST issues a new one (revoking the old)."""
    applicant = get_applicant_for_user(request.user, pk)
    if request.method == "POST":
        if applicant.health_code is None or applicant.health_code.colour == Colour.PENDING:
            messages.error(request, _("A paper code can be printed once the code has been reviewed."))
            return redirect("code", pk=applicant.pk)
        issue_paper_code(applicant)
        return redirect("family-paper", pk=applicant.pk)
    token = paper_token(applicant)
    issued = (
        timezone.datetime.fromtimestamp(applicant.health_code.paper_issued_at, tz=timezone.get_current_timezone())
        if token
        else None
    )
    return render(
        request,
        "family/paper.html",
        {
            "applicant": applicant,
            "masked_name": mask_name(applicant.name),
            "masked_id": mask_id(applicant.id_number or ""),
            "svg": qr.svg(token) if token else "",
            "issued": issued,
        },
    )


@login_required
@require_POST
def paper_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    revoke_paper_code(applicant)
    messages.success(request, _("The paper code was revoked: it no longer passes any checkpoint."))
    return redirect("family-paper", pk=applicant.pk)
