"""Schemathesis against the gate API's own description (/api/v1/openapi.json), through the
WSGI application: every operation, with generated requests that fit the schema (positive)
and that do not (negative), with a venue's key and without one. Each response is checked:
not a server error, a status code the description lists, the content type and headers it
lists, and a body that matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from checkpoints.models import Scan, Venue
from checkpoints.services import ratelimit
from checkpoints.services.keys import create_api_key, forget_keys
from checkpoints.views import api
from healthcode.models import City
from tests.counting import Tally
from tests.fuzz import strategies as fz

pytestmark = pytest.mark.fuzz

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per auth state and generation mode: 500 + 500 with a key, 100 + 100 without (1,200 requests;
# without a key every answer is the same 401).
RUNS = {
    ("key", GenerationMode.POSITIVE): 500,
    ("key", GenerationMode.NEGATIVE): 500,
    ("no key", GenerationMode.POSITIVE): 100,
    ("no key", GenerationMode.NEGATIVE): 100,
}


@pytest.fixture
def wsgi(db, monkeypatch, settings):
    """The real WSGI application, called in the test's transaction: Django would close the
    connection at the end of each request (the test client switches that off; so do we)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    settings.HC_GATE_RATE_PER_MINUTE = 1_000_000  # the rate limits have tests of their own
    monkeypatch.setattr(api, "AUTH_FAILURES_PER_MINUTE", 1_000_000)
    forget_keys()
    ratelimit.reset()
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        forget_keys()
        ratelimit.reset()


@pytest.mark.parametrize(("auth", "mode"), list(RUNS), ids=[f"{a}-{m.value}" for a, m in RUNS])
def test_the_gate_api_matches_its_openapi_description(wsgi, auth, mode):
    venue = Venue.objects.create(
        name="Schema Gate", type=Venue.Type.SUBWAY, city=City.objects.get(code="410100"), address="Jinshui"
    )
    _key, raw_key = create_api_key(venue, "Gate 1")
    headers = {"Authorization": f"Bearer {raw_key}"} if auth == "key" else {}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert [op.label for op in operations] == ["POST /api/v1/verify"]  # every operation the API has
    tally = Tally(f"schemathesis {auth}, {mode.value}")

    @settings(fz.FUZZ, max_examples=RUNS[(auth, mode)])
    @given(case=schema.as_strategy(generation_mode=mode))
    def one(case):
        tally["requests"] += 1
        # With a key, what passes must not pass without one (ignored_auth sends the request
        # again without the key, and with a wrong one, and wants 401).
        checks = [*CHECKS, ignored_auth] if (auth, mode) == ("key", GenerationMode.POSITIVE) else CHECKS
        response = case.call_and_validate(headers=headers, checks=checks)
        tally[str(response.status_code)] += 1
        if response.status_code == 400:
            tally[f"400_{response.json().get('field', response.json()['error'])}"] += 1

    one()
    line = tally.report()
    assert tally["requests"] >= RUNS[(auth, mode)], line
    if auth == "no key":
        assert tally["401"] == tally["requests"] and not Scan.objects.exists(), line
    elif mode == GenerationMode.POSITIVE:
        # What fits the schema is answered, except a scan time outside the past 24 hours,
        # which a schema cannot say (the description does, in words).
        assert tally["200"] + tally["400_scanned_at"] == tally["requests"], line
        assert tally["200"] >= RUNS[(auth, mode)] // 4, line
    else:  # what does not fit is mostly refused (a mutation can still give a valid request)
        assert tally["400"] + tally["401"] + tally["413"] >= RUNS[(auth, mode)] // 2, line
