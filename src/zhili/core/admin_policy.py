"""Maps Django admin's model permissions (``core.change_region``…) onto the policy module."""

from __future__ import annotations

from .policy import can

#: model name → (permission to view, permission to add/change/delete)
ADMIN_MODELS = {
    "region": ("region.view", "region.manage"),
    "organisation": ("organisation.view", "organisation.manage"),
    "compound": ("region.view", "compound.manage"),
    "codeitem": ("code.view", "code.manage"),
    "calendaroverride": ("code.view", "calendar.manage"),
    "user": ("user.manage", "user.manage"),
    "gridteammember": ("user.manage", "user.manage"),
    "auditevent": ("audit.view", None),
    "resident": ("resident.view", None),
}


def admin_permission(user, perm: str) -> bool:
    """``perm`` is ``app_label.action_model``. Unlisted models are closed to everyone but superusers."""
    app, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    if app != "core" or model not in ADMIN_MODELS:
        return False
    view_perm, manage_perm = ADMIN_MODELS[model]
    if action == "view":
        return can(user, view_perm) or (manage_perm is not None and can(user, manage_perm))
    return manage_perm is not None and can(user, manage_perm)
