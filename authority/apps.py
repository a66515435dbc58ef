from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthorityConfig(AppConfig):
    """The health authority's dashboard: the top of the layers, it reads every app below."""

    name = "authority"
    verbose_name = _("Health authority")
