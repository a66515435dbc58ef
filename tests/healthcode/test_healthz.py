"""/healthz, for load balancers: the database and, with REDIS_URL, the broker."""

from __future__ import annotations

from unittest import mock

import pytest

from healthcode import views


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


def test_ok_when_the_broker_answers(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    fake = mock.Mock()
    fake.ping.return_value = True
    with mock.patch("redis.Redis.from_url", return_value=fake) as from_url:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert from_url.call_args.args == ("redis://127.0.0.1:6379/15",)
    assert from_url.call_args.kwargs["socket_timeout"] <= 2  # a hung broker fails the check fast


def test_503_when_the_broker_does_not_answer(client, db, settings):
    import redis

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    fake = mock.Mock()
    fake.ping.side_effect = redis.ConnectionError("refused")
    with mock.patch("redis.Redis.from_url", return_value=fake):
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
