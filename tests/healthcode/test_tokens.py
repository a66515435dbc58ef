import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from healthcode import keys, tokens
from healthcode.colours import Colour
from healthcode.tokens import TokenError

REF = bytes(range(12))


def _error(token, **kwargs):
    with pytest.raises(TokenError) as error:
        tokens.verify(token, **kwargs)
    return error.value.code


def test_sign_and_verify_round_trip():
    now = time.time()
    token = tokens.issue(REF, Colour.GREEN, 7, now=now)
    claims = tokens.verify(token, now=now)
    assert claims.ref == REF
    assert claims.colour == Colour.GREEN
    assert claims.version == 7
    assert claims.expires_at - claims.issued_at == 60
    assert not claims.paper
    assert claims.kid == keys.signing_key().kid


def test_token_carries_no_personal_data_and_fits_a_small_qr():
    token = tokens.issue(REF, Colour.RED, 1)
    assert token.startswith("HC1.")
    assert len(token) < 160


def test_expiry_with_one_step_of_clock_skew():
    issued = 1_800_000_000
    token = tokens.issue(REF, Colour.GREEN, 1, now=issued)
    tokens.verify(token, now=issued + 60 + 30)  # within the skew
    assert _error(token, now=issued + 60 + 31) == "expired"
    assert _error(token, now=issued - 31) == "expired"  # issued in the future


def test_tampered_payload_fails_the_signature():
    token = tokens.issue(REF, Colour.RED, 1)
    prefix, kid, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=="))
    raw[12] = ord("G")  # red → green
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert _error(f"{prefix}.{kid}.{forged}.{signature}") == "bad_signature"


def test_a_token_signed_by_another_key_fails():
    other = Ed25519PrivateKey.generate()
    good = tokens.issue(REF, Colour.GREEN, 1)
    prefix, kid, payload, _ = good.split(".")
    signature = other.sign(f"{prefix}.{kid}.{payload}".encode())
    forged = f"{prefix}.{kid}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert _error(forged) == "bad_signature"


def test_unknown_key_id():
    token = tokens.issue(REF, Colour.GREEN, 1)
    prefix, _, payload, signature = token.split(".")
    assert _error(f"{prefix}.deadbeef.{payload}.{signature}") == "unknown_key"


@pytest.mark.parametrize(
    "token",
    ["", "HC1", "HC1.a.b.c", "HC2.{kid}.AAAA.AAAA", "x" * 300, "HC1.{kid}.!!!!.AAAA", None, "HC1...", "HC1.{kid}.AAAA"],
)
def test_malformed(token):
    """Malformed with the signing key's real id, so the key lookup cannot be what refuses it."""
    kid = tokens.issue(REF, Colour.GREEN, 1).split(".")[1]
    assert _error(token.format(kid=kid) if token else token) == "malformed"


def test_other_algorithms_are_never_accepted():
    # There is no algorithm field to downgrade: a different prefix is malformed.
    token = tokens.issue(REF, Colour.GREEN, 1)
    assert _error("HS256" + token[3:]) == "malformed"


def test_paper_flag_round_trips():
    token = tokens.issue(REF, Colour.GREEN, 1, paper=True, lifetime=86400 * 30)
    assert tokens.verify(token).paper


def test_the_signature_is_plain_ed25519_that_a_device_checks_with_the_published_key():
    """Signed with libsodium; a gate or a browser checks it with the published public key and
    its own Ed25519 (here OpenSSL's, through cryptography): the same signature either way."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    token = tokens.issue(REF, Colour.GREEN, 3)
    signed, _, signature = token.rpartition(".")
    published = {key["kid"]: key["x"] for key in keys.published_keys()}
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(published[signed.split(".")[1]] + "=="))
    public.verify(base64.urlsafe_b64decode(signature + "=="), signed.encode("ascii"))  # raises if not
    assert keys.signing_key().private.sign(signed.encode("ascii")) == base64.urlsafe_b64decode(signature + "==")


@pytest.mark.parametrize("length", [0, 1, 63, 65, 96])
def test_a_signature_of_the_wrong_length_is_a_bad_signature(length):
    token = tokens.issue(REF, Colour.GREEN, 1)
    signed, _, _signature = token.rpartition(".")
    wrong = base64.urlsafe_b64encode(b"\x01" * length).rstrip(b"=").decode()
    assert _error(f"{signed}.{wrong}") in (("bad_signature",) if length else ("malformed", "bad_signature"))
