"""Writes on core data. Each function: check permission and input → change in one transaction →
append an audit event. Views, the API, the admin, commands and tests call these."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import connection, transaction

from . import audit, crypto, inputs, rowsql, validation
from .errors import Forbidden, Invalid
from .models import CalendarOverride, CodeItem, Organisation, Region, Resident, User
from .policy import ADMINISTRATOR_ROLES, ROLES, can
from .tokens import TOKEN_CACHE_SECONDS, forget_tokens, issue_api_token, user_for_token  # noqa: F401  (callers' old names)


def require(actor, permission: str) -> None:
    if actor is not None and (getattr(actor, "is_superuser", False) or can(actor, permission)):
        return
    raise Forbidden()


def _in_scope(actor, code: str) -> bool:
    return actor is None or actor.is_superuser or code.startswith(actor.scope_prefix)


@transaction.atomic
def save_region(actor, *, code: str, name: str, level: str, parent_code: str | None = None,
                grid_type: str = "", geometry: dict | None = None, population: int | None = None) -> Region:
    """Create or update one region after checking its code, parent and boundary."""
    require(actor, "region.manage")
    if not (name or "").strip():
        raise Invalid("name", "名称不能为空", "name is required")
    parent = Region.objects.filter(code=parent_code).first() if parent_code else None
    if parent_code and parent is None:
        raise Invalid("parent", f"上级区划 {parent_code} 不存在", f"parent region {parent_code} does not exist")
    errors = validation.check_code(code, level, parent_code, parent.level if parent else None)
    geom = None
    if geometry is not None:
        geom, gerr = validation.check_geometry(geometry)
        errors += gerr
    if level == "grid" and grid_type not in ("basic", "dedicated"):
        errors.append(validation.err("grid_type", "网格类型必须是 basic（基础网格）或 dedicated（专属网格）", "grid_type must be basic or dedicated"))
    if errors:
        raise Invalid.many(errors)
    if geom is not None and level == "grid":
        from shapely.geometry import shape

        container = shape(parent.geometry) if parent and parent.geometry else None
        errors += validation.check_inside(code, geom, parent_code, container)
        siblings = Region.objects.filter(level="grid", parent=parent, geometry__isnull=False).exclude(code=code)
        named = [(code, geom)] + [(s.code, shape(s.geometry)) for s in siblings]
        errors += [e for e in validation.check_overlaps(named) if code in e["message_en"]]
        if errors:
            raise Invalid.many(errors)
    obj, created = Region.objects.update_or_create(
        code=code,
        defaults=dict(name=name.strip(), level=level, parent=parent, grid_type=grid_type if level == "grid" else "",
                      geometry=geometry if geometry is not None else (Region.objects.filter(code=code).values_list("geometry", flat=True).first()),
                      population=population, **centroid(geom)),
    )
    audit.record(actor, "region.create" if created else "region.update", obj, details={"code": code, "name": name})
    return obj


def centroid(geom) -> dict:
    """A region's centroid_lon, centroid_lat and area_km2 from its shapely geometry (nothing without one)."""
    if geom is None:
        return {}
    c = geom.representative_point()
    # km² at this latitude: one degree of latitude ≈ 111.32 km
    import math

    lat = c.y
    return {"centroid_lon": c.x, "centroid_lat": c.y, "area_km2": geom.area * 111.32 * 111.32 * math.cos(math.radians(lat))}


@transaction.atomic
def create_staff(actor, *, username: str, role: str, region_code: str, display_name: str = "",
                 organisation: Organisation | None = None, phone: str = "", password: str | None = None) -> tuple[User, str]:
    """Create a staff account inside the actor's scope. Returns the account and its initial password."""
    require(actor, "user.manage")
    if role not in ROLES:
        raise Invalid("role", f"角色“{role}”不存在", f"unknown role {role!r}")
    if role in ADMINISTRATOR_ROLES and not (actor is None or actor.is_superuser):
        raise Invalid("role", "管理员账号只能由超级管理员或在服务器上创建", "an administrator's account is created only by a superuser or on the server")
    if not username or User.objects.filter(username=username).exists():
        raise Invalid("username", "用户名为空或已被使用", "the username is empty or taken")
    region = Region.objects.filter(code=region_code).first()
    if region is None or not _in_scope(actor, region.code):
        raise Invalid("region", "数据范围不存在或超出您的权限", "the data scope does not exist or lies outside yours")
    if organisation is not None and not _in_scope(actor, organisation.region_code):
        raise Invalid("organisation", "所属单位超出您的权限", "the organisation lies outside your data scope")
    password = password or secrets.token_urlsafe(9)
    user = User(username=username, role=role, region=region, display_name=display_name,
                organisation=organisation, phone=phone, must_change_password=True)
    user.set_password(password)
    user.save()
    audit.record(actor, "user.create", user, details={"username": username, "role": role, "region": region.code})
    return user, password


