"""The demo's people: staff of the centre, the departments, streets and communities, a 1+2+N+X
team per grid, the demo accounts (one per role) and their random passwords."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .names import DEPARTMENTS, GIVEN, KUIWEN, SUNK_DEPARTMENTS, SURNAMES, WINDOWS

#: Fixed "joined" time of every demo account, so nothing depends on the clock.
DEMO_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

#: The demo accounts, one per role: username → role.
DEMO_ACCOUNTS = {
    "admin": "centre_admin", "clerk": "window_clerk", "handler": "dept_handler", "depthead": "dept_head",
    "street": "street_staff", "community": "community_staff", "instructor": "grid_instructor",
    "gridleader": "grid_leader", "gridworker": "grid_worker", "griddept": "grid_dept_staff",
    "volunteer": "grid_helper", "mediator": "mediator", "lawyer": "legal_aid_lawyer",
    "officer": "supervision_officer", "leader": "leader", "sysadmin": "sys_admin",
    "secadmin": "security_admin", "auditor": "audit_admin",
}


def _person(rng: random.Random) -> str:
    n = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(n))


def _password() -> str:
    return secrets.token_urlsafe(12)


def create_people(regions: dict, orgs: dict, seed: int) -> dict:
    from zhili.core import crypto
    from zhili.core.models import GridTeamMember, User
    from zhili.core.policy import PERMISSIONS

    rng = random.Random(f"{seed}/people")
    admin_roles = PERMISSIONS["admin.enter"]
    users: list[User] = []
    demo: dict[str, User] = {}
    seq = {"n": 0}

    def user(username: str | None, role: str, region, org=None, name: str | None = None) -> User:
        seq["n"] += 1
        u = User(username=username or f"u{seq['n']:06d}", role=role, region=region, organisation=org,
                 display_name=name or _person(rng), is_staff=role in admin_roles, phone="", phone_index="",
                 date_joined=DEMO_EPOCH, must_change_password=False)
        if role in ("grid_worker", "grid_leader"):  # their reports from the phone name them (网格员上报)
            u.phone = f"1390536{seq['n']:04d}"
            u.phone_index = crypto.blind_index(u.phone, "phone")
        if username in DEMO_ACCOUNTS:
            demo[username] = u
        else:
            u.password = make_password(None)
        users.append(u)
        return u

    district = regions[f"{KUIWEN}000000"]
    grids = sorted((r for r in regions.values() if r.level == "grid"), key=lambda r: r.code)
    kw_grids = [g for g in grids if g.code.startswith(KUIWEN)]
    first_grid = kw_grids[0]
    first_comm = first_grid.parent
    first_street = first_comm.parent

    # office and service accounts
    user("admin", "centre_admin", district, orgs["centre"])
    user("clerk", "window_clerk", district, orgs["win-03"])
    user("handler", "dept_handler", district, orgs["dept-zjj"])
    user("depthead", "dept_head", district, orgs["dept-zjj"])
    user("street", "street_staff", first_street, orgs[f"street-{first_street.code}"])
    user("community", "community_staff", first_comm, orgs[f"comm-{first_comm.code}"])
    user("mediator", "mediator", district, orgs["med-district"])
    user("lawyer", "legal_aid_lawyer", district, orgs["la-district"])
    user("officer", "supervision_officer", district, orgs["dept-gaj"])
    user("leader", "leader", district, orgs["dept-zfw"])
    user("sysadmin", "sys_admin", district)
    user("secadmin", "security_admin", district)
    user("auditor", "audit_admin", district)
    # a few more handlers per stationed department, and window clerks
    for code, *_ in DEPARTMENTS[:15]:
        for _ in range(2):
            user(None, "dept_handler", district, orgs[code])
    for i in range(1, len(WINDOWS) + 1):
        user(None, "window_clerk", district, orgs[f"win-{i:02d}"])

    # grid teams (1+2+N+X) for Kuiwen; one full-time grid worker per grid elsewhere too
    team: list[tuple[object, User, str]] = []
    by_comm: dict[str, list] = {}
    for g in kw_grids:
        by_comm.setdefault(g.parent.code, []).append(g)
    prop_by_comm: dict[str, list] = {}
    for o in orgs.values():
        if o.org_type == "property_company":
            prop_by_comm.setdefault(o.region.code, []).append(o)
    for ccode, cgrids in by_comm.items():
        comm = regions[ccode]
        first = comm is first_comm
        # instructors: community staff, each instructing up to three grids
        n_instr = math.ceil(len(cgrids) / 3)
        instructors = [user("instructor" if first and i == 0 else None, "grid_instructor", comm,
                            orgs[f"comm-{ccode}"]) for i in range(n_instr)]
        # the N: department staff sunk to this community's grids
        n_dept = rng.randint(2, 4)
        dept_staff = [user("griddept" if first and i == 0 else None, "grid_dept_staff", comm,
                           orgs[SUNK_DEPARTMENTS[i] if i < 2 else rng.choice(SUNK_DEPARTMENTS[2:])])
                      for i in range(n_dept)]
        for gi, g in enumerate(cgrids):
            is_first = g is first_grid
            team.append((g, instructors[gi // 3], "instructor"))
            team.append((g, user("gridleader" if is_first else None, "grid_leader", g, orgs[f"comm-{ccode}"]), "leader"))
            team.append((g, user("gridworker" if is_first else None, "grid_worker", g, orgs[f"comm-{ccode}"]), "worker"))
            for d in rng.sample(dept_staff, rng.randint(1, min(3, len(dept_staff)))):
                team.append((g, d, "dept_staff"))
            for hi in range(rng.randint(2, 5)):
                org = rng.choice(prop_by_comm[ccode]) if rng.random() < 0.4 else None
                team.append((g, user("volunteer" if is_first and hi == 0 else None, "grid_helper", g, org), "helper"))
    for g in grids:
        if not g.code.startswith(KUIWEN):
            user(None, "grid_worker", g)

    # usernames that say who they are (stable, readable in lists)
    counters: dict[str, int] = {}
    prefix = {"grid_worker": "gw", "grid_leader": "gl", "grid_instructor": "gi", "grid_dept_staff": "gd",
              "grid_helper": "gh", "dept_handler": "dh", "window_clerk": "wc"}
    for u in users:
        if u.username in DEMO_ACCOUNTS:
            continue
        p = prefix.get(u.role, "u")
        if u.role in ("grid_worker", "grid_leader"):
            u.username = f"{p}{u.region.code}"
        else:
            counters[p] = counters.get(p, 0) + 1
            u.username = f"{p}{counters[p]:05d}"

    passwords = {}
    for username, u in demo.items():
        passwords[username] = _password()
        u.set_password(passwords[username])
    User.objects.bulk_create(users, batch_size=500)
    if any(u.pk is None for u in users):
        pks = dict(User.objects.values_list("username", "pk"))
        for u in users:
            u.pk = pks[u.username]
    members = [GridTeamMember(grid=g, region_code=g.code, user=u, post=post) for g, u, post in team]
    GridTeamMember.objects.bulk_create(members, batch_size=1000)
    accounts = [_account_row(demo[name], passwords[name]) for name in DEMO_ACCOUNTS]
    return {"users": len(users), "grid_workers": sum(1 for u in users if u.role == "grid_worker"),
            "team_members": len(members), "accounts": accounts}


def _account_row(u, password: str) -> dict:
    from zhili.core.policy import ROLES

    return {"username": u.username, "role": u.role, "role_label": str(ROLES[u.role].label),
            "scope": u.region.code, "scope_name": u.region.name,
            "organisation": u.organisation.name if u.organisation_id else "", "password": password}


def reset_demo_passwords() -> list[dict]:
    """Give every demo account that exists a new random password; return the accounts."""
    from zhili.core.models import User

    out = []
    with transaction.atomic():
        for username in DEMO_ACCOUNTS:
            u = User.objects.select_related("region", "organisation").filter(username=username).first()
            if u is None:
                continue
            pw = _password()
            u.set_password(pw)
            u.must_change_password = False
            u.is_active = True
            u.save()
            out.append(_account_row(u, pw))
    try:  # lift any login lockout of these accounts
        from axes.utils import reset

        for row in out:
            reset(username=row["username"])
    except Exception:  # lifting the lockout is a convenience, never a reason to fail
        pass
    return out
