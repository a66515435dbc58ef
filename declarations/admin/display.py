"""What several admins show the same way: a colour as a coloured label, and a health code's
colour history as a table (the last 20 changes, and the colours extended for a new reason
among them, with source, rules, reason and reviewers, whose logins are masked).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from healthcode.colours import Colour
from healthcode.masking import mask_account
from healthcode.models import ColourChange, ColourExtension
from healthcode.reasons import reason_text


def colour_badge(colour: str) -> str:
    """The colour in words, coloured by a class of static/css/admin.css: the Content Security
    Policy (style-src 'self') refuses a style attribute."""
    if not colour:
        return "—"
    colour = Colour(colour)
    return format_html('<strong class="hc-colour hc-colour-{}">{}</strong>', colour.value, colour.label)


def history_table(code_id: int | None) -> str:
    if code_id is None:
        return "—"
    changes = list(
        ColourChange.objects.filter(code_id=code_id).select_related("actor", "approved_by").order_by("-version")[:20]
    )
    extensions = list(
        ColourExtension.objects.filter(code_id=code_id).select_related("actor").order_by("-created", "-id")[:20]
    )
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"{timezone.localtime(row.created):%Y-%m-%d %H:%M}",
                _what(row),
                row.get_source_display(),
                ", ".join(row.rules),
                reason_text(row),
                # A reviewer's login is their mobile number: masked, as every number here.
                " / ".join(mask_account(user) for user in (row.actor, getattr(row, "approved_by", None)) if user)
                or "—",
            )
            for row in sorted(changes + extensions, key=lambda row: row.created, reverse=True)[:20]
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


def _what(row: ColourChange | ColourExtension) -> str:
    """A change's colours, from → to; a colour extended, its new end."""
    if isinstance(row, ColourExtension):
        until = gettext("extended, now at least until %(date)s") % {"date": f"{timezone.localtime(row.until):%Y-%m-%d}"}
        return f"{row.get_colour_display()}{pgettext('after a label', ': ')}{until}"
    return f"{row.get_from_colour_display()} → {row.get_to_colour_display()}"


def symptom_words(description):
    """An admin field showing the symptoms in words, in the reader's language, instead of the
    stored codes (a JSON list such as ["none"])."""

    @admin.display(description=description)
    def show(self, obj) -> str:
        return ", ".join(obj.symptom_labels()) or "—"

    return show


def masked_account(attr: str, description):
    """An admin column or field naming who acted (a reviewer's login is their mobile number),
    with the number masked as everywhere else in the admin."""

    @admin.display(description=description)
    def show(self, obj) -> str:
        return mask_account(getattr(obj, attr))

    return show
