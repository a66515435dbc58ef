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

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation

from healthcode.models import ColourChange

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


def join_sentences(texts: Iterable[str]) -> str:
    """Sentences one after the other: a space between them, none after full-width punctuation."""
    out = ""
    for text in texts:
        if text:
            out += text if not out or out.endswith(FULL_WIDTH_ENDS) else " " + text
    return out


def words(parts: Iterable[Part]) -> str:
    """The parts in words, in the active language."""
    return join_sentences(part_text(part) for part in parts)


def default_words(parts: Iterable[Part]) -> str:
    """The parts in the site's default language: what `ColourChange.reason` keeps of them."""
    with translation.override(settings.LANGUAGE_CODE):
        return words(parts)


def reason_text(change: ColourChange) -> str:
    """The change's reason in the active language; as written when it has no parts."""
    return words(change.reason_parts) if change.reason_parts else change.reason
