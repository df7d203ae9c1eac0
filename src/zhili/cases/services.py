"""Case actions. ``register_case`` creates a case; ``act`` performs any action of the workflow
table: check (role, relation, state, tier, fields, preconditions) → change in one transaction →
timeline event + audit event → notifications after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

import jieba
from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from zhili.cases import rollups
from zhili.core import audit, crypto, geo, rowsql
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.models import CodeItem, Organisation, Region
from zhili.core.services import check_people, resolve_residents

from . import deadlines, keys, notify, writes
from .models import (
    AgreementFollowUp,
    Attachment,
    Case,
    CaseEvent,
    CaseParty,
    CaseType,
    CaseUnit,
    Channel,
    ConfirmationToken,
    JointMeeting,
    MediationAgreement,
    MediationSession,
    RiskAssessment,
    Tier,
    Urgency,
)
from .selectors import cases_for
from .workflow import ACTIONS, CLOSED_STATES, Action, FieldSpec

CONFIRM_TTL = dt.timedelta(days=7)
#: a request by the same resident about the same kind of matter within this many days is a repeat (重复诉求)
REPEAT_DAYS = 30
GRID_ROLES = frozenset({"grid_worker", "grid_leader", "grid_instructor", "grid_dept_staff"})
STOPWORDS = frozenset("的 了 是 在 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 他 她 们 请 反映 问题 情况".split())


def case_prefix() -> str:
    return getattr(settings, "ZHILI_CASE_PREFIX", "KW")


def tokens(text: str) -> list[str]:
    """Content words of a text (jieba search mode), for similarity and search."""
    return [t for t in jieba.cut_for_search(text or "") if len(t.strip()) > 1 and t not in STOPWORDS and not t.isspace()]


def _actor_name(actor) -> tuple[str, str]:
    if actor is None:
        return "群众", ""
    return (actor.display_name or actor.username), (actor.organisation.name if actor.organisation_id else "")


def _event(case: Case, actor, action: str, from_state: str, to_state: str, comment: str = "", data: dict | None = None,
           at: dt.datetime | None = None) -> CaseEvent:
    name, org = _actor_name(actor)
    return CaseEvent.objects.create(case=case, at=at or timezone.now(), actor=actor if actor is not None else None,
                                    actor_name=name, actor_org=org, action=action, from_state=from_state,
                                    to_state=to_state, comment=comment, data=data or {})


# ---------------------------------------------------------------- registration

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
    if (lon is None) != (lat is None):
        errors.append({"field": "lon", "message": "经度和纬度需同时填写", "message_en": "give both lon and lat"})
    elif lon is not None and not (73 <= lon <= 136 and 3 <= lat <= 54):
        errors.append({"field": "lon", "message": "坐标不在中国范围内", "message_en": "the point is outside China (WGS-84 lon, lat)"})
    parties = parties or []
    if not parties:
        errors.append({"field": "parties", "message": "至少登记一名当事人或反映人", "message_en": "at least one party is required"})
    for i, p in enumerate(parties):
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
        name, org = _actor_name(actor)
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


# ---------------------------------------------------------------- attachments

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
#: extension → the content types a client may declare for it, and how the file starts
UPLOAD_TYPES = {
    "jpg": ({"image/jpeg", "image/pjpeg"}, (b"\xff\xd8\xff",)),
    "jpeg": ({"image/jpeg", "image/pjpeg"}, (b"\xff\xd8\xff",)),
    "png": ({"image/png"}, (b"\x89PNG\r\n\x1a\n",)),
    "pdf": ({"application/pdf"}, (b"%PDF-",)),
    "docx": ({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, (b"PK\x03\x04",)),
    "xlsx": ({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, (b"PK\x03\x04",)),
}
#: roles that see a case but do not work on it
ATTACH_REFUSED_ROLES = frozenset({"leader"})


def check_upload(upload) -> tuple[str, str] | None:
    """None if the file may be kept, else why not (Chinese, English): jpg/png/pdf/docx/xlsx by
    extension, declared type and content, at most 10 MB."""
    if upload is None:
        return "请选择文件", "choose a file"
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in UPLOAD_TYPES:
        return "只能上传 JPG、PNG、PDF、Word（.docx）和 Excel（.xlsx）文件", "only JPG, PNG, PDF, Word (.docx) and Excel (.xlsx) files can be attached"
    if upload.size > UPLOAD_MAX_BYTES:
        return "文件超过 10 MB", "the file is larger than 10 MB"
    if upload.size == 0:
        return "文件是空的", "the file is empty"
    types, magic = UPLOAD_TYPES[ext]
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared not in types:
        return f"文件类型与扩展名（.{ext}）不符", f"the file's type does not match its name (.{ext})"
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magic):
        return f"文件内容与扩展名（.{ext}）不符", f"the file's content does not match its name (.{ext})"
    return None


def attach_file(actor, case: Case, upload) -> Attachment:
    """Keep a photo or document on a case (the page's upload and ``POST /api/v1/cases/{number}/attachments``).
    The case comes from the actor's scope (``selectors.case_for``); a refused file is audited too."""
    if actor is None or not (actor.is_superuser or actor.role not in ATTACH_REFUSED_ROLES):
        raise Forbidden("您的角色不能上传附件", "your role may not attach files")
    problem = check_upload(upload)
    if problem:
        audit.record(actor, "case.attach", case, result="refused",
                     details={"number": case.number, "name": (getattr(upload, "name", "") or "")[:200], "reason": problem[1]})
        raise Invalid("file", *problem)
    name = upload.name[-200:]
    with transaction.atomic():
        att = Attachment(case=case, name=name, content_type=upload.content_type.split(";")[0].strip().lower(),
                         size=upload.size, uploaded_by=actor)
        att.file.save(name, upload, save=False)
        att.save()
        audit.record(actor, "case.attach", case, details={"number": case.number, "name": name, "size": upload.size,
                                                          "attachment": att.pk})
    return att


def file_public_request(**kwargs) -> Case:
    """A resident files a request on the public page (no account): channel online."""
    kwargs.setdefault("channel", "online")
    return register_case(None, **kwargs)


# ---------------------------------------------------------------- the workflow

def relation_ok(actor, case: Case, action: Action) -> bool:
    if actor.is_superuser:
        return True
    org = actor.organisation_id
    if action.relation == "lead_unit":
        return bool(org) and org == case.lead_unit_id
    if action.relation == "coop_unit":
        return bool(org) and case.units.filter(unit_id=org).exists()
    if action.relation == "lead_head_or_centre":
        return actor.role == "centre_admin" or (bool(org) and org == case.lead_unit_id)
    return True


def _precondition_errors(case: Case, action: Action, now: dt.datetime) -> list[dict]:
    out = []
    for req in action.requires:
        if req == "no_pending_extension" and case.extension_pending:
            out.append(("extension", "已有待审批的延期申请", "an extension request is already pending"))
        elif req == "pending_extension" and not case.extension_pending:
            out.append(("extension", "没有待审批的延期申请", "there is no pending extension request"))
        elif req == "not_overdue" and case.due_at and case.due_at < now:
            out.append(("days", "已超期，不能再申请延期（应在期限届满前申请）", "the case is already overdue: ask before the deadline"))
        elif req == "parts_recorded" and case.tier in ("complex", "major"):
            missing = list(case.units.filter(recorded_at__isnull=True).values_list("unit__name", flat=True))
            if missing:
                out.append(("result", f"配合单位尚未记录办理情况：{'、'.join(missing)}", f"cooperating units have not recorded their part: {', '.join(missing)}"))
        elif req == "major_prepared" and case.tier == "major":
            if not case.meetings.exists():
                out.append(("result", "重大纠纷须先召开联席会议", "a major case needs a joint meeting first"))
            if not case.risk_assessments.exists():
                out.append(("result", "重大纠纷须先进行风险研判", "a major case needs a risk assessment first"))
        elif req == "no_agreement" and hasattr(case, "agreement"):
            out.append(("facts", "本案已有调解协议", "the case already has an agreement"))
        elif req == "has_agreement" and not hasattr(case, "agreement"):
            out.append(("performed", "本案没有调解协议", "the case has no mediation agreement"))
        elif req == "has_parties":
            roles = set(case.parties.values_list("role", flat=True))
            if not {"applicant", "respondent"} <= roles:
                out.append(("facts", "调解协议需要申请人和被申请人", "an agreement needs an applicant and a respondent"))
    return [{"field": f, "message": zh, "message_en": en} for f, zh, en in out]


def available_actions(actor, case: Case) -> list[Action]:
    """The actions this actor may take on this case now: the page's buttons."""
    if actor is None or not actor.is_authenticated:
        return []
    out = []
    for a in ACTIONS.values():
        if case.state not in a.sources or case.tier not in a.tiers:
            continue
        if not (actor.is_superuser or actor.role in a.roles) or not relation_ok(actor, case, a):
            continue
        if any(r in ("no_pending_extension", "pending_extension", "has_agreement", "no_agreement") for r in a.requires) \
                and _precondition_errors(case, a, timezone.now()) and a.name in ("request_extension", "decide_extension", "follow_up", "record_agreement"):
            continue
        out.append(a)
    return out


def _bool(v) -> bool | None:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "on", "是", "y"):
        return True
    if s in ("0", "false", "no", "off", "否", "n"):
        return False
    return None