@transaction.atomic
def set_calendar_override(actor, *, date: dt.date, is_workday: bool, name: str = "", source: str = "") -> CalendarOverride:
    require(actor, "calendar.manage")
    obj, created = CalendarOverride.objects.update_or_create(
        date=date, defaults={"is_workday": is_workday, "name": name, "source": source})
    audit.record(actor, "calendar.override", obj, details={"date": str(date), "is_workday": is_workday, "name": name})
    return obj


@transaction.atomic
def change_own_password(user, *, new_password: str) -> None:
    """A user sets their own password (the caller has checked the old one and the password rules);
    a password an administrator set (``must_change_password``) no longer needs changing."""
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(user, "auth.password_change", user)


def may_manage_account(actor, account: User) -> bool:
    """三员分立: nobody manages his own account's role, scope or second factor; an administrator's
    account (or a superuser's) is managed only by a superuser or on the server (``actor`` None)."""
    if actor is None:
        return True
    if account.pk is not None and account.pk == actor.pk:
        return False
    return actor.is_superuser or not (account.is_superuser or account.role in ADMINISTRATOR_ROLES)


@transaction.atomic
def reset_otp(actor, user: User) -> int:
    """The security administrator resets a user's authenticator (a lost or new phone): their
    devices are deleted, so the next login enrols a new one. Returns how many were deleted."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    require(actor, "user.manage")
    if not _in_scope(actor, user.region.code if user.region_id else ""):
        raise Forbidden()
    if not may_manage_account(actor, user):
        raise Forbidden()
    n, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor, "auth.otp_reset", user, details={"username": user.username, "devices": n})
    return n


@transaction.atomic
def find_or_create_resident(actor, *, name: str, phone: str, id_number: str = "", region_code: str = "",
                            address: str = "") -> Resident:
    """The resident with this phone number (blind index), or a new one."""
    (res,), created = resolve_residents(actor, [{"name": name, "phone": phone, "id_number": id_number, "address": address}],
                                        region_code=region_code, field=lambda i, f: f)
    if created:
        audit.record(actor, "resident.create", res)
    return res


#: the longest phone number and address a resident's record takes (as the API documents them)
PHONE_MAX, ADDRESS_MAX = 20, 200


def check_people(actor, people: list[dict], *, field=lambda i, f: f"{i}.{f}") -> list[str]:
    """Refuse what :func:`resolve_residents` would refuse (the permission, every bad phone number and
    ID number at once) without touching the database; the normalised phone numbers."""
    if actor is not None:
        require(actor, "resident.manage")
    errors, norms = [], []
    name_max = Resident._meta.get_field("name").max_length
    for i, p in enumerate(people):
        texts = [e for e in (inputs.text_error(field(i, "name"), p.get("name"), name_max, multiline=False),
                             inputs.text_error(field(i, "phone"), p.get("phone"), PHONE_MAX, multiline=False),
                             inputs.text_error(field(i, "id_number"), p.get("id_number"), 18, multiline=False),
                             inputs.text_error(field(i, "address"), p.get("address"), ADDRESS_MAX)) if e]
        if texts:
            errors += texts
            norms.append("")
            continue
        norm = crypto.normalise(p.get("phone", ""))
        if not (norm.isdigit() and 7 <= len(norm) <= 15):
            errors.append({"field": field(i, "phone"), "message": "电话号码格式不正确", "message_en": "the phone number is not valid"})
        idn = p.get("id_number") or ""
        if idn and not validation.valid_id_number(idn):
            errors.append({"field": field(i, "id_number"), "message": "身份证号码校验不通过", "message_en": "the ID number fails its checksum"})
        norms.append(norm)
    if errors:
        raise Invalid.many(errors)
    return norms


def resolve_residents(actor, people: list[dict], *, region_code: str = "", field=lambda i, f: f"{i}.{f}",
                      norms: list[str] | None = None) -> tuple[list[Resident], list[Resident]]:
    """The resident of each entry (``name``, ``phone``, optional ``id_number``, ``address``), found
    by the phone number's blind index; the missing ones are created (one statement on PostgreSQL,
    two on SQLite). Returns (one resident per entry, the created ones); the caller writes the audit
    row of its action (naming the created ones). Every entry is checked first: ``field(i, name)``
    names a bad field; ``norms``: what :func:`check_people` answered, when the caller checked them
    already. ``actor`` None: a resident filing on the public page (no permission to check)."""
    if norms is None:
        norms = check_people(actor, people, field=field)
    indexes = [crypto.blind_index(n, "phone") for n in norms]
    if connection.vendor == "postgresql":
        found, created = _find_or_create(people, norms, indexes, region_code)
        return [found[idx] for idx in indexes], created
    found: dict[str, Resident] = {}
    wanted = sorted(set(indexes))
    for r in rowsql.select(Resident, f"phone_index IN ({', '.join(['%s'] * len(wanted))})", wanted, order="id DESC"):
        found[r.phone_index] = r  # the oldest wins
    created = []
    for p, norm, idx in zip(people, norms, indexes, strict=True):
        if idx not in found:
            found[idx] = r = _new_resident(p, norm, idx, region_code)
            created.append(r)
    if created:
        with transaction.atomic(savepoint=False):
            for r, (pk,) in zip(created, rowsql.run(*rowsql.insert(Resident, created, returning="id")), strict=True):
                r.pk = pk
                r._state.adding = False
    return [found[idx] for idx in indexes], created


def _new_resident(p: dict, norm: str, idx: str, region_code: str) -> Resident:
    idn = crypto.normalise(p.get("id_number") or "")
    return Resident(name=(p.get("name") or "").strip(), phone=norm, phone_index=idx, id_number=idn,
                    id_index=crypto.blind_index(idn, "id") if idn else "", region_code=region_code,
                    address=p.get("address") or "")


def _find_or_create(people, norms, indexes, region_code) -> tuple[dict[str, Resident], list[Resident]]:
    """PostgreSQL: the residents with these phone indexes (the oldest of each) and the missing ones
    created, in one statement (one round trip instead of two)."""
    candidates: dict[str, Resident] = {}
    for p, norm, idx in zip(people, norms, indexes, strict=True):
        if idx not in candidates:
            candidates[idx] = _new_resident(p, norm, idx, region_code)
    values, params = [], []
    for r in candidates.values():
        v, pr = rowsql.row(Resident, r)
        values.append(v)
        params += pr
    qn = connection.ops.quote_name
    table = qn(Resident._meta.db_table)
    names = ", ".join(qn(f.column) for f in rowsql.columns(Resident))
    every = rowsql.all_columns(Resident)
    rows = rowsql.run(
        f"WITH v ({names}) AS (VALUES {', '.join(values)}), "
        f"f AS (SELECT DISTINCT ON (phone_index) {every} FROM {table} "
        f"WHERE phone_index IN (SELECT phone_index FROM v) ORDER BY phone_index, id), "
        f"n AS (INSERT INTO {table} ({names}) SELECT {names} FROM v "
        f"WHERE phone_index NOT IN (SELECT phone_index FROM f) RETURNING {every}) "
        f"SELECT false, {every} FROM f UNION ALL SELECT true, {every} FROM n", params)
    found = {r.phone_index: r for r in rowsql.instances(Resident, [row[1:] for row in rows if not row[0]])}
    created = []
    pk_at, index_at = rowsql.position(Resident, "id"), rowsql.position(Resident, "phone_index")
    for row in rows:
        if row[0]:  # made now: the candidate is the resident, with its new id
            r = candidates[row[1 + index_at]]
            r.pk, r._state.adding = row[1 + pk_at], False
            found[r.phone_index] = r
            created.append(r)
    return found, created


@transaction.atomic
def save_code_item(actor, *, type: str, code: str, label: str, label_en: str = "", parent_code: str | None = None,
                   source: str = "", order: int = 0) -> CodeItem:
    require(actor, "code.manage")
    parent = None
    if parent_code:
        parent = CodeItem.objects.filter(type=type, code=parent_code).first()
        if parent is None:
            raise Invalid("parent", f"上级代码 {parent_code} 不存在", f"parent code {parent_code} does not exist")
    obj, created = CodeItem.objects.update_or_create(
        type=type, code=code, defaults=dict(label=label, label_en=label_en, parent=parent, source=source, order=order))
    audit.record(actor, "code.create" if created else "code.update", obj, details={"type": type, "code": code})
    return obj
