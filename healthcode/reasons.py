"""A colour change's reason, put into words when it is read, in the reader's language.

The machine stores its reasons as parts (ColourChange.reason_parts): a code and its
parameters, e.g. {"code": "companion", "venue": "Zhengzhou East Railway Station", "date":
"2026-03-01"}; words written once would stay in the language of the moment they were written.
A part {"text": "…"} is shown as written (a note from before parts were kept).

The words for the codes belong to the app that owns the rules (declarations: `rules.text_for`),
which registers them here in its AppConfig.ready(): the core imports no app above it (DESIGN.md,
"Layers"), as with healthcode/privacy.py. A change without parts (written before they were kept,
or a reviewer's, whose own words stay as written) is shown by its `reason`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation

from healthcode.models import ColourChange, ColourExtension

Part = Mapping[str, Any]
TextFor = Callable[[str, Mapping[str, Any]], str]

_text_for: TextFor | None = None


def register_text_for(text_for: TextFor) -> None:
    """The words for a code and its parameters, in the active language."""
    global _text_for
    _text_for = text_for


def part_text(part: Part) -> str:
    if "text" in part:
        return str(part["text"])
    code = str(part.get("code", ""))
    params = {key: value for key, value in part.items() if key != "code"}
    return _text_for(code, params) if _text_for is not None else code


# Chinese punctuation carries its own space: no space follows it between sentences.
FULL_WIDTH_ENDS = tuple("。！？；：，、）】」』")
ELLIPSIS = "…"


def _wide(char: str) -> bool:
    """A Chinese character or full-width mark: text without spaces between its words."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def join_sentences(texts: Iterable[str]) -> str:
    """Sentences one after the other: a space between them, none after full-width punctuation
    (nor after a shortened text's "…" when Chinese follows)."""
    out = ""
    for text in texts:
        if text:
            tight = out.endswith(FULL_WIDTH_ENDS) or (out.endswith(ELLIPSIS) and _wide(text[0]))
            out += text if not out or tight else " " + text
    return out


# Where a text that is too long may be cut, best first: after a sentence, after a clause (in
# Chinese: after its punctuation mark), between words. ASCII marks count only before a space:
# the "." of "37.3" and the ":" of "08:30" end nothing.
_SENTENCE_ENDS = {"full": "。！？", "ascii": ".!?"}
_CLAUSE_ENDS = {"full": "；：，、）", "ascii": ",;:)"}
_CLOSING = ".!?,;:。！？；：，、"  # dropped before the "…"
_JOINERS = {"\u200d"}  # a zero-width joiner binds the characters on either side
_DATE_UNITS = "年月日时点分秒号"


def _ends(text: str, i: int, marks: dict[str, str]) -> bool:
    before = text[i - 1]
    return before in marks["full"] or (before in marks["ascii"] and text[i].isspace())


def _between_words(text: str, i: int) -> bool:
    before, after = text[i - 1], text[i]
    if after in _JOINERS or before in _JOINERS or unicodedata.combining(after) or after in "\ufe0e\ufe0f":
        return False  # inside one character as the reader sees it
    if before.isdigit() and not after.isspace():
        return False  # inside a number, or between a number and its unit (2026|年)
    if after.isdigit() and before in _DATE_UNITS and i >= 2 and text[i - 2].isdigit():
        return False  # inside a date or time written in Chinese (2026年|3月2日, 8点|30分)
    return after.isspace() or before.isspace() or _wide(before) or _wide(after)


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """`text` in at most `limit` characters, and whether it was cut. Whole when it fits; else
    cut after the last sentence that fits, else the last clause, else the last word (a Chinese
    text between two characters), never inside a word, number or date, unless one word is all
    there is; a cut that would keep less than half is passed over for a finer one that keeps
    more. The part kept loses its closing mark and ends with "…"."""
    if len(text) <= limit:
        return text, False
    room = limit - len(ELLIPSIS)
    tiers = (
        [i for i in range(1, room + 1) if _ends(text, i, _SENTENCE_ENDS)],
        [i for i in range(1, room + 1) if _ends(text, i, _CLAUSE_ENDS)],
        [i for i in range(1, room + 1) if _between_words(text, i)],
    )
    cut = next((max(tier) for tier in tiers if tier and max(tier) >= room // 2), None)
    if cut is None:
        cut = max((i for tier in tiers for i in tier), default=None)
    if cut is None:  # one word longer than the room: cut it, but not inside a character
        cut = room
        while cut > 1 and (text[cut] in _JOINERS or text[cut - 1] in _JOINERS or unicodedata.combining(text[cut])):
            cut -= 1
    kept = text[:cut].rstrip().rstrip(_CLOSING).rstrip()
    return (kept or text[:cut]) + ELLIPSIS, True


def words(parts: Iterable[Part]) -> str:
    """The parts in words, in the active language."""
    return join_sentences(part_text(part) for part in parts)


def default_words(parts: Iterable[Part]) -> str:
    """The parts in the site's default language: what `ColourChange.reason` keeps of them."""
    with translation.override(settings.LANGUAGE_CODE):
        return words(parts)


def reason_text(change: ColourChange | ColourExtension) -> str:
    """The change's (or extension's) reason in the active language; as written when it has no parts."""
    return words(change.reason_parts) if change.reason_parts else change.reason
