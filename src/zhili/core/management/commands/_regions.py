"""Shared by import_regions and export_regions: who the command acts as."""

from __future__ import annotations

from django.core.management.base import CommandError

from zhili.core.models import User


def acting_user(username: str | None) -> User:
    """The named active account, or the first active system administrator. Services refuse an
    anonymous actor, so a command always acts as — and is audited as — a real account."""
    if username:
        user = User.objects.select_related("region").filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在或已停用 / user {username!r} does not exist or is inactive")
        return user
    user = User.objects.select_related("region").filter(role="sys_admin", is_active=True).order_by("id").first()
    if user is None:
        raise CommandError("没有启用的系统管理员账号，请用 --user 指定 / no active sys_admin account; name one with --user")
    return user
