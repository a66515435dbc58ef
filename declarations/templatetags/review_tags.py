"""A history row's reason in the reader's words (the review panel on the code page is
declarations/jinja.py's)."""

from __future__ import annotations

from django import template

from declarations.services.explain import history_lines
from healthcode.models import ColourChange

register = template.Library()


@register.filter
def reason_lines(change: ColourChange) -> list[str]:
    """A history row's reason, line by line, in the reader's language."""
    return history_lines(change)
