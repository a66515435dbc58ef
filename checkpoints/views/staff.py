"""The staff verification page (mobile first), its scan and upload endpoints, the pharmacy
counter's purchase registration and the venue's scan log."""

from __future__ import annotations

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from checkpoints.models import Medicine, Purchase, Scan
from checkpoints.services import get_venue_for_staff, is_manager, roles_for
from checkpoints.services.pharmacy import PurchaseRefused, ScanNotHere, register_purchase
from checkpoints.services.stats import recent_scans
from checkpoints.services.verify import BadScan, NonceReused, ScanResult, parse_scanned_at, verify_scan
from checkpoints.views.keys import keys_document
from checkpoints.views.present import page_body
from family.masking import mask_name, mask_phone
from healthcode import tokens
from healthcode.masking import mask_log_text

MAX_UPLOAD = 500
PAGE_USED = gettext_lazy("This page was already used for another scan. Scan the code again.")


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def _json_error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    body = {"error": code, "message": message}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def _purchase_url(venue, result: ScanResult) -> str | None:
    if venue.is_pharmacy and result.applicant_id and result.code in (Scan.Result.OK, Scan.Result.NOT_GREEN):
        return reverse("checkpoint-purchase", args=[venue.pk, result.scan_id])
    return None


@require_GET
@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    """Where the user checks codes; straight to the scanner when there is only one place."""
    roles = list(roles_for(request.user))
    if len(roles) == 1:
        return redirect("checkpoint-scan", pk=roles[0].venue_id)
    return render(request, "checkpoints/venues.html", {"roles": roles})


@require_GET
@login_required
@never_cache
def scan_page(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_venue_for_staff(request.user, pk)
    return render(request, "checkpoints/scan.html", _scan_context(venue, direction=request.GET.get("direction", "")))


def _scan_context(venue, *, direction: str, token: str = "", error: str = "") -> dict:
    """The scanner page's context: a fresh nonce, and what was typed when a scan came back
    (the direction as one of the two, entry unless it says exit; the code only if it may be
    one: staff type or scan whatever a visitor shows, an ID or mobile number too)."""
    direction = Scan.Direction.EXIT if direction == Scan.Direction.EXIT else Scan.Direction.ENTRY
    # A mobile or ID number standing on its own is not echoed; digits inside the code's parts
    # (a key id of 8 hex letters may hold 7 digits in a row) are the code's.
    if not token.strip().startswith(f"{tokens.PREFIX}.") or mask_log_text(token) != token:
        token = ""
    return {
        "venue": venue,
        "manager": is_manager(venue),
        "nonce": uuid.uuid4().hex,
        "keys_json": json.dumps(keys_document()),
        "medicines": Medicine.choices,
        "direction": direction,
        "token": token,
        "error": error,
    }


@require_POST
@login_required
@never_cache
def staff_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """A scan from the staff page: JSON from its script, or the plain form without script."""
    venue = get_venue_for_staff(request.user, pk)
    if _wants_json(request):
        try:
            data = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return _json_error(400, "bad_json", _("The request body is not valid JSON."))
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("token", "direction", "nonce")):
            return _json_error(400, "missing_field", _("Send token, direction and nonce as text."))
        token, direction, nonce = data["token"], data["direction"], data["nonce"]
    else:
        token = request.POST.get("token", "")
        direction = request.POST.get("direction", "")
        nonce = request.POST.get("nonce", "")
    try:
        result = verify_scan(
            venue.pk,
            token.strip(),
            direction=direction,
            nonce=nonce,
            source=Scan.Source.STAFF,
            staff_id=request.user.pk,
        )
    except BadScan as exc:
        if _wants_json(request):
            return _json_error(400, "bad_field", exc.message, exc.field)
        # The page again, as it was: the scanner's keys, the direction and the typed token kept.
        # A taken nonce on this page is a form sent again with another code (the back button):
        # staff are told what to do, not what a nonce is; the page comes back with a new one.
        message = PAGE_USED if isinstance(exc, NonceReused) else exc.message
        context = _scan_context(venue, direction=direction, token=token, error=message)
        return render(request, "checkpoints/scan.html", context, status=400)
    body = page_body(result, purchase_url=_purchase_url(venue, result))
    if _wants_json(request):
        return JsonResponse(body)
    return render(
        request,
        "checkpoints/result.html",
        {"venue": venue, "r": body, "medicines": Medicine.choices, "next_direction": direction},
    )


