"""Back office for reference data. Every queryset is scoped to the user's region; an object
outside it is a 404, a foreign key outside it is a form error, only declared filters are accepted,
and every change is written to the audit log (core.admin_scope)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from . import audit
from .admin_scope import ScopedRawIdWidget, declared_lookups, limit_choices_lookup, scoped
from .models import (
    AuditEvent,
    CalendarOverride,
    CodeItem,
    Compound,
    GridTeamMember,
    Organisation,
    Region,
    Resident,
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

    # -- foreign keys: offered and accepted only inside the scope (a raw id is checked on the server)
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        qs = kwargs.get("queryset")
        if qs is None:
            qs = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if qs is None:
            qs = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
        kwargs["queryset"] = qs = scoped(qs, request.user)
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedRawIdWidget(db_field.remote_field, self.admin_site, qs, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        qs = kwargs.get("queryset")
        if qs is None:
            qs = self.get_field_queryset(kwargs.get("using"), db_field, request)
        if qs is None:
            qs = db_field.remote_field.model._default_manager.using(kwargs.get("using"))
        kwargs["queryset"] = qs = scoped(qs, request.user)
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = widgets.ManyToManyRawIdWidget(db_field.remote_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # -- filters: only the declared ones (?name__startswith= would unmask a name letter by letter)
    def lookup_allowed(self, lookup, value, request=None):
        if request is not None and lookup in declared_lookups(self, request):
            return True
        return limit_choices_lookup(self.model, lookup, value)

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


class RegionForm(forms.ModelForm):
    """A region's own code must lie in the scope of the account that saves it."""

    request_user = None

    def clean_code(self):
        code = self.cleaned_data.get("code") or ""
        user = self.request_user
        if user is not None and not user.is_superuser and not code.startswith(user.scope_prefix):
            raise forms.ValidationError(_("This code lies outside your data scope."), code="scope")
        return code


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    scope_field = "code"
    form = RegionForm
    list_display = ("code", "name", "level", "grid_type", "parent", "area_km2")
    list_filter = ("level", "grid_type")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    readonly_fields = ("prefix", "centroid_lon", "centroid_lat", "area_km2")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request_user": request.user})


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ("code", "name", "org_type", "region", "stationed", "active")
    list_filter = ("org_type", "stationed", "active")
    search_fields = ("code", "name", "name_en")
    raw_id_fields = ("parent", "region")


class CompoundForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        community, grid = data.get("community"), data.get("grid")
        if community is not None and community.level != "community":
            self.add_error("community", _("Choose a community."))
        if grid is not None and (grid.level != "grid" or (community is not None and grid.parent_id != community.pk)):
            self.add_error("grid", _("Choose a grid of the chosen community."))
        return data


@admin.register(Compound)
class CompoundAdmin(ScopedAdmin):
    form = CompoundForm
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


from . import admin_users  # noqa: E402,F401  (registers the staff accounts' admin)
