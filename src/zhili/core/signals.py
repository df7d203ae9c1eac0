"""Cache invalidation and the security audit of logins."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import audit, calendar, clientip, geo, services, tokens
from .models import ApiToken, CalendarOverride, Region, User


@receiver([post_save, post_delete], sender=Region)
def _grid_changed(sender, instance, **kwargs):
    if instance.level == "grid":
        geo.invalidate()


@receiver([post_save, post_delete], sender=ApiToken)
@receiver([post_save, post_delete], sender=User)
def _token_changed(sender, **kwargs):
    services.forget_tokens()


@receiver(post_save, sender=User)
def _password_changed(sender, instance, created, **kwargs):
    """A new password (``set_password`` then ``save``: the user's own change, the security
    administrator's reset, ``changepassword``) revokes every API token of the account. A hash
    upgrade at login saves the password without ``_password`` and revokes nothing."""
    if not created and getattr(instance, "_password", None) is not None:
        tokens.revoke_all(instance, reason="password changed")


@receiver([post_save, post_delete], sender=CalendarOverride)
def _calendar_changed(sender, **kwargs):
    calendar.overrides_changed()


def _ip(request) -> str:
    return clientip.client_ip(request, default="") if request is not None else ""


@receiver(user_logged_in)
def _login(sender, request, user, **kwargs):
    audit.record(user, "auth.login", user, ip=_ip(request))


@receiver(user_logged_out)
def _logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, "auth.logout", user, ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit.record(None, "auth.login", result="denied", object_type="core.user",
                 object_id=str(credentials.get("username", ""))[:64], ip=_ip(request))