def _unit(v, field: str) -> Organisation:
    org = None
    if isinstance(v, Organisation):
        org = v
    elif isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
        pk = int(v)
        org = Organisation.objects.filter(pk=pk, active=True).first() if 0 < pk < 2**31 else None
    elif isinstance(v, str) and v:
        org = Organisation.objects.filter(code=v, active=True).first()
    if org is None:
        raise Invalid(field, f"单位“{v}”不存在", f"unit {v!r} does not exist")
    return org


def _datetime(v, field: str) -> dt.datetime:
    if isinstance(v, dt.datetime):
        t = v
    else:
        t = parse_datetime(str(v)) if v else None
    if t is None:
        raise Invalid(field, "时间格式不正确，例如 2026-11-26T09:30", "not a date and time, e.g. 2026-11-26T09:30")
    return t if timezone.is_aware(t) else t.replace(tzinfo=SHANGHAI)


def clean_fields(action: Action, data: dict, actor=None) -> dict:
    """Validate an action's input against its field specs; all problems at once."""
    out, errors = {}, []

    def bad(f: FieldSpec, zh: str, en: str):
        errors.append({"field": f.name, "message": f"{f.label}：{zh}", "message_en": f"{f.name}: {en}"})

    for f in action.fields:
        v = data.get(f.name)
        empty = v is None or v == "" or v == []
        if empty:
            if f.required:
                bad(f, "必填", "is required")
            continue
        try:
            if f.kind == "text":
                v = str(v).strip()
                if len(v) > f.max_length:
                    bad(f, f"不能超过{f.max_length}字", f"is longer than {f.max_length} characters")
                    continue
                if f.required and not v:
                    bad(f, "必填", "is required")
                    continue
            elif f.kind == "int":
                v = int(v)
                if v <= 0 or v > 365:
                    bad(f, "必须在1到365之间", "must be between 1 and 365")
                    continue
            elif f.kind == "bool":
                b = _bool(v)
                if b is None:
                    bad(f, "请选择是或否", "must be true or false")
                    continue
                v = b
            elif f.kind == "choice":
                if str(v) not in {c for c, _ in f.choices}:
                    bad(f, "取值无效", f"must be one of {', '.join(c for c, _ in f.choices)}")
                    continue
                v = str(v)
            elif f.kind == "unit":
                v = _unit(v, f.name)
            elif f.kind == "units":
                items = v if isinstance(v, list | tuple) else [x for x in re.split(r"[,，\s]+", str(v)) if x]
                v = [_unit(x, f.name) for x in items]
            elif f.kind == "datetime":
                v = _datetime(v, f.name)
            elif f.kind == "date":
                d = v if isinstance(v, dt.date) else parse_date(str(v))
                if d is None:
                    bad(f, "日期格式不正确，例如 2026-11-26", "not a date, e.g. 2026-11-26")
                    continue
                v = d
            elif f.kind == "case":
                v = str(v).strip()
        except (TypeError, ValueError, OverflowError):
            bad(f, "格式不正确", "has the wrong format")
            continue
        except Invalid as exc:
            errors += exc.errors
            continue
        out[f.name] = v
    if errors:
        raise Invalid.many(errors)
    return out


