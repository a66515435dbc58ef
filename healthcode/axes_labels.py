"""django-axes in the admin, in Chinese too: it ships no Chinese catalogue, so the reviewer's
admin showed its section ("Axes", "Access attempts", ...) in English (session 10's check of
issue 9: every admin label in both languages).

`AxesConfig` gives the app a translatable name (INSTALLED_APPS names it instead of "axes");
`LABELS` lists the strings axes marks for translation, so that makemessages puts them in the
project's catalogue, which Django reads before any app's. Django's own catalogue already has
the common ones (Yes, No, Username).
"""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Login lockouts")


LABELS = (
    _("User Agent"),
    _("IP Address"),
    _("HTTP Accept"),
    _("Path"),
    _("Attempt Time"),
    _("Access lock out"),
    _("access failure"),
    _("access failures"),
    _("GET Data"),
    _("POST Data"),
    _("Failed Logins"),
    _("access attempt"),
    _("access attempts"),
    _("Access Attempt"),
    _("Expires At"),
    _("The time when access attempt expires and is no longer valid."),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("Logout Time"),
    _("Session key hash (sha256)"),
    _("access log"),
    _("access logs"),
    _("Locked Out"),
    _("Form Data"),
    _("Meta Data"),
    _("Clean up expired attempts"),
    _("Not set"),
    _("Attempt Remaining"),
)
