"""What several admins show the same way: a colour as a coloured label, and a health code's
colour history as a table (the last 20 changes, with source, rules, reason and reviewers, whose
logins are masked).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from healthcode.colours import Colour
from healthcode.masking import mask_account
from healthcode.models import ColourChange
from healthcode.reasons import reason_text

BADGE = {Colour.GREEN: "#0a7d38", Colour.YELLOW: "#946000", Colour.RED: "#c0231b", Colour.PENDING: "#595959"}


def colour_badge(colour: str) -> str:
    if not colour:
        return "—"
    return format_html('<strong style="color:{}">{}</strong>', BADGE[Colour(colour)], Colour(colour).label)


def history_table(code_id: int | None) -> str:
    if code_id is None:
        return "—"
    changes = (
        ColourChange.objects.filter(code_id=code_id).select_related("actor", "approved_by").order_by("-version")[:20]
    )
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"{change.created:%Y-%m-%d %H:%M}",
                change.get_from_colour_display(),
                change.get_to_colour_display(),
                change.get_source_display(),
                ", ".join(change.rules),
                reason_text(change),
                # A reviewer's login is their mobile number: masked, as every number here.
                " / ".join(mask_account(user) for user in (change.actor, change.approved_by) if user) or "—",
            )
            for change in changes
        ),
    )
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("time"),
        _("change"),
        _("source"),
        _("rules"),
        _("reason"),
        _("reviewer / approved by"),
    )
    return format_html("<table>{}{}</table>", head, rows) if changes else "—"


def masked_account(attr: str, description):
    """An admin column or field naming who acted (a reviewer's login is their mobile number),
    with the number masked as everywhere else in the admin."""

    @admin.display(description=description)
    def show(self, obj) -> str:
        return mask_account(getattr(obj, attr))

    return show
