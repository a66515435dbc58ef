"""Signing keys rotate with overlap, can be revoked, and both are audited."""

import base64

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from healthcode import keys, tokens
from healthcode.colours import Colour
from healthcode.models import AuditEvent, User
from healthcode.tokens import TokenError

REF = bytes(range(12))


@pytest.fixture
def key_dir(tmp_path, db):
    with override_settings(HC_KEY_DIR=tmp_path, HC_SIGNING_KEY=None, HC_RETIRED_KEYS=[], HC_REVOKED_KEY_IDS=[]):
        keys.reset_caches()
        yield tmp_path
    keys.reset_caches()


def test_old_tokens_verify_after_rotation_until_the_old_key_is_revoked(key_dir):
    old_token = tokens.issue(REF, Colour.GREEN, 1)
    paper = tokens.issue(REF, Colour.GREEN, 0, paper=True, lifetime=30 * 86400)
    old_kid = keys.signing_key().kid

    call_command("rotate_signing_key", reason="yearly rotation", by="ops")
    new_kid = keys.signing_key().kid
    assert new_kid != old_kid
    new_token = tokens.issue(REF, Colour.GREEN, 1)
    assert new_token.split(".")[1] == new_kid
    assert tokens.verify(old_token).kid == old_kid  # overlap: still accepted
    assert tokens.verify(paper).paper
    assert {key["kid"] for key in keys.published_keys()} == {old_kid, new_kid}
    retired = (key_dir / "retired" / f"{old_kid}.pub").read_text().strip()
    # Only the 32-byte public key is kept: no PEM, no private key (a base64url key may start with "-").
    assert "PRIVATE" not in retired
    assert len(base64.urlsafe_b64decode(retired)) == 32

    call_command("revoke_signing_key", old_kid, reason="suspected leak", by="ops")
    with pytest.raises(TokenError) as error:
        tokens.verify(old_token)
    assert error.value.code == "unknown_key"
    assert tokens.verify(new_token).kid == new_kid
    assert [key["kid"] for key in keys.published_keys()] == [new_kid]

    events = list(AuditEvent.objects.order_by("created", "id").values_list("action", "actor_name", "reason"))
    assert events == [("key_rotated", "ops", "yearly rotation"), ("key_revoked", "ops", "suspected leak")]


def test_the_current_key_cannot_be_revoked_and_a_reason_is_required(key_dir):
    with pytest.raises(CommandError):
        call_command("revoke_signing_key", keys.signing_key().kid, reason="oops")
    with pytest.raises(CommandError):
        call_command("rotate_signing_key")


def test_the_audit_log_cannot_be_edited_in_the_admin(client, key_dir):
    call_command("rotate_signing_key", reason="test", by="ops")
    admin = User.objects.create_superuser("root-admin", "", "Sturdy-pass-2026")
    client.force_login(admin)
    event = AuditEvent.objects.get()
    assert client.get("/admin/healthcode/auditevent/").status_code == 200
    page = client.get(f"/admin/healthcode/auditevent/{event.pk}/change/").content.decode()
    assert "Save" not in page and "Delete" not in page
    assert client.post(f"/admin/healthcode/auditevent/{event.pk}/delete/").status_code == 403
