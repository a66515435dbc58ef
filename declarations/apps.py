from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Declarations and review")

    def ready(self) -> None:
        from declarations import privacy, rules
        from declarations.services import areas
        from declarations.services.explain import panel_annotations
        from family.services.codepage import extend
        from healthcode.privacy import register_exporter
        from healthcode.reasons import register_text_for

        register_exporter("declarations", privacy.export)
        areas.connect()  # an area saved here reaches this process's reviews at once
        extend(panel_annotations)  # the code page's review panel reads with the page's query
        # The core puts colour changes' reasons into words with the rules' texts.
        register_text_for(rules.text_for)
