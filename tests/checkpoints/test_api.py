"""The gate API: POST /api/v1/verify with a venue key; its errors; its OpenAPI description."""

from __future__ import annotations

import json
import random
import time

import pytest
from django.db import connection
from django.urls import reverse

from checkpoints.models import Scan
from checkpoints.services.keys import create_api_key, revoke_api_key
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour
from tests import factories
from tests.checkpoints.conftest import nonce, token_for

URL = "/api/v1/verify"


def address() -> str:
    """A client address of its own, so that no other test (or earlier run, with Redis) shares
    its count of wrong keys."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def post(client, body, key=None, *, raw=False, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    data = body if raw else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers, **extra)


def test_the_url_is_the_contract():
    assert reverse("api-verify") == URL
    assert reverse("api-openapi") == "/api/v1/openapi.json"


def test_a_green_code_passes(client, gate_key, green_person):
    key, raw_key = gate_key
    response = post(client, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()}, raw_key)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "result": "ok",
        "color": "green",
        "masked_name": "王*明",
        "reason": "Green code.",
        "pass": True,
        "paper": False,
        "duplicate": False,
    }
    row = Scan.objects.get()
    assert (row.venue_id, row.api_key_id, row.source, row.staff_id) == (key.venue_id, key.pk, "gate", None)
    assert response["Cache-Control"] == "no-store"


def test_a_red_code_is_stopped_with_a_reason(client, gate_key, green_person):
    change_colour(green_person.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    body = post(client, {"token": token_for(green_person), "direction": "exit", "nonce": nonce()}, gate_key[1]).json()
    assert body["result"] == "not_green" and body["color"] == "red" and body["pass"] is False
    assert body["reason"] == "Red code: no entry. Quarantine."


def test_a_bad_token_is_a_result_not_an_error(client, gate_key, db):
    body = post(client, {"token": "garbage", "direction": "entry", "nonce": nonce()}, gate_key[1]).json()
    assert body == {
        "result": "malformed",
        "color": None,
        "masked_name": None,
        "reason": "This QR is not a Henan Health Code.",
        "pass": False,
        "paper": False,
        "duplicate": False,
    }
    assert Scan.objects.get().result == "malformed"


def test_the_reason_follows_accept_language(client, gate_key, db):
    response = post(
        client, {"token": "garbage", "direction": "entry", "nonce": nonce()}, gate_key[1], HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["reason"]


def test_a_repeated_nonce_is_answered_the_same_and_logged_once(client, gate_key, green_person):
    body = {"token": token_for(green_person), "direction": "entry", "nonce": "gate-7:000123"}
    first = post(client, body, gate_key[1]).json()
    change_colour(green_person.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="x")
    again = post(client, body, gate_key[1]).json()
    assert first == again | {"duplicate": False} and again["duplicate"] is True
    assert Scan.objects.count() == 1


def test_an_offline_gate_uploads_with_scanned_at(client, gate_key, green_person):
    made = time.time() - 600
    body = {"token": token_for(green_person, now=made), "direction": "entry", "nonce": nonce(), "scanned_at": made}
    assert post(client, body, gate_key[1]).json()["result"] == "ok"
    old = dict(body, nonce=nonce(), scanned_at=time.time() - 90000)
    response = post(client, old, gate_key[1])
    assert response.status_code == 400 and response.json()["field"] == "scanned_at"


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        ("{not json", "bad_json", None),
        ("", "bad_json", None),
        (b"\xff\xfe", "bad_json", None),
        ("[1, 2]", "bad_json", None),
        ("null", "bad_json", None),
        ("[" * 3000, "bad_json", None),
        (json.dumps({"direction": "entry", "nonce": "abcdefgh1"}), "missing_field", "token"),
        (json.dumps({"token": "x", "nonce": "abcdefgh1"}), "missing_field", "direction"),
        (json.dumps({"token": "x", "direction": "entry"}), "missing_field", "nonce"),
        (json.dumps({"token": 5, "direction": "entry", "nonce": "abcdefgh1"}), "bad_field", "token"),
        (json.dumps({"token": None, "direction": "entry", "nonce": "abcdefgh1"}), "bad_field", "token"),
        (json.dumps({"token": "x", "direction": "sideways", "nonce": "abcdefgh1"}), "bad_field", "direction"),
        (json.dumps({"token": "x", "direction": "entry", "nonce": "short"}), "bad_field", "nonce"),
        (
            json.dumps({"token": "x", "direction": "entry", "nonce": "abcdefgh1", "scanned_at": "now"}),
            "bad_field",
            "scanned_at",
        ),
        (
            json.dumps({"token": "x", "direction": "entry", "nonce": "abcdefgh1", "scanned_at": 1e20}),
            "bad_field",
            "scanned_at",
        ),
        (
            json.dumps({"token": "x", "direction": "entry", "nonce": "abcdefgh1", "scanned_at": True}),
            "bad_field",
            "scanned_at",
        ),
    ],
)
def test_bad_requests_get_a_400_with_a_message(client, gate_key, data, error, field):
    response = post(client, data, gate_key[1], raw=True)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error
    assert body["message"]
    assert body.get("field") == field
    assert not Scan.objects.exists()


def test_a_body_that_is_too_large(client, gate_key):
    response = post(client, {"token": "x" * 5000, "direction": "entry", "nonce": nonce()}, gate_key[1])
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_get_is_not_allowed(client, gate_key):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {gate_key[1]}")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Token hcg_x"])
def test_a_missing_or_unknown_key_is_401(client, gate_key, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    extra["REMOTE_ADDR"] = address()
    response = client.post(
        URL,
        data=json.dumps({"token": "x", "direction": "entry", "nonce": nonce()}),
        content_type="application/json",
        **extra,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Scan.objects.exists()


def test_a_revoked_key_or_inactive_venue_stops_working(client, venue, green_person):
    key, raw_key = create_api_key(venue, "Gate 2")
    body = {"token": token_for(green_person), "direction": "entry", "nonce": nonce()}
    assert post(client, body, raw_key).status_code == 200
    revoke_api_key(key)
    assert post(client, dict(body, nonce=nonce()), raw_key).status_code == 401
    _key2, raw2 = create_api_key(venue, "Gate 3")
    venue.active = False
    venue.save()
    assert post(client, dict(body, nonce=nonce()), raw2).status_code == 401


def test_keys_belong_to_their_venue(client, gate_key, other_venue, green_person):
    _other, other_raw = create_api_key(other_venue, "Mall gate")
    post(client, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()}, other_raw)
    assert Scan.objects.get().venue == other_venue


def test_the_key_is_stored_only_as_a_digest(gate_key):
    key, raw_key = gate_key
    key.refresh_from_db()
    assert raw_key not in (key.digest, key.prefix, key.name)
    assert raw_key.startswith(key.prefix) and len(raw_key) > 40


def test_rate_limited_per_key(client, gate_key, green_person, settings):
    settings.HC_GATE_RATE_PER_MINUTE = 3
    body = {"token": token_for(green_person), "direction": "entry"}
    statuses = [post(client, dict(body, nonce=nonce()), gate_key[1]).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = post(client, dict(body, nonce=nonce()), gate_key[1])
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert Scan.objects.count() == 3


def test_wrong_keys_are_rate_limited_per_address(client, db):
    ip = address()
    statuses = [post(client, {"token": "x"}, "wrong-key", REMOTE_ADDR=ip).status_code for _ in range(35)]
    assert statuses[:30] == [401] * 30 and set(statuses[30:]) == {429}


def test_behind_the_proxy_wrong_keys_are_limited_per_gate_address_not_the_proxys(client, db, settings):
    settings.BEHIND_PROXY = True
    noisy, other = address(), address()

    def wrong_key_from(gate: str) -> int:
        return post(client, {"token": "x"}, "wrong-key", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=gate).status_code

    statuses = [wrong_key_from(noisy) for _ in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429
    assert wrong_key_from(other) == 401  # the proxy's address is not the one limited


def scan_statements() -> int:
    """The scan's statements: on Postgres one (read, verdict and insert together), elsewhere
    a SELECT of code and person and an INSERT ... ON CONFLICT DO NOTHING."""
    return 1 if connection.vendor == "postgresql" else 2


def test_the_hot_path_costs_one_statement_on_postgres(client, gate_key, green_person, django_assert_num_queries):
    """Pinned for bench/: with the key remembered, the scan's statements and nothing else per
    request. No session, no user, no key read."""
    raw_key = gate_key[1]
    post(client, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()}, raw_key)  # warm
    token = token_for(green_person)
    with django_assert_num_queries(scan_statements()):
        response = post(client, {"token": token, "direction": "entry", "nonce": nonce()}, raw_key)
    assert response.json()["result"] == "ok"


def test_the_first_request_of_a_process_reads_the_key_once(client, gate_key, green_person, django_assert_num_queries):
    token = token_for(green_person)
    with django_assert_num_queries(scan_statements() + 1):
        post(client, {"token": token, "direction": "entry", "nonce": nonce()}, gate_key[1])


def test_openapi_description(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    operation = doc["paths"]["/api/v1/verify"]["post"]
    assert {"200", "400", "401", "429"} <= set(operation["responses"])
    schemas = doc["components"]["schemas"]
    assert schemas["VerifyRequest"]["required"] == ["token", "direction", "nonce"]
    assert set(schemas["VerifyResponse"]["required"]) == {"result", "color", "masked_name", "reason"}
    assert set(schemas["VerifyResponse"]["properties"]["result"]["enum"]) == {
        "ok",
        "not_green",
        "expired",
        "bad_signature",
        "unknown_key",
        "malformed",
        "revoked",
        "unknown_person",
    }
    assert doc["components"]["securitySchemes"]["venueKey"]["scheme"] == "bearer"


def test_every_result_code_through_the_api(client, gate_key, green_person):
    """The contract a turnstile programs against: each code, with pass only for ok."""
    from family.services.paper import issue_paper_code, paper_token
    from healthcode import tokens

    raw_key = gate_key[1]
    live = token_for(green_person)
    prefix, kid, payload, signature = live.split(".")
    tampered = bytearray(tokens._b64decode(payload))
    tampered[-1] ^= 1
    issue_paper_code(green_person, now=time.time() - 50)
    old_paper = paper_token(green_person)
    issue_paper_code(green_person)
    cases = {
        "ok": live,
        "expired": token_for(green_person, now=time.time() - 300),
        "bad_signature": f"{prefix}.{kid}.{tokens._b64encode(bytes(tampered))}.{signature}",
        "unknown_key": f"{prefix}.ffffffff.{payload}.{signature}",
        "malformed": "not-a-code",
        "revoked": old_paper,
        "unknown_person": tokens.issue(b"\x07" * 12, Colour.GREEN, 1),
    }
    for expected, token in cases.items():
        body = post(client, {"token": token, "direction": "entry", "nonce": nonce()}, raw_key).json()
        assert body["result"] == expected, (expected, body)
        assert body["pass"] is (expected == "ok")
        assert body["reason"]
    change_colour(green_person.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="x")
    body = post(client, {"token": token_for(green_person), "direction": "entry", "nonce": nonce()}, raw_key).json()
    assert (body["result"], body["color"], body["pass"]) == ("not_green", "yellow", False)
    assert Scan.objects.count() == len(cases) + 1


def test_the_gate_api_leaves_the_id_number_sealed(client, gate_key, green_person, monkeypatch):
    """The gate's answer has no ID number, so the scan opens none (the staff page's does:
    tests/checkpoints/test_staff_views.py); the answer's masked_id, asked for, still opens it."""
    from checkpoints.services import verify as verify_service
    from healthcode import crypto

    token = token_for(green_person)  # (reads the person, whose ID number the model opens)
    opened = []
    real_open = crypto.open_

    def counting_open(value):
        opened.append(value)
        return real_open(value)

    monkeypatch.setattr(crypto, "open_", counting_open)
    response = post(client, {"token": token, "direction": "entry", "nonce": nonce()}, gate_key[1])
    assert response.json()["result"] == "ok" and opened == []
    result = verify_service.verify_scan(
        gate_key[0].venue_id, token, direction="entry", nonce=nonce(), source=Scan.Source.GATE
    )
    assert result.masked_id == green_person.id_number[:4] + "*" * 10 + green_person.id_number[-4:]
    assert len(opened) == 1


