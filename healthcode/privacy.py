"""A person's rights over their data: every app says what it holds about an account.

Each app registers an exporter (what to put in the account's data download) and, where
deleting the account does not already cascade to its rows, an eraser. The apps register in
their AppConfig.ready(), so the core knows no app and the family app, which offers the
download and the deletion, needs to import none of the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from healthcode.models import User

Exporter = Callable[[User], dict[str, Any]]
Eraser = Callable[[User], None]

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}


def register_exporter(section: str, exporter: Exporter) -> None:
    _exporters[section] = exporter


def register_eraser(name: str, eraser: Eraser) -> None:
    _erasers[name] = eraser


def export(user: User) -> dict[str, Any]:
    return {section: exporter(user) for section, exporter in sorted(_exporters.items())}


def erase(user: User) -> None:
    for _, eraser in sorted(_erasers.items()):
        eraser(user)


def core_exporter(user: User) -> dict[str, Any]:
    return {
        "mobile_number": user.username,
        "joined": user.date_joined.isoformat(),
        "language": user.language,
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def erase_login_attempts(user: User) -> None:
    """django-axes keeps failed logins (number and address) for the lockout: drop them."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.username).delete()
