"""The reviewers' search box: a person by name, mobile number or ID number, full or masked
(as the list pages show them). Used by every city-scoped admin (scoped.py).
"""

from __future__ import annotations

import re

from django.db.models import QuerySet

MASKED_ID = re.compile(r"^(\d{4})\*+(\d{3}[\dX])$")
MASKED_PHONE = re.compile(r"^(1\d{2})\*+(\d{4})$")
FULL_ID = re.compile(r"^\d{17}[\dX]$")
PHONE = re.compile(r"^1\d{10}$")


def person_search(queryset: QuerySet, term: str, prefix: str = "") -> QuerySet:
    """Search by name, mobile number or ID number, full or masked (4101**********1234)."""
    term = term.strip().upper()
    if not term:
        return queryset
    # Numbers are encrypted at rest: a masked number is found by its hint (healthcode/crypto.py).
    if match := MASKED_ID.match(term):
        return queryset.filter(**{f"{prefix}id_number__hint": match[1] + match[2]})
    if match := MASKED_PHONE.match(term):
        return queryset.filter(**{f"{prefix}phone__hint": match[1] + match[2]})
    if FULL_ID.match(term):
        return queryset.filter(**{f"{prefix}id_number": term})
    if PHONE.match(term):
        return queryset.filter(**{f"{prefix}phone": term})
    return queryset.filter(**{f"{prefix}name__icontains": term.strip()})
