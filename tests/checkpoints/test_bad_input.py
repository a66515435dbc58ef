"""Bad input at checkpoints (tests/bad_input.py): the staff scanner (its form and its script's
JSON), the offline upload, the pharmacy's purchase, the venue-code visit and the gate API.
Never a server error; the scanner comes back with its message and the code as typed; the API
answers every malformed request with its JSON error; another account's person answers 404."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from checkpoints.models import Purchase, Scan
from checkpoints.views import api
from tests import factories
from tests.bad_input import ID_NOT_THERE, VALUES, post, rolled_back, variants
from tests.checkpoints.conftest import nonce, token_for

JSON_VALUES = [*VALUES, None, True, 2**63, -(2**70), 1e308, [], {}, ["entry"], {"a": 1}]


def bodies(token: str) -> list[bytes]:
    """Malformed and mistyped bodies for the JSON endpoints."""
    good = {"token": token, "direction": "entry", "nonce": nonce()}
    out = [b"", b"null", b"[]", b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b'{"token": NaN}', "😀".encode()]
    for value in JSON_VALUES:
        for name in ("token", "direction", "nonce", "scanned_at"):
            out.append(json.dumps(good | {name: value}).encode())
    out.append(json.dumps({name: "a\u0000b" for name in good}).encode())
    out.append(json.dumps({"scans": [good | {"scanned_at": value} for value in JSON_VALUES[:10]]}).encode())
    out.append(json.dumps({"scans": [None, 1, "a", [], {}, good]}).encode())
    out.append(json.dumps({"scans": {"token": token}}).encode())
    return out


def test_the_staff_scanner_form_never_fails(staff_client, venue, green_person):
    url = reverse("checkpoint-verify", args=[venue.pk])
    for value in VALUES:
        for data in [{}, *variants(["token", "direction", "nonce"], value)]:
            with rolled_back():
                response = post(staff_client, url, data)
            assert response.status_code in (200, 400), (data, response.status_code)


def test_the_scanner_says_what_is_wrong_and_keeps_the_code(staff_client, venue, green_person):
    token = token_for(green_person)
    response = post(
        staff_client, reverse("checkpoint-verify", args=[venue.pk]), {"token": token, "direction": "exit", "nonce": "x"}
    )
    assert response.status_code == 400
    assert "nonce must be 8 to 64 letters" in response.text and f">{token}</textarea>" in response.text
    assert 'value="exit" checked' in response.text or 'value="exit"  checked' in response.text
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("{prefix}.d4850447.{rest}", True),  # a key id with 7 digits in a row: the code's own (was dropped)
        ("{prefix}.{kid}.{rest} 13812345678", False),  # a mobile number after it
        ("{prefix}.41010519500101123X", False),  # an ID number typed after the prefix
    ],
)
def test_the_scanner_keeps_a_code_but_never_a_number_typed_into_it(staff_client, venue, green_person, typed, kept):
    prefix, kid, rest = token_for(green_person).split(".", 2)
    token = typed.format(prefix=prefix, kid=kid, rest=rest)
    response = post(
        staff_client, reverse("checkpoint-verify", args=[venue.pk]), {"token": token, "direction": "exit", "nonce": "x"}
    )
    assert response.status_code == 400
    assert (f">{token}</textarea>" in response.text) is kept
    assert "13812345678" not in response.text and "41010519500101123X" not in response.text


@pytest.mark.parametrize("endpoint", ["checkpoint-verify", "checkpoint-upload"])
def test_no_json_body_is_a_server_error(staff_client, venue, green_person, endpoint):
    url = reverse(endpoint, args=[venue.pk])
    for body in bodies(token_for(green_person)):
        with rolled_back():
            response = staff_client.post(url, body, content_type="application/json")
        assert response.status_code in (200, 400), (body[:200], response.status_code)
        if body:  # (the test client sends an empty body without its content type: the form's page)
            assert response["Content-Type"] == "application/json", body[:200]


def test_no_medicine_is_a_server_error(client, pharmacy, pharmacist, green_person):
    client.force_login(pharmacist)
    scan = client.post(
        reverse("checkpoint-verify", args=[pharmacy.pk]),
        {"token": token_for(green_person), "direction": "entry", "nonce": nonce()},
    )
    assert scan.status_code == 200
    url = reverse("checkpoint-purchase", args=[pharmacy.pk, Scan.objects.get().pk])
    for value in [*VALUES, "fever"]:
        for data in [{}, *variants(["medicine"], value)]:
            for accept in ("text/html", "application/json"):
                with rolled_back():
                    response = post(client, url, data, HTTP_ACCEPT=accept)
                assert response.status_code in (200, 400), (data, response.status_code)
    assert not Purchase.objects.exists()


def test_no_visit_is_a_server_error_and_another_accounts_person_answers_404(client, venue, green_person, outsider):
    client.force_login(green_person.account)
    url = reverse("place", args=[venue.place_code])
    for value in VALUES:
        for data in variants(["applicant", "nonce"], value):
            with rolled_back():
                response = post(client, url, data)
            # 400: the page again, saying what to do; 404: a number that is no person of the account's.
            assert response.status_code in (200, 400, 404), (data, response.status_code)
    again = post(client, url, {"applicant": "", "nonce": nonce()})
    assert again.status_code == 400 and "Choose whose visit this is." in again.text
    for theirs in (factories.member(outsider).pk, ID_NOT_THERE, 2**63):
        assert post(client, url, {"applicant": theirs, "nonce": nonce()}).status_code == 404, theirs
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_no_request_to_the_gate_api_is_a_server_error(
    client, gate_key, green_person, content_type, settings, monkeypatch
):
    # Each request judged for itself, not refused as one too many.
    settings.HC_GATE_RATE_PER_MINUTE = 10**9
    monkeypatch.setattr(api, "AUTH_FAILURES_PER_MINUTE", 10**9)
    _row, key = gate_key
    url = reverse("api-verify")
    for body in [*bodies(token_for(green_person)), b"x" * 5000]:
        for authorization in (f"Bearer {key}", "", "Bearer", f"Basic {key}", "Bearer é😀"):
            extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
            with rolled_back():
                response = client.post(url, body, content_type=content_type, **extra)
            assert response.status_code in (200, 400, 401, 409, 413), (body[:200], authorization, response.status_code)
            if response.status_code != 200:
                assert response.json()["error"] and response.json()["message"], body[:200]


def test_a_nul_byte_in_a_header_is_refused_at_the_door(client, gate_key):
    """(gunicorn refuses such a header itself.) In the API's JSON error shape, as every answer."""
    response = client.post(
        reverse("api-verify"), b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {gate_key[1]}\x00"
    )
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "Bad Request"}
