"""The daily health check-in (打卡): once a day, for oneself or a family member."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from declarations.review_forms import CheckInForm
from declarations.services.checkins import checkin_for_day, submit_checkin
from declarations.services.clock import local_day
from declarations.services.explain import explain
from family.masking import mask_name
from family.services import get_applicant_for_user
from healthcode.colours import Colour


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = get_applicant_for_user(request.user, pk)
    if not applicant.name:
        messages.info(request, _("Declare first; the daily check-in starts after the declaration."))
        return redirect("code", pk=applicant.pk)
    today = local_day(timezone.now())
    done = checkin_for_day(applicant, today)
    form = None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            # Also when the day's check-in is there: the same one sent again (a double click)
            # is answered as the first time.
            result = submit_checkin(
                applicant,
                request.user,
                temperature=form.cleaned_data["temperature"],
                symptoms=form.cleaned_data["symptoms"],
            )
            if not (result.created or result.again):
                messages.info(request, _("Today's check-in has been done already."))
            elif result.change is not None:
                messages.warning(
                    request,
                    _("This check-in is not normal, so the code is now %(colour)s. Please see a fever clinic.")
                    % {"colour": Colour(result.change.to_colour).label},
                )
            elif not result.checkin.normal:
                messages.warning(request, _("This check-in is not normal: the count towards green starts again."))
            else:
                messages.success(request, _("Checked in for today. Thank you."))
            return redirect("why-colour", pk=applicant.pk)
        if done is not None:
            messages.info(request, _("Today's check-in has been done already."))
            return redirect("why-colour", pk=applicant.pk)
    elif done is None:
        form = CheckInForm()
    context = {
        "applicant": applicant,
        "masked_name": mask_name(applicant.name),
        "form": form,
        "done": done,
        "today": today,
        "x": explain(applicant, history=0),
    }
    return render(request, "declarations/checkin.html", context)
