"""Sessions read from the cache (Redis) and written through to the database.

Django's cached_db backend: every page's session lookup is one Redis GET instead of a
database query, and the database keeps every session, so a Redis restart signs nobody out.
Django's own class already survives a failed cache read; this one also survives a failed
cache write (Redis down): the database alone serves until Redis is back. Signing out with
Redis down still fails loudly (Django's delete): a cached copy left behind would sign the
session in again once Redis returns.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from redis.exceptions import RedisError

logger = logging.getLogger("healthcode.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict:
        try:
            return super().load()
        except RedisError:  # the cache write after a database read failed
            logger.warning("session cache unavailable; read from the database")
            session = self._get_session_from_db()
            return self.decode(session.session_data) if session else {}

    def exists(self, session_key: str | None) -> bool:
        try:
            return super().exists(session_key)
        except RedisError:
            logger.warning("session cache unavailable; checked the database")
            return cached_db.DBStore.exists(self, session_key)
