"""Security policy over HTTP: headers, login lockout, session rotation, staff idle expiry."""

import random

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


def _address() -> str:
    """A client address of its own: the per-address count lives in the cache, which Redis keeps
    across tests and runs."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _fail(client, username, times, address=None):
    address = address or _address()
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


def _numbers(count: int) -> list[str]:
    return [f"139{random.randrange(10**8):08d}" for _ in range(count)]


def test_five_failures_from_an_address_many_phones_share_do_not_lock_the_others(client, citizen, outsider):
    """A carrier's NAT or a station's Wi-Fi: strangers' typos do not lock a person out."""
    address = _address()
    for number in _numbers(5):
        _fail(client, number, 1, address=address)
    response = client.post(reverse("login"), {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 302


def test_many_failures_from_one_address_pause_logins_from_it(client, citizen, outsider, settings):
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 8
    address = _address()
    for number in _numbers(8):
        _fail(client, number, 1, address=address)
    response = client.post(reverse("login"), {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 429
    page = response.content.decode()
    assert "logging in from this network is paused" in page and "switch between Wi-Fi and mobile data" in page
    assert "Try again in" in page and "_auth_user_id" not in client.session
    # Another address is not paused, and the number itself was never locked.
    response = client.post(
        reverse("login"), {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR=_address()
    )
    assert response.status_code == 302


def test_the_network_pause_in_chinese(client, citizen, settings):
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 1
    address = _address()
    _fail(client, _numbers(1)[0], 1, address=address)
    response = client.post(
        reverse("login"),
        {"username": citizen.username, "password": PASSWORD},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9",
    )
    assert response.status_code == 429 and "此网络暂时无法登录" in response.content.decode()


def test_an_unreachable_cache_pauses_nobody_and_fails_no_login(client, citizen, settings, caplog):
    """The per-number lockout is in the database; the per-address count is only in the cache."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"  # the session must not need it
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1"}
    }
    _fail(client, citizen.username, 1, address=_address())
    response = client.post(reverse("login"), {"username": citizen.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "the cache cannot be written" in caplog.text and "the cache cannot be read" in caplog.text


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


def test_behind_the_proxy_failures_count_against_the_clients_address_not_the_proxys(
    client, citizen, outsider, settings
):
    settings.BEHIND_PROXY = True
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 5
    failing, other = _address(), _address()
    for number in _numbers(5):
        _fail_through_proxy(client, number, failing)
    # Another phone, through the same proxy: it logs in.
    response = client.post(
        reverse("login"),
        {"username": outsider.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=other,
    )
    assert response.status_code == 302
    # The phone that failed five times is paused, whatever it writes before its address.
    client.logout()
    response = client.post(
        reverse("login"),
        {"username": citizen.username, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"{other}, {failing}",
    )
    assert response.status_code == 429


def test_without_a_proxy_x_forwarded_for_is_not_believed(client, citizen, outsider, settings):
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 5
    remote = _address()
    for number in _numbers(5):  # a new "address" in the header each time
        client.post(
            reverse("login"),
            {"username": number, "password": "wrong-password"},
            REMOTE_ADDR=remote,
            HTTP_X_FORWARDED_FOR=_address(),
        )
    response = client.post(reverse("login"), {"username": outsider.username, "password": PASSWORD}, REMOTE_ADDR=remote)
    assert response.status_code == 429  # all five came from `remote`


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


def test_the_admin_login_is_paused_with_the_site_login(client, db, settings):
    """Every login form: a paused address cannot try a password on the admin's either."""
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 2
    staff = User.objects.create_user("13600000124", password=PASSWORD, is_staff=True)
    address = _address()
    _fail(client, _numbers(1)[0], 2, address=address)
    response = client.post(
        reverse("admin:login"), {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    response = client.post(
        reverse("admin:login"), {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=_address()
    )
    assert response.status_code == 302


def test_an_ipv6_client_is_counted_by_its_64_prefix(client, outsider, settings):
    settings.HC_LOGIN_FAILURES_PER_ADDRESS = 3
    prefix = f"2001:db8:{random.randrange(65536):x}:{random.randrange(65536):x}"
    for host, number in enumerate(_numbers(3), start=1):
        _fail(client, number, 1, address=f"{prefix}::{host}")
    login = {"username": outsider.username, "password": PASSWORD}
    assert client.post(reverse("login"), login, REMOTE_ADDR=f"{prefix}::99").status_code == 429
    assert client.post(reverse("login"), login, REMOTE_ADDR="2001:db8:ffff:ffff::1").status_code == 302


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", ""),
    ],
)
def test_what_one_client_holds(address, bucket):
    from healthcode.security import address_bucket

    assert address_bucket(address) == bucket


@pytest.mark.parametrize(("seconds", "minutes"), [(1, 1), (20, 1), (60, 1), (61, 2), (1800, 30)])
def test_the_pause_is_shown_in_whole_minutes_rounded_up(seconds, minutes):
    from healthcode.loginlimit import wait_shown

    assert wait_shown(seconds).total_seconds() == minutes * 60


# A username longer than any account's (an audit: 300 characters at /admin/login/ were a server
# error on Postgres, where django-axes could not write them into its varchar(255)).


@pytest.mark.parametrize("length", [161, 300, 100_000])
def test_an_overlong_username_at_the_admin_is_a_wrong_login(client, db, length):
    from axes.models import AccessAttempt

    response = client.post(reverse("admin:login"), {"username": "x" * length, "password": "x"}, REMOTE_ADDR=_address())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter the correct username and password for a staff account." in page
    assert 'value="' + "x" * length + '"' in page  # as typed
    assert not AccessAttempt.objects.exists()  # answered before anyone was looked up


def test_an_admin_username_up_to_the_longest_is_checked(client, db):
    from axes.models import AccessAttempt

    User.objects.create_superuser("x" * 100, "", PASSWORD)  # about the longest that fits, encrypted
    response = client.post(reverse("admin:login"), {"username": "x" * 100, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    client.post(reverse("admin:login"), {"username": "x" * 160, "password": "x"}, REMOTE_ADDR=_address())
    assert AccessAttempt.objects.get().username == "x" * 160  # asked and counted, as any wrong login


@pytest.mark.parametrize("username", ["1" * 21, "x" * 300, "13800138000" * 2])
def test_an_overlong_number_at_the_site_is_a_wrong_login(client, citizen, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=_address())
    assert response.status_code == 200
    page = response.content.decode()
    assert "The mobile number or password is not right. Please try again." in page
    assert "at most" not in page and "_auth_user_id" not in client.session


def test_a_number_typed_with_spaces_within_the_length_logs_in(client, citizen):
    response = client.post(reverse("login"), {"username": " +86 138 0013 8000 ", "password": PASSWORD})
    assert response.status_code == 302


def test_the_username_axes_counts_fits_its_column(rf):
    from axes.models import AccessAttempt

    from healthcode.security import USERNAME_MAX_LENGTH, login_username

    assert USERNAME_MAX_LENGTH <= AccessAttempt._meta.get_field("username").max_length
    assert login_username(rf.post("/admin/login/", {"username": "x" * 300})) == "x" * USERNAME_MAX_LENGTH
    assert login_username(rf.post("/", {}), {"username": "+86 138 0013 8000"}) == "13800138000"


def test_axes_counts_an_overlong_username_on_postgres(client, rf, db):
    """Whoever calls authenticate() with a long username (the forms answer before asking): on
    Postgres, django-axes' write of the failure was the server error."""
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate
    from django.db import connection

    from tests.conftest import missing_services

    if connection.vendor != "postgresql":
        missing_services("varchar lengths are Postgres' to enforce (DATABASE_URL=postgres://…; CI sets it)")
    request = rf.post("/admin/login/", {"username": "x" * 300, "password": "x"}, REMOTE_ADDR=_address())
    assert authenticate(request, username="x" * 300, password="x") is None
    assert len(AccessAttempt.objects.get().username) == 160
    for url in (reverse("admin:login"), reverse("login")):  # the audit's requests
        for length in (300, 1000):
            response = client.post(url, {"username": "x" * length, "password": "x"}, REMOTE_ADDR=_address())
            assert response.status_code == 200
