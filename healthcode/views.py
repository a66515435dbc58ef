"""Operational endpoints of the core."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the database answers (the broker check comes with issue 7)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means: take this process out of rotation
        return JsonResponse({"database": "down"}, status=503)
    return JsonResponse({"database": "ok"})
