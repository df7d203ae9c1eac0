"""Back office of insight: warning rules are data the system administrator edits; warnings and
reports are read here (acting on a warning is a service: acknowledge / handle)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zhili.core.admin import ScopedAdmin

from .models import Report, Warning, WarningRule
from .warnings import PARAMS


@admin.register(WarningRule)
class WarningRuleAdmin(ScopedAdmin):
    """Rules as data: on/off, thresholds, level, recipient roles. Edits are audited."""

    scope_field = None
    list_display = ("code", "name", "kind", "enabled", "level", "params", "recipients", "last_run_at")
    list_filter = ("kind", "enabled", "level")
    list_editable = ("enabled", "level")
    search_fields = ("code", "name")
    readonly_fields = ("last_run_at", "cursor", "updated_at", "parameters_of_each_kind")

    @admin.display(description=_("parameters of each kind"))
    def parameters_of_each_kind(self, obj):
        return "; ".join(f"{kind}: {params}" for kind, params in PARAMS.items())


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Warning)
class WarningAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "level", "rule", "title", "region_code", "state", "acknowledged_by", "handled_by")
    list_filter = ("level", "state", "rule")
    search_fields = ("title", "key", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("rule", "acknowledged_by", "handled_by")
    raw_id_fields = ("cases", "subject_case", "unit")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("region", "kind", "period_start", "period_end", "file", "created_at")
    list_filter = ("kind",)
    list_select_related = ("region",)
