from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthCodeConfig(AppConfig):
    name = "healthcode"
    verbose_name = _("Health codes")

    def ready(self) -> None:
        from django.urls import register_converter

        from healthcode import privacy
        from healthcode.converters import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is read

        privacy.register_exporter("account", privacy.core_exporter)
        privacy.register_eraser("login_attempts", privacy.erase_login_attempts)
