"""Text messages (SMS), through a backend chosen by settings.HC_SMS_BACKEND (a dotted path),
after Django's email backends: `console` writes them to the log with the number masked (the
default), `locmem` keeps them in `family.sms.outbox` for tests; a gateway's backend is one
class with a `send` method that raises SmsError when the gateway refuses or cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# What the locmem backend has sent, oldest first (tests read and clear it).
outbox: list[Sms] = []


@dataclass(frozen=True)
class Sms:
    to: str  # an 11-digit mainland mobile number
    text: str


class SmsError(Exception):
    """The message was not sent (it may be tried again)."""


class BaseBackend:
    def send(self, sms: Sms) -> None:
        raise NotImplementedError


def get_backend(path: str | None = None) -> BaseBackend:
    return import_string(path or settings.HC_SMS_BACKEND)()


def send_sms(to: str, text: str) -> None:
    """Send one text message. Raises SmsError if it was not sent."""
    get_backend().send(Sms(to=to, text=text))
