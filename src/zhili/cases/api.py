"""The case API: /api/v1/cases (register, list, read, act, timeline, duplicates, to-do counts) and
/api/v1/notifications (the staff inbox).

A thin adapter: parse and validate, call one service or selector, render. The workflow actions
are generated from :data:`zhili.cases.workflow.ACTIONS`: one operation per action
(``POST /cases/{number}/actions/dispatch`` with a ``DispatchIn`` body, …), so the OpenAPI
schema documents every action's fields, roles and source states without restating them.

Personal data (who sees what):

* lists (``GET /cases``, duplicates, action answers) carry only the reporter's **masked** name
  and phone (``张*英``, ``138****1234``);
* the single case (``GET /cases/{number}``) carries the parties' names; the **full** phone only
  for the roles that register and check cases (window clerk, centre admin, street and community
  staff), masked for everybody else;
* a **confidential** case (举报人保密) withholds the reporter and every reporter-role party (no
  name, no phone) from every other role — department handlers and heads above all — in lists,
  in the single case and in duplicate hints, and a phone search by such a role skips
  confidential cases, so a department cannot find out who reported it.

No ``from __future__ import annotations`` here: the action operations are made in a loop and
django-ninja reads their (local) annotations at runtime.
"""

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from ninja import Body, Field, File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, ConfigDict, StringConstraints, create_model

from zhili.core import crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Invalid, NotFound
from zhili.core.models import CodeItem, Region

from . import deadlines, notify, selectors, services
from .models import Attachment, Case, CaseEvent, CaseType, Channel, Notification, PartyRole, Tier, Urgency
from .workflow import ACTIONS, CLOCK_STATES, STATES, Action, FieldSpec

router = Router(tags=["cases"])
notifications_router = Router(tags=["notifications"])

#: roles that register and check cases: they see the parties' full phone numbers and the
#: reporter of a confidential case
INTAKE_ROLES = frozenset({"window_clerk", "centre_admin", "street_staff", "community_staff"})
MAX_ID = 2**31 - 1
MAX_LIMIT = 200


# ---------------------------------------------------------------- input types

def _plain_text(v: str) -> str:
    """No NUL characters and no lone surrogates: PostgreSQL and UTF-8 refuse both."""
    if "\x00" in v:
        raise ValueError("must not contain NUL characters")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("is not valid Unicode text") from exc
    return v


def _text(max_length: int, min_length: int = 0):
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length), AfterValidator(_plain_text)]


def _sane_datetime(v: dt.datetime) -> dt.datetime:
    if not 1970 <= v.year <= 2200:
        raise ValueError("must lie between 1970 and 2200")
    return v


def _sane_date(v: dt.date) -> dt.date:
    if not 1970 <= v.year <= 2200:
        raise ValueError("must lie between 1970 and 2200")
    return v


def _unit_ref(v: int | str) -> int | str:
    if isinstance(v, str):
        v = _plain_text(v).strip()
        if v.isdigit():
            if not v.isascii() or int(v) > MAX_ID:
                raise ValueError("is not a valid organisation id")
            return int(v)
    return v


SafeDateTime = Annotated[dt.datetime, AfterValidator(_sane_datetime)]
SafeDate = Annotated[dt.date, AfterValidator(_sane_date)]
UnitRef = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ID)] | Annotated[str, StringConstraints(min_length=1, max_length=40)],
    AfterValidator(_unit_ref),
    Field(description="organisation id or code (GET /api/v1/organisations)"),
]
CaseNumber = Annotated[str, AfterValidator(_plain_text)]
_NUMBER = Path(..., max_length=30, pattern=r"^[A-Za-z0-9]+-[0-9]+$", description="the case number, e.g. KW2026-000123",
              example="KW2026-000123")


def _literal(values):
    return Literal[tuple(values)]  # type: ignore[valid-type]


ChannelCode = _literal(Channel.values)
CaseTypeCode = _literal(CaseType.values)
TierCode = _literal(Tier.values)
UrgencyCode = _literal(Urgency.values)
StateCode = _literal(STATES)
BucketCode = _literal(selectors.BUCKET_LABELS)


# ---------------------------------------------------------------- output schemas

class ErrorItem(Schema):
    field: str = Field(..., examples=["lead_unit"])
    message: str = Field(..., examples=["责任单位：必填"])
    message_en: str = Field(..., examples=["lead_unit: is required"])


class ErrorsOut(Schema):
    errors: list[ErrorItem]


ERRORS: dict[int, type] = {400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}


