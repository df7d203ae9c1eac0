from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zhili.cases"
    label = "cases"
    verbose_name = _("Cases (矛调助理)")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_seed, sender=self)
        from . import home  # noqa: F401 - registers the menu entries and home cards


def _seed(sender, **kwargs):
    from .deadlines import seed_policies

    seed_policies()
