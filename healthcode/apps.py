from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthCodeConfig(AppConfig):
    name = "healthcode"
    verbose_name = _("Health codes")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from django.urls import register_converter

        from healthcode import loginlimit, privacy
        from healthcode.converters import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is read
        user_login_failed.connect(loginlimit.record_failure, dispatch_uid="healthcode.loginlimit")

        privacy.register_exporter("account", privacy.core_exporter)
        privacy.register_eraser("login_attempts", privacy.erase_login_attempts)
