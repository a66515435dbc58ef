"""Writes to the core: every colour change goes through `change_colour` and leaves a row; an
account's language is remembered by `remember_language`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from healthcode.colours import Colour
from healthcode.hooks import after_commit, within
from healthcode.models import ColourChange, HealthCode, User
from healthcode.reasons import default_words
from healthcode.writes import insert, update_fields

CHANGED_FIELDS = ("colour", "version", "since", "until")


class StaleCode(Exception):
    """The code changed since the caller looked at it (its version moved on)."""


def create_code() -> HealthCode:
    return HealthCode.objects.create()


def change_colour(
    code_id: int,
    to: Colour,
    *,
    source: ColourChange.Source,
    rules: Sequence[str] = (),
    reason_parts: Sequence[Mapping[str, Any]] = (),
    reason: str = "",
    actor: User | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    approved_by: User | None = None,
    expected_version: int | None = None,
    locked: HealthCode | None = None,
) -> ColourChange | None:
    """Set a code's colour, bump its version (older tokens go stale) and write the history
    row, in one transaction. Returns None when the colour is already `to` (the minimum
    duration is then extended if `until` is later).

    The machine gives its reason as `reason_parts` (codes and parameters, JSON: put into words
    when read, in the reader's language; healthcode/reasons.py); a reviewer gives `reason`, in
    their own words. Parts without a `reason` are also kept in words in LANGUAGE_CODE.

    `actor` is the reviewer who made the change, `approved_by` the second reviewer who approved
    it (four eyes). With `expected_version`, the change applies only if the code is still at
    that version (compare-and-set): otherwise StaleCode is raised and nothing is written.

    `locked` is the code's row as the caller read it with select_for_update in the transaction
    it calls from (the background review reads it to compare severities): it is not read again.

    In the same transaction, the functions wired to "colour_changed" (settings.HC_SAME_TRANSACTION:
    the family's inbox message) get the row; after commit, the tasks wired to it in
    settings.HC_HOOKS get its id."""
    now = now or timezone.now()
    if locked is not None and (locked.pk != code_id or not transaction.get_connection().in_atomic_block):
        raise ValueError("locked must be the code's row, read with select_for_update in this transaction")
    # No savepoint: nothing here is caught and retried; a caller that wants to catch an
    # error from this function (StaleCode) wraps it in its own atomic block.
    with transaction.atomic(savepoint=False):
        code = locked if locked is not None else HealthCode.objects.select_for_update().get(pk=code_id)
        if expected_version is not None and code.version != expected_version:
            raise StaleCode(code.version)
        if code.colour == to:
            if until and (code.until is None or until > code.until):
                HealthCode.objects.filter(pk=code.pk).update(until=until)
            return None
        previous = code.colour
        code.colour = to
        code.version += 1
        code.since = now
        code.until = until
        update_fields(code, CHANGED_FIELDS)  # built once per process (healthcode/writes.py)
        change = ColourChange(
            code=code,
            from_colour=previous,
            to_colour=to,
            version=code.version,
            source=source,
            rules=list(rules),
            reason_parts=[dict(part) for part in reason_parts],
            reason=reason or default_words(reason_parts),
            actor=actor,
            approved_by=approved_by,
            created=now,
        )
        insert(change)  # built once per process (healthcode/writes.py)
        # The person is told: the inbox message is written with the change, its SMS sent after commit.
        within("colour_changed", change)
        after_commit("colour_changed", change.pk)
        return change


def language_of(user: User) -> str:
    """The language to write to the account in when it is not on the site (text messages)."""
    return user.language or settings.LANGUAGE_CODE


def remember_language(user: User, language: str, *, unless_set: bool = False) -> str:
    """Keep the account's language (one of settings.LANGUAGES; anything else is ignored). With
    `unless_set`, only an account that has none yet gets it. Returns the account's language."""
    try:
        code = translation.get_supported_language_variant(language).lower()  # "zh-Hans": "zh-hans"
    except LookupError:
        return language_of(user)
    if user.language != code and not (unless_set and user.language):
        User.objects.filter(pk=user.pk).update(language=code)
        user.language = code
    return language_of(user)
