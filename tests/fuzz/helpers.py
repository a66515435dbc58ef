"""What every fuzz test does with one generated input."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlencode

from django.db import transaction


@contextmanager
def rolled_back():
    """One input's world: whatever it writes is undone before the next input, so every input
    meets the same database and a failure reproduces on its own."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def post_form(client, url: str, data: dict, **extra):
    """POST as a browser does (application/x-www-form-urlencoded): every string arrives
    exactly as sent, NUL bytes, emoji and 10,000 characters included."""
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", **extra)


def as_querydict(data: dict):
    """The same data as the view receives it, for validating the form directly."""
    from django.http import QueryDict

    return QueryDict(urlencode(data, doseq=True))
