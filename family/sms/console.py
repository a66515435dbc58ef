"""The default SMS backend: the message goes to the log, with the number masked."""

from __future__ import annotations

import logging

from family.masking import mask_phone
from family.sms import BaseBackend, Sms

log = logging.getLogger("family.sms")


class ConsoleBackend(BaseBackend):
    def send(self, sms: Sms) -> None:
        log.info("SMS to %s: %s", mask_phone(sms.to), sms.text)
