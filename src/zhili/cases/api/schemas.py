"""The shapes of the case API: checked input types, the output schemas, the input schemas (the
case to register, the list's filters, the duplicate query) and one body schema per workflow
action, built from its FieldSpecs (``ACTION_MODELS``).

No ``from __future__ import annotations`` here: django-ninja and pydantic read the annotations
at runtime."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints, create_model

from zhili.core.inputs import MAX_ID, SafeDate, SafeDateTime, Text, text_error
from zhili.core.schemas import ERRORS, ErrorsOut  # noqa: F401  (re-exported for the endpoint modules)

from .. import selectors
from ..models import CaseType, Channel, PartyRole, Tier, Urgency
from ..workflow import ACTIONS, STATES, Action, FieldSpec

MAX_LIMIT = 200


# ---------------------------------------------------------------- input types

def _plain_text(v: str) -> str:
    e = text_error("", v)
    if e:
        raise ValueError(e["message_en"].removeprefix(": "))
    return v


def _text(max_length: int, min_length: int = 0):
    return Text(max_length, min_length)


def _unit_ref(v: int | str) -> int | str:
    if isinstance(v, str):
        v = _plain_text(v).strip()
        if v.isdigit():
            if not v.isascii() or int(v) > MAX_ID:
                raise ValueError("is not a valid organisation id")
            return int(v)
    return v


UnitRef = Annotated[
    Annotated[int, Field(ge=1, le=MAX_ID)] | Annotated[str, StringConstraints(min_length=1, max_length=40)],
    AfterValidator(_unit_ref),
    Field(description="organisation id or code (GET /api/v1/organisations)"),
]
CaseNumber = Annotated[str, AfterValidator(_plain_text)]
NUMBER = Path(..., max_length=30, pattern=r"^[A-Za-z0-9]+-[0-9]+$", description="the case number, e.g. KW2026-000123",
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


class CaseFilters(Schema):
    number: _text(30) | None = Field(None, description="exact case number", json_schema_extra={"example": "KW2026-000123"})
    phone: _text(30) | None = Field(None, description="a resident's phone number", json_schema_extra={"example": "13805361234"})
    name: _text(60) | None = Field(None, description="a resident's name (reporter or party): whole, or its first two characters or more",
                                   json_schema_extra={"example": "张伟"})
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


class DuplicateQuery(Schema):
    category: _text(40) = Field("", json_schema_extra={"example": "T.neighbour"})
    lon: float | None = Field(None, ge=-180, le=180, json_schema_extra={"example": 119.105})
    lat: float | None = Field(None, ge=-90, le=90, json_schema_extra={"example": 36.705})
    phone: _text(30) = Field("", json_schema_extra={"example": "13805361234"})
    text: _text(2000) = Field("", json_schema_extra={"example": "楼上卫生间漏水，多次协商未果"})
    days: int = Field(30, ge=1, le=365, description="look back this many days")
    limit: int = Field(10, ge=1, le=50)


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
