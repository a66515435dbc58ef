"""The inbox: every colour change of the account's people (and every colour that lasts longer
for a new reason), why, and what to do now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from family.models import Applicant
from family.services import inbox
from healthcode.colours import Colour

PER_PAGE = 30


@require_GET
@login_required
@never_cache
def inbox_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox.messages_for(request.user), PER_PAGE).get_page(request.GET.get("page"))
    held = set(Applicant.objects.filter(account=request.user).values_list("pk", flat=True))
    items = [
        {
            "message": message,
            "from_label": Colour(message.from_colour).label,
            "to_label": Colour(message.to_colour).label,
            "extended_until": inbox.extended_until(message),  # None: a change of colour
            "reason": inbox.reason_of(message),
            "advice": inbox.advice_for(message.to_colour),
            "held": message.applicant_id in held,  # still this account's: link to the code
        }
        for message in page
    ]
    newest = max((item["message"].pk for item in items), default=0)
    context = {
        "page": page,
        "items": items,
        "newest": newest,
        "unread": inbox.unread_count(request.user),
    }
    return render(request, "family/inbox.html", context)


@require_POST
@login_required
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the messages shown (up to the newest on the page) as read."""
    try:
        up_to = int(request.POST.get("up_to", ""))
    except ValueError:
        messages.error(request, _("Nothing was marked: reload the inbox and try again."))
        return redirect("inbox")
    inbox.mark_read(request.user, up_to=up_to)
    return redirect("inbox")
