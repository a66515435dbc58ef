"""/.well-known/healthcode-keys.json: the public keys a checkpoint verifies with offline."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from healthcode import keys, tokens
from healthcode.colours import Colour

URL = "/.well-known/healthcode-keys.json"


def test_the_published_keys_verify_a_token(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = response.json()
    assert doc["format"] == "HC1" and doc["algorithm"] == "Ed25519"
    assert doc["clock_skew"] >= 0 and doc["token_lifetime"] <= 60
    assert [jwk["kid"] for jwk in doc["keys"]] == sorted(keys.verification_keys())
    jwk = doc["keys"][0]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in jwk  # never the private part
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4)))
    token = tokens.issue(b"\x02" * 12, Colour.GREEN, 1)
    prefix, kid, payload, signature = token.split(".")
    assert kid == jwk["kid"]
    public.verify(base64.urlsafe_b64decode(signature + "=="), f"{prefix}.{kid}.{payload}".encode())


def test_no_private_key_material_is_published(client, db):
    body = client.get(URL).content.decode()
    private = base64.urlsafe_b64encode(keys.signing_key().private.private_bytes_raw()).rstrip(b"=").decode()
    assert private not in body
