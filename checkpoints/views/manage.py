"""The venue page for managers: today's scans by colour and by hour, stops, recent
non-green attempts; and the venue-code poster.

The chart is an SVG drawn here on the server rather than a chart library in the browser:
24 stacked bars need no 200 KB of script, it works with scripting off and under a strict
CSP (no inline styles: SVG attributes only), prints, and the same numbers are in a table
beneath it for screen readers.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from checkpoints.services import get_venue_for_staff
from checkpoints.services.stats import BUCKETS, INVALID, DayStats, day_stats, recent_stops, today
from checkpoints.views.staff import log_rows
from healthcode import qr

CHART_HEIGHT = 100
BAR_WIDTH = 8
BAR_STEP = 10


def bucket_labels() -> dict[str, str]:
    return {
        "green": _("Passed (green)"),
        "yellow": _("Stopped: yellow"),
        "red": _("Stopped: red"),
        INVALID: _("Stopped: code not valid"),
    }


def chart(stats: DayStats) -> dict:
    """Stacked bars per hour, in SVG user units (viewBox 0 0 240 CHART_HEIGHT)."""
    top = max(stats.busiest_hour, 1)
    bars = []
    for hour, counts in enumerate(stats.hours):
        y = CHART_HEIGHT
        segments = []
        for bucket in BUCKETS:
            if counts[bucket]:
                height = counts[bucket] * CHART_HEIGHT / top
                y -= height
                segments.append({"bucket": bucket, "y": round(y, 2), "height": round(height, 2), "n": counts[bucket]})
        bars.append({"hour": hour, "x": hour * BAR_STEP + 1, "segments": segments, "total": sum(counts.values())})
    return {
        "bars": bars,
        "width": 24 * BAR_STEP,
        "height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "top": top,
        "ticks": [{"hour": h, "x": h * BAR_STEP + 1 + BAR_WIDTH / 2} for h in (0, 6, 12, 18, 23)],
    }


@require_GET
@login_required
@never_cache
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_venue_for_staff(request.user, pk, manager=True)
    day = today()
    stats = day_stats(venue, day)
    labels = bucket_labels()
    context = {
        "venue": venue,
        "day": day,
        "stats": stats,
        "totals": [{"bucket": b, "label": labels[b], "n": stats.totals[b]} for b in BUCKETS],
        "chart": chart(stats),
        "labels": labels,
        "hours": [
            {"hour": hour, "counts": [counts[b] for b in BUCKETS], "total": sum(counts.values())}
            for hour, counts in enumerate(stats.hours)
            if sum(counts.values())
        ],
        "stops": log_rows(recent_stops(venue)),
    }
    return render(request, "checkpoints/manage.html", context)


@require_GET
@login_required
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable venue code: a QR that opens the visit page on a citizen's phone."""
    venue = get_venue_for_staff(request.user, pk, manager=True)
    url = request.build_absolute_uri(reverse("place", args=[venue.place_code]))
    return render(
        request,
        "checkpoints/poster.html",
        {"venue": venue, "url": url, "svg": qr.svg(url, label=_("Venue code of %(venue)s") % {"venue": venue.name})},
    )
