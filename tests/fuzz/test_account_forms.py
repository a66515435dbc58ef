"""Fuzzing sign-up and log-in: 1,000 generated inputs each, validated directly and POSTed to
/accounts/signup/ and /accounts/login/. No server error; a number that is not a mainland
mobile number never becomes an account; only the right number (however it is typed) with
the right password logs in; a `next` address never leads off the site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from family.forms import LoginForm, SignupForm
from healthcode import loginlimit
from healthcode.models import User
from tests import factories
from tests.counting import Tally
from tests.fuzz import strategies as fz
from tests.fuzz.helpers import as_querydict, post_form, rolled_back

pytestmark = pytest.mark.fuzz

PASSWORD = "Sturdy-pass-2026"
ABSENT = object()
NEXT = [
    "/code/",
    "/henan/410100/use/",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http://testserver/code/",
]


def safe_location(location: str) -> bool:
    """On this site: no scheme and no host, as a browser reads it (a backslash as a slash)."""
    parts = urlsplit(location.replace("\\", "/").strip())
    same_site = (not parts.scheme and not parts.netloc) or (
        parts.scheme in ("http", "https") and parts.netloc == "testserver"
    )
    return same_site and all(ord(c) >= 32 for c in location)


@st.composite
def signups(draw) -> dict:
    kind = draw(st.integers(0, 3))
    if kind < 2:
        password = PASSWORD
    else:
        password = draw(st.one_of(st.just("Ünïcødé-pass 2026 😷"), fz.nasty_text(), fz.numbers()))
    data = {
        "username": draw(st.one_of(fz.mobiles(), st.just("138 0013 8000"))),  # the last one is taken
        "password1": password,
        "password2": password if draw(st.integers(0, 4)) else draw(fz.nasty_text()),
        "next": draw(st.one_of(st.just(ABSENT), st.sampled_from(NEXT), fz.nasty_text())),
    }
    for name in draw(st.sets(st.sampled_from(["username", "password1", "password2"]), max_size=1)):
        data[name] = ABSENT
    return {name: value for name, value in data.items() if value is not ABSENT}


def test_signup_under_1000_generated_inputs(client, citizen):
    assert citizen.username == "13800138000"
    tally = Tally("SignupForm (/accounts/signup/)")

    @fz.FUZZ
    @given(signups())
    def one(data):
        tally["inputs"] += 1
        client.cookies.clear()
        with rolled_back():
            accounts = User.objects.count()
            form = SignupForm(as_querydict(data))
            valid = form.is_valid()
            username = data.get("username", "")
            if not fz.mobile_is_valid(username):
                tally["invalid_numbers"] += 1
                assert "username" in form.errors, username
            if valid:
                assert form.cleaned_data["username"] == fz.normalised_mobile(username)
                assert data["password1"] == data["password2"]

            response = post_form(client, "/accounts/signup/", data)
            assert response.status_code in (200, 302), response.status_code
            if valid:
                tally["accepted"] += 1
                assert response.status_code == 302
                assert safe_location(response["Location"]), response["Location"]
                assert User.objects.filter(username=fz.normalised_mobile(username)).exists()
                assert User.objects.count() == accounts + 1
            else:
                assert User.objects.count() == accounts
                again = form.same_signup_again()
                if again is not None and User.objects.get(username=again[0]).check_password(again[1]):
                    # The citizen's own sign-up sent again (the account was made just now, with
                    # this password): logged in, as the first sending was.
                    tally["signed_up_again"] += 1
                    assert response.status_code == 302
                    assert safe_location(response["Location"]), response["Location"]
                else:
                    tally["refused"] += 1
                    assert response.status_code == 200

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["invalid_numbers"] >= fz.share(100) and tally["accepted"] >= fz.share(15), line


def citizen_number_typed() -> st.SearchStrategy[str]:
    """13800138000 as people type it, and numbers that are almost it."""
    return st.sampled_from(
        [
            "13800138000",
            "+86 138 0013 8000",
            "+8613800138000",
            "138-0013-8000",
            " 13800138000\u3000",
            "１３８００１３８０００",
            "138001380000",
            "1380013800",
            "13800138001",
            "١٣٨٠٠١٣٨٠٠٠",
            "13800138000\x00",
        ]
    )


@st.composite
def logins(draw) -> dict:
    """About half the time the citizen's number (spelled some way) with the right password."""
    username = draw(citizen_number_typed() if draw(st.booleans()) else st.one_of(fz.mobiles(), fz.nasty_text()))
    if draw(st.booleans()):
        password = PASSWORD
    else:
        password = draw(
            st.one_of(
                st.sampled_from([PASSWORD + " ", " " + PASSWORD, PASSWORD.upper(), PASSWORD + "\x00", ""]),
                fz.nasty_text(),
            )
        )
    data = {
        "username": username,
        "password": password,
        "next": draw(st.one_of(st.just(ABSENT), st.sampled_from(NEXT), fz.nasty_text())),
    }
    return {name: value for name, value in data.items() if value is not ABSENT}


def test_login_under_1000_generated_inputs(client, citizen):
    tally = Tally("LoginForm (/accounts/login/)")
    factory = RequestFactory()

    @fz.FUZZ
    @given(logins())
    def one(data):
        tally["inputs"] += 1
        client.cookies.clear()
        for address in ("127.0.0.1", "10.0.0.1"):  # each example starts afresh (its axes rows roll back)
            loginlimit.forget(address)
        with rolled_back():
            right = fz.mobile_is_valid(data["username"]) and fz.normalised_mobile(data["username"]) == citizen.username
            should_log_in = right and data["password"] == PASSWORD

            request = factory.post("/accounts/login/", as_querydict(data), REMOTE_ADDR="10.0.0.1")
            form = LoginForm(request, data=as_querydict(data))
            assert form.is_valid() == should_log_in, (data, form.errors)

            response = post_form(client, "/accounts/login/", data)
            assert response.status_code in (200, 302), response.status_code
            if should_log_in:
                tally["logged_in"] += 1
                assert response.status_code == 302
                assert safe_location(response["Location"]), response["Location"]
                assert client.session.get("_auth_user_id") == str(citizen.pk)
            else:
                tally["refused"] += 1
                assert response.status_code == 200
                assert "_auth_user_id" not in client.session

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["logged_in"] >= fz.share(30) and tally["refused"] >= fz.share(500), line


@pytest.mark.parametrize("username", ["13800138000", "138 0013 8000", "河南\u202e😷", "a" * 20])
def test_hostile_logins_until_the_lockout_never_fail_the_server(client, citizen, username):
    """No rollback here: failures pile up until django-axes locks the number and the address;
    the lockout page answers, never a server error, whatever the username was."""
    statuses = [
        post_form(client, "/accounts/login/", {"username": username, "password": f"wrong-{n}"}).status_code
        for n in range(8)
    ]
    # AXES_FAILURE_LIMIT (5): the fifth failure locks, and the page says so.
    assert statuses == [200] * 4 + [429] * 4, statuses
    factories.account("13900000000")  # the database is still usable after the lockout rows