@require_POST
@login_required
def upload(request: HttpRequest, pk: int) -> JsonResponse:
    """Scans the page made while offline: {"scans": [{token, direction, nonce, scanned_at}]}.
    Each is verified as of when it was scanned and logged once (by nonce), so uploading the
    same batch twice is harmless. Items that cannot be logged are reported, not fatal."""
    venue = get_venue_for_staff(request.user, pk)
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _json_error(400, "bad_json", _("The request body is not valid JSON."))
    scans = data.get("scans") if isinstance(data, dict) else None
    if not isinstance(scans, list):
        return _json_error(400, "missing_field", _("Send a list of scans as “scans”."), "scans")
    if len(scans) > MAX_UPLOAD:
        return _json_error(400, "bad_field", _("At most %(n)d scans at a time.") % {"n": MAX_UPLOAD}, "scans")
    results = []
    for item in scans:
        nonce = item.get("nonce") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) for k in ("token", "direction", "nonce")
            ):
                raise BadScan("scans", _("Each scan needs token, direction and nonce as text."))
            result = verify_scan(
                venue.pk,
                item["token"].strip(),
                direction=item["direction"],
                nonce=item["nonce"],
                source=Scan.Source.OFFLINE,
                staff_id=request.user.pk,
                scanned_at=parse_scanned_at(item.get("scanned_at")),
            )
        except BadScan as exc:
            results.append({"nonce": nonce, "error": exc.message})
        else:
            results.append({"nonce": nonce, "result": result.code, "duplicate": result.duplicate})
    return JsonResponse({"results": results})


@require_POST
@login_required
def purchase(request: HttpRequest, pk: int, scan_id: int) -> HttpResponse:
    """A pharmacy registers the medicine bought by the person it just scanned."""
    venue = get_venue_for_staff(request.user, pk)
    medicines = request.POST.getlist("medicine")
    try:
        registration = register_purchase(venue, scan_id, staff=request.user, medicines=medicines)
    except ScanNotHere as exc:  # another venue's scan, or none: nothing of it is this page's
        if request.headers.get("Accept") == "application/json":
            return _json_error(404, "not_found", exc.message)
        raise Http404 from None
    except PurchaseRefused as exc:
        if request.headers.get("Accept") == "application/json":
            return _json_error(400, "refused", exc.message)
        return render(request, "checkpoints/purchase_done.html", {"venue": venue, "error": exc.message}, status=400)
    created = registration.created
    message = _("Purchase registered. The buyer's code turns yellow; normal daily check-ins turn it green again.")
    if not created:  # sent twice (a double tap): what the buyer must be told, again
        message = _(
            "This purchase was registered already. The buyer's code turns yellow; "
            "normal daily check-ins turn it green again."
        )
    elif registration.earlier:  # other medicines on the same scan: a second purchase, said so
        message = _(
            "Another purchase registered for this buyer: %(medicines)s. Registered before on this scan: "
            "%(earlier)s. The buyer's code turns yellow; normal daily check-ins turn it green again."
        ) % {
            "medicines": _medicine_list(registration.purchase),
            "earlier": pgettext("list separator", ", ").join(_medicine_list(p) for p in registration.earlier),
        }
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(
            {
                "registered": True,
                "created": created,
                "medicines": registration.purchase.medicines,
                "earlier": [p.medicines for p in registration.earlier],
                "message": message,
            }
        )
    return render(request, "checkpoints/purchase_done.html", {"venue": venue, "message": message})


def _medicine_list(purchase: Purchase) -> str:
    """The purchase's medicines in words, joined as the language lists things."""
    return pgettext("list separator", ", ").join(purchase.medicine_labels())


def staff_label(scan: Scan) -> str:
    """Who scanned, without a full phone number (staff log in with theirs)."""
    if scan.source == Scan.Source.GATE:
        return scan.api_key.name if scan.api_key else _("Gate")
    if scan.source == Scan.Source.VENUE_CODE:
        return _("Venue code")
    if scan.staff is None:
        return "—"
    return mask_name(scan.staff.get_full_name()) or mask_phone(scan.staff.get_username())


def log_rows(scans) -> list[dict]:
    return [
        {
            "scan": scan,
            "masked_name": mask_name(scan.applicant.name) if scan.applicant else "",
            "by": staff_label(scan),
        }
        for scan in scans
    ]


@require_GET
@login_required
@never_cache
def log(request: HttpRequest, pk: int) -> HttpResponse:
    """The venue's latest scans, for its staff only."""
    venue = get_venue_for_staff(request.user, pk)
    return render(
        request,
        "checkpoints/log.html",
        {"venue": venue, "manager": is_manager(venue), "rows": log_rows(recent_scans(venue))},
    )
