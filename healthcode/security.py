"""Small security helpers shared by settings-driven libraries."""

from __future__ import annotations

from django.http import HttpRequest

from healthcode.validators import normalise_mobile


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username django-axes counts failures against: the mobile number as the login form
    normalises it, so "+86 138 0000 0001" and "13800000001" share one counter."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    raw = str(raw).strip()
    candidate = normalise_mobile(raw)
    return candidate if candidate.isdigit() else raw
