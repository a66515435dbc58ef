"""Background review: the published rules applied to a confirmed declaration."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from declarations import rules
from declarations.models import Declaration
from family.models import Applicant
from healthcode.colours import SEVERITY, Colour
from healthcode.models import ColourChange
from healthcode.services import change_colour


def facts_for(declaration: Declaration) -> rules.Facts:
    return rules.Facts(
        temperature=declaration.temperature,
        symptoms=frozenset(declaration.symptoms),
        travel=declaration.travel,
        contact=declaration.contact,
    )


def review(declaration_id: int, *, now: datetime | None = None) -> Declaration | None:
    """Apply the published rules to a confirmed declaration. Idempotent: a declaration that
    is not waiting for review is left alone, so a redelivered task does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        declaration = (
            Declaration.objects.select_for_update()
            .filter(pk=declaration_id, status=Declaration.Status.CONFIRMED)
            .first()
        )
        if declaration is None:
            return None
        verdict = rules.evaluate(facts_for(declaration))
        declaration.verdict_colour = verdict.colour
        declaration.verdict_rules = verdict.rule_codes
        declaration.reviewed_at = now
        if verdict.manual_review:
            declaration.status = Declaration.Status.NEEDS_REVIEW
            declaration.review_note = " ".join(str(reason) for reason in verdict.manual_reasons)
        else:
            declaration.status = Declaration.Status.REVIEWED
            declaration.review_note = _apply_verdict(declaration, verdict, now)
        declaration.save()
        return declaration


def _apply_verdict(declaration: Declaration, verdict: rules.Verdict, now: datetime) -> str:
    code_id, current = Applicant.objects.values_list("health_code_id", "health_code__colour").get(
        pk=declaration.applicant_id
    )
    if current != Colour.PENDING and SEVERITY[verdict.colour] < SEVERITY[current]:
        # A declaration never lowers a colour: check-ins or a reviewer do (DESIGN.md).
        return f"Kept {current}: a declaration does not lower a colour."
    until = now + timedelta(days=verdict.days) if verdict.days else None
    reason = " ".join(str(rule.text) for rule in verdict.fired) or "No rule applies: the declaration is normal."
    change_colour(
        code_id,
        verdict.colour,
        source=ColourChange.Source.REVIEW,
        rules=verdict.rule_codes,
        reason=reason,
        until=until,
        now=now,
    )
    return ""