class Ref(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    code: str = Field(..., examples=["T.neighbour"])
    label: str = Field(..., examples=["邻里纠纷"])
    path: str = Field(..., examples=["T/T.neighbour"], description="codes from the root, '/'-joined")


class GridOut(Schema):
    code: str = Field(..., examples=["370705001001001"])
    name: str = Field(..., examples=["东关街道第一社区第1网格"])


class PersonOut(Schema):
    name: str = Field(..., examples=["张*英"])
    phone: str = Field(..., examples=["138****1234"])


class CaseSummary(Schema):
    number: str = Field(..., examples=["KW2026-000123"])
    title: str = Field(..., examples=["楼上漏水引发邻里纠纷"])
    state: str = Field(..., examples=["handling"])
    state_label: str
    channel: str = Field(..., examples=["window"])
    case_type: str = Field(..., examples=["dispute"])
    tier: str = Field(..., examples=["complex"])
    urgency: str = Field(..., examples=["normal"])
    category: CategoryOut
    region_code: str = Field(..., examples=["370705001001001"])
    grid_code: str | None = None
    lead_unit: Ref | None = None
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    time_left: str = Field("", examples=["剩余 2天3小时"], description="until the handling (or signing) deadline")
    overdue: bool = False
    confidential: bool = False
    card: str = ""
    reporter: PersonOut | None = Field(None, description="masked; null when withheld (confidential case)")


class CasePage(Schema):
    items: list[CaseSummary]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page; null on the last page")


class PartyOut(Schema):
    role: str = Field(..., examples=["applicant"])
    role_label: str
    name: str | None = Field(None, examples=["张秀英"], description="null when withheld")
    phone: str | None = Field(None, examples=["138****1234"], description="full or masked by role; null when withheld")
    gender: str = ""
    withheld: bool = Field(False, description="true: the reporter of a confidential case, hidden from your role")


class CoopUnitOut(Schema):
    id: int
    name: str
    part: str = Field("", description="what the unit recorded as its part (配合情况)")
    recorded_at: dt.datetime | None = None
    recorded_by: str | None = None


class DeadlinesOut(Schema):
    sign_due_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    time_left: str = Field("", examples=["已超期 5小时"])
    time_left_class: str = Field("", description="ok | soon | late")
    overdue: bool = False
    suspended_at: dt.datetime | None = None
    extension_pending: dict | None = None
    extended_days: int = 0


class CountsOut(Schema):
    parties: int
    events: int
    attachments: int
    returns: int
    extensions: int
    reworks: int


class ChoiceOut(Schema):
    value: str
    label: str


class FieldOut(Schema):
    name: str = Field(..., examples=["lead_unit"])
    kind: str = Field(..., examples=["unit"],
                      description="text, int, bool, choice, unit (organisation id), units (list of ids), datetime, date, case")
    label: str
    required: bool
    choices: list[ChoiceOut] = []
    max_length: int | None = None
    help: str = ""


class ActionOut(Schema):
    name: str = Field(..., examples=["dispatch"])
    label: str = Field(..., examples=["Dispatch (分派)"])
    style: str = Field("default", description="primary | danger | default: how the button looks")
    target: str | None = Field(None, description="the state after the action; null: unchanged")
    fields: list[FieldOut]


class CaseDetail(CaseSummary):
    description: str
    request: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    grid: GridOut | None = None
    channel_label: str
    case_type_label: str
    handler: str | None = None
    registered_by: str | None = None
    registered_org: str | None = None
    accepted_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    signed_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    archived_at: dt.datetime | None = None
    result: str = ""
    solved: bool | None = None
    satisfaction: str = ""
    resolved_in_grid: bool = False
    on_time: bool | None = None
    master: str | None = Field(None, description="the case this one was merged into")
    outcome: dict | None = None
    parties: list[PartyOut]
    cooperating_units: list[CoopUnitOut]
    deadlines: DeadlinesOut
    counts: CountsOut
    actions: list[ActionOut] = Field(..., description="what YOU may do on this case now: draw the buttons from it")


class EventOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str = Field(..., examples=["李明"])
    actor_org: str = Field("", examples=["3号窗口"])
    action: str = Field(..., examples=["dispatch"])
    action_label: str = ""
    from_state: str = ""
    to_state: str = ""
    comment: str = ""
    data: dict = {}


class ActionResultOut(Schema):
    case: CaseSummary
    event: EventOut
    confirmation_url: str | None = Field(
        None, description="check_pass / resolve_on_spot: the one-time link the resident confirms with (also sent by SMS)")


class DuplicateOut(Schema):
    case: CaseSummary
    reasons: list[str] = Field(..., examples=[["同类别、位置相近", "内容相似（62%）"]])
    score: float


class BucketOut(Schema):
    bucket: str = Field(..., examples=["to_sign"])
    label: str = Field(..., examples=["待签收"])
    count: int


# ---------------------------------------------------------------- input schemas

class PartyIn(Schema):
    name: _text(60, 1) = Field(..., examples=["张秀英"])
    phone: _text(20, 1) = Field(..., examples=["13805361234"])
    id_number: _text(18) = Field("", description="citizen ID (GB 11643), checked", examples=["370705198001011234"])
    role: _literal(PartyRole.values) = Field("applicant", description="applicant 申请人 / respondent 被申请人 / reporter 反映人")
    gender: _literal(["", "男", "女"]) = ""


_CASE_EXAMPLE = {
    "channel": "window", "case_type": "dispute", "category": "T.neighbour", "title": "楼上漏水引发邻里纠纷",
    "description": "楼上住户卫生间漏水，导致我家天花板发霉脱落，多次协商未果，双方发生争吵。",
    "request": "请协调楼上住户维修并赔偿损失", "address": "潍坊市奎文区东关街道幸福小区3号楼2单元502",
    "lon": 119.105, "lat": 36.705, "urgency": "normal", "tier": "complex", "confidential": False,
    "parties": [{"name": "张秀英", "phone": "13805361234", "role": "applicant", "gender": "女"},
                {"name": "李建国", "phone": "13905362222", "role": "respondent", "gender": "男"}],
}


class CaseIn(Schema):
    """登记: a new case in state ``registered``."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CASE_EXAMPLE]})

    channel: ChannelCode = Field(..., description="how it came in", examples=["window"])
    case_type: CaseTypeCode = Field(..., examples=["dispute"])
    category: _text(40, 1) = Field(..., description="code of the case_category code table (GET /api/v1/codes/case_category)",
                                   examples=["T.neighbour"])
    title: _text(120) = Field("", description="defaults to the first line of the description", examples=["楼上漏水引发邻里纠纷"])
    description: _text(5000, 1) = Field(..., examples=["楼上住户卫生间漏水，导致我家天花板发霉脱落，多次协商未果。"])
    request: _text(2000) = Field("", examples=["请协调楼上住户维修并赔偿损失"])
    address: _text(200) = Field("", examples=["奎文区东关街道幸福小区3号楼2单元502"])
    lon: float | None = Field(None, ge=-180, le=180, description="WGS-84; with lat, locates the grid", examples=[119.105])
    lat: float | None = Field(None, ge=-90, le=90, examples=[36.705])
    grid: _text(15) = Field("", description="grid code, instead of a point", examples=["370705001001001"])
    urgency: UrgencyCode = Field("normal", examples=["normal"])
    tier: TierCode = Field("simple", description="simple 简单 / complex 复杂 / major 重大", examples=["complex"])
    confidential: bool = Field(False, description="举报人保密: withhold the reporter from everybody but intake staff")
    parties: list[PartyIn] = Field(..., min_length=1, max_length=20)


# --- one body schema per workflow action, built from its FieldSpecs

_FIELD_EXAMPLES: dict[str, Any] = {
    "comment": "已电话联系当事人，约定明日上门查看", "reason": "不属于本单位职责，建议转人社局办理",
    "proper_channel": "向奎文区人民法院提起诉讼", "result": "已组织维修，双方达成和解", "lead_unit": 3,
    "cooperating_units": [4], "tier": "complex", "part": "民警到场调解，稳控双方情绪", "days": 5, "approve": True,
    "solved": True, "satisfaction": "satisfied", "card": "yellow", "held_at": "2026-11-20T09:00:00+08:00",
    "venue": "和为贵调解室", "attendees": "政法委王书记、住建局李科长、公安分局赵所长", "units": [3, 4],
    "decisions": "住建局牵头维修，公安分局配合稳控", "deadline": "2026-12-20T18:00:00+08:00", "level": "medium",
    "analysis": "涉及多户居民，情绪激动，存在聚集风险", "measures": "每日回访，专人稳控", "parties_present": "张秀英、李建国",
    "notes": "双方陈述事实，初步同意由楼上住户维修", "committee": "med-s1", "facts": "楼上住户卫生间漏水导致楼下天花板损坏",
    "disputed_items": "维修费用由谁承担", "responsibilities": "李建国负主要责任", "terms": "李建国承担维修费用3000元",
    "performance_method": "一次性现金支付", "performance_deadline": "2026-12-31", "signed_on": "2026-11-20",
    "remedies": "可向奎文区人民法院起诉", "performed": True, "note": "已按协议支付", "master": "KW2026-000123",
}


def _field_type(f: FieldSpec):
    if f.kind == "int":
        return Annotated[int, Field(ge=1, le=365)]
    if f.kind == "bool":
        return bool
    if f.kind == "choice":
        return _literal([c for c, _ in f.choices])
    if f.kind == "unit":
        return UnitRef
    if f.kind == "units":
        return Annotated[list[UnitRef], Field(max_length=30)]
    if f.kind == "datetime":
        return SafeDateTime
    if f.kind == "date":
        return SafeDate
    if f.kind == "case":
        return _text(30)
    return _text(f.max_length)


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def _action_model(action: Action) -> type[Schema]:
    fields: dict[str, Any] = {}
    example: dict[str, Any] = {}
    for f in action.fields:
        desc = str(f.label) + (f" — {f.help}" if f.help else "")
        kw: dict[str, Any] = {"description": desc}
        if f.name in _FIELD_EXAMPLES:
            kw["examples"] = [_FIELD_EXAMPLES[f.name]]
            example[f.name] = _FIELD_EXAMPLES[f.name]
        typ = _field_type(f)
        fields[f.name] = (typ, Field(..., **kw)) if f.required else (typ | None, Field(None, **kw))
    base = type(f"{_camel(action.name)}Base", (Schema,), {
        "__doc__": f"{action.label}", "model_config": ConfigDict(json_schema_extra={"examples": [example]}),
    })
    return create_model(f"{_camel(action.name)}In", __base__=base, **fields)


ACTION_MODELS: dict[str, type[Schema]] = {name: _action_model(a) for name, a in ACTIONS.items()}


# ---------------------------------------------------------------- rendering

def _local(t: dt.datetime | None) -> dt.datetime | None:
    return t.astimezone(SHANGHAI) if t is not None else None


def _sees_full_phone(actor) -> bool:
    return actor.is_superuser or actor.role in INTAKE_ROLES


def _withheld(actor, case: Case) -> bool:
    """A confidential case hides its reporter from every role but intake staff."""
    return case.confidential and not _sees_full_phone(actor)


def _overdue(case: Case, now: dt.datetime) -> bool:
    return case.state in CLOCK_STATES and case.due_at is not None and case.due_at < now


def _summary(case: Case, actor, now: dt.datetime) -> dict:
    text, _css = deadlines.humanise(deadlines.time_left(case, now))
    reporter = None
    if case.reporter_id and not _withheld(actor, case):
        reporter = {"name": crypto.mask_name(case.reporter.name), "phone": crypto.mask_phone(case.reporter.phone or "")}
    return {
        "number": case.number, "title": case.title, "state": case.state, "state_label": str(STATES.get(case.state, case.state)),
        "channel": case.channel, "case_type": case.case_type, "tier": case.tier, "urgency": case.urgency,
        "category": {"code": case.category.code, "label": case.category.label, "path": case.category_path},
        "region_code": case.region_code, "grid_code": case.grid.code if case.grid_id else None,
        "lead_unit": {"id": case.lead_unit.pk, "name": case.lead_unit.name} if case.lead_unit_id else None,
        "created_at": _local(case.created_at), "due_at": _local(case.due_at), "time_left": text,
        "overdue": _overdue(case, now), "confidential": case.confidential, "card": case.card, "reporter": reporter,
    }


def _field_out(f: FieldSpec) -> dict:
    return {"name": f.name, "kind": f.kind, "label": str(f.label), "required": f.required,
            "choices": [{"value": c, "label": str(label)} for c, label in f.choices],
            "max_length": f.max_length if f.kind in ("text", "case") else None, "help": f.help}


def _action_out(a: Action) -> dict:
    return {"name": a.name, "label": str(a.label), "style": a.style, "target": a.target,
            "fields": [_field_out(f) for f in a.fields]}


def _person(name: str) -> str | None:
    return name or None


#: value → label (lazy: translated when shown), made once per choices class
_LABELS = {c: dict(c.choices) for c in (PartyRole, Channel, CaseType)}


def _detail(case: Case, actor, fresh: bool = False) -> dict:
    """The case document. ``fresh``: the case ``services.register_case`` has just returned — its
    parties are the ones it made, it has one event and no cooperating units or attachments yet."""
    now = timezone.now()
    withheld = _withheld(actor, case)
    full_phone = _sees_full_phone(actor)
    parties = []
    for p in case.registered_parties if fresh else case.parties.select_related("resident").order_by("id"):
        label = str(_LABELS[PartyRole].get(p.role, p.role))
        if withheld and (p.role == PartyRole.REPORTER or p.resident_id == case.reporter_id):
            parties.append({"role": p.role, "role_label": label, "name": None, "phone": None, "gender": "", "withheld": True})
            continue
        phone = p.resident.phone or ""
        parties.append({"role": p.role, "role_label": label, "name": p.resident.name, "gender": p.gender,
                        "phone": (phone if full_phone else crypto.mask_phone(phone)) if phone else None,
                        "withheld": False})
    units = [{"id": u.unit_id, "name": u.unit.name, "part": u.part, "recorded_at": _local(u.recorded_at),
              "recorded_by": (u.recorded_by.display_name or u.recorded_by.username) if u.recorded_by_id else None}
             for u in ([] if fresh else case.units.select_related("unit", "recorded_by").order_by("id"))]
    text, css = deadlines.humanise(deadlines.time_left(case, now))
    return {
        **_summary(case, actor, now),
        "description": case.description, "request": case.request, "address": case.address, "lon": case.lon, "lat": case.lat,
        "grid": {"code": case.grid.code, "name": case.grid.name} if case.grid_id else None,
        "channel_label": str(_LABELS[Channel].get(case.channel, case.channel)),
        "case_type_label": str(_LABELS[CaseType].get(case.case_type, case.case_type)),
        "handler": _person(case.handler.display_name or case.handler.username) if case.handler_id else None,
        "registered_by": _person(case.registered_by.display_name or case.registered_by.username) if case.registered_by_id else None,
        "registered_org": case.registered_org.name if case.registered_org_id else None,
        "accepted_at": _local(case.accepted_at), "dispatched_at": _local(case.dispatched_at), "signed_at": _local(case.signed_at),
        "resolved_at": _local(case.resolved_at), "closed_at": _local(case.closed_at), "archived_at": _local(case.archived_at),
        "result": case.result, "solved": case.solved, "satisfaction": case.satisfaction,
        "resolved_in_grid": case.resolved_in_grid, "on_time": case.on_time,
        "master": case.master.number if case.master_id else None, "outcome": case.outcome,
        "parties": parties, "cooperating_units": units,
        "deadlines": {"sign_due_at": _local(case.sign_due_at), "due_at": _local(case.due_at), "time_left": text,
                      "time_left_class": css, "overdue": _overdue(case, now), "suspended_at": _local(case.suspended_at),
                      "extension_pending": case.extension_pending, "extended_days": case.extended_days},
        "counts": {"parties": len(parties), "events": 1 if fresh else case.events.count(),
                   "attachments": 0 if fresh else case.attachments.count(),
                   "returns": case.return_count, "extensions": case.extension_count, "reworks": case.rework_count},
        "actions": [_action_out(a) for a in services.available_actions(actor, case)],
    }


def _event_out(ev: CaseEvent) -> dict:
    action = ACTIONS.get(ev.action)
    label = str(action.label) if action else {"register": "登记", "merged_in": "并入案件"}.get(ev.action, ev.action)
    return {"id": ev.pk, "at": _local(ev.at), "actor_name": ev.actor_name, "actor_org": ev.actor_org, "action": ev.action,
            "action_label": label, "from_state": ev.from_state, "to_state": ev.to_state, "comment": ev.comment,
            "data": ev.data if isinstance(ev.data, dict) else {"value": ev.data}}


_RELATED = ("category", "grid", "lead_unit", "reporter")


# ---------------------------------------------------------------- helpers for the list

def _encode_cursor(case: Case) -> str:
    raw = f"{case.created_at.astimezone(dt.UTC).isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> Invalid:
    return Invalid("cursor", "分页游标无效，请从第一页重新开始", "the cursor is not valid: start again from the first page")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _, id_text = raw.partition("|")
        at = dt.datetime.fromisoformat(at_text)
        pk = int(id_text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc
    if at.tzinfo is None or not 1970 <= at.year <= 2200 or not 0 < pk <= 2**63 - 1:
        raise _bad_cursor()
    return at, pk


def _day_start(d: dt.date, field: str) -> dt.datetime:
    if not 1970 <= d.year <= 2200:
        raise Invalid(field, "日期超出范围（1970–2200）", "the date must lie between 1970 and 2200")
    return dt.datetime.combine(d, dt.time.min, tzinfo=SHANGHAI)


def _category_path(code: str) -> str:
    cat = CodeItem.objects.filter(type="case_category", code=code).select_related("parent").first()
    if cat is None:
        raise Invalid("category", f"类别“{code}”不存在", f"unknown category {code!r}")
    chain, node, seen = [], cat, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node.code)
        node = node.parent
    return "/".join(reversed(chain))


def _region_prefix(actor, region: str) -> str:
    r = Region.objects.filter(code=region).first()
    if r is not None:
        prefix = r.prefix
    elif region.isascii() and region.isdigit():
        prefix = region
    else:
        raise Invalid("region", f"区划“{region}”不存在", f"unknown region {region!r}")
    if not actor.is_superuser and not prefix.startswith(actor.scope_prefix):
        raise Invalid("region", "该区划不在您的管辖范围内", "the region lies outside your data scope")
    return prefix


def _phone_index(phone: str) -> str:
    norm = crypto.normalise(phone)
    if not (norm.isascii() and norm.isdigit() and 7 <= len(norm) <= 15):
        raise Invalid("phone", "电话号码格式不正确", "the phone number is not valid")
    return crypto.blind_index(norm, "phone")


# ---------------------------------------------------------------- endpoints: collection

class CaseFilters(Schema):
    number: _text(30) | None = Field(None, description="exact case number", json_schema_extra={"example": "KW2026-000123"})
    phone: _text(30) | None = Field(None, description="a resident's phone number", json_schema_extra={"example": "13805361234"})
    category: _text(40) | None = Field(None, description="category code; includes sub-categories", json_schema_extra={"example": "T"})
    state: list[StateCode] | None = Field(None, description="one or several states (repeat: ?state=dispatched&state=handling)")
    lead_unit: int | None = Field(None, ge=1, le=MAX_ID, description="organisation id of the lead unit")
    region: _text(15) | None = Field(None, description="region code or code prefix inside your scope", json_schema_extra={"example": "370705001000"})
    created_from: dt.date | None = Field(None, description="registered on or after (Asia/Shanghai)", json_schema_extra={"example": "2026-01-01"})
    created_to: dt.date | None = Field(None, description="registered on or before (Asia/Shanghai)", json_schema_extra={"example": "2026-12-31"})
    grid: _text(15) | None = Field(None, description="grid code", json_schema_extra={"example": "370705001001001"})
    channel: ChannelCode | None = None
    case_type: CaseTypeCode | None = None
    tier: TierCode | None = None
    overdue: bool | None = Field(None, description="true: running past the deadline; false: all others")
    q: _text(100) | None = Field(None, description="text in the title", json_schema_extra={"example": "漏水"})
    bucket: BucketCode | None = Field(None, description="one of your to-do buckets (GET /cases/todo)")
    cursor: _text(200) | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


_LIST_DOC = """Cases of your data scope, newest first, in keyset pages.

Filters combine with AND. `category` includes its sub-categories; `region` is a region code (or a
code prefix) inside your scope; `phone` finds the cases of a resident (reporter or party) by the
blind index of the number — only intake staff find confidential cases this way;
`bucket` is one of your to-do buckets (GET /cases/todo); `created_from`/`created_to` are dates in
Asia/Shanghai, both inclusive.

Pages: pass `next_cursor` back as `cursor` until it is null. The reporter appears masked
(`张*英`, `138****1234`) and not at all on a confidential case unless you are intake staff."""


@router.get("", response={200: CasePage, **ERRORS}, summary="List cases (filters, keyset pages)", description=_LIST_DOC,
            operation_id="cases_list")
def list_cases(request, query: Query[CaseFilters]):
    # (named `query`: the error handler drops that word from a field's location, so errors name `state.0`, not `f.state.0`)
    f, actor = query, request.auth
    now = timezone.now()
    if f.bucket:
        buckets = selectors.todo_buckets(actor)
        if f.bucket not in buckets:
            raise Invalid("bucket", "此待办分类不适用于您的角色", f"the bucket {f.bucket!r} does not apply to your role")
        qs = buckets[f.bucket]
    else:
        qs = selectors.cases_for(actor)
    if f.number:
        qs = qs.filter(number=f.number.strip())
    if f.phone:
        idx = _phone_index(f.phone)
        qs = selectors.with_phone(qs, idx)
        if not _sees_full_phone(actor):  # nobody else may find out who reported a confidential case
            qs = qs.filter(confidential=False)
    if f.category:
        path = _category_path(f.category.strip())
        qs = qs.filter(Q(category_path=path) | Q(category_path__startswith=path + "/"))
    if f.state:
        qs = qs.filter(state__in=f.state)
    if f.lead_unit:
        qs = qs.filter(lead_unit_id=f.lead_unit)
    if f.region:
        qs = qs.filter(region_code__startswith=_region_prefix(actor, f.region.strip()))
    if f.created_from:
        qs = qs.filter(created_at__gte=_day_start(f.created_from, "created_from"))
    if f.created_to:
        if f.created_from and f.created_to < f.created_from:
            raise Invalid("created_to", "结束日期早于开始日期", "created_to is before created_from")
        qs = qs.filter(created_at__lt=_day_start(f.created_to, "created_to") + dt.timedelta(days=1))
    if f.grid:
        qs = qs.filter(grid__code=f.grid.strip())
    for name in ("channel", "case_type", "tier"):
        if getattr(f, name):
            qs = qs.filter(**{name: getattr(f, name)})
    if f.overdue is not None:
        late = Q(state__in=CLOCK_STATES, due_at__lt=now)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    if f.q and f.q.strip():
        qs = qs.filter(title__icontains=f.q.strip())
    if f.cursor:
        at, pk = _decode_cursor(f.cursor)
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs.select_related(*_RELATED).order_by("-created_at", "-id")[: f.limit + 1])
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    return {"items": [_summary(c, actor, now) for c in rows], "next_cursor": _encode_cursor(rows[-1]) if more and rows else None}


_CREATE_DOC = """登记: register a case in state `registered` with its parties (at least one). The reporter gets
an SMS receipt with the case number. The place is a WGS-84 point (the grid is found from it) or a
grid code; without either, your own region. `category` is a code of the `case_category` code
table. Roles: window clerk, centre admin, street/community staff, grid team, mediator.
The answer is the case as `GET /cases/{number}` shows it."""


@router.post("", response={201: CaseDetail, **ERRORS}, summary="Register a case (登记)", description=_CREATE_DOC,
             operation_id="cases_create")
def create_case(request, payload: CaseIn):
    actor = request.auth
    data = payload.model_dump()
    # the case as registered, not read again through case_for: whoever registered a case may see
    # it (a clerk may register outside his scope); its few relations load by primary key
    doc = _detail(services.register_case(actor, **data), actor, fresh=True)
    # rendered as it is: _detail makes the CaseDetail document (the test of this endpoint checks
    # the answer against GET /cases/{number}, which is validated), and validating it again costs
    # a tenth of a registration
    from zhili.api import api

    renderer = api.renderer
    return HttpResponse(renderer.render(request, doc, response_status=201), status=201,
                        content_type=f"{renderer.media_type}; charset={renderer.charset}")


class DuplicateQuery(Schema):
    category: _text(40) = Field("", json_schema_extra={"example": "T.neighbour"})
    lon: float | None = Field(None, ge=-180, le=180, json_schema_extra={"example": 119.105})
    lat: float | None = Field(None, ge=-90, le=90, json_schema_extra={"example": 36.705})
    phone: _text(30) = Field("", json_schema_extra={"example": "13805361234"})
    text: _text(2000) = Field("", json_schema_extra={"example": "楼上卫生间漏水，多次协商未果"})
    days: int = Field(30, ge=1, le=365, description="look back this many days")
    limit: int = Field(10, ge=1, le=50)


_DUP_DOC = """Likely duplicates for the intake form: the same category near the same point (≈500 m) in the
last `days` days, the same reporter (phone), similar text (jieba tokens, Jaccard ≥ 0.35).
Only cases of your scope. On a confidential case the same-reporter hint is given to intake staff only."""


@router.get("/duplicates", response={200: list[DuplicateOut], **ERRORS}, summary="Likely duplicates (查重)",
            description=_DUP_DOC, operation_id="cases_duplicates")
def duplicates(request, query: Query[DuplicateQuery]):
    f, actor = query, request.auth
    if (f.lon is None) != (f.lat is None):
        raise Invalid("lon", "经度和纬度需同时填写", "give both lon and lat")
    phone = f.phone.strip()
    if phone:
        _phone_index(phone)  # validates
    found = services.find_duplicates(actor, category=f.category.strip(), lon=f.lon, lat=f.lat, phone=phone, text=f.text,
                                     days=f.days, limit=f.limit)
    now = timezone.now()
    out = []
    for item in found:
        case, reasons, score = item["case"], list(item["reasons"]), item["score"]
        if _withheld(actor, case) and "同一反映人" in reasons:  # the phone must not point to the reporter
            reasons.remove("同一反映人")
            score -= 1.0
            if not reasons:
                continue
        out.append({"case": _summary(case, actor, now), "reasons": reasons, "score": round(score, 3)})
    return out


@router.get("/todo", response={200: list[BucketOut], **ERRORS}, summary="Your to-do counts by bucket (待办)",
            description="The buckets of your role (待受理, 待分派, 待签收, 待处理, 待配合, 待核查, 待回访, 即将超期, 已超期 …) "
                        "and how many cases each holds. List one with `GET /cases?bucket=`.",
            operation_id="cases_todo")
def todo(request):
    return [{"bucket": name, "label": selectors.BUCKET_LABELS.get(name, name), "count": n}
            for name, n in selectors.todo_counts(request.auth).items()]


# ---------------------------------------------------------------- endpoints: one case

_GET_DOC = """One case of your scope (404 otherwise) with its parties, units, deadlines, counts and the
actions **you** may take now (name, label, fields with kind, label, required and choices) — draw
the buttons and forms from `actions` and post them to `POST /cases/{number}/actions/{name}`.

Parties: names, and the full phone only for intake staff (window clerk, centre admin, street and
community staff); others get `138****1234`. On a confidential case (举报人保密) the reporter and every
reporter-role party are withheld (`withheld: true`, no name, no phone) from every role but intake staff."""


@router.get("/{number}", response={200: CaseDetail, **ERRORS}, summary="One case", description=_GET_DOC,
            operation_id="cases_get")
def get_case(request, number: CaseNumber = _NUMBER):
    actor = request.auth
    return _detail(selectors.case_for(actor, number), actor)


@router.get("/{number}/timeline", response={200: list[EventOut], **ERRORS}, summary="The timeline of a case",
            description="Every step, oldest first: who (name and unit), what, from which state to which, the comment and "
                        "the data recorded with it.", operation_id="cases_timeline")
def timeline(request, number: CaseNumber = _NUMBER):
    case = selectors.case_for(request.auth, number)
    return [_event_out(ev) for ev in CaseEvent.objects.filter(case=case).order_by("at", "id")]


_FILE = File(..., description="the photo or document")


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., examples=["现场照片.jpg"])
    content_type: str = Field(..., examples=["image/jpeg"])
    size: int = Field(..., description="bytes", examples=[182044])
    uploaded_at: dt.datetime
    uploaded_by: str | None = Field(None, examples=["王网格"])
    url: str = Field(..., description="GET it with the same authentication", examples=["/api/v1/cases/KW2026-000123/attachments/7"])


def _attachment_out(case: Case, att) -> dict:
    by = att.uploaded_by
    return {"id": att.pk, "name": att.name, "content_type": att.content_type, "size": att.size,
            "uploaded_at": att.uploaded_at, "uploaded_by": (by.display_name or by.username) if by else None,
            "url": f"/api/v1/cases/{case.number}/attachments/{att.pk}"}


_ATTACH_DOC = """Attach a photo or a document to a case of your scope (multipart/form-data, field `file`):
JPG, PNG, PDF, Word (.docx) or Excel (.xlsx), at most 10 MB; the extension, the declared type and the
first bytes must agree. A refused file is a 400 naming the field `file` (and is audited too). Leaders
read cases but do not attach."""


@router.post("/{number}/attachments", response={201: AttachmentOut, **ERRORS}, summary="Attach a file (附件)",
             description=_ATTACH_DOC, operation_id="cases_attach")
def attach(request, number: CaseNumber = _NUMBER, file: UploadedFile = _FILE):
    case = selectors.case_for(request.auth, number)
    return Status(201, _attachment_out(case, services.attach_file(request.auth, case, file)))


@router.get("/{number}/attachments", response={200: list[AttachmentOut], **ERRORS}, summary="The attachments of a case",
            operation_id="cases_attachments")
def attachments(request, number: CaseNumber = _NUMBER):
    case = selectors.case_for(request.auth, number)
    return [_attachment_out(case, a) for a in Attachment.objects.filter(case=case).select_related("uploaded_by").order_by("id")]


@router.get("/{number}/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="Download an attachment",
            description="The file itself, with its content type; photos inline, documents as a download.",
            operation_id="cases_attachment_file")
def attachment_file(request, number: CaseNumber = _NUMBER, attachment_id: int = Path(..., ge=1, le=2**62)):
    case = selectors.case_for(request.auth, number)
    att = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if att is None:
        raise NotFound("attachment")
    inline = att.content_type in ("image/jpeg", "image/png")
    return FileResponse(att.file.open("rb"), as_attachment=not inline, filename=att.name, content_type=att.content_type)


# ---------------------------------------------------------------- the workflow actions

_RELATION_DOC = {
    "scope": "any holder of these roles whose data scope contains the case",
    "lead_unit": "only staff of the case's lead unit (责任单位)",
    "coop_unit": "only staff of a cooperating unit (配合单位)",
    "lead_head_or_centre": "the lead unit's head, or the centre",
}
_REQUIRES_DOC = {
    "no_pending_extension": "no extension request pending", "pending_extension": "an extension request is pending",
    "not_overdue": "the case is not overdue yet", "parts_recorded": "every cooperating unit has recorded its part (complex/major)",
    "major_prepared": "a major case has had a joint meeting and a risk assessment", "no_agreement": "no agreement yet",
    "has_agreement": "the case has a mediation agreement", "has_parties": "the case has an applicant and a respondent",
}


def _field_doc(f: FieldSpec) -> str:
    kind = {"unit": "organisation id or code", "units": "list of organisation ids or codes",
            "datetime": "date and time, e.g. 2026-11-20T09:00:00+08:00 (no offset: Asia/Shanghai)",
            "date": "date, e.g. 2026-12-31", "int": "integer 1–365", "bool": "true / false",
            "case": "case number"}.get(f.kind, f.kind)
    if f.kind == "choice":
        kind = "one of " + ", ".join(f"`{c}` ({label})" for c, label in f.choices)
    elif f.kind == "text":
        kind = f"text, at most {f.max_length} characters"
    return f"- `{f.name}` — {f.label}; {kind}; {'**required**' if f.required else 'optional'}"


def _action_doc(a: Action) -> str:
    lines = [f"**{a.label}** — from {', '.join(f'`{s}`' for s in sorted(a.sources))} → "
             f"{f'`{a.target}`' if a.target else 'state unchanged'}.", ""]
    if a.description:
        lines += [a.description, ""]
    lines.append(f"Roles: {', '.join(f'`{r}`' for r in sorted(a.roles))} — {_RELATION_DOC.get(a.relation, a.relation)}.")
    if a.tiers != frozenset(Tier.values):
        lines.append(f"Tiers: {', '.join(sorted(a.tiers))} only.")
    if a.requires:
        lines.append("Preconditions: " + "; ".join(_REQUIRES_DOC.get(r, r) for r in a.requires) + ".")
    lines += ["", "Fields:" if a.fields else "No fields: post `{}` or nothing."]
    lines += [_field_doc(f) for f in a.fields]
    if a.name in ("check_pass", "resolve_on_spot"):
        lines += ["", "The answer carries `confirmation_url`: the resident's one-time link (also sent by SMS)."]
    lines += ["", "Refusals: 401 not signed in; 403 your role or unit may not; 404 the case is not in your scope; "
                  "400 wrong state (field `state`), tier or precondition; 422/400 a missing or bad field, named in `field`."]
    return "\n".join(lines)


def _perform(request, number: str, action: Action, payload) -> dict:
    actor = request.auth
    data = payload.model_dump(exclude_none=True) if payload is not None else {}
    res = services.act(actor, number, action.name, data)
    case = Case.objects.select_related(*_RELATED).get(pk=res.case.pk)
    return {"case": _summary(case, actor, timezone.now()), "event": _event_out(res.event),
            "confirmation_url": notify.confirm_url(res.confirmation_token) if res.confirmation_token else None}


def _register_action(action: Action) -> None:
    model = ACTION_MODELS[action.name]
    needs_body = any(f.required for f in action.fields)
    if needs_body:
        def view(request, number: CaseNumber = _NUMBER, payload: model = ...):  # type: ignore[valid-type]
            return _perform(request, number, action, payload)
    else:  # nothing required: no body, or {}, will do
        optional = Body(None)

        def view(request, number: CaseNumber = _NUMBER, payload: model = optional):  # type: ignore[valid-type]
            return _perform(request, number, action, payload)
    view.__name__ = f"case_action_{action.name}"
    router.post(f"/{{number}}/actions/{action.name}", response={200: ActionResultOut, **ERRORS},
                summary=f"{action.label}", description=_action_doc(action), operation_id=f"case_action_{action.name}",
                tags=["case actions"])(view)


for _action in ACTIONS.values():
    _register_action(_action)


@router.post("/{number}/actions/{action}", response={404: ErrorsOut}, include_in_schema=False)
def unknown_action(request, number: str, action: str):
    """Any other action name: the JSON 404 (the known ones are routed above)."""
    raise NotFound("action")


# ---------------------------------------------------------------- the inbox

class NotificationOut(Schema):
    id: int
    kind: str = Field(..., examples=["todo"])
    case_number: str | None = Field(None, examples=["KW2026-000123"])
    text: str = Field(..., examples=["新的待签收案件：KW2026-000123 楼上漏水引发邻里纠纷"])
    created_at: dt.datetime
    read_at: dt.datetime | None = None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut] = Field(..., description="the latest 50, newest first")


def _notification_out(n: Notification) -> dict:
    return {"id": n.pk, "kind": n.kind, "case_number": n.case.number if n.case_id else None, "text": n.text,
            "created_at": _local(n.created_at), "read_at": _local(n.read_at)}


@notifications_router.get("", response={200: InboxOut, **ERRORS}, summary="Your inbox: unread count and the latest 50",
                          operation_id="notifications_list")
def inbox(request):
    mine = Notification.objects.filter(user=request.auth)
    items = mine.select_related("case").order_by("-created_at", "-id")[:50]
    return {"unread": mine.filter(read_at__isnull=True).count(), "items": [_notification_out(n) for n in items]}


@notifications_router.post("/{notification_id}/read", response={200: NotificationOut, **ERRORS},
                           summary="Mark one of your notifications read", operation_id="notifications_read")
def read_notification(request, notification_id: int = Path(..., ge=1, le=2**63 - 1)):
    return _notification_out(services.read_notification(request.auth, notification_id=notification_id))

