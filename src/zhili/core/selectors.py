"""Reads, always scoped to the actor's region. A selector that forgets the actor does not exist."""

from __future__ import annotations

from django.db.models import QuerySet

from .errors import Forbidden, NotFound
from .models import CodeItem, Compound, Organisation, Region, Resident, User
from .policy import can


def in_scope(qs: QuerySet, actor, field: str = "region_code") -> QuerySet:
    """Rows whose region code starts with the actor's scope prefix (one indexed LIKE 'prefix%')."""
    if actor is None or not actor.is_authenticated:
        return qs.none()
    if actor.is_superuser:
        return qs
    return qs.filter(**{f"{field}__startswith": actor.scope_prefix})


def _require(actor, permission: str) -> None:
    if not can(actor, permission) and not getattr(actor, "is_superuser", False):
        raise Forbidden()


def regions(actor, *, level: str | None = None, parent: str | None = None) -> QuerySet[Region]:
    _require(actor, "region.view")
    qs = in_scope(Region.objects.all(), actor, "code")
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs.order_by("code")


def region(actor, code: str) -> Region:
    """One region of the actor's scope; another district's or street's is 'not found'."""
    _require(actor, "region.view")
    obj = in_scope(Region.objects.select_related("parent"), actor, "code").filter(code=code).first()
    if obj is None:
        raise NotFound("region")
    return obj


def region_path(actor, region_obj: Region) -> list[Region]:
    """Breadcrumb: ancestors the actor may see, then the region."""
    visible = [r for r in region_obj.ancestors() if actor.is_superuser or r.code.startswith(actor.scope_prefix)]
    return [*visible, region_obj]


def organisations(actor, *, org_type: str | None = None) -> QuerySet[Organisation]:
    _require(actor, "organisation.view")
    qs = in_scope(Organisation.objects.select_related("region"), actor)
    if org_type:
        qs = qs.filter(org_type=org_type)
    return qs.filter(active=True)


def organisation(actor, pk: int) -> Organisation:
    _require(actor, "organisation.view")
    obj = in_scope(Organisation.objects.select_related("region", "parent"), actor).filter(pk=pk).first()
    if obj is None:
        raise NotFound("organisation")
    return obj


def compounds(actor) -> QuerySet[Compound]:
    _require(actor, "region.view")
    return in_scope(Compound.objects.select_related("community", "property_company"), actor)


def staff(actor) -> QuerySet[User]:
    """Staff accounts whose data scope lies inside the actor's."""
    if actor.is_superuser:
        return User.objects.all()
    return User.objects.filter(region__code__startswith=actor.scope_prefix)


def residents_by_phone(actor, phone: str) -> QuerySet[Resident]:
    from .crypto import blind_index

    _require(actor, "resident.view")
    return Resident.objects.filter(phone_index=blind_index(phone, "phone"))


def codes(table: str, *, parent: str | None = None, active_only: bool = True) -> QuerySet[CodeItem]:
    """Code tables are public reference data: not scoped."""
    qs = CodeItem.objects.filter(type=table)
    if active_only:
        qs = qs.filter(active=True)
    if parent is not None:
        qs = qs.filter(parent__code=parent) if parent else qs.filter(parent__isnull=True)
    return qs.order_by("order", "code")
