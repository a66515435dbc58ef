"""The core's endpoints: the health check, and the language switch on every page."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from healthcode.services import remember_language

# A load balancer polls every few seconds: a check that hangs must fail fast instead.
BROKER_TIMEOUT_S = 1.0


@cache
def _broker(url: str):
    """One Redis client per process (its connection pool is reused between checks)."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=BROKER_TIMEOUT_S, socket_timeout=BROKER_TIMEOUT_S)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means: take this process out of rotation
        return False
    return True


def _broker_ok(url: str) -> bool:
    try:
        return bool(_broker(url).ping())
    except Exception:
        return False


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers and, with REDIS_URL set, the broker
    (Redis: Celery's queue and the shared cache) answers a PING; 503 naming what is down.
    Without REDIS_URL tasks run in-process and there is no broker to check ("not used")."""
    status = {"database": "ok" if _database_ok() else "down"}
    url = getattr(settings, "REDIS_URL", None)
    status["broker"] = ("ok" if _broker_ok(url) else "down") if url else "not used"
    healthy = all(value != "down" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (the cookie, the way back to the page); a signed-in account
    also keeps the choice, for what is sent to it later (text messages)."""
    response = i18n.set_language(request)
    chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen is not None and request.user.is_authenticated:
        remember_language(request.user, chosen.value)
    return response
