import time

from family.services import self_applicant
from healthcode import tokens, verification
from healthcode.colours import Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour


def _token(applicant, **kwargs):
    code = applicant.health_code
    return tokens.issue(code.ref, code.colour, code.version, **kwargs)


def test_green_code_verifies_ok(green_citizen):
    result = verification.check(_token(self_applicant(green_citizen)))
    assert result.code == "ok"
    assert result.passed


def test_a_colour_change_makes_older_tokens_stale_at_once(green_citizen):
    applicant = self_applicant(green_citizen)
    old = _token(applicant)
    change_colour(applicant.health_code_id, Colour.RED, source=ColourChange.Source.AUTHORITY, reason="case")
    assert verification.check(old).code == "revoked"
    applicant.refresh_from_db()
    fresh = _token(applicant)
    assert verification.check(fresh).code == "not_green"


def test_expired_screenshot(green_citizen):
    token = _token(self_applicant(green_citizen), now=time.time() - 200)
    assert verification.check(token).code == "expired"


def test_unknown_person(db):
    token = tokens.issue(b"\x00" * 12, Colour.GREEN, 1)
    assert verification.check(token).code == "unknown_person"


def test_malformed(db):
    assert verification.check("not a token").code == "malformed"
