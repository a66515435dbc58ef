"""An SMS backend for tests: messages are kept in `family.sms.outbox`."""

from __future__ import annotations

from family import sms
from family.sms import BaseBackend, Sms


class LocmemBackend(BaseBackend):
    def send(self, message: Sms) -> None:
        sms.outbox.append(message)
