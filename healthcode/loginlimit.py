"""Wrong passwords per client address: a pause for the whole address after many, counted apart
from django-axes' lockout of a mobile number after five.

Many phones share one public address (a mobile carrier's NAT, a station's Wi-Fi), so axes'
five failures per address would pause a whole station for strangers' typos. Fifty
(`HC_LOGIN_FAILURES_PER_ADDRESS`) within a window of `AXES_COOLOFF_TIME` still stop one address
from trying a common password against many numbers. Counted in the shared cache (Redis in
production) in fixed windows, per `healthcode.security.client_ip`'s address (an IPv6 one by
its /64). A cache that cannot be reached counts nothing and pauses nobody: the per-number
lockout, in the database, still holds. Every login form is covered: `LoginPauseMiddleware`
answers a POST to the site's or the admin's login while its address is paused.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from redis.exceptions import RedisError

from healthcode.cache import add_to_count
from healthcode.security import address_bucket, client_ip

logger = logging.getLogger(__name__)


def _window(address: str, now: float) -> tuple[str, int, int]:
    """The cache key of an address in the current window, the window's length and the seconds
    left in it."""
    period = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()))
    window = int(now // period)
    return f"login-fail:{address_bucket(address)}:{window}", period, max(1, int((window + 1) * period - now))


def forget(address: str) -> None:
    """Lift an address's pause now (a support desk's shell; tests): its failures are forgotten."""
    cache.delete(_window(address, time.time())[0])


def paused_for(request: HttpRequest) -> int | None:
    """Seconds until logging in from the request's address may go on, or None when it may now."""
    key, _period, left = _window(client_ip(request), time.time())
    try:
        failures = cache.get(key, 0)
    except RedisError:  # the cache is down: nobody is paused
        logger.warning("login failures per address: the cache cannot be read", exc_info=True)
        return None
    return left if failures >= settings.HC_LOGIN_FAILURES_PER_ADDRESS else None


def record_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """`user_login_failed`'s receiver: one more wrong password from the request's address."""
    if request is None:
        return
    key, period, _left = _window(client_ip(request), time.time())
    try:
        add_to_count(key, 1, timeout=period + 5)
    except RedisError:
        logger.warning("login failures per address: the cache cannot be written", exc_info=True)


def wait_shown(seconds: int) -> timedelta:
    """The wait the page names, in whole minutes rounded up: never "try again in 0 minutes"."""
    return timedelta(minutes=max(1, math.ceil(seconds / 60)))


class LoginPauseMiddleware:
    """While an address is paused, a POST to a login form (the site's, the admin's) gets the
    lockout page, as django-axes answers for a locked number, before any password is checked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._paths: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            if self._paths is None:  # URLconf is ready by the first request
                self._paths = frozenset((reverse("login"), reverse("admin:login")))
            if request.path_info in self._paths:
                seconds = paused_for(request)
                if seconds is not None:
                    context = {"network": True, "cooloff_timedelta": wait_shown(seconds)}
                    return render(request, "registration/locked.html", context, status=429)
        return self.get_response(request)
