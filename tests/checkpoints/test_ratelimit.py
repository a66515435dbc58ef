"""The rate limiter: exact near the limit, batched far from it."""

from __future__ import annotations

import uuid

from django.core.cache import cache

from checkpoints.services import ratelimit


def bucket() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_exact_for_small_limits():
    name = bucket()
    assert [ratelimit.hit(name, 3).allowed for _ in range(5)] == [True, True, True, False, False]


def test_batches_far_from_the_limit_and_counts_everything():
    name = bucket()
    decisions = [ratelimit.hit(name, 1000) for _ in range(1000)]
    assert all(d.allowed for d in decisions)
    assert not ratelimit.hit(name, 1000).allowed
    window = int(__import__("time").time() // ratelimit.PERIOD)
    shared = cache.get(f"rl:{name}:{window}")
    assert shared is not None and shared >= 980  # the shared count lags by at most one batch


def test_other_processes_count_too():
    """Another process's requests, already in the shared counter, count against the limit."""
    name = bucket()
    window = int(__import__("time").time() // ratelimit.PERIOD)
    cache.set(f"rl:{name}:{window}", 5, 65)
    assert [ratelimit.hit(name, 6).allowed for _ in range(2)] == [True, False]
