"""Masking numbers for what people other than their owner see: ID and mobile numbers, an
account's login (a citizen's or a reviewer's is their mobile number), and free text that may
hold either (a gateway's error message). In the core so that its own admin masks too;
family/masking.py adds names and is what the apps above import.
"""

from __future__ import annotations

import re

# A run of 7 or more digits (an ID number may end in X): a mobile, ID or other personal number;
# or one written in groups as people write them: a mobile number 3-4-4 with spaces or dashes
# (138 1234 5678), an ID number 6-8-4 with spaces. Dates (2026-03-01) are not such groups.
DIGIT_RUN = re.compile(
    r"(?<![0-9])(?:1[0-9]{2}[ -][0-9]{4}[ -][0-9]{4}(?![0-9])"
    r"|[0-9]{6} [0-9]{8} [0-9]{3}[0-9Xx](?![0-9])"
    r"|[0-9]{7,}[Xx]?)"
)
# In a log line: a number of 11 digits (a mobile number) or of 13 or more (with 86 before it, an
# ID number of 15 or 18), or one written in groups, standing on its own, not inside a word: a
# nonce or a hash in hex, times and counts are left whole, and so is a task's id (a UUID, whose
# last group may be 12 digits: no mobile or ID number has 12).
LOG_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:1[0-9]{2}[ -][0-9]{4}[ -][0-9]{4}"
    r"|[0-9]{6} [0-9]{8} [0-9]{3}[0-9Xx]"
    r"|[0-9]{11}(?:[0-9]{2,})?[Xx]?)(?![0-9A-Za-z])"
)


def mask_id(number: str) -> str:
    """First 4 and last 4 characters, the rest *: 4101********1234."""
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    """138****0001."""
    number = (number or "").strip()
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]


def mask_numbers(text: str) -> str:
    """Every run of 7 or more digits in the text masked: 11 digits as a mobile number
    (138****0001), longer ones as an ID number (4101**********1234), shorter ones whole."""
    return DIGIT_RUN.sub(lambda match: _mask_run(match[0]), text or "")


def mask_log_text(text: str) -> str:
    """A log line with every mobile or ID number in it masked as `mask_numbers` masks them
    (LOG_NUMBER: only numbers standing on their own, so that task ids and tokens stay whole)."""
    return LOG_NUMBER.sub(lambda match: _mask_run(match[0]), text or "")


def _mask_run(run: str) -> str:
    run = run.replace(" ", "").replace("-", "")
    if len(run) == 11:
        return mask_phone(run)
    return mask_id(run)


def mask_account(user) -> str:
    """An account as pages show who acted: its login with any number in it masked (a staff
    login name such as "admin" as it is); "—" for none."""
    if user is None:
        return "—"
    return mask_numbers(user.get_username())
