"""Writes to the core: every colour change goes through `change_colour` and leaves a row (and
so does a colour's minimum duration moved later for a new reason); an account's language is
remembered by `remember_language`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone, translation

from healthcode.colours import Colour
from healthcode.hooks import after_commit, within
from healthcode.models import ColourChange, ColourExtension, HealthCode, User
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
    row, in one transaction. Returns None when the colour is already `to`: the minimum
    duration is then extended if `until` is later, and if `rules` name a reason the person was
    not told for this colour, the extension is told too (`_extend`).

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
                _extend(code, until, source, rules, reason_parts, reason, actor, now)
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


def _extend(
    code: HealthCode,
    until: datetime,
    source: ColourChange.Source,
    rules: Sequence[str],
    reason_parts: Sequence[Mapping[str, Any]],
    reason: str,
    actor: User | None,
    now: datetime,
) -> ColourExtension | None:
    """Move the colour's minimum duration to `until` (later than it was). When `rules` name a
    reason the person was not told for the colour they have (neither by the change that set it
    nor by an extension since), write a ColourExtension with the new reasons and their parts:
    the person is told, as of a colour change ("period_extended": the inbox message in this
    transaction, settings.HC_SAME_TRANSACTION; tasks wired in settings.HC_HOOKS after commit).
    The same reason again (a fever declared every day) only moves the date: nothing is told.

    What was told is one statement through the index on (code, version), asked only when the
    date moves and the verdict names rules; the rest of a re-declaration costs what it did."""
    # A reviewer's decision is always told (who, when and why: their own words); a machine's
    # reason only the first time for this colour.
    if source == ColourChange.Source.REVIEWER:
        new = list(dict.fromkeys(rules))
    else:
        new = _untold(code, rules) if rules else []
    previous_until = code.until
    # The version moves too: the code changed (it lasts longer), so a reviewer's page, a proposal
    # waiting for its second reviewer or a night's release computed before it is stale (they
    # compare versions); the phone's QR renews itself. A colour that is not green passes no gate
    # either way, so no one is stopped who would have passed.
    code.until = until
    code.version += 1
    HealthCode.objects.filter(pk=code.pk).update(until=until, version=code.version)
    if not new:
        return None
    given = set(rules)
    # The new reasons' parts, with the details that name no rule of the verdict (the risk areas,
    # a check-in's day, a reviewer's own words); the parts of reasons told already stay out.
    parts = [dict(part) for part in reason_parts if part.get("code") in new or part.get("code") not in given]
    extension = ColourExtension(
        code=code,
        colour=code.colour,
        version=code.version,
        previous_until=previous_until,
        until=until,
        source=source,
        rules=new,
        reason_parts=parts,
        reason=reason or default_words(parts),
        actor=actor,
        created=now,
    )
    insert(extension)  # built once per process (healthcode/writes.py)
    within("period_extended", extension)
    after_commit("period_extended", extension.pk)
    return extension


def _untold(code: HealthCode, rules: Sequence[str]) -> list[str]:
    """The rule codes among `rules` that the person was not told for the colour they have: not
    in the `rules` of the change that set it (the code's last change) nor of an extension since
    (a later version)."""
    last = ColourChange.objects.filter(code_id=code.pk).order_by("-version").values("version")[:1]
    told_by_change = ColourChange.objects.filter(code_id=code.pk, version=Subquery(last)).order_by()
    told_since = ColourExtension.objects.filter(code_id=code.pk, version__gt=Subquery(last)).order_by()
    told_rows = told_by_change.values_list("rules", flat=True).union(
        told_since.values_list("rules", flat=True), all=True
    )
    told = {rule for row in told_rows for rule in row or ()}
    return [rule for rule in dict.fromkeys(rules) if rule not in told]


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
