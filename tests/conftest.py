"""Named personas (after healthchecks' BaseTestCase): a citizen, an outsider, staff, a reviewer."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import factories

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@pytest.fixture(scope="session", autouse=True)
def compiled_messages():
    """The tests see the translations as committed: compile every .po that is newer than its
    .mo (`make test` has done so already; a bare `pytest` after editing a .po has not). Written
    to a temporary file and moved into place, so a concurrent run never reads half a file."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return  # tests/test_i18n.py says what is missing
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        subprocess.run([msgfmt, "--check-format", "-o", str(partial), str(po)], check=True)
        partial.replace(mo)
        from django.utils.translation import trans_real

        trans_real._translations.clear()  # a catalogue loaded at collection is reloaded


@pytest.fixture(autouse=True)
def _language_of_one_test():
    """LocaleMiddleware activates a request's language on the thread and nothing resets it: a
    Chinese request in one test would leave Chinese active for the next (a stored note was then
    written in Chinese, depending on the order of the tests)."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def henan_cities(request):
    """The cities come from a data migration; a transactional test (the browser tests' live
    server, the worker tests) flushes every table afterwards, so put them back for any test
    that uses the database. Idempotent and cheap when they are there."""
    if "_django_db_helper" not in request.fixturenames:
        return
    request.getfixturevalue("_django_db_helper")
    from healthcode.models import City

    if City.objects.filter(province="henan").count() < 18:
        import importlib

        from django.apps import apps

        importlib.import_module("healthcode.migrations.0002_henan_cities").load(apps, None)


@pytest.fixture(autouse=True)
def areas_read_every_time(settings):
    """Reviews read the risk areas from the database every time (a test writes an area with a
    queryset's update() and expects the next review to see it); tests/declarations/
    test_area_cache.py turns the per-process read back on, from nothing read."""
    from declarations.services.areas import areas_in_force

    settings.HC_AREA_REFRESH_SECONDS = 0
    areas_in_force.committed()


@pytest.fixture(autouse=True)
def turns_free():
    """No SMS sender's turn (family.services.inbox) and no review's turn
    (declarations.services.backlog) is left taken by an earlier test: with Redis as the
    cache, the keys would outlive the test."""
    from django.core.cache import cache

    from declarations.services.backlog import turn_keys
    from family.services.inbox import SENDER_KEY

    cache.delete_many([SENDER_KEY, *(key for turns in range(1, 9) for key in turn_keys(turns))])


@pytest.fixture(autouse=True)
def login_address_not_paused():
    """The test client's address starts with no wrong passwords counted against it
    (healthcode/loginlimit.py counts them in the cache, which outlives a test)."""
    from healthcode import loginlimit

    loginlimit.forget("127.0.0.1")


@pytest.fixture
def client():
    """The test client with production's handler: the gate API's short middleware chain."""
    from tests.client import Client

    return Client()


@pytest.fixture
def citizen(db):
    return factories.account("13800138000")


@pytest.fixture
def outsider(db):
    return factories.account("13700137000")


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def declare(django_capture_on_commit_callbacks):
    """Confirm a declaration and run what is enqueued on commit (the review), as in production."""

    def _declare(user, applicant=None, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            declaration = factories.declared(user, applicant, **overrides)
        declaration.refresh_from_db()
        return declaration

    return _declare


@pytest.fixture
def green_citizen(citizen, declare):
    declare(citizen)
    return citizen


def missing_services(reason: str) -> None:
    """Skip on a laptop without the service; fail in CI (HC_REQUIRE_SERVICES=1), where a
    skipped integration or browser test would hide a regression."""
    if os.environ.get("HC_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    """Fuzz and fault tests say what they tried (tests/counting.py)."""
    from tests.counting import TRIED

    if TRIED:
        terminalreporter.section("what the tests tried")
        for line in TRIED:
            terminalreporter.write_line(line)
