"""Staff accounts in the back office, under 三员分立 (docs/operations.md, "The administrators' accounts"):

- nobody changes his own role, data scope, organisation, second factor or (here) password — his own
  password is changed at /password/, with the old one;
- the security administrator manages the business accounts of his own scope only: he neither sees
  nor changes an administrator's account or a superuser's, gives only business roles, and gives
  only regions and organisations inside his scope;
- the administrators' accounts are changed by a superuser, or with ``zhili manage`` on the server.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .admin import ScopedAdmin
from .errors import Forbidden
from .models import User
from .policy import ADMINISTRATOR_ROLES, BUSINESS_ROLES, ROLE_CHOICES

#: What a user may not change on his own account (nor, in the security administrator's hands, on an
#: administrator's: he does not see those accounts at all).
SELF_LOCKED_FIELDS = ("role", "region", "organisation", "is_active", "must_change_password")


def protected(actor, account) -> bool:
    """True if ``actor`` may not change ``account`` in the back office."""
    if account is None:
        return False
    if account.pk == actor.pk:
        return True  # his role, scope and second factor are not his to change
    if actor.is_superuser:
        return False
    return account.is_superuser or account.role in ADMINISTRATOR_ROLES


class ResetPasswordForm(AdminPasswordChangeForm):
    """A password set by someone else is chosen anew by its owner at the next login."""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit)


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
    change_password_form = ResetPasswordForm

    def save_model(self, request, obj, form, change):
        if not change:  # an account made here chooses its own password at its first login
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_superuser:  # the administrators' accounts are not the security administrator's
            qs = qs.exclude(role__in=ADMINISTRATOR_ROLES).exclude(is_superuser=True)
        return qs

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.pk != request.user.pk
                                                                     and protected(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not protected(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        ro = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            ro += SELF_LOCKED_FIELDS
        return ro

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [("", "---------")] + [(c, label) for c, label in ROLE_CHOICES if c in BUSINESS_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def user_change_password(self, request, id, form_url=""):
        if str(id) == str(request.user.pk):
            raise PermissionDenied  # one's own password: /password/, with the old one
        return super().user_change_password(request, id, form_url)

    @admin.action(description=_("Reset two-step verification (lost phone): the next login sets up a new authenticator"),
                  permissions=["change"])
    def reset_otp(self, request, queryset):
        from . import services

        n = refused = 0
        for user in queryset:  # the queryset is already limited to the admin's scope
            try:
                services.reset_otp(request.user, user)
                n += 1
            except Forbidden:
                refused += 1
        self.message_user(request, _("Two-step verification reset for %(n)d account(s).") % {"n": n})
        if refused:
            self.message_user(request, _("Refused for %(n)d account(s): nobody resets his own two-step verification, "
                                         "and an administrator's is reset only by a superuser or on the server.")
                              % {"n": refused}, messages.ERROR)
