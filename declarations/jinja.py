"""What declarations gives the pages rendered with Jinja2 (healthcode/jinja.py; wired by name in
settings.HC_JINJA_GLOBALS, as HC_HOOKS wires tasks: family's code page calls it without
importing declarations)."""

from __future__ import annotations

from django.utils.translation import ngettext

from declarations.models import Appeal
from declarations.services.appeals import appeal_refusal
from declarations.services.explain import panel
from family.models import Applicant


def review_panel(applicant: Applicant | None) -> dict:
    """The code page's review panel (templates/jinja2/declarations/review_panel.html): why this
    colour, the daily check-in, the appeal; `show` is False before the person has declared."""
    code = applicant.health_code if applicant is not None else None
    if code is None or not applicant.name:
        return {"show": False}
    summary = panel(applicant, code)
    return {
        "show": True,
        "x": summary,
        "checkins_text": ngettext(
            "%(n)s more normal daily check-in turns it green.",
            "%(n)s more normal daily check-ins in a row turn it green.",
            summary.checkins_left,
        )
        % {"n": summary.checkins_left},
        # Whether an appeal is possible takes the rules behind the colour: only asked when
        # the code is yellow or red and no appeal is open.
        "can_appeal": summary.restricted
        and summary.appeal_status not in Appeal.ACTIVE
        and appeal_refusal(applicant) is None,
    }


def awaits_reviewer(applicant: Applicant | None) -> bool:
    """Whether a declaration of this person waits for a reviewer (answers that did not fit
    together): then no colour comes in seconds, and the code page says so and stops reloading
    every few seconds. Read from the code page's own query (`panel_annotations`)."""
    return bool(getattr(applicant, "panel_waiting", False))
