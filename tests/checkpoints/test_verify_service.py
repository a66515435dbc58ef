"""checkpoints.services.verify_scan: every result code, logged; idempotent by nonce; lean."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.utils import timezone

from checkpoints.models import Scan
from checkpoints.services import BadScan, verify_scan
from checkpoints.services.verify import NonceReused
from family.services.paper import issue_paper_code, paper_token
from healthcode import tokens
from healthcode.colours import Colour
from healthcode.models import ColourChange, HealthCode
from healthcode.services import change_colour
from tests.checkpoints.conftest import nonce, token_for
from tests.counting import statement_text


def scan(venue, token, **kwargs):
    kwargs.setdefault("direction", "entry")
    kwargs.setdefault("nonce", nonce())
    kwargs.setdefault("source", Scan.Source.STAFF)
    return verify_scan(venue.pk, token, **kwargs)


def test_green_code_passes_and_is_logged(venue, staff, green_person):
    result = scan(venue, token_for(green_person), staff_id=staff.pk, direction="exit")
    assert result.code == "ok" and result.passed
    assert result.colour == "green"
    assert result.masked_name == "王*明"
    assert result.masked_id == green_person.id_number[:4] + "*" * 10 + green_person.id_number[-4:]
    assert abs(result.issued_at.timestamp() - time.time()) < 5
    assert result.reason == "Green code."
    row = Scan.objects.get()
    assert (row.venue, row.staff, row.applicant, row.result, row.colour, row.direction, row.source) == (
        venue,
        staff,
        green_person,
        "ok",
        "green",
        "exit",
        "staff",
    )
    assert row.pk == result.scan_id


@pytest.mark.parametrize(("colour", "reason"), [(Colour.YELLOW, "Yellow code"), (Colour.RED, "Red code")])
def test_yellow_and_red_codes_are_stopped(venue, green_person, colour, reason):
    change_colour(green_person.health_code_id, colour, source=ColourChange.Source.AUTHORITY, reason="test")
    result = scan(venue, token_for(green_person))
    assert result.code == "not_green" and not result.passed
    assert result.colour == colour
    assert result.reason.startswith(reason)
    assert Scan.objects.get().result == "not_green"


def test_a_screenshot_fails_by_expiry(venue, green_person):
    old = token_for(green_person, now=time.time() - 200)
    result = scan(venue, old)
    assert result.code == "expired"
    assert "screenshot" in result.reason
    assert result.masked_name == ""  # expiry is decided before the database is read
    assert Scan.objects.get().result == "expired"


def test_one_step_of_clock_skew_is_accepted(venue, green_person, settings):
    lifetime, skew = settings.HC_TOKEN_LIFETIME, settings.HC_TOKEN_CLOCK_SKEW
    just_inside = token_for(green_person, now=time.time() - lifetime - skew + 5)
    just_outside = token_for(green_person, now=time.time() - lifetime - skew - 5)
    assert scan(venue, just_inside).code == "ok"
    assert scan(venue, just_outside).code == "expired"


def test_a_forged_code_fails_by_signature(venue, green_person):
    prefix, kid, payload, signature = token_for(green_person).split(".")
    # A forger edits the payload (here: a later expiry) and keeps the signature...
    raw = bytearray(tokens._b64decode(payload))
    raw[-1] ^= 0xFF
    assert scan(venue, f"{prefix}.{kid}.{tokens._b64encode(bytes(raw))}.{signature}").code == "bad_signature"
    # ...or signs with a key of their own under our key id.
    stranger = Ed25519PrivateKey.generate()
    forged = tokens._b64encode(stranger.sign(f"{prefix}.{kid}.{payload}".encode()))
    assert scan(venue, f"{prefix}.{kid}.{payload}.{forged}").code == "bad_signature"
    assert list(Scan.objects.values_list("result", flat=True)) == ["bad_signature", "bad_signature"]


def test_unknown_key(venue, green_person):
    _prefix, _kid, payload, signature = token_for(green_person).split(".")
    assert scan(venue, f"HC1.00000000.{payload}.{signature}").code == "unknown_key"


@pytest.mark.parametrize(
    "token", ["", "hello", "https://example.org/", "HC1.abc", "HC2.00000000.AAAA.AAAA", "HC1." + "A" * 300, "ü" * 10]
)
def test_malformed(venue, db, token):
    result = scan(venue, token)
    assert result.code == "malformed"
    assert result.colour == "" and result.masked_name == ""
    assert Scan.objects.get().result == "malformed"


def test_a_colour_change_revokes_the_code_on_screen(venue, green_person):
    shown = token_for(green_person)
    change_colour(green_person.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    result = scan(venue, shown)
    assert result.code == "revoked"
    assert "out of date" in result.reason
    assert result.masked_name == "王*明"  # the person is known; the code is stale


def test_a_reissued_paper_code_revokes_the_old_one(venue, green_person):
    issue_paper_code(green_person, now=time.time() - 100)
    old = paper_token(green_person)
    issue_paper_code(green_person)
    green_person.refresh_from_db()
    new = paper_token(green_person)
    first = scan(venue, old)
    second = scan(venue, new)
    assert first.code == "revoked"
    assert second.code == "ok" and second.paper
    assert Scan.objects.get(pk=second.scan_id).paper


def test_unknown_person(venue, db):
    assert scan(venue, tokens.issue(b"\x01" * 12, Colour.GREEN, 1)).code == "unknown_person"


def test_a_code_nobody_holds_any_more_is_unknown_person(venue, green_person):
    token = token_for(green_person)
    code = HealthCode.objects.get(pk=green_person.health_code_id)
    green_person.delete()  # the code row remains, nobody holds it
    result = scan(venue, token)
    assert result.code == "unknown_person"
    assert HealthCode.objects.filter(pk=code.pk).exists()
    assert Scan.objects.get().applicant is None


def test_the_same_nonce_is_logged_once_and_answered_the_same(venue, green_person):
    token = token_for(green_person)
    first = scan(venue, token, nonce="device-1:0001")
    change_colour(green_person.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    again = scan(venue, token, nonce="device-1:0001")
    assert Scan.objects.count() == 1
    assert again.duplicate and not first.duplicate
    assert (again.code, again.colour, again.masked_name, again.scan_id) == ("ok", "green", "王*明", first.scan_id)


def test_a_nonce_is_per_venue(venue, other_venue, green_person):
    token = token_for(green_person)
    scan(venue, token, nonce="same-nonce-1")
    scan(other_venue, token, nonce="same-nonce-1")
    assert Scan.objects.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"direction": "in"}, "direction"), ({"nonce": "short"}, "nonce"), ({"nonce": "bad nonce with spaces"}, "nonce")],
)
def test_bad_input_is_refused_not_logged(venue, db, kwargs, field):
    with pytest.raises(BadScan) as caught:
        scan(venue, "HC1.x", **kwargs)
    assert caught.value.field == field
    assert not Scan.objects.exists()


def test_an_offline_scan_is_judged_as_of_when_it_was_made(venue, green_person):
    made = timezone.now() - timedelta(minutes=10)
    token = token_for(green_person, now=made.timestamp())
    assert scan(venue, token).code == "expired"  # judged now: long expired
    result = scan(venue, token, scanned_at=made, source=Scan.Source.OFFLINE)
    assert result.code == "ok"
    row = Scan.objects.get(pk=result.scan_id)
    assert row.scanned_at == made and row.source == "offline"


def test_an_offline_scan_must_be_recent_and_not_in_the_future(venue, green_person):
    with pytest.raises(BadScan):
        scan(venue, token_for(green_person), scanned_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(BadScan):
        scan(venue, token_for(green_person), scanned_at=timezone.now() + timedelta(minutes=5))


def test_the_hot_path_is_one_statement_on_postgres(venue, green_person, django_assert_num_queries):
    """Postgres: the read, the verdict and the insert in one statement; elsewhere the read and
    the insert apart."""
    token = token_for(green_person)
    postgres = connection.vendor == "postgresql"
    with django_assert_num_queries(1 if postgres else 2) as captured:
        result = scan(venue, token)
    assert result.code == "ok"
    sql = [statement_text(q["sql"]) for q in captured.captured_queries]
    if postgres:
        assert sql[0].lstrip().startswith("WITH") and "family_applicant" in sql[0] and "ON CONFLICT" in sql[0]
    else:
        assert "JOIN" in sql[0] and "family_applicant" in sql[0]
        assert sql[1].startswith("INSERT") and "ON CONFLICT" in sql[1]
    # Results decided before the database (bad tokens) cost the insert only.
    with django_assert_num_queries(1) as captured:
        scan(venue, "nonsense")
    assert statement_text(captured.captured_queries[0]["sql"]).startswith("INSERT")


def test_a_nonce_is_the_same_scan_only_from_the_same_source(venue, green_person):
    """A staff scan's nonce sent by a gate (or an offline upload) is not that scan sent again,
    even with the same token: refused, not answered with the staff scan's verdict."""
    token = token_for(green_person)
    scan(venue, token, nonce="shared-0001", source=Scan.Source.STAFF)
    for source in (Scan.Source.GATE, Scan.Source.OFFLINE):
        with pytest.raises(NonceReused):
            scan(venue, token, nonce="shared-0001", source=source)
    assert scan(venue, token, nonce="shared-0001", source=Scan.Source.STAFF).duplicate
    assert Scan.objects.count() == 1


