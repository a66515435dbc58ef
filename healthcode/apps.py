from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthCodeConfig(AppConfig):
    name = "healthcode"
    verbose_name = _("Health codes")
