"""/healthz, for load balancers: the database and, with REDIS_URL, the broker."""

from __future__ import annotations

import os
from unittest import mock

import pytest

from healthcode import views
from tests.brokers import closed_port
from tests.conftest import missing_services


@pytest.fixture(autouse=True)
def fresh_clients():
    views._broker.cache_clear()
    yield
    views._broker.cache_clear()


def test_ok_without_a_broker(client, db, settings):
    settings.REDIS_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "not used"}
    assert "no-cache" in response["Cache-Control"]


def _real_redis_url() -> str:
    """The Redis this machine runs (CI's REDIS_URL; otherwise the local one, database 2)."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        missing_services(f"Redis does not answer at {url}")
    return url


def test_ok_when_the_broker_answers(client, db, settings):
    """A real Redis answers the PING (a stand-in that answers anything could not tell a
    check that asks the wrong question)."""
    settings.REDIS_URL = _real_redis_url()
    response = client.get("/healthz")
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert response.status_code == 200
    pool = views._broker(settings.REDIS_URL).connection_pool.connection_kwargs
    assert pool["socket_timeout"] <= 2 and pool["socket_connect_timeout"] <= 2  # a hung broker fails fast


def test_503_when_the_broker_does_not_answer(client, db, settings):
    """A broker that is not there: a local port nothing listens on."""
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/2"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}


def test_503_when_the_database_does_not_answer(client, db, settings):
    settings.REDIS_URL = None
    with mock.patch.object(views, "_database_ok", return_value=False):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "broker": "not used"}


def test_post_is_refused(client, db):
    assert client.post("/healthz").status_code == 405


def test_answers_over_plain_http_when_https_is_enforced(client, db, settings):
    """A load balancer polls the instance itself over HTTP, without the proxy's
    X-Forwarded-Proto: /healthz answers there, while every page still goes to https."""
    settings.REDIS_URL = None
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "not used"}
    assert client.get("/").status_code == 301
    assert client.get("/healthz/").status_code in (301, 404)  # only the exact path is exempt


def test_answers_whatever_host_a_balancer_sends(client, db, settings):
    """A balancer that polls the instance at its address sends that address as the Host, and
    many cannot be told otherwise: /healthz answers it; every page still refuses the host."""
    settings.REDIS_URL = None
    settings.ALLOWED_HOSTS = ["healthcode.example.cn"]
    response = client.get("/healthz", HTTP_HOST="10.0.3.17:8000")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "not used"}
    assert client.get("/", HTTP_HOST="10.0.3.17:8000").status_code == 400
    assert client.get("/login/", HTTP_HOST="10.0.3.17:8000").status_code == 400
    assert client.get("/healthz", HTTP_HOST="healthcode.example.cn").status_code == 200
