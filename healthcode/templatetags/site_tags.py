"""Small tags for the base template, computed once per process where the answer never changes."""

from __future__ import annotations

from functools import cache

from django import template
from django.conf import settings
from django.utils.translation import get_language_info

register = template.Library()


@cache
def _language_choices() -> tuple[dict[str, str], ...]:
    return tuple(
        {"code": code, "name_local": get_language_info(code)["name_local"]} for code, _name in settings.LANGUAGES
    )


@register.simple_tag
def language_choices() -> tuple[dict[str, str], ...]:
    """The site's languages, each named in itself (what Django's get_language_info_list gives
    for settings.LANGUAGES), for the language switch on every page."""
    return _language_choices()
