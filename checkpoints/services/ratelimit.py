"""Rate limits over Django's cache (Redis when REDIS_URL is set, so every process counts
together; local memory otherwise).

Fixed one-minute windows. To keep the gate API's hot path lean, a process adds its requests
to the shared counter in small batches instead of one cache round trip per request; while a
bucket is near its limit it syncs on every request, so the limit holds exactly where it
matters. The error is at most one batch per process, well under the limits used.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from healthcode.cache import add_to_count

PERIOD = 60
MAX_BATCH = 20


@dataclass
class _Window:
    window: int
    shared: int = 0  # the shared count when this process last synced
    pending: int = 0  # this process's requests not yet added to it


_windows: dict[str, _Window] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends


def hit(bucket: str, limit: int) -> Decision:
    """Count one request against `bucket`; allowed while the window's count is within `limit`."""
    now = time.time()
    window = int(now // PERIOD)
    retry_after = max(1, int((window + 1) * PERIOD - now))
    batch = max(1, min(MAX_BATCH, limit // 50))
    with _lock:
        state = _windows.get(bucket)
        if state is None or state.window != window:
            if len(_windows) > 10_000:
                _windows.clear()
            state = _windows[bucket] = _Window(window)
        state.pending += 1
        estimate = state.shared + state.pending
        if state.pending >= batch or estimate > limit - batch:
            amount, state.pending = state.pending, 0
        else:
            amount = 0
    if amount:
        total = add_to_count(f"rl:{bucket}:{window}", amount, timeout=PERIOD + 5)
        with _lock:
            if state.window == window:
                state.shared = max(state.shared, total)
        estimate = total
    return Decision(estimate <= limit, retry_after)


def reset() -> None:
    """Forget this process's counts (tests)."""
    with _lock:
        _windows.clear()
