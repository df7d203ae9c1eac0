from django.contrib import admin

from zhili.core.admin import ScopedAdmin

from .models import DeadlinePolicy


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(ScopedAdmin):
    """Deadlines as data: the system administrator edits them; the most specific match wins."""

    scope_field = None
    list_display = ("name", "case_type", "category", "tier", "urgency", "sign_value", "sign_unit", "handle_value",
                    "handle_unit", "extension_max_value", "active", "source")
    list_filter = ("case_type", "tier", "urgency", "active")
    raw_id_fields = ("category",)
