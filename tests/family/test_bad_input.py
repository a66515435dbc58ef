"""Bad input on the account's pages (tests/bad_input.py): sign-up, log-in, Family Agent's
remove and paper code, the inbox, Switch Applicants, my data and the account's deletion. Never a
server error; a form comes back with its message and what was typed (never a password); another
account's person, or none, answers 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from family.models import Applicant
from family.services import self_applicant
from healthcode import loginlimit
from healthcode.models import User
from tests import factories
from tests.bad_input import ID_NOT_THERE, VALUES, post, rolled_back, variants


@pytest.fixture
def agent(green_citizen):
    """A citizen whose green code may be printed, with a family member whose code is pending."""
    factories.member(green_citizen)
    return green_citizen


def urls(user) -> dict[str, tuple[str, list[str]]]:
    me = self_applicant(user)
    member = user.applicants.exclude(pk=me.pk).get()
    return {
        "family-remove": (reverse("family-remove", args=[member.pk]), ["ticket"]),
        "family-paper": (reverse("family-paper", args=[me.pk]), ["shown"]),
        "family-paper-revoke": (reverse("family-paper-revoke", args=[me.pk]), ["shown"]),
        "inbox-read": (reverse("inbox-read"), ["up_to"]),
        "account-delete": (reverse("account-delete"), ["password", "ticket"]),
    }


POSTED = ["family-remove", "family-paper", "family-paper-revoke", "inbox-read", "account-delete"]


@pytest.mark.parametrize("name", POSTED)
def test_no_posted_value_is_a_server_error(client, agent, name):
    client.force_login(agent)
    url, fields = urls(agent)[name]
    for value in VALUES:
        for data in [{}, *variants(fields, value)]:
            with rolled_back():
                response = post(client, url, data)
            # 200 the page again, 302 done, 409 refused with the reason (a removal, a deletion).
            assert response.status_code in (200, 302, 409), (name, data, response.status_code)


@pytest.mark.parametrize("name", ["signup", "login"])
def test_no_sign_up_or_log_in_is_a_server_error(client, citizen, name):
    fields = ["username", "password", "password1", "password2", "next"]
    for value in VALUES:
        for data in [{}, *variants(fields, value)]:
            loginlimit.forget("127.0.0.1")  # the wrong passwords of the inputs before: no pause
            with rolled_back():
                response = post(client, reverse(name), data)
            assert response.status_code in (200, 302, 429), (name, data, response.status_code)
            client.logout()


def test_no_query_parameter_is_a_server_error(client, agent):
    client.force_login(agent)
    me = self_applicant(agent).pk
    for url in [reverse("inbox"), reverse("code-switch"), reverse("code", args=[me]), reverse("my-data")]:
        for value in VALUES:
            for query in ({"page": value}, {"lang": value}, {"next": [value, value]}):
                # A NUL byte anywhere in the address is refused at the door (400).
                expected = 400 if "\x00" in value else 200
                assert client.get(url, query).status_code == expected, (url, query)


def test_the_forms_say_what_is_wrong_and_keep_what_was_typed(client, citizen):
    signup = client.post(reverse("signup"), {"username": "1380013800😀", "password1": "a", "password2": "a"})
    assert "11-digit mainland mobile number" in signup.content.decode() and 'value="1380013800😀"' in signup.text
    login = client.post(reverse("login"), {"username": "138 0013 8000", "password": "wrong\x00"})
    assert "Null characters are not allowed." in login.text and 'value="138 0013 8000"' in login.text
    assert 'value="wrong' not in login.text  # a password is never sent back
    client.force_login(citizen)
    deletion = client.post(reverse("account-delete"), {"password": "x" * 10_000})
    assert deletion.status_code == 200 and "That is not your password." in deletion.text
    assert "x" * 100 not in deletion.text
    assert User.objects.filter(pk=citizen.pk).exists()


def test_a_person_in_a_posted_field_or_the_address_who_is_not_the_accounts_answers_404(client, agent, outsider):
    theirs = factories.member(outsider)
    client.force_login(agent)
    for pk in (theirs.pk, self_applicant(outsider).pk, ID_NOT_THERE):
        for name in ("family-remove", "family-paper", "family-paper-revoke"):
            assert post(client, reverse(name, args=[pk]), {"shown": "", "ticket": ""}).status_code == 404, (name, pk)
    assert Applicant.objects.filter(pk=theirs.pk, account=outsider).exists()
