"""The code page: the QR in the code's colour, renewed before its token expires; and
Switch Applicants, which chooses whose code is shown (the choice is remembered).

The page carries the signed token and the phone draws its QR (static/js/code.js, with the
vendored qrcode-generator): drawing it here cost more than the rest of the page together
(bench/README.md). Without JavaScript the page shows the same QR as an SVG image drawn here
(`code_qr_svg`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from family.masking import mask_id, mask_name
from family.models import Applicant
from family.services import (
    applicants_for,
    get_applicant_for_user,
    last_shown,
    mark_notices_read,
    remember_shown,
    self_applicant,
    unread_notices,
)
from family.services.codepage import code_page_applicant
from healthcode import qr, tokens
from healthcode.colours import Colour

QR_COLOURS = {Colour.GREEN: "#0a7d38", Colour.YELLOW: "#946000", Colour.RED: "#c0231b"}  # as --green etc. in app.css
SESSION_KEY = "family.current_applicant"


def _qr(applicant: Applicant) -> dict:
    """A fresh token for the QR, the colour it is drawn in; empty while there is no code."""
    code = applicant.health_code
    if code is None or code.colour == Colour.PENDING:
        return {}
    return {
        "token": tokens.issue(code.ref, code.colour, code.version),
        "fill": QR_COLOURS[code.colour],
        "colour": code.colour,
        "lifetime": settings.HC_TOKEN_LIFETIME,
    }


def _prefetched(request: HttpRequest) -> bool:
    """A browser fetching the page ahead of a tap (Sec-Purpose: prefetch, or the older Purpose):
    nobody has seen it yet."""
    purpose = request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", "")
    return "prefetch" in purpose.lower()


@require_GET
@login_required
def code_home(request: HttpRequest) -> HttpResponse:
    """The remembered applicant's code (this session's choice, else the account's last), else
    the account's own."""
    remembered = request.session.get(SESSION_KEY)
    if remembered and applicants_for(request.user).filter(pk=remembered).exists():
        return redirect("code", pk=remembered)
    return redirect("code", pk=last_shown(request.user) or self_applicant(request.user).pk)


@require_GET
@login_required
@never_cache
def code_page(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = code_page_applicant(request.user, pk)
    if request.session.get(SESSION_KEY) != applicant.pk and not _prefetched(request):
        # Remembered for Switch Applicants: in the session, and with the account (once per
        # session and choice, so the page's own reads stay two).
        request.session[SESSION_KEY] = applicant.pk
        remember_shown(applicant)
    code = applicant.health_code
    colour = code.colour if code else Colour.PENDING
    notices = unread_notices(request.user) if applicant.has_notices else []
    if notices and not _prefetched(request):
        mark_notices_read(request.user, notices)  # shown once: to a person, not to a prefetch
    context = {
        "applicant": applicant,
        "code": code,
        "colour": colour,
        "colour_label": Colour(colour).label,
        "masked_name": mask_name(applicant.name),
        "masked_id": mask_id(applicant.id_number or ""),
        "declared": bool(applicant.name),
        "is_self": applicant.relationship == "self",
        "qr": _qr(applicant),
        "notices": notices,
        "inbox_unread": applicant.inbox_unread,
    }
    return render(request, "family/code.html", context, using="jinja2")  # healthcode/jinja.py


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


@require_GET
@login_required
@never_cache
def code_qr_svg(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR as an SVG image drawn here, for a phone that runs no JavaScript."""
    data = _qr(get_applicant_for_user(request.user, pk))
    if not data:
        raise Http404
    return HttpResponse(qr.svg(data["token"], colour=data["fill"]), content_type="image/svg+xml")


@require_GET
@login_required
@never_cache
def switch(request: HttpRequest) -> HttpResponse:
    """Switch Applicants: the account's people with their colours, by their full names: the
    account entered them, the page is its own (never a checkpoint's), and two children's
    masked names are the same (张伟 and 张丽 are both 张*)."""
    people = [
        {
            "applicant": applicant,
            "colour": applicant.health_code.colour if applicant.health_code else Colour.PENDING,
            "colour_label": Colour(applicant.health_code.colour if applicant.health_code else Colour.PENDING).label,
            "current": applicant.pk == request.session.get(SESSION_KEY),
        }
        for applicant in applicants_for(request.user)
    ]
    return render(request, "family/switch.html", {"people": people})
