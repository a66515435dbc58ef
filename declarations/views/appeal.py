"""Appeals (申诉): a citizen, or their family agent, appeals a yellow or red code."""

from __future__ import annotations

from types import EllipsisType

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from declarations.models import Appeal
from declarations.review_forms import AppealForm
from declarations.services.appeals import AppealRefused, active_appeal, appeal_refusal, file_appeal, latest_appeal
from family.masking import mask_name
from family.services import get_applicant_for_user


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    active = active_appeal(applicant)
    if active is not None and request.method == "POST":
        # A double submit, or a second appeal while one is handled: still one appeal.
        messages.info(request, _("Your appeal has been received; you can follow it on the code page."))
        return redirect("code", pk=applicant.pk)
    refusal = None if active else appeal_refusal(applicant)
    form = None
    if active is None and refusal is None:
        form = AppealForm(request.POST, request.FILES) if request.method == "POST" else AppealForm()
        if (
            request.method == "POST"
            and not form.is_valid()
            and request.FILES.get("image")
            and "image" not in form.errors
        ):
            # A browser cannot be given a file back: say so where the picture was chosen.
            form.add_error("image", _("Please choose the picture again: it cannot be kept when the form comes back."))
        if request.method == "POST" and form.is_valid():
            try:
                filed = file_appeal(
                    applicant,
                    request.user,
                    reason=form.cleaned_data["reason"],
                    image=form.cleaned_data["image"],
                    latest_shown=_latest_shown(request),
                )
            except AppealRefused as error:
                refusal = error
            else:
                if filed.status in Appeal.ACTIVE:
                    messages.success(request, _("Your appeal has been received; you can follow it on the code page."))
                else:  # this form sent again after its appeal was decided: the decision stands
                    messages.info(request, _("This appeal has been decided already; the answer is on the code page."))
                return redirect("code", pk=applicant.pk)
    latest = active or latest_appeal(applicant)
    context = {
        "applicant": applicant,
        "masked_name": mask_name(applicant.name),
        "form": form if refusal is None else None,
        "refusal": refusal,
        "active": active,
        "latest": latest,
        "colour": applicant.health_code.colour if applicant.health_code_id else "pending",
    }
    return render(request, "declarations/appeal.html", context)


def _latest_shown(request: HttpRequest) -> int | EllipsisType | None:
    """The latest appeal when the form was shown (None: none); ... without the field."""
    if "latest" not in request.POST:
        return ...
    try:
        return int(request.POST["latest"]) if request.POST["latest"] else None
    except ValueError:
        return None
