"""The health authority's dashboard: people by colour per city and their trend, declarations
and check-ins per day, scans per hour by venue type, the review queues, reviewers' changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from authority import tasks
from authority.services import dashboard as board
from authority.services.figures import local_day
from healthcode.hooks import enqueue_after_commit

PERMISSION = "authority.view_dashboard"


@require_http_methods(["GET", "HEAD"])
@login_required
@permission_required(PERMISSION, raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    data = board.build(local_day(timezone.now()), request.GET.get("city") or None)
    return render(request, "authority/dashboard.html", {"b": data, "charts": board.chart_data(data)})


@require_POST
@login_required
@permission_required(PERMISSION, raise_exception=True)
def count_now(request: HttpRequest) -> HttpResponse:
    """Count the figures now instead of waiting for beat (a fresh install, a demo)."""
    enqueue_after_commit(tasks.count_figures)  # broker down: beat counts them anyway
    messages.info(request, _("The figures are being counted; reload in a moment."))
    return redirect("authority-dashboard")
