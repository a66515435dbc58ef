"""Fuzzing the QR token parser: real tokens from healthcode.tokens.issue, mutated 1,000 ways
(characters flipped, inserted, deleted; parts swapped; the payload re-encoded with another
colour, version, expiry or flag; re-signed with another key under our key id; the signature's
spare bits changed), and 1,000 pieces of garbage. Every token that is not the original must
be refused: by tokens.verify (TokenError), or by verification.check with a code that is not
"ok". The parser raises nothing but TokenError. And the same through the gate API."""

from __future__ import annotations

import base64
import json
import struct
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from checkpoints.models import Scan, Venue
from checkpoints.services import ratelimit
from checkpoints.services.keys import create_api_key, forget_keys
from family.services import self_applicant
from healthcode import tokens, verification
from healthcode.colours import Colour
from healthcode.models import City
from tests.counting import Tally
from tests.fuzz import strategies as fz

pytestmark = pytest.mark.fuzz

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
PAYLOAD = struct.Struct(">12scBIII")
ATTACKER = Ed25519PrivateKey.generate()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def replace_char(token: str, at: int, char: str) -> str:
    return token[:at] + char + token[at + 1 :]


@st.composite
def mutations(draw, original: str) -> tuple[str, str]:
    """(kind, token): one way of changing a real token."""
    prefix, kid, payload, signature = original.split(".")
    kind = draw(
        st.sampled_from(
            [
                "flip",
                "insert",
                "delete",
                "truncate",
                "extend",
                "swap_case",
                "replace_part",
                "reorder_parts",
                "other_kid",
                "reencode_payload",
                "resign_other_key",
                "signature_spare_bits",
                "padding",
                "unicode_lookalike",
            ]
        )
    )
    at = draw(st.integers(0, len(original) - 1))
    alphabet = st.one_of(st.sampled_from(B64URL + ".=+/ "), st.sampled_from(fz.NASTY_CHARS), st.characters())
    if kind == "flip":
        token = replace_char(original, at, draw(alphabet.filter(lambda c: c != original[at])))
    elif kind == "insert":
        token = original[:at] + draw(alphabet) + original[at:]
    elif kind == "delete":
        length = draw(st.integers(1, 8))
        token = original[:at] + original[at + length :]
    elif kind == "truncate":
        token = original[:at]
    elif kind == "extend":
        token = original + draw(st.one_of(fz.nasty_text(max_size=8), st.sampled_from([".", ".x", "=", "=="])))
    elif kind == "swap_case":
        letters = [i for i, c in enumerate(original) if c.isalpha()]
        i = draw(st.sampled_from(letters))
        token = replace_char(original, i, original[i].swapcase())
    elif kind == "replace_part":
        parts = [prefix, kid, payload, signature]
        i = draw(st.integers(0, 3))
        parts[i] = draw(
            st.one_of(
                st.sampled_from(["HC2", "hc1", "HC1 ", "", "00000000", "A" * 40, "A" * 86, "HC0", "EdDSA", "none"]),
                st.text(alphabet=B64URL, max_size=100),
                fz.nasty_text(max_size=20, huge=False),
            ).filter(lambda text, i=i: text != parts[i])
        )
        token = ".".join(parts)
    elif kind == "reorder_parts":
        parts = [prefix, kid, payload, signature]
        order = draw(st.permutations(range(4)).filter(lambda p: list(p) != [0, 1, 2, 3]))
        token = ".".join(parts[i] for i in order)
    elif kind == "other_kid":
        other = draw(st.text(alphabet="0123456789abcdef", min_size=8, max_size=8).filter(lambda k: k != kid))
        token = f"{prefix}.{other}.{payload}.{signature}"
    elif kind in ("reencode_payload", "resign_other_key"):
        ref, letter, flags, version, issued, expires = PAYLOAD.unpack(unb64(payload))
        field = draw(st.sampled_from(["ref", "colour", "flags", "version", "issued", "expires"]))
        if field == "ref":
            ref = bytes(draw(st.binary(min_size=12, max_size=12).filter(lambda r: r != ref)))
        elif field == "colour":
            letter = draw(st.sampled_from([b"G", b"Y", b"R", b"P", b"g", b"X", b"\x00"]).filter(lambda c: c != letter))
        elif field == "flags":
            flags = draw(st.integers(0, 255).filter(lambda f: f != flags))
        elif field == "version":
            version = draw(st.integers(0, 2**32 - 1).filter(lambda v: v != version))
        elif field == "issued":
            issued = draw(st.integers(0, 2**32 - 1).filter(lambda v: v != issued))
        else:
            expires = draw(st.integers(0, 2**32 - 1).filter(lambda v: v != expires))
        new_payload = b64(PAYLOAD.pack(ref, letter, flags, version, issued, expires))
        if kind == "resign_other_key":
            signature = b64(ATTACKER.sign(f"{prefix}.{kid}.{new_payload}".encode()))
        token = f"{prefix}.{kid}.{new_payload}.{signature}"
    elif kind == "signature_spare_bits":
        # 64 bytes take 86 base64 characters: the last carries 4 bits that decode to nothing.
        last = signature[-1]
        same_bits = [c for c in B64URL if B64URL.index(c) >> 4 == B64URL.index(last) >> 4 and c != last]
        token = f"{prefix}.{kid}.{payload}.{signature[:-1]}{draw(st.sampled_from(same_bits))}"
    elif kind == "padding":
        which = draw(st.sampled_from(["payload", "signature"]))
        pad = draw(st.sampled_from(["=", "==", "%3D"]))
        token = (
            f"{prefix}.{kid}.{payload}{pad}.{signature}"
            if which == "payload"
            else f"{prefix}.{kid}.{payload}.{signature}{pad}"
        )
    else:  # unicode_lookalike: a full-width or Cyrillic twin of one character
        twins = {c: chr(ord(c) + 0xFEE0) for c in B64URL if c.isalnum()} | {"A": "А", "B": "В", "C": "С", "H": "Н"}
        candidates = [i for i, c in enumerate(original) if c in twins]
        i = draw(st.sampled_from(candidates))
        token = replace_char(original, i, twins[original[i]])
    return kind, token