def test_a_paper_token_on_a_phone_tokens_nonce_is_refused(venue, green_person):
    """The same code and issue time, but a paper token (here one that was never printed, so
    revoked) is not the phone's scan: answering it with the phone's "ok" would let it pass."""
    now = time.time()
    first = scan(venue, token_for(green_person, now=now), nonce="paper-0001")
    assert first.code == "ok"
    green_person.health_code.refresh_from_db()
    code = green_person.health_code
    paper = tokens.issue(code.ref, code.colour, code.version, paper=True, lifetime=86400, now=now)
    assert scan(venue, paper).code == "revoked"  # on a nonce of its own
    with pytest.raises(NonceReused):
        scan(venue, paper, nonce="paper-0001")
    assert Scan.objects.filter(nonce="paper-0001").get().paper is False


def test_a_failed_tokens_nonce_is_refused_for_another_failure(venue, green_person):
    """A token that failed before the database is the same scan again only with the same
    failure: another broken token on its nonce is refused."""
    assert scan(venue, "garbage", nonce="broken-0001").code == "malformed"
    _prefix, _kid, payload, signature = token_for(green_person).split(".")
    unknown_key = f"HC1.00000000.{payload}.{signature}"
    expired = token_for(green_person, now=time.time() - 200)
    for token in (unknown_key, expired):
        with pytest.raises(NonceReused):
            scan(venue, token, nonce="broken-0001")
    assert scan(venue, "garbage", nonce="broken-0001").duplicate
    assert Scan.objects.count() == 1
