"""The gate API for turnstiles: POST /api/v1/verify, and its OpenAPI description.

Lean on purpose (bench/ measures it): the key is remembered by the process, the rate limit
syncs with the shared cache in batches, and the service reads once and inserts once.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from checkpoints import openapi
from checkpoints.models import Scan
from checkpoints.services import ratelimit
from checkpoints.services.keys import authenticate
from checkpoints.services.verify import BadScan, NonceReused, parse_scanned_at, verify_scan
from checkpoints.views.present import api_body
from healthcode.security import address_bucket, client_ip

MAX_BODY = 4096
# Wrong keys from one address: enough for a misconfigured gate to show up in its logs, too
# few to guess keys (which are 32 random bytes anyway).
AUTH_FAILURES_PER_MINUTE = 30
REQUIRED = ("token", "direction", "nonce")


def error(status: int, code: str, message: str, *, field: str | None = None, headers: dict | None = None):
    body = {"error": code, "message": message}
    if field:
        body["field"] = field
    response = JsonResponse(body, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _parse(request: HttpRequest) -> tuple[dict | None, JsonResponse | None]:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY or len(request.body) > MAX_BODY:
        return None, error(413, "too_large", _("The request body is larger than %(n)d bytes.") % {"n": MAX_BODY})
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, error(400, "bad_json", _("The request body is not valid JSON."))
    if not isinstance(data, dict):
        return None, error(400, "bad_json", _("The request body must be a JSON object."))
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        return None, error(
            400,
            "missing_field",
            _("Missing field(s): %(fields)s.") % {"fields": ", ".join(missing)},
            field=missing[0],
        )
    for name in REQUIRED:
        if not isinstance(data[name], str):
            return None, error(400, "bad_field", _("%(field)s must be a string.") % {"field": name}, field=name)
    return data, None


@csrf_exempt
def verify(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return error(405, "method_not_allowed", _("Use POST."), headers={"Allow": "POST"})
    gate = authenticate(_bearer(request))
    if gate is None:
        decision = ratelimit.hit(f"gate-auth:{address_bucket(client_ip(request))}", AUTH_FAILURES_PER_MINUTE)
        if not decision.allowed:
            return error(
                429, "rate_limited", _("Too many requests."), headers={"Retry-After": str(decision.retry_after)}
            )
        return error(
            401,
            "unauthorized",
            _("Send the venue's API key as “Authorization: Bearer <key>”."),
            headers={"WWW-Authenticate": 'Bearer realm="healthcode"'},
        )
    decision = ratelimit.hit(f"gate:{gate.bucket}", settings.HC_GATE_RATE_PER_MINUTE)
    if not decision.allowed:
        return error(429, "rate_limited", _("Too many requests."), headers={"Retry-After": str(decision.retry_after)})
    data, problem = _parse(request)
    if problem is not None:
        return problem
    try:
        scanned_at = parse_scanned_at(data["scanned_at"]) if data.get("scanned_at") is not None else None
        result = verify_scan(
            gate.venue_id,
            data["token"],
            direction=data["direction"],
            nonce=data["nonce"],
            source=Scan.Source.GATE,
            api_key_id=gate.key_id,
            scanned_at=scanned_at,
        )
    except NonceReused as exc:
        return error(409, "nonce_reused", exc.message, field=exc.field)
    except BadScan as exc:
        return error(400, "bad_field", exc.message, field=exc.field)
    response = JsonResponse(api_body(result))
    response["Cache-Control"] = "no-store"  # what never_cache says, without its header parsing
    return response


@require_GET
@cache_control(public=True, max_age=300)
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi.document(request.build_absolute_uri("/").rstrip("/")))
