"""Fuzzing what pages read from the address: path segments and query parameters (NUL bytes,
10,000 characters, emoji, right-to-left text, numbers far out of range) on every page that
looks something up by them, signed in and not. 1,000 requests: no server error, and nothing
unvalidated reaches the database (Postgres refuses NUL in text: it would be a 500)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from family.services import self_applicant
from tests.counting import Tally
from tests.fuzz import strategies as fz

pytestmark = pytest.mark.fuzz

# {0}: the generated value (URL-encoded); {me}: the signed-in person's own applicant id.
PAGES = [
    "/henan/{0}/",
    "/henan/{0}/use/",
    "/place/{0}/",
    "/search/?q={0}",
    "/declare/?city={0}",
    "/declare/?draft={0}",
    "/family/add/?city={0}&draft={0}",
    "/family/{me}/declare/?draft={0}",
    "/accounts/login/?next={0}",
    "/accounts/signup/?next={0}",
    "/code/{0}/",
    "/code/{0}/qr.json",
    "/code/{0}/why/",
    "/code/{me}/?lang={0}",
    "/checkpoints/{0}/",
    "/checkpoints/{0}/log/?day={0}&page={0}",
    "/api/v1/openapi.json?{0}={0}",
    "/i18n/setlang/?next={0}",
    "/{0}",
]


def values() -> st.SearchStrategy[str]:
    return st.one_of(fz.nasty_text(max_size=20), fz.numbers(), st.sampled_from(["410100", "0", "-1", "%00", "..", "."]))


def test_1000_hostile_addresses_cookies_and_headers(client, green_citizen):
    me = self_applicant(green_citizen).pk
    tally = Tally("page addresses, cookies and headers")

    @fz.FUZZ
    @given(st.sampled_from(PAGES), values(), st.sampled_from(["address", "address", "cookie", "header"]), st.booleans())
    def one(page, value, where, signed_in):
        tally["inputs"] += 1
        client.logout()
        client.cookies.clear()
        if signed_in:
            client.force_login(green_citizen)
        extra = {}
        if where == "address":
            url = page.format(quote(value, safe=""), me=me)
        else:
            url = page.format("410100", me=me)
            # A header travels as Latin-1: whatever cannot, a client cannot send either.
            sendable = value.encode("utf-8").decode("latin-1")
            if where == "cookie":
                name = "sessionid" if signed_in else "django_language"
                extra["HTTP_COOKIE"] = f"{name}={sendable}"
            else:
                extra["HTTP_USER_AGENT"] = extra["HTTP_ACCEPT_LANGUAGE"] = sendable
        response = client.get(url, **extra)
        assert response.status_code < 500, (where, url[:200], response.status_code)
        if "\x00" in value:
            tally["with_nul"] += 1
            assert response.status_code == 400, (where, url[:200], response.status_code)
        tally[str(response.status_code)] += 1

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["200"] >= fz.share(100) and tally["404"] >= fz.share(100) and tally["with_nul"] >= fz.share(30), line


def test_a_nul_byte_is_refused_before_the_database(client, green_citizen, django_assert_num_queries):
    """The middleware answers 400 without a query (Postgres would refuse the NUL: a 500)."""
    client.force_login(green_citizen)
    for url, extra in [
        ("/henan/41%00/", {}),
        ("/declare/?city=4101%0000", {}),
        ("/code/", {"HTTP_COOKIE": "sessionid=aaaaaaaa\x00aaaaaaaaaaaaaaaa"}),
        ("/accounts/login/", {"HTTP_USER_AGENT": "Mozilla\x00"}),
    ]:
        with django_assert_num_queries(0):
            assert client.get(url, **extra).status_code == 400, url
    assert client.get("/henan/410100/").status_code == 200
