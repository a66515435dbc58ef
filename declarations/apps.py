from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Declarations and review")

    def ready(self) -> None:
        from declarations import privacy
        from healthcode.privacy import register_exporter

        register_exporter("declarations", privacy.export)
