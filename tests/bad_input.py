"""What the bad-input regression nets (tests/<app>/test_bad_input.py) send, and what they expect.

The rule they hold every page to: bad input gets a clear message on the form, keeps what was
typed, and never a server error; another person's data answers 404. Hypothesis explores the
big forms (tests/fuzz/); these nets are a short, fixed list of the inputs that once broke
something somewhere, sent to every URL that reads a POST or a query parameter, on SQLite and
on Postgres (NUL bytes, 2**63, overlong text and year 1 fail only there, or only here).
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from tests.fuzz.helpers import rolled_back

__all__ = ["ID_NOT_THERE", "NOT_IDS", "VALUES", "post", "rolled_back", "shows", "variants"]

VALUES = [
    "",
    " ",
    "x" * 10_000,
    "a\x00b",
    "\x01\x08\x1b\x7f",
    "😀" * 50,  # 4-byte UTF-8
    "\u202eƎ",  # right-to-left override
    "-1",
    "0",
    str(2**63),  # one past the largest bigint
    "9" * 40,
    "1e400",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "36.5",
    "true",
    "[]",
    "{}",
]
ID_NOT_THERE = "999999999999999999"  # 18 digits: the largest id an address may carry
NOT_IDS = ["abc", "-1", "1.0", "%F0%9F%98%80", "9" * 19, "1e3"]  # the address does not match: 404


def variants(fields: list[str], value: str) -> list[dict]:
    """The value in every field at once, and every field sent twice (a=v&a=1)."""
    return [{name: value for name in fields}, {name: [value, "1"] for name in fields}]


def post(client, url: str, data: dict, **extra):
    """POST as a browser's form does: every string exactly as sent."""
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", **extra)


def shows(response, *texts: str) -> bool:
    """Whether the page holds every text, as typed (HTML-escaped as a template writes it)."""
    page = response.content.decode()
    return all(text in page or html.escape(text) in page for text in texts)
