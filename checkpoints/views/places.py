"""Venue codes (场所码), the citizen's side: scan the poster with the phone, choose whose
visit it is (self or a family member), register it, and see that person's colour."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from checkpoints.services.verify import BadScan
from checkpoints.services.visits import get_venue_by_place_code, register_visit
from family.masking import mask_name
from family.services import applicants_for, get_applicant_for_user
from healthcode.colours import Colour


def _people(request: HttpRequest) -> list[dict]:
    return [
        {
            "applicant": applicant,
            "masked_name": mask_name(applicant.name),
            "colour": applicant.health_code.colour if applicant.health_code else Colour.PENDING,
            "colour_label": Colour(applicant.health_code.colour if applicant.health_code else Colour.PENDING).label,
        }
        for applicant in applicants_for(request.user)
    ]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def place(request: HttpRequest, place_code: str) -> HttpResponse:
    venue = get_venue_by_place_code(place_code)
    error = ""
    if request.method == "POST":
        try:
            applicant_pk = int(request.POST.get("applicant", ""))
        except ValueError:
            error = "choose"
        else:
            applicant = get_applicant_for_user(request.user, applicant_pk)
            try:
                result = register_visit(venue, applicant, nonce=request.POST.get("nonce", ""))
            except BadScan:
                error = "again"
            else:
                colour = applicant.health_code.colour if applicant.health_code else Colour.PENDING
                return render(
                    request,
                    "checkpoints/place_done.html",
                    {
                        "venue": venue,
                        "applicant": applicant,
                        "result": result,
                        "colour": colour,
                        "colour_label": Colour(colour).label,
                    },
                )
    people = _people(request)
    return render(
        request,
        "checkpoints/place.html",
        {"venue": venue, "people": people, "nonce": uuid.uuid4().hex, "error": error},
        status=400 if error else 200,
    )
