"""Rotate the QR signing key with overlap: new tokens are signed by a new key, tokens signed by
the old one keep verifying until they expire (its public key stays accepted until revoked)."""

from __future__ import annotations

import base64
import getpass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from healthcode import keys
from healthcode.models import AuditEvent


class Command(BaseCommand):
    help = "Rotate the signing key in HC_KEY_DIR (restart web and workers afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--reason", required=True, help="Why (written to the audit log).")
        parser.add_argument("--by", default="", help="Who (default: the operating-system user).")

    def handle(self, *args, reason: str, by: str, **options):
        if settings.HC_SIGNING_KEY:
            raise CommandError(
                "The key comes from HC_SIGNING_KEY: set the new key there, and put the old public key "
                "in HC_RETIRED_KEYS until its tokens have expired."
            )
        directory = Path(settings.HC_KEY_DIR)
        old = keys.signing_key()
        retired = directory / keys.RETIRED_DIR
        retired.mkdir(parents=True, exist_ok=True)
        raw_public = old.public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        (retired / f"{old.kid}.pub").write_text(base64.urlsafe_b64encode(raw_public).decode() + "\n")
        new_private = Ed25519PrivateKey.generate()
        tmp = directory / f".{keys.KEY_FILE}.new"
        tmp.write_text(base64.urlsafe_b64encode(new_private.private_bytes_raw()).decode() + "\n")
        tmp.chmod(0o600)
        tmp.replace(directory / keys.KEY_FILE)  # atomic
        keys.reset_caches()
        new = keys.signing_key()
        AuditEvent.objects.create(
            action=AuditEvent.Action.KEY_ROTATED,
            actor_name=by or getpass.getuser(),
            reason=reason,
            detail={"old_kid": old.kid, "new_kid": new.kid},
        )
        self.stdout.write(f"Signing key rotated: {old.kid} → {new.kid}. Restart the web and worker processes.")
