"""Small security helpers shared by settings-driven libraries."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from healthcode.validators import normalise_mobile

# No account's username is longer (healthcode.models.User.username, as its forms take it): a
# login form answers a longer one as a wrong login (healthcode/loginforms.py). django-axes keeps
# a failed login's username in a varchar(255).
USERNAME_MAX_LENGTH = 160


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username django-axes counts failures against: the mobile number as the login form
    normalises it, so "+86 138 0000 0001" and "13800000001" share one counter; at most
    USERNAME_MAX_LENGTH characters, whoever calls authenticate() (a longer one named no one,
    and made axes' write of the failure a server error on Postgres)."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    raw = str(raw).strip()
    candidate = normalise_mobile(raw)
    return (candidate if candidate.isdigit() else raw)[:USERNAME_MAX_LENGTH]


def client_ip(request: HttpRequest) -> str:
    """The address of the client that made the request: REMOTE_ADDR, or behind the one trusted
    proxy (BEHIND_PROXY=1) the last address of X-Forwarded-For, the one that proxy wrote itself
    (nginx's `$remote_addr`, or the end of `$proxy_add_x_forwarded_for`); addresses before it
    came from the client and may be anything. A header that is missing or not an address
    leaves REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.BEHIND_PROXY:
        return remote
    last = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return remote


def address_bucket(address: str) -> str:
    """What one client holds, for counting it: an IPv4 address as it is, an IPv6 address's /64
    (one phone or server is given a whole /64 and can move within it), an IPv4-mapped IPv6
    address as its IPv4 address. Anything else as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
