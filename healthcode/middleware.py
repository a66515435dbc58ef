"""Cross-cutting HTTP policy: personal pages are never cached; staff sessions time out."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivateResponsesMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in person and on the API:
    they may carry health data, and a shared phone or proxy must keep none of it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        private = (user is not None and user.is_authenticated) or request.path.startswith("/api/")
        if private and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class StaffIdleTimeoutMiddleware:
    """Staff sessions (reviewers, the authority) end after HC_STAFF_IDLE_SECONDS idle."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.HC_STAFF_IDLE_SECONDS)
        return self.get_response(request)
