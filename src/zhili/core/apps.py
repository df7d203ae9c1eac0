from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhili.core"
    label = "core"
    verbose_name = _("Regions, people and reference data")

    def ready(self) -> None:
        from . import signals  # noqa: F401
