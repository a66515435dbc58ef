"""Resident ID numbers (GB 11643-1999) and mainland mobile numbers."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: Python's \d also matches full-width and Arabic-Indic digits, which int()
# reads too, so "1١0105…" passed and was stored as a second spelling of a number (a fuzz
# test found it).
_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]\Z")
MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")


def normalise_id(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> None:
    number = normalise_id(value)
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters."), code="id_length")
    if not _SHAPE.match(number):
        raise ValidationError(_("An ID number has 17 digits and then a digit or X."), code="id_format")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The date of birth in this ID number is not a real date."), code="id_birth") from None
    if born.year < 1900 or born > date.today():
        raise ValidationError(_("The date of birth in this ID number is not possible."), code="id_birth")
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's last character does not match; please check it against the ID card."),
            code="id_checksum",
        )


def normalise_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    return number


def validate_mobile(value: str) -> None:
    if not MOBILE.match(normalise_mobile(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 1 (for example 13800000000)."),
            code="mobile",
        )
