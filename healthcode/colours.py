"""The four states of a health code. Pure: no database, importable by the rules module."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Colour(models.TextChoices):
    PENDING = "pending", _("Under review")
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


# Higher is more restrictive; pending is not a colour a rule can give.
SEVERITY = {Colour.PENDING: 0, Colour.GREEN: 1, Colour.YELLOW: 2, Colour.RED: 3}

# One letter per colour for the compact token payload.
LETTER = {Colour.PENDING: "P", Colour.GREEN: "G", Colour.YELLOW: "Y", Colour.RED: "R"}
FROM_LETTER = {letter: colour for colour, letter in LETTER.items()}
