"""How a scan result is shown: the words for staff, the JSON for pages and gates."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from checkpoints.models import Scan
from checkpoints.services.verify import ScanResult
from healthcode.colours import Colour

JUDGED = (Scan.Result.OK, Scan.Result.NOT_GREEN)


def api_colour(result: ScanResult) -> str | None:
    """The colour the verdict went by; None when the code itself was not valid."""
    return (result.colour or None) if result.code in JUDGED else None


def display_colour(result: ScanResult) -> str:
    """The result screen's colour: green, yellow, red; "invalid" (dark) for anything else."""
    colour = api_colour(result)
    return colour if colour in (Colour.GREEN, Colour.YELLOW, Colour.RED) else "invalid"


def colour_words(result: ScanResult) -> str:
    """The colour written out, so that no one has to go by colour alone."""
    return {
        Colour.GREEN: _("Green code"),
        Colour.YELLOW: _("Yellow code"),
        Colour.RED: _("Red code"),
        Colour.PENDING: _("No colour yet"),
    }.get(api_colour(result) or "", _("Code not valid"))


def api_body(result: ScanResult) -> dict:
    """The gate API's answer (field names are a contract)."""
    return {
        "result": result.code,
        "color": api_colour(result),
        "masked_name": result.masked_name or None,
        "reason": result.reason,
        "pass": result.passed,
        "paper": result.paper,
        "duplicate": result.duplicate,
    }


def page_body(result: ScanResult, *, purchase_url: str | None = None) -> dict:
    """Everything the staff page's result screen shows, in the request's language."""
    issued = timezone.localtime(result.issued_at) if result.issued_at else None
    return {
        **api_body(result),
        "display": display_colour(result),
        "verdict": _("PASS") if result.passed else _("STOP"),
        "colour_words": colour_words(result),
        "masked_id": result.masked_id or None,
        "issued_at": issued.isoformat() if issued else None,
        "issued_text": _("Code issued %(time)s") % {"time": date_format(issued, "Y-m-d H:i:s")} if issued else "",
        "paper_note": _("Paper code: check the ID card") if result.paper else "",
        "direction": result.direction,
        "direction_label": Scan.Direction(result.direction).label,
        "scan_id": result.scan_id,
        "purchase_url": purchase_url,
    }
