"""Deadlines as data: which policy applies, when a case is due, how much time is left."""

from __future__ import annotations

import calendar as pycal
import datetime as dt

from django.utils import timezone

from zhili.core import calendar

from .models import Case, DeadlinePolicy


def add(start: dt.datetime, value: int, unit: str) -> dt.datetime:
    """start + value units: mi natural minutes, h natural hours, d natural days, wd working days, m calendar months."""
    if unit == "mi":
        return start + dt.timedelta(minutes=value)
    if unit == "h":
        return start + dt.timedelta(hours=value)
    if unit == "d":
        return start + dt.timedelta(days=value)
    if unit == "wd":
        return calendar.add_working_days(start, value)
    if unit == "m":
        local = start.astimezone(calendar.SHANGHAI)
        month = local.month - 1 + value
        year, month = local.year + month // 12, month % 12 + 1
        day = min(local.day, pycal.monthrange(year, month)[1])
        return local.replace(year=year, month=month, day=day).astimezone(dt.UTC)
    raise ValueError(f"unknown deadline unit {unit!r}")


def match_policy(policies, *, case_type: str, tier: str, urgency: str, ancestors: list[str]) -> DeadlinePolicy | None:
    """The most specific of ``policies`` whose set fields all match (category: the case's or an ancestor)."""

    def fits(p: DeadlinePolicy) -> bool:
        return ((not p.case_type or p.case_type == case_type) and (not p.tier or p.tier == tier)
                and (not p.urgency or p.urgency == urgency)
                and (p.category_id is None or p.category.code in ancestors))

    def score(p: DeadlinePolicy):
        depth = 1 + ancestors.index(p.category.code) if p.category_id else 0
        return (depth, bool(p.case_type), bool(p.urgency), bool(p.tier), -p.pk)

    found = [p for p in policies if p.active and fits(p)]
    return max(found, key=score) if found else None


def policy_for(case: Case) -> DeadlinePolicy | None:
    """The policy that applies to a case."""
    ancestors = [c for c in (case.category_path or "").split("/") if c] or [case.category.code]
    policies = DeadlinePolicy.objects.filter(active=True).select_related("category")
    return match_policy(policies, case_type=case.case_type, tier=case.tier, urgency=case.urgency, ancestors=ancestors)


def start_clock(case: Case, now: dt.datetime) -> None:
    """At dispatch: set the signing and handling deadlines from the policy."""
    p = policy_for(case)
    if p is None:
        case.sign_due_at, case.due_at = add(now, *FALLBACK["sign"]), add(now, *FALLBACK["handle"])
        case.deadline_unit = FALLBACK["handle"][1]
        return
    case.sign_due_at = add(now, p.sign_value, p.sign_unit)
    case.due_at = add(now, p.handle_value, p.handle_unit)
    case.deadline_unit = p.handle_unit


def shift_for_suspension(case: Case, now: dt.datetime) -> None:
    """On resume: the time spent suspended is added to the deadline (in the policy's own kind of time)."""
    if not case.suspended_at or not case.due_at:
        return
    if case.deadline_unit == "wd":
        spent = calendar.working_time_between(case.suspended_at, now)
        case.due_at = calendar.add_working_time(case.due_at, spent)
    else:
        case.due_at = case.due_at + (now - case.suspended_at)


#: with no matching policy at all: 15 working days to handle, 1 to sign, extensions up to 15 days
FALLBACK = {"handle": (15, "wd"), "sign": (1, "wd"), "extension": 15}


def max_extension_days(case: Case) -> int | None:
    """The most extra days this case may get in total; None: its policy allows no extension."""
    p = policy_for(case)
    if p is None:
        return FALLBACK["extension"]
    return p.extension_max_value or None


def time_left(case: Case, now: dt.datetime | None = None) -> dt.timedelta | None:
    """Time until the handling deadline (negative when overdue); frozen while suspended."""
    if case.due_at is None or case.state in ("closed", "archived", "rejected", "merged"):
        return None
    ref = case.suspended_at or now or timezone.now()
    if case.state == "dispatched" and case.sign_due_at:
        return min(case.sign_due_at - ref, case.due_at - ref)
    return case.due_at - ref


def humanise(delta: dt.timedelta | None) -> tuple[str, str]:
    """('剩余 2天3小时' / '已超期 5小时', css class ok|soon|late)."""
    if delta is None:
        return "", ""
    secs = int(delta.total_seconds())
    late = secs < 0
    secs = abs(secs)
    days, rem = divmod(secs, 86400)
    hours, rem = divmod(rem, 3600)
    text = f"{days}天{hours}小时" if days else (f"{hours}小时{rem // 60}分" if hours else f"{rem // 60}分钟")
    if late:
        return f"已超期 {text}", "late"
    return f"剩余 {text}", "soon" if secs < 86400 else "ok"


# Seeded policies (../shared/reference/domain.md §4, §6, §11). Editable in the admin.
DEFAULT_POLICIES = [
    dict(name="一般诉求 7 天", handle_value=7, handle_unit="d", sign_value=1, sign_unit="wd", extension_max_value=7,
         source="北京12345服务与管理规范(征求意见稿) ordinary 7 d [V]"),
    dict(name="紧急诉求 2 小时", urgency="emergency", handle_value=2, handle_unit="h", sign_value=30, sign_unit="mi",
         source="domain.md §4 emergency feedback 2 h [V]"),
    dict(name="急迫诉求（水电气热）24 小时", urgency="urgent", handle_value=24, handle_unit="h", sign_value=2, sign_unit="h",
         source="domain.md §4 time-critical 24 h [V]"),
    dict(name="复杂疑难诉求 15 天", tier="complex", handle_value=15, handle_unit="d", sign_value=1, sign_unit="wd",
         extension_max_value=15, source="domain.md §4 complex 15 d [V]"),
    dict(name="重大纠纷 30 天", tier="major", handle_value=30, handle_unit="d", sign_value=1, sign_unit="wd",
         extension_max_value=30, source="local practice; 联席会议确定时限 [U]"),
    dict(name="信访事项 60 日（可延长 30 日）", case_type="petition", handle_value=60, handle_unit="d", sign_value=1,
         sign_unit="wd", extension_max_value=30, source="信访工作条例 Art 34 [P]"),
    dict(name="矛盾纠纷调解 一个月", case_type="dispute", handle_value=1, handle_unit="m", sign_value=1, sign_unit="wd",
         extension_max_value=15, source="人民调解工作若干规定 一般在一个月内调结 [V]"),
    dict(name="咨询 3 个工作日", case_type="consult", handle_value=3, handle_unit="wd", sign_value=1, sign_unit="wd",
         source="domain.md §4 local rule 咨询/求助 ≤3 工作日 [V]"),
    dict(name="求助 3 个工作日", case_type="help", handle_value=3, handle_unit="wd", sign_value=1, sign_unit="wd",
         source="domain.md §4 local rule 咨询/求助 ≤3 工作日 [V]"),
    dict(name="投诉举报建议 13 个工作日", case_type="complaint", handle_value=13, handle_unit="wd", sign_value=1,
         sign_unit="wd", extension_max_value=10, source="domain.md §4 local rule 建议/投诉/举报 ≤13 工作日 [V]"),
]


def seed_policies() -> int:
    if DeadlinePolicy.objects.exists():
        return 0
    DeadlinePolicy.objects.bulk_create([DeadlinePolicy(**p) for p in DEFAULT_POLICIES])
    return len(DEFAULT_POLICIES)