def rejected(token: str, now: int, lookup) -> str:
    """How the token was refused ('' if it was not)."""
    try:
        tokens.verify(token, now=now)
    except tokens.TokenError as error:
        return error.code
    result = verification.check(token, now=now, lookup=lookup)
    return "" if result.passed else result.code


def test_1000_mutated_tokens_are_all_refused(green_citizen):
    code = self_applicant(green_citizen).health_code
    assert code.colour == Colour.GREEN
    now = 1_800_000_000
    original = tokens.issue(code.ref, code.colour, code.version, now=now)
    lookup = verification.load_code
    assert rejected(original, now + 1, lookup) == ""  # the original passes: the oracle is sound
    tally = Tally("token parser: mutated tokens")

    @fz.FUZZ
    @given(mutations(original))
    def one(mutation):
        kind, token = mutation
        tally["inputs"] += 1
        if token.strip() == original:
            # verify() strips surrounding whitespace (a scanner's newline): the same token,
            # which may pass (or not, past MAX_TOKEN_LENGTH).
            tally["same_token_after_strip"] += 1
            rejected(token, now + 1, lookup)
            return
        tally[kind] += 1
        how = rejected(token, now + 1, lookup)
        assert how, f"{kind}: a changed token was accepted: {token!r}"
        tally[f"refused_as_{how}"] += 1

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["same_token_after_strip"] < tally["inputs"] // 10, line


def test_1000_pieces_of_garbage_only_ever_raise_token_error():
    tally = Tally("token parser: garbage")
    kid = tokens.signing_key().kid

    @fz.FUZZ
    @given(
        st.one_of(
            fz.nasty_text(),
            fz.huge_text(),
            st.text(alphabet=B64URL + ".", max_size=200),
            st.builds(
                lambda a, b: f"HC1.{kid}.{a}.{b}",
                st.one_of(st.text(alphabet=B64URL + "=", max_size=60), st.binary(max_size=40).map(b64)),
                st.one_of(st.text(alphabet=B64URL + "=", max_size=100), st.binary(min_size=64, max_size=64).map(b64)),
            ),
        )
    )
    def one(text):
        tally["inputs"] += 1
        try:
            tokens.verify(text, now=1_800_000_000)
        except tokens.TokenError as error:
            tally[error.code] += 1
        else:
            raise AssertionError(f"garbage accepted: {text!r}")

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert tally["bad_signature"] >= fz.share(20) and tally["malformed"] >= fz.share(300), line


def test_1000_mutated_tokens_through_the_gate_api(client, green_citizen, settings):
    """The same mutations POSTed to /api/v1/verify with a venue's key: never a server error,
    never a pass, and each scan logged with the verdict the API answered."""
    settings.HC_GATE_RATE_PER_MINUTE = 1_000_000  # this test is about tokens, not the rate limit
    forget_keys()
    ratelimit.reset()
    venue = Venue.objects.create(
        name="Fuzz Gate", type=Venue.Type.SUBWAY, city=City.objects.get(code="410100"), address="Jinshui"
    )
    _key, raw_key = create_api_key(venue, "Gate 1")
    code = self_applicant(green_citizen).health_code
    original = tokens.issue(code.ref, code.colour, code.version)  # live: now is now
    tally = Tally("gate API /api/v1/verify: mutated tokens")

    def post(token: str):
        body = json.dumps({"token": token, "direction": "entry", "nonce": uuid.uuid4().hex})
        response = client.post(
            "/api/v1/verify", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw_key}"
        )
        return len(body.encode()), response

    assert post(original)[1].json()["result"] == "ok"

    @fz.FUZZ
    @given(mutations(original))
    def one(mutation):
        kind, token = mutation
        tally["inputs"] += 1
        if token.strip() == original:
            tally["same_token_after_strip"] += 1
            return
        size, response = post(token)
        if response.status_code == 413:  # a mutation that made the body larger than 4 KiB
            assert size > 4096, (kind, token)
            tally["too_large"] += 1
            return
        assert response.status_code == 200, (kind, token, response.content[:200])
        body = response.json()
        assert body["result"] != "ok" and body["pass"] is False, (kind, token, body)
        tally[body["result"]] += 1

    one()
    line = tally.report()
    assert tally["inputs"] >= fz.EXAMPLES, line
    assert Scan.objects.filter(result="ok").count() == 1, line
    logged = tally["inputs"] - tally["too_large"] - tally["same_token_after_strip"]
    assert Scan.objects.count() == logged + 1, line
