"""Back office for reference data. Every queryset is scoped to the user's region; an object
outside it is a 404, and every change is written to the audit log."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import (
    AuditEvent,
    CalendarOverride,
    CodeItem,
    Compound,
    GridTeamMember,
    Organisation,
    Region,
    Resident,
    User,
)

admin.site.site_header = _("Zhili back office")
admin.site.site_title = _("Zhili")
admin.site.index_title = _("Reference data")


class ScopedAdmin(admin.ModelAdmin):
    """Rows outside the user's data scope do not exist for them; writes are audited."""

    scope_field: str | None = "region_code"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        u = request.user
        if self.scope_field and not u.is_superuser:
            qs = qs.filter(**{f"{self.scope_field}__startswith": u.scope_prefix})
        return qs

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("not found / 不存在或无权访问")
        return obj

    def log_addition(self, request, obj, message):
        audit.record(request.user, f"admin.add.{obj._meta.model_name}", obj, details={"message": str(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit.record(request.user, f"admin.change.{obj._meta.model_name}", obj, details={"message": str(message)})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit.record(request.user, f"admin.delete.{obj._meta.model_name}", obj)
        return super().log_deletions(request, queryset)


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    scope_field = "code"
    list_display = ("code", "name", "level", "grid_type", "parent", "area_km2")
    list_filter = ("level", "grid_type")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("prefix", "centroid_lon", "centroid_lat", "area_km2")


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ("code", "name", "org_type", "region", "stationed", "active")
    list_filter = ("org_type", "stationed", "active")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("parent", "region")


@admin.register(Compound)
class CompoundAdmin(ScopedAdmin):
    list_display = ("name", "community", "property_company", "households")
    search_fields = ("name",)
    raw_id_fields = ("community", "grid", "property_company")


@admin.register(CodeItem)
class CodeItemAdmin(ScopedAdmin):
    scope_field = None
    list_display = ("type", "code", "label", "label_en", "parent", "order", "active", "valid_from", "valid_to")
    list_filter = ("type", "active")
    search_fields = ("code", "label", "label_en")
    raw_id_fields = ("parent",)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ScopedAdmin):
    scope_field = None
    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(User)
class UserAdmin(ScopedAdmin, BaseUserAdmin):
    scope_field = "region__code"
    list_display = ("username", "display_name", "role", "organisation", "region", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    raw_id_fields = ("organisation", "region")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role and scope"), {"fields": ("display_name", "role", "organisation", "region", "phone", "is_active", "must_change_password")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "role", "region", "organisation", "display_name")}),)
    actions = ["reset_otp"]

    @admin.action(description=_("Reset two-step verification (lost phone): the next login sets up a new authenticator"),
                  permissions=["change"])
    def reset_otp(self, request, queryset):
        from . import services

        n = 0
        for user in queryset:  # the queryset is already limited to the admin's scope
            services.reset_otp(request.user, user)
            n += 1
        self.message_user(request, _("Two-step verification reset for %(n)d account(s).") % {"n": n})


@admin.register(GridTeamMember)
class GridTeamMemberAdmin(ScopedAdmin):
    list_display = ("grid", "user", "post")
    list_filter = ("post",)
    raw_id_fields = ("grid", "user")


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    """Residents are shown masked and cannot be edited here."""

    list_display = ("masked_name", "phone_masked", "region_code", "created_at")
    fields = ("masked_name", "phone_masked", "id_number_masked", "region_code", "created_at")
    readonly_fields = fields

    @admin.display(description=_("name"))
    def masked_name(self, obj):
        from .crypto import mask_name

        return mask_name(obj.name)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdmin):
    """Read-only: the audit administrator reads, nobody edits or deletes."""

    scope_field = None
    list_display = ("seq", "at", "actor_name", "action", "object_type", "object_id", "result", "ip")
    list_filter = ("result", "action")
    search_fields = ("actor_name", "action", "object_id")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
