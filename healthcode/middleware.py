"""Cross-cutting HTTP policy: personal pages are never cached; staff sessions time out; a
request carrying a NUL byte is refused at the door."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import trans_real


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


class NulByte(SuspiciousOperation):
    """A NUL byte in the address, a cookie or a header."""


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info:
        return True
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
        return True
    if any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
        return True
    return any(
        key.startswith("HTTP_") and "\x00" in value for key, value in request.META.items() if isinstance(value, str)
    )


class RejectNulBytesMiddleware:
    """No person types a NUL byte and no browser sends one, and Postgres refuses it in text:
    one that reached a query (a city code in the address, a session cookie, the User-Agent
    that django-axes records) was a server error. Refused here with 400, before any view or
    session lookup sees it (raised as SuspiciousOperation: Django answers 400 and logs it to
    django.security). Form fields refuse NUL themselves, with a message at the field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            raise NulByte("NUL byte in the request")
        return self.get_response(request)


@lru_cache(maxsize=256)
def _language_for(accept_language: str) -> str:
    """The supported language a client's Accept-Language asks for first, else the default
    (what Django's LocaleMiddleware decides for a request without a language cookie)."""
    for code, _quality in trans_real.parse_accept_lang_header(accept_language):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


class AcceptLanguageMiddleware:
    """LocaleMiddleware for machines (the short chain, healthcode/handlers.py): a turnstile
    sends no cookie and the API has no language in its URLs, so the language is the one its
    Accept-Language asks for, looked up once per distinct header, and said in the answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = _language_for(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
