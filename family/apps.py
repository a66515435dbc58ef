from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilyConfig(AppConfig):
    name = "family"
    verbose_name = _("People and family")

    def ready(self) -> None:
        from family import privacy
        from healthcode.privacy import register_exporter

        register_exporter("family", privacy.export)
