from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "zhili.insight"
    label = "insight"
    verbose_name = _("Statistics, warnings and analysis")

    def ready(self) -> None:
        from . import home  # noqa: F401 - registers the menu entries and home cards
