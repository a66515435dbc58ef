"""Wrong passwords per client address: a pause for the whole address after many, counted apart
from django-axes' lockout of a mobile number after five.

Many phones share one public address (a mobile carrier's NAT, a station's Wi-Fi), so axes'
five failures per address would pause a whole station for strangers' typos. Fifty
(`HC_LOGIN_FAILURES_PER_ADDRESS`) within a window of `AXES_COOLOFF_TIME` still stop one address
from trying a common password against many numbers. Counted in the shared cache (Redis in
production) in fixed windows; the address is `healthcode.security.client_ip`'s. A cache that
cannot be reached counts nothing and pauses nobody: the per-number lockout, in the database,
still holds.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from healthcode.security import client_ip

logger = logging.getLogger(__name__)


def _window(address: str, now: float) -> tuple[str, int, int]:
    """The cache key of an address in the current window, the window's length and the seconds
    left in it."""
    period = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()))
    window = int(now // period)
    return f"login-fail:{address}:{window}", period, max(1, int((window + 1) * period - now))


def forget(address: str) -> None:
    """Lift an address's pause now (a support desk's shell; tests): its failures are forgotten."""
    cache.delete(_window(address, time.time())[0])


def paused_for(request: HttpRequest, now: float | None = None) -> int | None:
    """Seconds until logging in from the request's address may go on, or None when it may now."""
    key, _period, left = _window(client_ip(request), time.time() if now is None else now)
    try:
        failures = cache.get(key, 0)
    except Exception:  # the cache is down: nobody is paused
        logger.warning("login failures per address: the cache cannot be read", exc_info=True)
        return None
    return left if failures >= settings.HC_LOGIN_FAILURES_PER_ADDRESS else None


def record_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """`user_login_failed`'s receiver: one more wrong password from the request's address."""
    if request is None:
        return
    key, period, _left = _window(client_ip(request), time.time())
    try:
        try:
            cache.incr(key)
        except ValueError:  # the window's first failure anywhere
            if not cache.add(key, 1, timeout=period + 5):
                cache.incr(key)
    except Exception:
        logger.warning("login failures per address: the cache cannot be written", exc_info=True)
