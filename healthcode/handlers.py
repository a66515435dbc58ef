"""The machine routes' short middleware chain.

A turnstile posting to the gate API carries a Bearer key and JSON: no cookie, no session, no
CSRF token, no login, no HTML. The site's middleware (sessions, CSRF, accounts, messages, the
page's Content-Security-Policy, login lockout, staff time-outs) has nothing to do for it, yet
in front of every scan it cost about as much CPU as the verification itself (bench/README.md:
a gunicorn worker's CPU per scan about 1.7 ms through the site's chain, 1.25 to 1.35 through
this one, in quick runs at 10 thousand people).

`HC_SHORT_CHAIN_PATHS` names those paths; they are answered through `HC_SHORT_CHAIN_MIDDLEWARE`
(the security headers and the HTTPS redirect, NUL refusal, the host check, the language)
instead of `MIDDLEWARE`, by the view the URLconf gives them (resolved once a process), and
everything else is Django's: the request, exceptions turned into responses, 4xx/5xx logging,
the request_started and request_finished signals that look after the database connections.

The handler class is used by the WSGI application (healthcode/wsgi.py) and by the tests'
client (tests/conftest.py), so tests go through the chain production runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve, set_urlconf
from django.utils.log import log_response
from django.utils.module_loading import import_string

Handler = Callable[[HttpRequest], HttpResponse]


def short_chain(path: str, middleware: list[str]) -> Handler:
    """The view at `path` behind `middleware` (outermost first), each layer converting its
    exceptions to responses as Django's own chain does."""
    match = resolve(path, urlconf=settings.ROOT_URLCONF)

    def view(request: HttpRequest) -> HttpResponse:
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if response is None:
            raise ValueError(f"The view {match.func.__module__}.{match.func.__qualname__} returned None.")
        return response

    handler: Handler = convert_exception_to_response(view)
    for dotted in reversed(middleware):
        handler = convert_exception_to_response(import_string(dotted)(handler))
    return handler


# The machine routes answer every error in their JSON shape ({"error", "message"}, the OpenAPI
# description's Error), including those raised before their view: a refused Host, a NUL byte.
MACHINE_ERRORS = {405: "method_not_allowed", 413: "too_large"}


def json_errors(handler: Handler) -> Handler:
    """`handler`, with an error answered in another form (Django's HTML "Bad Request (400)")
    turned into the machine routes' JSON error, the status and the other headers kept."""

    def answer(request: HttpRequest) -> HttpResponse:
        response = handler(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        code = MACHINE_ERRORS.get(response.status_code, "bad_request" if response.status_code < 500 else "server_error")
        body = JsonResponse({"error": code, "message": response.reason_phrase}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                body[header] = value
        body._has_been_logged = getattr(response, "_has_been_logged", False)  # logged once, as it was
        return body

    return answer


class ShortChainMixin:
    """For a Django handler (BaseHandler subclass): the short chain for its paths."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        middleware = list(settings.HC_SHORT_CHAIN_MIDDLEWARE)
        self._short_chains = {
            path: json_errors(short_chain(path, middleware)) for path in settings.HC_SHORT_CHAIN_PATHS
        }
        probe = list(settings.HC_PROBE_MIDDLEWARE)  # no host check: a balancer's Host is its own
        self._short_chains |= {path: short_chain(path, probe) for path in settings.HC_PROBE_PATHS}

    def get_response(self, request: HttpRequest) -> HttpResponse:
        chain = self._short_chains.get(request.path_info)
        if chain is None:
            return super().get_response(request)
        set_urlconf(settings.ROOT_URLCONF)
        response = chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        return response


class HealthCodeWSGIHandler(ShortChainMixin, WSGIHandler):
    """Django's WSGI handler with the machine routes' short chain."""
