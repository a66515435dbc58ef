"""The 500 handler: a plain page for a bug, a "service busy" page (503) when a backing service
does not answer (the database, the broker, the cache).

Both pages are self-contained: rendered without a request context, so no context processor
touches the session or the database that may be the very thing that failed. The 404, 403 and
CSRF pages are Django's own handlers with our templates (templates/404.html, 403.html,
403_csrf.html); they run with a working database.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError as DbInterfaceError
from django.db import OperationalError as DbOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _busy_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [DbOperationalError, DbInterfaceError]
    try:  # the broker, when enqueueing after a commit
        from kombu.exceptions import OperationalError as BrokerError

        errors.append(BrokerError)
    except ImportError:  # pragma: no cover (celery brings kombu)
        pass
    try:  # the Redis cache (rate limits)
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


BUSY_ERRORS = _busy_errors()


def is_busy(exc: BaseException | None) -> bool:
    """A backing service did not answer: the request may work if tried again shortly."""
    return isinstance(exc, BUSY_ERRORS)


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """Django calls this inside the `except` block of the failed request (handler500)."""
    exc = sys.exc_info()[1]
    busy = is_busy(exc)
    if busy:
        log.warning("service busy: %s: %s", type(exc).__name__, exc)
    status = 503 if busy else 500
    if request.path.startswith("/api/"):
        # The gate API's error shape (checkpoints/openapi.py): a code and a message.
        message = (
            f"A backing service did not answer: send it again, with the same nonce, in {RETRY_AFTER_SECONDS} seconds."
            if busy
            else "The server failed: send it again with the same nonce."
        )
        response: HttpResponse = JsonResponse(
            {"error": "service_busy" if busy else "server_error", "message": message},
            status=status,
        )
    else:
        template = loader.get_template("503.html" if busy else template_name)
        context = {"retry_after": RETRY_AFTER_SECONDS} | (_sent_form(request) if busy else {})
        response = HttpResponse(template.render(context), status=status)
    if busy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)  # it may carry what the person typed
    return response


def _sent_form(request: HttpRequest) -> dict:
    """A form sent while a service was down may not have been saved: the busy page offers to
    send it again, with what was typed kept in hidden fields (never a password; a file must
    be chosen again), instead of reloading by itself and losing it. Sending a form twice
    records it once (a declaration by its form token, a check-in by its day)."""
    if request.method != "POST":
        return {}
    try:
        fields = [(name, value) for name, values in request.POST.lists() for value in values if "password" not in name]
        files = bool(request.FILES)
    except Exception:  # the body itself could not be read: nothing to keep
        fields, files = [], False
    return {"posted": True, "resend": fields, "files_dropped": files}
