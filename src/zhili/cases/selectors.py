"""Reads of cases, scoped to the actor: a department sees the cases dispatched to it; a region
role sees the cases of its region; nobody else sees cases."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from zhili.core.errors import NotFound
from zhili.core.models import Resident

from .models import Case, CaseParty, CaseUnit, JointMeeting
from .workflow import CLOSED_STATES

UNIT_ROLES = frozenset({"dept_handler", "dept_head"})
REGION_ROLES = frozenset({"centre_admin", "window_clerk", "leader", "street_staff", "community_staff", "grid_instructor",
                          "grid_leader", "grid_worker", "grid_dept_staff", "mediator"})


def cases_for(actor) -> QuerySet[Case]:
    qs = Case.objects.all()
    if actor is None or not actor.is_authenticated:
        return qs.none()
    if actor.is_superuser:
        return qs
    if actor.role in UNIT_ROLES:
        if not actor.organisation_id:
            return qs.none()
        coop = CaseUnit.objects.filter(unit_id=actor.organisation_id).values("case_id")
        return qs.filter(Q(lead_unit_id=actor.organisation_id) | Q(id__in=coop))
    if actor.role in REGION_ROLES:
        return qs.filter(Q(region_code__startswith=actor.scope_prefix) | Q(registered_by=actor))
    return qs.none()


def binding_meeting(case: Case) -> JointMeeting | None:
    """The case's latest joint meeting (联席会议, by when it was held, then recorded), with its
    cooperating units: its decisions bind the dispatches that follow it (``services.handlers``).
    The case is one the caller already holds (read through :func:`cases_for`)."""
    return case.meetings.select_related("lead_unit").prefetch_related("cooperating").order_by("-held_at", "-pk").first()


def with_phone(qs: QuerySet[Case], phone_index: str) -> QuerySet[Case]:
    """The cases of ``qs`` where the resident with this phone (blind index) is the reporter or a
    party. One ``id IN (… UNION …)``: each side uses its index (an OR of the two conditions
    makes PostgreSQL read every case)."""
    ids = (Case.objects.filter(reporter_phone_index=phone_index).values("id")
           .union(CaseParty.objects.filter(resident__phone_index=phone_index).values("case_id")))
    return qs.filter(id__in=ids)


def with_name(qs: QuerySet[Case], name: str) -> QuerySet[Case]:
    """The cases of ``qs`` a resident of this name is a party to (the reporter is one): the whole
    name, or its first two characters or more (``张伟`` finds 张伟 and 张伟华). Names are stored in
    clear — only phones, ID numbers and addresses are encrypted (``core.crypto``) — so the residents
    are found through the index on the name, then their cases through the parties."""
    name = "".join((name or "").split())
    residents = Resident.objects.filter(name=name) if len(name) < 2 else Resident.objects.filter(name__startswith=name)
    return qs.filter(id__in=CaseParty.objects.filter(resident__in=residents.values("id")).values("case_id"))


def case_for(actor, number: str) -> Case:
    # four joins and no ORDER BY: planning a wider join costs PostgreSQL more than the few lazy
    # lookups of the handler, the registering clerk and the master case it saves
    found = list(cases_for(actor).select_related("category", "grid", "lead_unit", "reporter")
                 .filter(number=number).order_by()[:1])
    if not found:
        raise NotFound("case")
    return found[0]


def _open(qs):
    return qs.exclude(state__in=CLOSED_STATES)


def todo_buckets(actor) -> dict[str, QuerySet[Case]]:
    """The to-do list by bucket for this actor's role (待签收/待处理/待核查/待回访/即将超期/已超期)."""
    qs = cases_for(actor)
    now = timezone.now()
    soon = now + dt.timedelta(days=1)
    buckets: dict[str, QuerySet[Case]] = {}
    role = actor.role
    if role in UNIT_ROLES or role in ("street_staff", "community_staff"):
        mine = qs.filter(lead_unit_id=actor.organisation_id) if actor.organisation_id else qs.none()
        buckets["to_sign"] = mine.filter(state="dispatched")
        buckets["to_handle"] = mine.filter(state="handling")
        if role == "dept_head":
            buckets["extensions"] = mine.filter(state="handling", extension_pending__isnull=False)
        coop = CaseUnit.objects.filter(unit_id=actor.organisation_id, recorded_at__isnull=True).values("case_id")
        buckets["to_cooperate"] = qs.filter(id__in=coop, state="handling")
    if role in ("window_clerk", "centre_admin", "street_staff", "community_staff"):
        region = qs.filter(region_code__startswith=actor.scope_prefix)
        buckets["to_accept"] = region.filter(state="registered")
        buckets["to_dispatch"] = region.filter(state__in=("accepted", "returned"))
        buckets["to_check"] = region.filter(state="feedback")
        buckets["to_callback"] = region.filter(state="callback")
    if role in ("grid_worker", "grid_leader", "grid_instructor", "grid_dept_staff"):
        buckets["to_callback"] = qs.filter(state="callback")
    if role == "mediator":
        buckets["to_mediate"] = qs.filter(state__in=("accepted", "handling"), case_type="dispute")
    if role == "centre_admin":
        buckets["extensions"] = qs.filter(state="handling", extension_pending__isnull=False)
        buckets["major_without_meeting"] = _open(qs.filter(tier="major")).filter(meetings__isnull=True)
    base = _open(qs) if role not in UNIT_ROLES else _open(qs.filter(lead_unit_id=actor.organisation_id))
    running = base.filter(state__in=("dispatched", "handling", "returned"))
    buckets["due_soon"] = running.filter(due_at__gte=now, due_at__lt=soon)
    buckets["overdue"] = running.filter(due_at__lt=now)
    return buckets


def todo_counts(actor, buckets: dict[str, QuerySet[Case]] | None = None) -> dict[str, int]:
    """The count of every to-do bucket, in one statement: ``SELECT (SELECT COUNT(*) …), …`` — one
    round trip instead of one per bucket."""
    buckets = todo_buckets(actor) if buckets is None else buckets
    counts, parts, params = {}, [], []
    for name, qs in buckets.items():
        try:
            sql, p = qs.order_by().values("id").query.sql_with_params()
        except EmptyResultSet:  # .none(): nothing to count
            counts[name] = 0
            continue
        parts.append((name, f"(SELECT COUNT(*) FROM ({sql}) b{len(parts)})"))
        params.extend(p)
    if parts:
        with connection.cursor() as cur:
            cur.execute("SELECT " + ", ".join(expr for _n, expr in parts), params)
            row = cur.fetchone()
        counts.update({name: int(n) for (name, _e), n in zip(parts, row, strict=True)})
    return {name: counts[name] for name in buckets}


BUCKET_LABELS = {
    "to_accept": "待受理", "to_dispatch": "待分派", "to_sign": "待签收", "to_handle": "待处理",
    "to_cooperate": "待配合", "extensions": "待审批延期", "to_check": "待核查", "to_callback": "待回访",
    "to_mediate": "待调解", "major_without_meeting": "重大未会商", "due_soon": "即将超期", "overdue": "已超期",
}
