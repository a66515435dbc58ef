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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _payload(letter=b"G", flags=0, *, ref=REF, version=1, issued_at=1_800_000_000, lifetime=60):
    """The 26 bytes written out (big-endian), as static/js/checkpoint.js reads them offline."""
    numbers = (version, issued_at, issued_at + lifetime)
    return ref + letter + bytes([flags]) + b"".join(n.to_bytes(4, "big") for n in numbers)


def _signed(payload: bytes) -> str:
    """A token with a good signature around any payload (what a bug in `issue` would make)."""
    key = keys.signing_key()
    signed = f"HC1.{key.kid}.{_b64(payload)}"
    return f"{signed}.{_b64(key.sodium.sign(signed.encode('ascii')).signature)}"


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


@pytest.mark.parametrize("paper", [False, True])
def test_the_payload_is_the_layout_offline_checkers_read(paper):
    """Whole Unix seconds (a fraction is dropped, never rounded up into the future); the flags
    byte is 1 for paper and 0 otherwise (the offline checker tests bit 0)."""
    token = tokens.issue(REF, Colour.YELLOW, 7, paper=paper, lifetime=50, now=1_800_000_000.9)
    assert base64.urlsafe_b64decode(token.split(".")[2] + "==") == _payload(b"Y", int(paper), version=7, lifetime=50)


def test_token_carries_no_personal_data_and_fits_a_small_qr():
    token = tokens.issue(REF, Colour.RED, 1)
    assert token.startswith("HC1.")
    assert len(token) < 160


def test_expiry_with_one_step_of_clock_skew():
    issued = 1_800_000_000
    token = tokens.issue(REF, Colour.GREEN, 1, now=issued)
    tokens.verify(token, now=issued + 60 + 30)  # the last moment within the skew
    assert _error(token, now=issued + 60 + 30.5) == "expired"  # half a second later is not
    tokens.verify(token, now=issued - 30)  # issued ahead of the checker's clock, by the skew
    assert _error(token, now=issued - 30.5) == "expired"  # issued in the future


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
    [
        "",
        "HC1",
        "HC1.a.b.c",
        "HC2.{kid}.AAAA.AAAA",
        "x" * 300,
        "HC1.{kid}.!!!!.AAAA",
        None,
        "HC1...",
        "HC1.{kid}.AAAA",
        "HC1.{kid}.AAAAA.AAAA",  # no base64 text is 5 characters long
        "HC1.{kid}.AAAA.AB",  # "AA" with spare bits set: a second spelling of the same bytes
        "HC1.DEADBEEF.AAAA.AAAA",  # a key id is 8 lower-case hex digits, or not a key id at all
        "HC1.deadbee.AAAA.AAAA",
    ],
)
def test_malformed(token):
    """Malformed with the signing key's real id, so the key lookup cannot be what refuses it."""
    kid = tokens.issue(REF, Colour.GREEN, 1).split(".")[1]
    assert _error(token.format(kid=kid) if token else token) == "malformed"


def test_the_length_limit_is_256_characters():
    head = "HC1.deadbeef.AAAA."
    assert _error(head + "A" * (256 - len(head))) == "unknown_key"  # as long as allowed: read on
    assert _error(head + "A" * (257 - len(head))) == "malformed"


@pytest.mark.parametrize(
    "payload",
    [_payload()[:-1], _payload() + b"\0", _payload(b"g"), _payload(b"X")],
    ids=["25 bytes", "27 bytes", "lower-case letter", "unknown letter"],
)
def test_a_well_signed_payload_of_the_wrong_shape_is_malformed(payload):
    assert _error(_signed(payload), now=1_800_000_000) == "malformed"


def test_only_bit_0_of_the_flags_means_paper():
    assert not tokens.verify(_signed(_payload(flags=2)), now=1_800_000_000).paper
    assert tokens.verify(_signed(_payload(flags=3)), now=1_800_000_000).paper


def test_the_signature_is_checked_before_the_payload_is_read():
    kid = tokens.issue(REF, Colour.GREEN, 1).split(".")[1]
    assert _error(f"HC1.{kid}.AAAA.{_b64(bytes(64))}") == "bad_signature"  # not "malformed"


def test_a_scanners_line_ending_around_the_token_is_ignored():
    token = tokens.issue(REF, Colour.GREEN, 1)
    assert tokens.verify(f" {token}\r\n").ref == REF


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
