"""Security policy over HTTP: headers, login lockout, session rotation, staff idle expiry."""

import pytest
from django.test import override_settings
from django.urls import reverse

from family.services import self_applicant
from healthcode.models import User

PASSWORD = "Sturdy-pass-2026"


def test_every_page_sends_a_strict_policy(client, db):
    response = client.get("/", secure=True)
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_over_https(client, db):
    assert "max-age=31536000" in client.get("/", secure=True)["Strict-Transport-Security"]


def test_pages_with_personal_data_are_never_stored(client, green_citizen):
    client.force_login(green_citizen)
    for url in ("/", reverse("code", args=[self_applicant(green_citizen).pk]), reverse("declare")):
        assert "no-store" in client.get(url)["Cache-Control"], url


def _fail(client, username, times, address="10.0.0.1"):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong-password"}, REMOTE_ADDR=address)


def test_five_failures_lock_the_number_even_for_the_right_password(client, citizen):
    _fail(client, citizen.username, 5)
    response = client.post(
        reverse("login"), {"username": citizen.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_number_counts_however_it_is_typed(client, citizen):
    _fail(client, "+86 138 0013 8000", 3)
    _fail(client, "138-0013-8000", 2)
    response = client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD})
    assert response.status_code == 429


def test_five_failures_from_one_address_lock_that_address(client, citizen, outsider):
    for number in ("13900000001", "13900000002", "13900000003", "13900000004", "13900000005"):
        _fail(client, number, 1, address="10.9.9.9")
    response = client.post(
        reverse("login"), {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429


def test_four_failures_then_the_right_password_logs_in(client, citizen):
    _fail(client, citizen.username, 4)
    response = client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD})
    assert response.status_code == 302


def test_session_key_rotates_at_login(client, citizen):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD})
    assert client.session.session_key != before


def test_staff_sessions_expire_after_15_idle_minutes(client, citizen):
    staff = User.objects.create_user("13600000123", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    client.get("/")
    assert client.session.get_expiry_age() == 15 * 60
    client.force_login(citizen)
    client.get("/")
    assert client.session.get_expiry_age() > 15 * 60


def test_a_disabled_accounts_sessions_end(client, citizen):
    client.force_login(citizen)
    assert client.get(reverse("code-home")).status_code == 302
    assert client.get(reverse("code-home"))["Location"].startswith("/code/")
    citizen.is_active = False
    citizen.save()
    assert client.get(reverse("code-home"))["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("password", ["12345678901", "qwertyuiop", "13800138000", "short1!"])
def test_weak_passwords_are_refused_at_sign_up(client, db, password):
    response = client.post(reverse("signup"), {"username": "13800138000", "password1": password, "password2": password})
    assert response.status_code == 200
    assert not User.objects.filter(username="13800138000").exists()


def _fail_through_proxy(client, username, forwarded_for):
    """A failed login as nginx passes it on: its own address in REMOTE_ADDR, the client's last
    in X-Forwarded-For."""
    client.post(
        reverse("login"),
        {"username": username, "password": "wrong-password"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@override_settings(BEHIND_PROXY=True)
def test_behind_the_proxy_five_failures_lock_the_clients_address_not_the_proxys(client, citizen, outsider):
    for number in ("13900000001", "13900000002", "13900000003", "13900000004", "13900000005"):
        _fail_through_proxy(client, number, "203.0.113.7")
    # Another phone, through the same proxy: it logs in.
    response = client.post(
        reverse("login"),
        {"username": outsider.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert response.status_code == 302
    # The phone that failed five times is locked, whatever it writes before its address.
    client.logout()
    response = client.post(
        reverse("login"),
        {"username": citizen.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20, 203.0.113.7",
    )
    assert response.status_code == 429


def test_without_a_proxy_x_forwarded_for_is_not_believed(client, citizen, outsider):
    for number in ("13900000001", "13900000002", "13900000003", "13900000004", "13900000005"):
        _fail_through_proxy(client, number, f"203.0.113.{number[-1]}")  # a new "address" each time
    response = client.post(
        reverse("login"), {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR="127.0.0.1"
    )
    assert response.status_code == 429  # all five came from 127.0.0.1


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("10.1.1.1, 203.0.113.7", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        ("", "127.0.0.1"),
        ("not an address", "127.0.0.1"),
        ("203.0.113.7, ", "127.0.0.1"),
    ],
)
def test_the_client_address_behind_the_proxy(rf, settings, forwarded_for, expected):
    from healthcode.security import client_ip

    settings.BEHIND_PROXY = True
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected
