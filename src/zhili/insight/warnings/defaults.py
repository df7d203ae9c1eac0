"""The warning rules as data: every kind's parameters with their defaults (what the admin form
documents), the rules every installation starts with, seeding them, and a rule's parameters."""

from __future__ import annotations

from ..models import WarningRule

#: every kind's parameters with their defaults (what the admin form documents)
PARAMS: dict[str, dict] = {
    "deadline_soon": {"deadline": "handle", "hours_before": 24},
    "overdue": {"deadline": "handle", "lookback_days": 0},
    "repeat_filer": {"count": 3, "days": 30, "first_run_hours": 1},
    "cluster": {"count": 5, "days": 7, "scope": "grid", "level": "root", "first_run_hours": 1},
    "spike": {"window_days": 28, "method": "ewma", "z": 3.0, "alpha": 0.3, "p": 0.001, "min_count": 5, "every_minutes": 60},
    "sensitive_words": {"words": ["集体上访", "讨薪", "跳楼", "自焚", "堵路", "拉横幅", "极端"], "window_hours": 24},
    "major_without_meeting": {"days": 3},
    "unit_on_time_falling": {"drop_points": 10, "weeks": 4, "min_completed": 10},
}

#: the rules every installation starts with (migration 0003 seeds the same; edit them in the admin)
DEFAULT_RULES = [
    dict(code="sign-soon", name="签收即将超时", kind="deadline_soon", level="yellow",
         params={"deadline": "sign", "hours_before": 2}, recipients=["dept_handler", "dept_head"]),
    dict(code="handle-soon", name="办理即将超期", kind="deadline_soon", level="yellow",
         params={"deadline": "handle", "hours_before": 24}, recipients=["dept_handler", "dept_head"]),
    dict(code="sign-overdue", name="签收超时", kind="overdue", level="orange",
         params={"deadline": "sign", "lookback_days": 30}, recipients=["dept_handler", "dept_head", "centre_admin"]),
    dict(code="handle-overdue", name="办理超期", kind="overdue", level="red",
         params={"deadline": "handle"}, recipients=["dept_head", "centre_admin"]),
    dict(code="repeat-filer", name="同一人反复来访", kind="repeat_filer", level="orange",
         params={"count": 3, "days": 30}, recipients=["centre_admin", "street_staff"]),
    dict(code="cluster-grid", name="网格内同类诉求聚集", kind="cluster", level="orange",
         params={"count": 5, "days": 7, "scope": "grid", "level": "root"},
         recipients=["centre_admin", "street_staff", "community_staff", "grid_leader"]),
    dict(code="cluster-community", name="社区内同类诉求聚集", kind="cluster", level="orange",
         params={"count": 10, "days": 7, "scope": "community", "level": "leaf"},
         recipients=["centre_admin", "street_staff", "community_staff"]),
    dict(code="category-spike", name="类别诉求异常增长", kind="spike", level="orange",
         params={"window_days": 28, "method": "ewma", "z": 3.0, "alpha": 0.3, "min_count": 5, "every_minutes": 60},
         recipients=["centre_admin", "leader", "street_staff"]),
    dict(code="sensitive-words", name="敏感词预警", kind="sensitive_words", level="red",
         params={"words": ["集体上访", "讨薪", "跳楼", "自焚", "堵路", "拉横幅", "极端"], "window_hours": 24},
         recipients=["centre_admin", "leader", "street_staff"]),
    dict(code="major-no-meeting", name="重大纠纷未召开联席会议", kind="major_without_meeting", level="red",
         params={"days": 3}, recipients=["centre_admin", "leader"]),
    dict(code="unit-on-time-falling", name="单位按期办结率下滑", kind="unit_on_time_falling", level="orange",
         params={"drop_points": 10, "weeks": 4, "min_completed": 10}, recipients=["centre_admin", "dept_head", "leader"]),
]


def seed_rules() -> int:
    """Create the default rules that are missing (by code); edited rules stay as they are."""
    have = set(WarningRule.objects.values_list("code", flat=True))
    new = [WarningRule(**r, source="默认规则 (zhili.insight.warnings.DEFAULT_RULES)") for r in DEFAULT_RULES
           if r["code"] not in have]
    WarningRule.objects.bulk_create(new)
    return len(new)


def params(rule: WarningRule) -> dict:
    return {**PARAMS.get(rule.kind, {}), **(rule.params or {})}
