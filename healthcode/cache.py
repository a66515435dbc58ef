"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation, and redis-py
fills a table of some two hundred response callbacks in each constructor: 52 µs on this
project's bench machine, more than half of what the GET itself costs on loopback (a session
read on every signed-in page, the gate API's rate limits). A `redis.Redis` is safe to share
between threads over its pool, and the pool already survives a fork (it checks its pid), so
one client per pool does the same work for less.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # kept by Django for the process's lifetime
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache`, keeping its clients (KeptClient)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = KeptClient


def add_to_count(key: str, amount: int, *, timeout: int) -> int:
    """Add `amount` to a counter in the shared cache, made with `timeout` by whoever adds first
    (another process may add it at the same moment); the new total."""
    try:
        return cache.incr(key, amount)
    except ValueError:  # the counter's first addition anywhere
        if cache.add(key, amount, timeout=timeout):
            return amount
        return cache.incr(key, amount)
