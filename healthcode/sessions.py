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
import re

from django.contrib.sessions.backends import cached_db
from redis.exceptions import RedisError

logger = logging.getLogger("healthcode.sessions")
# What Django generates (32 of a-z0-9); a cookie with anything else is no session, and never
# becomes part of a Redis key.
SESSION_KEY = re.compile(r"[a-z0-9]{32}")


class SessionStore(cached_db.SessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and SESSION_KEY.fullmatch(key) is not None

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
