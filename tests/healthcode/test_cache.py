"""The Redis cache backend (healthcode/cache.py): Django's, keeping one client per pool."""

import os
import threading

import pytest
from django.core.cache import caches

from tests.conftest import missing_services


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        missing_services("the Redis cache backend needs REDIS_URL (CI sets it)")
    settings.CACHES = {
        **settings.CACHES,
        "kept": {"BACKEND": "healthcode.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": "test-kept"},
    }
    cache = caches["kept"]
    yield cache
    cache.clear()


def test_it_is_a_working_cache(redis_cache):
    redis_cache.set("a", {"colour": "green"}, 30)
    assert redis_cache.get("a") == {"colour": "green"}
    assert redis_cache.add("n", 1) and not redis_cache.add("n", 5)
    assert redis_cache.incr("n", 4) == 5
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_one_client_serves_every_call_and_thread(redis_cache):
    client = redis_cache._cache.get_client()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(redis_cache._cache.get_client())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(other is client for other in seen)
    assert redis_cache._cache.get_client(write=True) is client  # one server: one pool, one client
