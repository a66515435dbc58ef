"""Family-agent management: remove a member, print or revoke a paper code."""

from __future__ import annotations

from types import EllipsisType

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
from family.services.members import removal_ticket, removed_already
from family.services.paper import issue_paper_code, paper_token, revoke_paper_code
from healthcode import qr
from healthcode.colours import Colour


@login_required
@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        # This account's removal of this person sent again (a double click, the back button):
        # they are gone, and the answer is the first one's, not a 404.
        removed = removed_already(request.user, pk, request.POST.get("ticket", ""))
        if removed is not None:
            return _removed(request, removed)
    applicant = get_applicant_for_user(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            remove_member(request.user, applicant)
        except CannotRemove as exc:
            error = exc.message
        else:
            return _removed(request, mask_name(applicant.name))
    return render(
        request,
        "family/remove.html",
        {
            "applicant": applicant,
            "masked_name": mask_name(applicant.name),
            "error": error,
            "ticket": removal_ticket(request.user, applicant),
        },
        status=409 if error else 200,
    )


def _removed(request: HttpRequest, masked_name: str) -> HttpResponse:
    messages.success(request, _("%(name)s was removed from your family list.") % {"name": masked_name})
    return redirect("code-switch")


def _shown(request: HttpRequest) -> int | EllipsisType | None:
    """The issue time of the paper code the page showed (None: none); ... for a form without
    the field (a page from before it had one)."""
    if "shown" not in request.POST:
        return ...
    value = request.POST["shown"]
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # no paper code's: nothing is issued or revoked


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
        issue_paper_code(applicant, replacing=_shown(request))
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
            "shown": applicant.health_code.paper_issued_at if token else "",
        },
    )


@login_required
@require_POST
def paper_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    revoke_paper_code(applicant)  # whichever paper code is current: revoking is never the harm
    messages.success(request, _("The paper code was revoked: it no longer passes any checkpoint."))
    return redirect("family-paper", pk=applicant.pk)
