"""The review panel on the code page (family's template includes it: family imports nothing
of ours), and the plain words for rule codes."""

from __future__ import annotations

from django import template

from declarations import rules
from declarations.services.appeals import appeal_refusal
from declarations.services.explain import explain
from family.models import Applicant

register = template.Library()


@register.inclusion_tag("declarations/_review_panel.html")
def review_panel(applicant: Applicant) -> dict:
    if applicant is None or not applicant.name or applicant.health_code_id is None:
        return {"show": False}
    explanation = explain(applicant, history=1)
    return {
        "show": True,
        "applicant": applicant,
        "x": explanation,
        "can_appeal": explanation.restricted and appeal_refusal(applicant) is None,
    }


@register.filter
def rule_text(code: str) -> str:
    return rules.text_for(code)
