"""The code page: the QR in the code's colour, renewed before its token expires."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from family.masking import mask_id, mask_name
from family.models import Applicant
from family.services import get_applicant_for_user, self_applicant
from healthcode import qr, tokens
from healthcode.colours import Colour

QR_COLOURS = {Colour.GREEN: "#0a7d38", Colour.YELLOW: "#a86a00", Colour.RED: "#c0231b"}


def _qr(applicant: Applicant) -> dict:
    code = applicant.health_code
    if code is None or code.colour == Colour.PENDING:
        return {}
    token = tokens.issue(code.ref, code.colour, code.version)
    return {
        "token": token,
        "svg": qr.svg(token, colour=QR_COLOURS[code.colour]),
        "colour": code.colour,
        "lifetime": settings.HC_TOKEN_LIFETIME,
    }


@require_GET
@login_required
def code_home(request: HttpRequest) -> HttpResponse:
    return redirect("code", pk=self_applicant(request.user).pk)


@require_GET
@login_required
@never_cache
def code_page(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    code = applicant.health_code
    colour = code.colour if code else Colour.PENDING
    context = {
        "applicant": applicant,
        "code": code,
        "colour": colour,
        "colour_label": Colour(colour).label,
        "masked_name": mask_name(applicant.name),
        "masked_id": mask_id(applicant.id_number or ""),
        "declared": bool(applicant.name),
        "qr": _qr(applicant),
    }
    return render(request, "family/code.html", context)


@require_GET
@login_required
@never_cache
def code_qr(request: HttpRequest, pk: int) -> JsonResponse:
    """A fresh token and its QR, fetched by the page before the last one expires."""
    applicant = get_applicant_for_user(request.user, pk)
    code = applicant.health_code
    data = _qr(applicant) or {"colour": code.colour if code else Colour.PENDING}
    if code is not None:
        data["version"] = code.version
    return JsonResponse(data)
