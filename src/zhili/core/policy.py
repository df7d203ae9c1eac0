"""Who may do what: every role and permission of Zhili in one place.

A permission answers "may this role do X at all"; *where* is the data scope (the
account's region code prefix), applied by selectors. Pages, the API and the admin
all ask :func:`can`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    group: str  # nav group / home page family
    description: str = ""


ROLES: dict[str, Role] = {
    r.code: r
    for r in [
        Role("centre_admin", _("Centre administrator (政法委)"), "centre"),
        Role("window_clerk", _("Window clerk"), "hall"),
        Role("dept_handler", _("Department handler"), "department"),
        Role("dept_head", _("Department head"), "department"),
        Role("street_staff", _("Street staff"), "region"),
        Role("community_staff", _("Community staff"), "region"),
        Role("grid_instructor", _("Grid instructor (the 1)"), "grid"),
        Role("grid_leader", _("Grid leader (the 2)"), "grid"),
        Role("grid_worker", _("Full-time grid worker (the 2)"), "grid"),
        Role("grid_dept_staff", _("Department staff sunk to the grid (the N)"), "grid"),
        Role("grid_helper", _("Volunteer or property staff (the X)"), "grid"),
        Role("mediator", _("Mediator"), "services"),
        Role("legal_aid_lawyer", _("Legal-aid lawyer"), "services"),
        Role("supervision_officer", _("Supervision officer"), "supervision"),
        Role("leader", _("Leader (read-only dashboards)"), "leader"),
        Role("sys_admin", _("System administrator"), "admin"),
        Role("security_admin", _("Security administrator"), "admin"),
        Role("audit_admin", _("Audit administrator"), "admin"),
    ]
}
ROLE_CHOICES = [(r.code, r.label) for r in ROLES.values()]

GRID_TEAM_ROLES = {"grid_instructor", "grid_leader", "grid_worker", "grid_dept_staff", "grid_helper"}
#: 三员: the system, security and audit administrators. Their accounts are changed only by a superuser
#: or on the server (docs/operations.md, "The administrators' accounts"), never by each other.
ADMINISTRATOR_ROLES = frozenset({"sys_admin", "security_admin", "audit_admin"})
BUSINESS_ROLES = set(ROLES) - ADMINISTRATOR_ROLES

# permission → roles that hold it. 三员分立: the three administrators hold disjoint powers
# and none of them holds business permissions.
PERMISSIONS: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        # reading reference data of one's own scope
        "region.view": BUSINESS_ROLES,
        "organisation.view": BUSINESS_ROLES,
        "code.view": set(ROLES),
        # back office (Django admin)
        "admin.enter": {"centre_admin", "street_staff", "community_staff", "sys_admin", "security_admin", "audit_admin"},
        "region.manage": {"sys_admin"},
        "organisation.manage": {"sys_admin", "centre_admin"},
        "compound.manage": {"sys_admin", "centre_admin", "street_staff", "community_staff"},
        "code.manage": {"sys_admin"},
        "calendar.manage": {"sys_admin"},
        "user.manage": {"security_admin"},
        "audit.view": {"audit_admin"},
        "resident.view": BUSINESS_ROLES - {"leader", "grid_helper"},
        "resident.manage": {"centre_admin", "window_clerk", "street_staff", "community_staff", "grid_worker", "grid_leader"},
        # dashboards
        "dashboard.view": {"leader", "centre_admin", "street_staff"},
    }.items()
}

#: Roles that may change the data they see; a leader only reads.
READ_ONLY_ROLES = frozenset({"leader"})


def can(user, permission: str) -> bool:
    """True if the user's role holds ``permission``. Unknown permissions are a bug."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return getattr(user, "role", None) in PERMISSIONS[permission]


def permissions_of(role: str) -> list[str]:
    return sorted(p for p, roles in PERMISSIONS.items() if role in roles)
