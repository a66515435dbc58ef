"""The published verification keys, so that a device can check signatures offline."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from healthcode import tokens
from healthcode.keys import published_keys


def keys_document() -> dict:
    return {
        "format": tokens.PREFIX,
        "algorithm": "Ed25519",
        "token": (
            "HC1.<kid>.<payload>.<signature>; the signature (Ed25519, base64url) covers the ASCII text "
            "'HC1.<kid>.<payload>'; the payload is base64url of 26 bytes, big-endian: code reference (12), "
            "colour letter G/Y/R/P (1), flags (1; bit 0: paper code), code version (uint32), issued-at and "
            "expiry (uint32 Unix seconds)."
        ),
        "clock_skew": settings.HC_TOKEN_CLOCK_SKEW,
        "token_lifetime": settings.HC_TOKEN_LIFETIME,
        "keys": published_keys(),
    }


@require_GET
@cache_control(public=True, max_age=300)
def healthcode_keys(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys_document())
    response["Access-Control-Allow-Origin"] = "*"
    return response
