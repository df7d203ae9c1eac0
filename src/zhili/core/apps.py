from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhili.core"
    label = "core"
    verbose_name = _("Regions, people and reference data")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401

        post_migrate.connect(_seed_codes, sender=self)


def _seed_codes(sender, **kwargs):
    """Every installation has the shipped code tables; administrators' edits are kept."""
    from .codes_seed import seed_codes

    seed_codes()