@dataclass
class ActResult:
    case: Case
    event: CaseEvent
    confirmation_token: str | None = None


def act(actor, case: Case | str, action_name: str, data: dict | None = None, *, now: dt.datetime | None = None,
        via_token: ConfirmationToken | None = None) -> ActResult:
    """Perform one action of the workflow table on a case."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise NotFound("action")
    data = data or {}
    now = now or timezone.now()
    with transaction.atomic():
        number = case.number if isinstance(case, Case) else case
        if via_token is not None:
            qs = Case.objects.filter(pk=via_token.case_id)
        else:
            qs = cases_for(actor).filter(number=number)
        case = qs.select_for_update().first()
        if case is None:
            raise NotFound("case")
        if via_token is None:
            if not (actor.is_superuser or actor.role in action.roles):
                raise Forbidden(f"您的角色不能执行“{action.label}”", f"your role may not {action.name} a case")
            if not relation_ok(actor, case, action):
                raise Forbidden(f"只有责任单位或配合单位可以执行“{action.label}”", f"only the responsible unit may {action.name} this case")
        if case.state not in action.sources:
            raise Invalid("state", f"案件当前状态为“{case.state}”，不能执行“{action.label}”",
                          f"a case in state {case.state!r} cannot be {action.name!r}-ed")
        if case.tier not in action.tiers:
            raise Invalid("tier", f"“{action.label}”不适用于该分级的案件", f"{action.name} does not apply to {case.tier} cases")
        fields = clean_fields(action, data, actor)
        errs = _precondition_errors(case, action, now)
        if errs:
            raise Invalid.many(errs)
        from_state = case.state
        before = rollups.snapshot(case)
        handler = _HANDLERS[action.name]
        result = handler(actor, case, fields, now) or {}
        to_state = result.pop("to_state", action.target or case.state)
        case.state = to_state
        case.save()
        rollups.apply_change(before, case)
        ev = _event(case, actor, action.name, from_state, to_state, comment=result.pop("comment", fields.get("comment", "") or fields.get("reason", "")),
                    data=_jsonable({**{k: v for k, v in fields.items() if k not in ("comment",)}, **result.get("data", {})}), at=now)
        audit.record(actor, f"case.{action.name}", case, details={"number": case.number, "from": from_state, "to": to_state,
                                                                   "via": "resident" if via_token is not None else "staff"})
        notify.after_action(case, action.name, ev, result)
    return ActResult(case=case, event=ev, confirmation_token=result.get("token"))


def _jsonable(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, Organisation):
            out[k] = {"id": v.pk, "name": v.name}
        elif isinstance(v, list):
            out[k] = [{"id": x.pk, "name": x.name} if isinstance(x, Organisation) else x for x in v]
        elif isinstance(v, dt.datetime | dt.date):
            out[k] = v.isoformat()
        else:
            out[k] = v
    return out


# --- one handler per action: change the case (state is set by ``act``), return extras

def _set_units(case: Case, lead: Organisation, coop: list[Organisation]) -> None:
    case.lead_unit = lead
    keep = {o.pk for o in coop if o.pk != lead.pk}
    CaseUnit.objects.filter(case=case).exclude(unit_id__in=keep).delete()
    existing = set(CaseUnit.objects.filter(case=case).values_list("unit_id", flat=True))
    CaseUnit.objects.bulk_create([CaseUnit(case=case, unit_id=u) for u in keep - existing])


def _h_accept(actor, case, f, now):
    case.accepted_at = now
    if f.get("tier"):
        case.tier = f["tier"]


def _h_reject(actor, case, f, now):
    case.closed_at = now
    notify.text_resident(case, case.reporter, f"【诉求办理】您的诉求 {case.number} 不予受理：{f['reason']}。建议途径：{f['proper_channel']}。")


def _h_resolve_on_spot(actor, case, f, now):
    case.result = f["result"]
    case.accepted_at = case.accepted_at or now
    case.resolved_at = now
    case.on_time = True
    case.resolved_in_grid = bool(actor is not None and (actor.role in GRID_ROLES or actor.role == "community_staff"))
    return {"token": issue_confirmation(case, now)}


def _h_dispatch(actor, case, f, now):
    _set_units(case, f["lead_unit"], f.get("cooperating_units", []))
    if f.get("tier"):
        case.tier = f["tier"]
    case.dispatched_by = actor
    case.handler = None
    first = case.dispatched_at is None
    case.dispatched_at = now
    if first or case.due_at is None:
        deadlines.start_clock(case, now)
    else:  # re-dispatch after a return: the handling deadline stands, the new unit gets its signing time
        p = deadlines.policy_for(case)
        case.sign_due_at = deadlines.add(now, p.sign_value if p else 1, p.sign_unit if p else "wd")
    return {"data": {"sign_due_at": case.sign_due_at.isoformat(), "due_at": case.due_at.isoformat()}}


def _h_transfer(actor, case, f, now):
    old = case.lead_unit.name if case.lead_unit_id else ""
    out = _h_dispatch(actor, case, f, now)
    out["data"]["from_unit"] = old
    return out


def _h_sign(actor, case, f, now):
    case.signed_at = now
    case.handler = actor


def _h_return(actor, case, f, now):
    case.return_count += 1
    case.handler = None


def _h_noop(actor, case, f, now):
    return None


def _h_record_part(actor, case, f, now):
    CaseUnit.objects.filter(case=case, unit_id=actor.organisation_id).update(part=f["part"], recorded_at=now, recorded_by=actor)
    return {"comment": f["part"]}


def _h_request_extension(actor, case, f, now):
    limit = deadlines.max_extension_days(case)
    if limit is not None and case.extended_days + f["days"] > limit:
        raise Invalid("days", f"延期总天数不能超过{limit}天（已延期{case.extended_days}天）",
                      f"extensions may total at most {limit} days ({case.extended_days} already granted)")
    if limit is None:
        raise Invalid("days", "该类案件的时限规则不允许延期", "the deadline policy of this case allows no extension")
    case.extension_pending = {"days": f["days"], "reason": f["reason"], "by": actor.pk, "at": now.isoformat()}
    return {"comment": f["reason"]}


def _h_decide_extension(actor, case, f, now):
    req = case.extension_pending
    case.extension_pending = None
    if f["approve"]:
        days = int(req["days"])
        case.due_at = deadlines.add(case.due_at, days, "wd" if case.deadline_unit == "wd" else "d")
        case.extended_days += days
        case.extension_count += 1
        return {"data": {"approved": True, "days": days, "due_at": case.due_at.isoformat()}}
    return {"data": {"approved": False, "days": req["days"]}}


def _h_suspend(actor, case, f, now):
    case.suspended_at = now
    case.suspended_from = case.state


def _h_resume(actor, case, f, now):
    deadlines.shift_for_suspension(case, now)
    case.suspended_at = None
    return {"data": {"due_at": case.due_at.isoformat() if case.due_at else None}}


def _h_submit_result(actor, case, f, now):
    case.result = f["result"]
    case.resolved_at = now
    case.on_time = case.due_at is None or now <= case.due_at
    if not case.on_time:
        case.was_overdue = True
    return {"comment": f["result"]}


def _h_check_pass(actor, case, f, now):
    return {"token": issue_confirmation(case, now)}


def _h_check_fail(actor, case, f, now):
    case.rework_count += 1
    case.resolved_at = None


def _h_callback(actor, case, f, now, *, via_resident: bool = False):
    case.solved = f["solved"]
    case.satisfaction = f["satisfaction"]
    ConfirmationToken.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
    if f["solved"] and f["satisfaction"] in ("satisfied", "basic"):
        case.closed_at = now
        return {"to_state": "closed"}
    case.rework_count += 1
    case.resolved_at = None
    case.closed_at = None
    case.result = case.result
    words = f.get("comment") or ""
    # reopened: back to the unit that handled it, or — settled on the spot — to be dispatched properly
    return {"to_state": "handling" if case.lead_unit_id else "accepted", "comment": words, "data": {"reopened": True}}


def _h_archive(actor, case, f, now):
    case.archived_at = now


def _h_supervise(actor, case, f, now):
    if case.card != "red":
        case.card = f["card"]


def _h_hold_meeting(actor, case, f, now):
    m = JointMeeting.objects.create(case=case, held_at=f["held_at"], venue=f.get("venue", ""), convenor=actor,
                                    attendees=f["attendees"], decisions=f["decisions"], lead_unit=f["lead_unit"],
                                    deadline=f["deadline"])
    m.units.set(f["units"])
    m.cooperating.set(f.get("cooperating_units", []))
    _set_units(case, f["lead_unit"], f.get("cooperating_units", []))
    if case.state in ("dispatched", "handling", "returned"):
        case.due_at = f["deadline"]
    return {"comment": f["decisions"], "data": {"meeting_id": m.pk}}


def _h_assess_risk(actor, case, f, now):
    r = RiskAssessment.objects.create(case=case, level=f["level"], analysis=f["analysis"], measures=f["measures"],
                                      assessed_by=actor, assessed_at=now)
    return {"comment": f["analysis"], "data": {"assessment_id": r.pk}}


def _h_record_mediation(actor, case, f, now):
    s = MediationSession.objects.create(case=case, held_at=f["held_at"], venue=f["venue"],
                                        parties_present=f["parties_present"], notes=f["notes"])
    s.mediators.set([actor])
    return {"comment": f["notes"][:500], "data": {"session_id": s.pk}}


def _h_record_agreement(actor, case, f, now):
    if f["committee"].org_type != "mediation_committee":
        raise Invalid("committee", "请选择人民调解委员会", "choose a people's mediation committee")
    year = now.astimezone(SHANGHAI).year
    a = MediationAgreement.objects.create(
        case=case, number=f"{case.number}-调", committee=f["committee"], facts=f["facts"], disputed_items=f["disputed_items"],
        responsibilities=f["responsibilities"], terms=f["terms"], performance_method=f["performance_method"],
        performance_deadline=f["performance_deadline"], signed_on=f["signed_on"])
    a.mediators.set([actor])
    case.outcome = {"result": "agreement", "agreement": a.number, "year": year}
    return {"comment": f["terms"][:500], "data": {"agreement": a.number}}


def _h_mediation_failed(actor, case, f, now):
    case.outcome = {"result": "failed", "remedies": f["remedies"]}
    return {"comment": f["remedies"]}


def _h_follow_up(actor, case, f, now):
    AgreementFollowUp.objects.create(agreement=case.agreement, visited_on=now.astimezone(SHANGHAI).date(),
                                     performed=f["performed"], note=f.get("note", ""), by=actor)
    return {"comment": f.get("note", "")}


def _h_merge(actor, case, f, now):
    master = cases_for(actor).filter(number=f["master"]).first()
    if master is None:
        raise Invalid("master", f"主案件 {f['master']} 不存在或无权访问", f"master case {f['master']} not found")
    if master.pk == case.pk or master.master_id:
        raise Invalid("master", "不能合并到自身或已合并的案件", "cannot merge into itself or into a merged case")
    if master.state in CLOSED_STATES:
        raise Invalid("master", "主案件已结案", "the master case is closed")
    case.master = master
    case.closed_at = now
    have = set(master.parties.values_list("resident_id", "role"))
    CaseParty.objects.bulk_create([CaseParty(case=master, resident_id=rid, role="reporter")
                                   for rid in case.parties.values_list("resident_id", flat=True).distinct()
                                   if (rid, "reporter") not in have and (rid, "applicant") not in have])
    _event(master, actor, "merged_in", master.state, master.state, comment=f"合并了 {case.number}", data={"merged": case.number}, at=now)
    return {"data": {"master": master.number}}


_HANDLERS = {
    "accept": _h_accept, "reject": _h_reject, "resolve_on_spot": _h_resolve_on_spot, "dispatch": _h_dispatch,
    "transfer": _h_transfer, "sign": _h_sign, "return": _h_return, "progress": _h_noop, "record_part": _h_record_part,
    "request_extension": _h_request_extension, "decide_extension": _h_decide_extension, "suspend": _h_suspend,
    "resume": _h_resume, "submit_result": _h_submit_result, "check_pass": _h_check_pass, "check_fail": _h_check_fail,
    "callback": _h_callback, "archive": _h_archive, "supervise": _h_supervise, "urge": _h_noop,
    "hold_meeting": _h_hold_meeting, "assess_risk": _h_assess_risk, "record_mediation": _h_record_mediation,
    "record_agreement": _h_record_agreement, "mediation_failed": _h_mediation_failed, "follow_up": _h_follow_up,
    "merge": _h_merge,
}
assert set(_HANDLERS) == set(ACTIONS), set(ACTIONS) ^ set(_HANDLERS)


# ---------------------------------------------------------------- resident confirmation

def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_confirmation(case: Case, now: dt.datetime) -> str:
    """A fresh one-time link for the reporter (and every merged case's reporters): older links stop working."""
    ConfirmationToken.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
    raw = secrets.token_urlsafe(24)
    ConfirmationToken.objects.create(case=case, resident=case.reporter, key_hash=_hash(raw), created_at=now,
                                     expires_at=now + CONFIRM_TTL)
    notify.text_resident(case, case.reporter, f"【诉求办理】您的诉求 {case.number} 已办结，请确认是否解决：{notify.confirm_url(raw)}")
    for merged in case.merged_cases.select_related("reporter"):
        notify.text_resident(merged, merged.reporter,
                             f"【诉求办理】您的诉求 {merged.number} 已与 {case.number} 合并办理并已办结，请确认：{notify.confirm_url(raw)}")
    return raw


def token_case(raw: str, now: dt.datetime | None = None) -> ConfirmationToken:
    """The valid token for a link, or a clear refusal (expired, used, unknown)."""
    now = now or timezone.now()
    tok = ConfirmationToken.objects.select_related("case", "case__category").filter(key_hash=_hash(raw or "")).first()
    if tok is None:
        raise NotFound("token")
    if tok.used_at is not None:
        raise Invalid("token", "该链接已使用或已失效", "this link has already been used")
    if tok.expires_at < now:
        raise Invalid("token", "该链接已过期，请联系受理窗口", "this link has expired")
    return tok


def confirm_by_resident(raw: str, *, solved: bool, satisfaction: str, comment: str = "", number: str | None = None) -> ActResult:
    """The resident answers on the phone page: the link works once, for its own case only."""
    tok = token_case(raw)
    if number is not None and tok.case.number != number:
        raise NotFound("token")
    result = act(None, tok.case.number, "callback", {"solved": solved, "satisfaction": satisfaction, "comment": comment},
                 via_token=tok)
    return result


# ---------------------------------------------------------------- duplicates

def find_duplicates(actor, *, category: str = "", lon: float | None = None, lat: float | None = None, phone: str = "",
                    text: str = "", days: int = 30, exclude: int | None = None, limit: int = 10) -> list[dict]:
    """Likely duplicates: same category near the same point within recent days; the same resident;
    similar text (jieba tokens, Jaccard ≥ 0.35)."""
    since = timezone.now() - dt.timedelta(days=days)
    qs = cases_for(actor).filter(created_at__gte=since, master__isnull=True).exclude(state__in=("merged", "rejected"))
    if exclude:
        qs = qs.exclude(pk=exclude)
    found: dict[int, dict] = {}

    def add(c: Case, reason: str, score: float):
        item = found.setdefault(c.pk, {"case": c, "reasons": [], "score": 0.0})
        item["reasons"].append(reason)
        item["score"] += score

    if category and lon is not None and lat is not None:
        d = 0.005  # ≈ 500 m
        for c in qs.filter(category__code=category, lon__range=(lon - d, lon + d), lat__range=(lat - d, lat + d))[:50]:
            add(c, "同类别、位置相近", 1.0)
    if phone:
        idx = crypto.blind_index(phone, "phone")
        for c in qs.filter(reporter_phone_index=idx)[:50]:
            add(c, "同一反映人", 1.0)
    words = set(tokens(text))
    if len(words) >= 2:
        pool = qs.order_by("-created_at")
        if category:
            pool = pool.filter(category_path__contains=category.split(".")[0])
        for c in pool[:300]:
            other = set(c.search_text.split())
            if other:
                j = len(words & other) / len(words | other)
                if j >= 0.35:
                    add(c, f"内容相似（{j:.0%}）", j)
    return sorted(found.values(), key=lambda x: -x["score"])[:limit]


# ---------------------------------------------------------------- the staff inbox

def read_notification(actor, *, notification_id: int):
    """Mark one of the actor's own notifications read (idempotent); another's is "not found"."""
    from .models import Notification

    n = Notification.objects.select_related("case").filter(pk=notification_id, user=actor).first()
    if n is None:
        raise NotFound("notification")
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n