def test_a_nonce_used_for_another_token_is_refused_and_never_passes(client, gate_key, green_person):
    """A gate's nonce answered the first scan's verdict for any token: a yellow code sent with a
    green one's nonce passed (session 10's audit). It is refused, and nothing is logged."""
    other = factories.member(green_person.account, name="王奶奶")
    factories.declared(green_person.account, other, name="王奶奶", id_number=other.id_number)
    other.refresh_from_db()
    change_colour(other.health_code_id, Colour.YELLOW, source=ColourChange.Source.AUTHORITY, reason="x")
    green = {"token": token_for(green_person), "direction": "entry", "nonce": "gate-1:000042"}
    assert post(client, green, gate_key[1]).json()["pass"] is True
    for token in (token_for(other), token_for(green_person, now=time.time() - 5), "garbage"):
        response = post(client, dict(green, token=token), gate_key[1])
        assert response.status_code == 409, token
        assert response.json()["error"] == "nonce_reused" and response.json()["field"] == "nonce"
    assert Scan.objects.count() == 1
    again = post(client, green, gate_key[1])  # the same scan sent again: its first verdict
    assert again.status_code == 200 and again.json()["pass"] is True and again.json()["duplicate"] is True


def test_a_failed_token_sent_again_is_answered_the_same(client, gate_key, db):
    body = {"token": "garbage", "direction": "entry", "nonce": "gate-1:000043"}
    first, again = post(client, body, gate_key[1]).json(), post(client, body, gate_key[1]).json()
    assert first["result"] == again["result"] == "malformed" and again["duplicate"] is True
    assert Scan.objects.count() == 1


