from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self) -> None:
        from checkpoints import privacy
        from healthcode.privacy import register_exporter

        register_exporter("checkpoints", privacy.export)
