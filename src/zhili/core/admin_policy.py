"""Maps Django admin's model permissions (``core.change_region``…) onto the policy module."""

from __future__ import annotations

from .policy import can

#: model name → (permission to view, permission to add/change/delete)
ADMIN_MODELS = {
    "core.region": ("region.view", "region.manage"),
    "core.organisation": ("organisation.view", "organisation.manage"),
    "core.compound": ("region.view", "compound.manage"),
    "core.codeitem": ("code.view", "code.manage"),
    "core.calendaroverride": ("code.view", "calendar.manage"),
    "core.user": ("user.manage", "user.manage"),
    "core.gridteammember": ("user.manage", "user.manage"),
    "core.auditevent": ("audit.view", None),
    "core.resident": ("resident.view", None),
    "cases.deadlinepolicy": ("code.view", "code.manage"),
    "insight.warningrule": ("code.view", "code.manage"),
    "insight.warning": ("dashboard.view", None),
    "insight.report": ("dashboard.view", None),
}


def admin_permission(user, perm: str) -> bool:
    """``perm`` is ``app_label.action_model``. Unlisted models are closed to everyone but superusers."""
    app, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    if f"{app}.{model}" not in ADMIN_MODELS:
        return False
    view_perm, manage_perm = ADMIN_MODELS[f"{app}.{model}"]
    if action == "view":
        return can(user, view_perm) or (manage_perm is not None and can(user, manage_perm))
    return manage_perm is not None and can(user, manage_perm)