def test_a_retry_after_the_token_expired_gets_the_first_verdict(client, gate_key, green_person):
    """The gate's first answer was lost; it sends the same scan again a minute later without
    scanned_at: the same scan, not a reused nonce."""
    made = time.time() - 120  # the token expired 60 s after this, with 30 s of skew
    body = {"token": token_for(green_person, now=made), "direction": "entry", "nonce": "gate-1:000077"}
    first = post(client, body | {"scanned_at": made + 1}, gate_key[1])
    assert first.status_code == 200 and first.json()["pass"] is True
    again = post(client, body, gate_key[1])
    assert again.status_code == 200 and again.json()["pass"] is True and again.json()["duplicate"] is True
    assert Scan.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_scan_is_committed_before_the_answer_leaves(client, gate_key, green_person):
    """The durable scan log: once a gate has its answer, another connection (a second web
    process, the authority's contact tracing) reads the scan: it is not left in an open
    transaction, nor kept in a buffer to be written later."""
    from django.db import connections

    _key, raw_key = gate_key
    scan_nonce = nonce()
    response = post(client, {"token": token_for(green_person), "direction": "entry", "nonce": scan_nonce}, raw_key)
    assert response.json()["pass"] is True
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT result, nonce FROM {Scan._meta.db_table}")
            assert cursor.fetchall() == [("ok", scan_nonce)]
    finally:
        other.close()
