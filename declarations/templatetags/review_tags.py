"""The review panel on the code page (family's template includes it: family imports nothing
of ours), and a history row's reason in the reader's words."""

from __future__ import annotations

from django import template

from declarations.models import Appeal
from declarations.services.appeals import appeal_refusal
from declarations.services.explain import history_lines, panel
from family.models import Applicant
from healthcode.models import ColourChange

register = template.Library()


@register.inclusion_tag("declarations/_review_panel.html")
def review_panel(applicant: Applicant) -> dict:
    code = applicant.health_code if applicant is not None else None
    if code is None or not applicant.name:
        return {"show": False}
    summary = panel(applicant, code)
    return {
        "show": True,
        "applicant": applicant,
        "x": summary,
        # Whether an appeal is possible takes the rules behind the colour: only asked when
        # the code is yellow or red and no appeal is open.
        "can_appeal": summary.restricted
        and summary.appeal_status not in Appeal.ACTIVE
        and appeal_refusal(applicant) is None,
    }


@register.filter
def reason_lines(change: ColourChange) -> list[str]:
    """A history row's reason, line by line, in the reader's language."""
    return history_lines(change)
