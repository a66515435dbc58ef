""" "Why this colour?": the reasons, the days served, the check-ins done and left, and what
exactly turns the code green."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from declarations.services.appeals import appeal_refusal
from declarations.services.explain import explain
from family.masking import mask_name
from family.services import get_applicant_for_user


@require_GET
@login_required
@never_cache
def why_colour(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    explanation = explain(applicant)
    refusal = appeal_refusal(applicant) if explanation.restricted else None
    context = {
        "applicant": applicant,
        "masked_name": mask_name(applicant.name),
        "x": explanation,
        "can_appeal": explanation.restricted and refusal is None,
        "refusal": refusal,
    }
    return render(request, "declarations/why.html", context)
