"""Sessions read from the cache and written through to the database (healthcode/sessions.py):
the code page's session costs no query, a cache flush or a dead Redis signs nobody out."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from family.services import self_applicant

DEAD_REDIS = {
    "default": {
        "BACKEND": "healthcode.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
}


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "healthcode.sessions"
    cache.clear()


def session_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]


def test_a_signed_in_page_reads_its_session_from_the_cache(cached_sessions, client, green_citizen):
    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    client.get(url)
    assert session_queries(client, url) == []
    # Written through: the database holds the session too.
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_a_flushed_cache_signs_nobody_out(cached_sessions, client, green_citizen):
    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    client.get(url)  # the first view remembers the applicant: a session write
    cache.clear()
    assert len(session_queries(client, url)) == 1  # read from the database, cached again
    assert session_queries(client, url) == []


def test_with_redis_down_sessions_come_from_the_database(cached_sessions, client, green_citizen, settings):
    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    settings.CACHES = DEAD_REDIS
    response = client.get(url)
    assert response.status_code == 200 and 'data-color="green"' in response.content.decode()


def test_signing_out_ends_the_cached_session(cached_sessions, client, green_citizen):
    client.force_login(green_citizen)
    url = reverse("code", args=[self_applicant(green_citizen).pk])
    client.get(url)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key  # a copied cookie of the ended session
    assert client.get(url).status_code == 302


def test_a_forged_session_cookie_is_no_session_and_no_cache_key(cached_sessions, client, green_citizen):
    from healthcode.sessions import SessionStore

    assert SessionStore("👍" * 100).session_key is None
    for forged in ("x" * 4000, "abc", "A" * 32, "a" * 33, "a" * 31 + "-"):
        assert SessionStore(forged).session_key is None
        client.cookies["sessionid"] = forged
        assert client.get(reverse("code", args=[self_applicant(green_citizen).pk])).status_code == 302
    client.force_login(green_citizen)
    key = client.session.session_key
    assert SessionStore(key).session_key == key and len(key) == 32
