"""Performing an action of the workflow table (``act``): check the role, the relation to the case,
the state, the tier, the fields (``clean_fields``) and the preconditions, then change the case in
one transaction with its timeline event, audit event and notifications; and which actions an
actor may take now (``available_actions``, the page's buttons)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from zhili.cases import rollups
from zhili.core import audit, inputs
from zhili.core.calendar import SHANGHAI
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.models import Organisation

from .. import ledger, notify
from ..models import Case, CaseEvent, ConfirmationToken
from ..selectors import cases_for
from ..workflow import ACTIONS, Action, FieldSpec
from .events import event
from .handlers import HANDLERS


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
            if f.kind in ("text", "case") and (e := inputs.text_error(f.name, v, None, multiline=f.kind == "text")):
                bad(f, e["message"].split("：", 1)[1], e["message_en"].split(": ", 1)[1])
                continue
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
        ledger.begin(case)
        handler = HANDLERS[action.name]
        result = handler(actor, case, fields, now) or {}
        to_state = result.pop("to_state", action.target or case.state)
        case.state = to_state
        case.save()
        rollups.apply_change(before, case)
        ev = event(case, actor, action.name, from_state, to_state, comment=result.pop("comment", fields.get("comment", "") or fields.get("reason", "")),
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
