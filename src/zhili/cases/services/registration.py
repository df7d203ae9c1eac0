"""Registration (登记): ``register_case`` checks a new case, finds its category, grid and residents,
and writes it with its parties, its first event and the reporter's receipt text; a repeat request
is marked. Also the content words (``tokens``) a case is searched and compared by."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import jieba
from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import timezone

from zhili.core import geo, inputs, rowsql
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid
from zhili.core.models import CodeItem, Region
from zhili.core.services import check_people, resolve_residents

from .. import keys, notify, writes
from ..models import Case, CaseEvent, CaseParty, CaseType, Channel, Tier, Urgency
from .events import actor_name

#: a request by the same resident about the same kind of matter within this many days is a repeat (重复诉求)
REPEAT_DAYS = 30
STOPWORDS = frozenset("的 了 是 在 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 他 她 们 请 反映 问题 情况".split())


def case_prefix() -> str:
    return getattr(settings, "ZHILI_CASE_PREFIX", "KW")


def tokens(text: str) -> list[str]:
    """Content words of a text (jieba search mode), for similarity and search."""
    return [t for t in jieba.cut_for_search(text or "") if len(t.strip()) > 1 and t not in STOPWORDS and not t.isspace()]


@dataclass
class PartyIn:
    name: str
    phone: str
    role: str = "applicant"
    id_number: str = ""
    gender: str = ""


#: categories are read from a per-process cache, refreshed at least this often (a
#: category edited in the admin of this process is seen at once: see ``_codes_changed``)
CACHE_SECONDS = 60.0
_cache: dict = {}


def _codes_changed(sender, instance=None, **kwargs):
    if instance is None or instance.type == "case_category":
        _cache.pop("categories", None)


post_save.connect(_codes_changed, sender=CodeItem, dispatch_uid="cases.categories")
post_delete.connect(_codes_changed, sender=CodeItem, dispatch_uid="cases.categories.delete")
post_migrate.connect(_codes_changed, dispatch_uid="cases.categories.migrate")  # also after a flush (code tables seeded again)


def _categories() -> dict[str, tuple[int, str, str]]:
    """code → (id, path such as ``T/T.neighbour``, label) of every active case category."""
    hit = _cache.get("categories")
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    rows, labels = {}, {}
    for pk, code, parent, active, label in CodeItem.objects.filter(type="case_category").values_list(
            "id", "code", "parent_id", "active", "label"):
        rows[pk], labels[pk] = (code, parent, active), label

    def path(pk: int) -> str:
        chain, seen = [], 0
        while pk in rows and seen < 20:
            chain.append(rows[pk][0])
            pk, seen = rows[pk][1], seen + 1
        return "/".join(reversed(chain))

    out = {code: (pk, path(pk), labels.get(pk, code)) for pk, (code, _p, active) in rows.items() if active}
    _cache["categories"] = (time.monotonic(), out)
    return out


def _category(code: str) -> tuple[int, str, str]:
    """(id, path, label) of an active case category."""
    hit = _categories().get(code)
    if hit is None:
        raise Invalid("category", f"类别“{code}”不存在", f"unknown category {code!r}")
    return hit


def _grid(code: str) -> Region | None:
    """The grid with this code, its id, code and name only (read each time: grids may be deleted and
    imported again without the signals that would empty a cache)."""
    return Region.objects.filter(code=code, level="grid").only("id", "code", "name", "level").first()


def _locate(actor, lon, lat, grid_code) -> Region | None:
    """The case's grid: the one given (read), or the one the point lies in (from the index, not read:
    its ``pk`` is None until the case is written)."""
    if grid_code:
        grid = _grid(grid_code)
        if grid is None:
            raise Invalid("grid", f"网格 {grid_code} 不存在", f"grid {grid_code} does not exist")
        return grid
    if lon is None or lat is None:
        return None
    hit = geo.locate_grid_named(lon, lat)
    if hit is None:
        return None
    # the grid as the index knows it: the registration finds its id by code in its own INSERT
    # (so a grid imported again since the index was built is still the right row)
    return Region(code=hit[0], name=hit[1], level="grid")


#: what the resident asks for: at most this many characters (the API's limit, for every form)
REQUEST_MAX = 2000


def _max(name: str) -> int:
    return Case._meta.get_field(name).max_length


def register_case(actor, *, channel: str, case_type: str, category: str, description: str, title: str = "",
                  request: str = "", address: str = "", lon: float | None = None, lat: float | None = None,
                  grid: str = "", urgency: str = "normal", tier: str = "simple", confidential: bool = False,
                  parties: list[dict] | None = None, region_code: str = "", at: dt.datetime | None = None) -> Case:
    """登记: create a case in state ``registered`` with its parties; the reporter gets a receipt text."""
    errors = []
    if actor is not None and not (actor.is_superuser or actor.role in _REGISTER_ROLES):
        raise Forbidden("您的角色不能登记案件", "your role may not register cases")
    if channel not in _CHANNELS:
        errors.append({"field": "channel", "message": "来源渠道无效", "message_en": f"channel must be one of {', '.join(Channel.values)}"})
    if case_type not in _CASE_TYPES:
        errors.append({"field": "case_type", "message": "诉求类型无效", "message_en": f"case_type must be one of {', '.join(CaseType.values)}"})
    if urgency not in _URGENCIES:
        errors.append({"field": "urgency", "message": "紧急程度无效", "message_en": "urgency must be normal, urgent or emergency"})
    if tier not in _TIERS:
        errors.append({"field": "tier", "message": "分级无效", "message_en": "tier must be simple, complex or major"})
    if not (description or "").strip():
        errors.append({"field": "description", "message": "请填写诉求内容", "message_en": "description is required"})
    elif len(description) > 5000:
        errors.append({"field": "description", "message": "诉求内容不能超过5000字", "message_en": "description is longer than 5000 characters"})
    errors += inputs.text_errors({"category": (category, 40), "description": (description, None), "request": (request, REQUEST_MAX),
                                  "address": (address, _max("address"))})
    errors += inputs.text_errors({"title": (title, _max("title")), "grid": (grid, 15)}, multiline=False)
    if (lon is None) != (lat is None):
        errors.append({"field": "lon", "message": "经度和纬度需同时填写", "message_en": "give both lon and lat"})
    elif lon is not None and not (73 <= lon <= 136 and 3 <= lat <= 54):
        errors.append({"field": "lon", "message": "坐标不在中国范围内", "message_en": "the point is outside China (WGS-84 lon, lat)"})
    parties = parties or []
    if not parties:
        errors.append({"field": "parties", "message": "至少登记一名当事人或反映人", "message_en": "at least one party is required"})
    for i, p in enumerate(parties):
        errors += inputs.text_errors({f"parties.{i}.name": (p.get("name"), 60), f"parties.{i}.phone": (p.get("phone"), 20)},
                                     multiline=False)
        if not (p.get("name") or "").strip():
            errors.append({"field": f"parties.{i}.name", "message": "请填写姓名", "message_en": "name is required"})
        if p.get("role", "applicant") not in ("applicant", "respondent", "reporter"):
            errors.append({"field": f"parties.{i}.role", "message": "当事人角色无效", "message_en": "role must be applicant, respondent or reporter"})
    if errors:
        raise Invalid.many(errors)
    cat_id, cat_path, cat_label = _category(category)
    now = at or timezone.now()
    grid = _locate(actor, lon, lat, grid)
    code = grid.code if grid else (region_code or (actor.region.code if actor is not None else ""))
    if not code:
        raise Invalid("lon", "请在地图上标出位置或选择网格", "give a point or a grid")
    if actor is not None and not actor.is_superuser and not code.startswith(actor.scope_prefix) \
            and actor.role not in ("window_clerk", "centre_admin"):
        raise Invalid("grid", "该位置不在您的管辖范围内", "the place lies outside your region")
    search_text = " ".join(tokens(f"{title} {description}"))
    people = [{"name": p["name"], "phone": p.get("phone", ""), "id_number": "" if actor is None else p.get("id_number", ""),
               "address": ""} for p in parties]
    norms = check_people(actor, people, field=lambda i, f: f"parties.{i}.{f}")
    # everything is checked: the number is drawn, in a statement (and a transaction) of its own (writes.draw_number)
    year = now.astimezone(SHANGHAI).year
    number = writes.draw_number(case_prefix(), year)
    # The order keeps the locks short: reads and the rows only this case touches first; the
    # shared rows (rollups, the text keys, the audit head) last, each held until the commit.
    with transaction.atomic():
        found, created = resolve_residents(actor, people, region_code=code, norms=norms)
        residents = list(zip(found, parties, strict=True))
        reporter = next((r for r, p in residents if p.get("role", "applicant") in ("reporter", "applicant")), residents[0][0])
        root = cat_path.split("/")[0]
        is_repeat = _recent(reporter.phone_index, root, now) \
            if reporter.phone_index and all(r is not reporter for r in created) else False
        case = Case(
            is_repeat=is_repeat, channel=channel, case_type=case_type, category_id=cat_id, category_path=cat_path,
            title=(title or description.strip().splitlines()[0])[:120], description=description.strip(), request=request,
            address=address, lon=lon, lat=lat, grid=grid, region_code=code, urgency=urgency, tier=tier,
            state="registered", confidential=confidential, reporter=reporter, reporter_phone_index=reporter.phone_index,
            registered_by=actor if actor is not None else None,
            registered_org_id=actor.organisation_id if actor is not None else None,
            created_at=now, search_text=search_text,
        )
        # the category as the cache knows it, so that the answer needs no query for it
        case.category = CodeItem(pk=cat_id, type="case_category", code=category, label=cat_label)
        if actor is not None and actor.organisation_id:
            case.registered_org = actor.organisation
        keys.derive(case)
        #: the parties as registered, with their residents (the API answers from them)
        case.registered_parties = [
            CaseParty(case=case, resident=r, role=p.get("role", "applicant"), gender=p.get("gender", ""))
            for r, p in {(r.pk, p.get("role", "applicant")): (r, p) for r, p in residents}.values()]
        name, org = actor_name(actor)
        event = CaseEvent(case=case, at=now, actor=actor, actor_name=name, actor_org=org, action="register",
                          from_state="", to_state="registered", data={"channel": channel})
        text = notify.text_for(case, reporter, "【诉求受理】您的诉求已登记，编号 {number}，可凭编号和手机号查询办理进度。")
        details = {"residents_created": [r.pk for r in created]} if created else {}
        writes.insert_registration(case, number=number, parties=case.registered_parties, event=event, text=text, actor=actor,
                                   audit_details=details)
    return case


def _recent(phone_index: str, root: str, now: dt.datetime) -> bool:
    """Has this reporter registered a matter of this top-level category in the last REPEAT_DAYS?"""
    like = root.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return bool(rowsql.run(
        f"SELECT 1 FROM {Case._meta.db_table} WHERE reporter_phone_index = %s AND category_path LIKE %s ESCAPE '\\' "
        "AND created_at >= %s AND created_at <= %s LIMIT 1",
        [phone_index, like, *(connection.ops.adapt_datetimefield_value(t) for t in (now - dt.timedelta(days=REPEAT_DAYS), now))]))


#: the choices as sets, once (``Choices.values`` builds its list at every use)
_CHANNELS, _CASE_TYPES, _URGENCIES, _TIERS = (frozenset(c.values) for c in (Channel, CaseType, Urgency, Tier))
_REGISTER_ROLES = frozenset({"window_clerk", "centre_admin", "street_staff", "community_staff", "grid_worker", "grid_leader",
                             "grid_instructor", "grid_dept_staff", "mediator"})
