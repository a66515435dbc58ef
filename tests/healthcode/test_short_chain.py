"""The machine routes' short middleware chain (healthcode/handlers.py), through the WSGI
application gunicorn runs: the gate API answered without the site's middleware, with the same
security headers, HTTPS redirect, NUL refusal, host check, language, error handling and
per-request database housekeeping; every other path still through the site's chain."""

from __future__ import annotations

import json
import logging

import pytest
from django.core import signals
from django.test import RequestFactory, override_settings

from healthcode.handlers import HealthCodeWSGIHandler
from tests.checkpoints.conftest import make_venue, nonce, token_for

API = "/api/v1/verify"


def call(application, request) -> tuple[int, dict[str, str], bytes]:
    """One request through a WSGI application, as gunicorn makes it (closing the response
    after reading it, which sends request_finished)."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    result = application(request.environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return answer["status"], answer["headers"], body


def scan_request(key: str, token: str, **extra):
    body = json.dumps({"token": token, "direction": "entry", "nonce": nonce()})
    return RequestFactory().post(
        API, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}", **extra
    )


@pytest.fixture
def gate(transactional_db):
    """A venue key and a green person. Transactional: the real handler closes the database
    connection between requests, as in production, which a test's transaction would not survive."""
    from checkpoints.services.keys import create_api_key
    from family.services import self_applicant
    from tests import factories

    venue = make_venue("Zijingshan Subway Station")
    _key, raw_key = create_api_key(venue, "Gate 1")
    citizen = factories.account("13800138000")
    factories.declared(citizen)  # reviewed at once: tasks run eagerly, on commit in autocommit
    return raw_key, self_applicant(citizen)


def test_the_wsgi_application_is_the_short_chain_handler():
    from healthcode.wsgi import application

    assert isinstance(application, HealthCodeWSGIHandler)
    assert set(application._short_chains) == {API, "/healthz"}


def test_a_scan_through_the_wsgi_application_skips_the_sites_middleware(gate):
    raw_key, person = gate
    status, headers, body = call(HealthCodeWSGIHandler(), scan_request(raw_key, token_for(person)))
    assert status == 200
    assert json.loads(body)["result"] == "ok"
    # The security headers the site sends, from the same SecurityMiddleware and settings.
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    # None of the site's chain ran: no page policy, no session or CSRF cookie, no Vary: Cookie.
    assert "Content-Security-Policy" not in headers
    assert "Set-Cookie" not in headers
    assert "Cookie" not in headers.get("Vary", "")


def test_a_page_through_the_same_application_gets_the_sites_chain(transactional_db):
    status, headers, _body = call(HealthCodeWSGIHandler(), RequestFactory().get("/"))
    assert status == 200
    assert "Content-Security-Policy" in headers and headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("accept_language", "language", "reason"),
    [
        ("zh-CN,zh;q=0.9", "zh-hans", "此二维码不是河南健康码。"),
        ("fr-FR, zh-Hans;q=0.5", "zh-hans", "此二维码不是河南健康码。"),
        ("en-GB,en;q=0.8", "en", "This QR is not a Henan Health Code."),
        ("fr-FR", "en", "This QR is not a Henan Health Code."),
        ("", "en", "This QR is not a Henan Health Code."),
    ],
)
def test_the_language_follows_accept_language(gate, accept_language, language, reason):
    raw_key, _person = gate
    request = scan_request(raw_key, "garbage", HTTP_ACCEPT_LANGUAGE=accept_language)
    _status, headers, body = call(HealthCodeWSGIHandler(), request)
    assert json.loads(body)["reason"] == reason
    assert headers["Content-Language"] == language
    assert "Accept-Language" in headers["Vary"]


def test_a_nul_byte_or_a_foreign_host_is_refused(gate):
    raw_key, person = gate
    handler = HealthCodeWSGIHandler()
    # Answered in the API's JSON error shape (the OpenAPI description's), with the site's
    # security headers: a gate's client parses one kind of answer.
    for refused in (
        scan_request(raw_key, token_for(person), HTTP_USER_AGENT="gate\x00"),
        scan_request(raw_key, token_for(person), HTTP_HOST="evil.example"),
        scan_request(raw_key, token_for(person), QUERY_STRING="x=%00"),
    ):
        status, headers, body = call(handler, refused)
        assert status == 400
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"error": "bad_request", "message": "Bad Request"}
        assert headers["X-Content-Type-Options"] == "nosniff"
    from checkpoints.models import Scan

    assert Scan.objects.count() == 0


def test_a_foreign_host_is_logged_once(gate, caplog):
    raw_key, person = gate
    with caplog.at_level(logging.INFO):
        status, _headers, _body = call(
            HealthCodeWSGIHandler(), scan_request(raw_key, token_for(person), HTTP_HOST="evil.example")
        )
    assert status == 400
    logged = [record.name for record in caplog.records if record.name.startswith("django")]
    assert logged == ["django.security.DisallowedHost"], logged


def test_plain_http_is_redirected_when_https_is_required(gate):
    raw_key, person = gate
    with override_settings(SECURE_SSL_REDIRECT=True):
        status, headers, _body = call(HealthCodeWSGIHandler(), scan_request(raw_key, token_for(person)))
    assert status == 301 and headers["Location"] == f"https://testserver{API}"


def test_a_crash_is_a_logged_500_and_the_request_is_finished(gate, monkeypatch, caplog):
    """A fault inside the view: Django's 500 answer and its django.request log line, and
    request_finished still sent (it closes the database connection a crash may have spoiled)."""
    from checkpoints.views import api

    raw_key, person = gate

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(api, "verify_scan", broken)
    finished = []

    def on_finished(**kwargs):
        finished.append(True)

    signals.request_finished.connect(on_finished)
    try:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            status, _headers, _body = call(HealthCodeWSGIHandler(), scan_request(raw_key, token_for(person)))
    finally:
        signals.request_finished.disconnect(on_finished)
    assert status == 500
    assert json.loads(_body) == {
        "error": "server_error",
        "message": "The server failed: send it again with the same nonce.",
    }
    assert finished == [True]
    assert any("Internal Server Error: /api/v1/verify" in r.getMessage() for r in caplog.records)


def test_an_unknown_short_chain_path_fails_at_start():
    from django.urls import Resolver404

    with override_settings(HC_SHORT_CHAIN_PATHS=("/api/v1/nothing-here",)), pytest.raises(Resolver404):
        HealthCodeWSGIHandler()
