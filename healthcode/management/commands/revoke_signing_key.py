"""Revoke a signing key id: tokens it signed stop verifying at once (after a leak)."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from healthcode import keys
from healthcode.models import AuditEvent


class Command(BaseCommand):
    help = "Revoke a signing key id (restart web and workers afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("kid", help="The key id, 8 hex digits.")
        parser.add_argument("--reason", required=True, help="Why (written to the audit log).")
        parser.add_argument("--by", default="", help="Who (default: the operating-system user).")

    def handle(self, *args, kid: str, reason: str, by: str, **options):
        if len(kid) != 8 or any(c not in "0123456789abcdef" for c in kid):
            raise CommandError("A key id is 8 lowercase hex digits.")
        if kid == keys.signing_key().kid:
            raise CommandError("That is the current signing key: rotate first, then revoke the old id.")
        directory = Path(settings.HC_KEY_DIR) / keys.REVOKED_DIR
        directory.mkdir(parents=True, exist_ok=True)
        (directory / kid).touch()
        keys.reset_caches()
        AuditEvent.objects.create(
            action=AuditEvent.Action.KEY_REVOKED, actor_name=by or getpass.getuser(), reason=reason, detail={"kid": kid}
        )
        self.stdout.write(f"Key {kid} revoked. Restart the web and worker processes.")
