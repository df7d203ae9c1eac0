"""The figures, each with its one definition: the function with its formula in its docstring, the
table of them in the order pages and reports list them (:data:`FIGURES`), the values of one set of
summed counters (:class:`Figures`) and, from those definitions, the tables of docs/metrics.md.

The functions take *summed counters* — the sums of the rollup columns that
``zhili.cases.rollups.contribution`` defines per case — so no page counts the cases table. The one
exception is :func:`~zhili.insight.figures.overdue.overdue_now`, a state of the present moment that
no rollup can hold (see its docstring)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from zhili.cases.rollups import COUNTERS

from .overdue import overdue_now
from .values import Average, C, Rate, Value

# ---------------------------------------------------------------- the figures

def received(c: C) -> int:
    """受理量 = Σ received: the cases registered in the period.

    Each registered case counts 1, except those not accepted (不予受理) and those merged into
    another case."""
    return c.get("received", 0)


def completed(c: C) -> int:
    """办结量 = Σ completed: the cases of the period that are completed.

    Completed means closed or archived: the resident confirmed, or the callback was recorded as
    solved and (basically) satisfied."""
    return c.get("completed", 0)


def completion_rate(c: C) -> Rate:
    """办结率 = 办结量 / 受理量 = completed / received."""
    return Rate(c.get("completed", 0), c.get("received", 0))


def on_time_rate(c: C) -> Rate:
    """按期办结率 = 按期办结量 / 办结量 = completed_on_time / completed.

    A completed case is on time when its result was submitted before its handling deadline
    (cases settled on the spot are on time)."""
    return Rate(c.get("completed_on_time", 0), c.get("completed", 0))


def overdue_ever(c: C) -> int:
    """累计超期件数 = Σ overdue_ever: the cases of the period that were past their handling deadline
    at some time.

    A result submitted late counts, and so does an open case the overdue sweep marked."""
    return c.get("overdue_ever", 0)


def avg_handling_hours(c: C) -> Average:
    """平均办理时长（工作小时） = handling_seconds / handled / 3600.

    handling_seconds is the working time from dispatch (or registration, for cases settled without
    dispatch) to the result, counted on working days only (the official holiday calendar, make-up
    days included; a working day counts 24 hours); handled is the number of completed cases with a
    result."""
    return Average(c.get("handling_seconds", 0), c.get("handled", 0), 3600)


def satisfaction_rate(c: C) -> Rate:
    """满意率 = (满意 + 基本满意) / 回访成功数 = (satisfied + basic) / callbacks.

    callbacks counts cases whose resident answered the callback (a satisfaction was recorded)."""
    return Rate(c.get("satisfied", 0) + c.get("basic", 0), c.get("callbacks", 0))


def resolution_rate(c: C) -> Rate:
    """解决率 = 回访"已解决" / 回访成功数 = solved / callbacks."""
    return Rate(c.get("solved", 0), c.get("callbacks", 0))


def return_rate(c: C) -> Rate:
    """退单率 = 退单件数 / 派单数 = returned / dispatched.

    returned counts dispatched cases that a unit sent back at least once."""
    return Rate(c.get("returned", 0), c.get("dispatched", 0))


def extension_rate(c: C) -> Rate:
    """延期率 = 延期件数 / 派单数 = extended / dispatched (cases with at least one approved extension)."""
    return Rate(c.get("extended", 0), c.get("dispatched", 0))


def rework_rate(c: C) -> Rate:
    """返工率（重办率） = 返工件数 / 办结量 = reworked / completed.

    reworked counts cases sent back at least once (check failed, or the resident was not satisfied
    or not helped); the denominator is the completed cases (金牛 style: 返工数 / 应结案数)."""
    return Rate(c.get("reworked", 0), c.get("completed", 0))


def signing_timeliness(c: C) -> Rate:
    """签收及时率 = 时限内签收件数 / 派单数 = signed_on_time / dispatched."""
    return Rate(c.get("signed_on_time", 0), c.get("dispatched", 0))


def repeat_rate(c: C) -> Rate:
    """重复诉求率 = 重复诉求件数 / 受理量 = repeat / received.

    A case is a repeat when the same resident filed a matter of the same top-level category in the
    30 days before."""
    return Rate(c.get("repeat", 0), c.get("received", 0))


def in_grid_rate(c: C) -> Rate:
    """事在格里办率 = 网格内办结件数 / 办结量 = in_grid / completed.

    in_grid counts completed cases settled on the spot by the grid team or the community."""
    return Rate(c.get("in_grid", 0), c.get("completed", 0))


@dataclass(frozen=True)
class Figure:
    name: str
    label: str  # Chinese name
    label_en: str
    fn: Callable[[C], Value]
    kind: str  # count | rate | hours
    numerator: str
    denominator: str
    counters: tuple[str, ...]


#: every figure, in the order pages and reports list them
FIGURES: tuple[Figure, ...] = (
    Figure("received", "受理量", "Received", received, "count", "received", "", ("received",)),
    Figure("completed", "办结量", "Completed", completed, "count", "completed", "", ("completed",)),
    Figure("completion_rate", "办结率", "Completion rate", completion_rate, "rate", "completed", "received",
           ("completed", "received")),
    Figure("on_time_rate", "按期办结率", "On-time completion rate", on_time_rate, "rate", "completed_on_time", "completed",
           ("completed_on_time", "completed")),
    Figure("overdue_ever", "累计超期件数", "Overdue at some time", overdue_ever, "count", "overdue_ever", "",
           ("overdue_ever",)),
    Figure("avg_handling_hours", "平均办理时长（工作小时）", "Average handling time (working hours)", avg_handling_hours,
           "hours", "handling_seconds / 3600", "handled", ("handling_seconds", "handled")),
    Figure("satisfaction_rate", "满意率", "Satisfaction rate", satisfaction_rate, "rate", "satisfied + basic", "callbacks",
           ("satisfied", "basic", "callbacks")),
    Figure("resolution_rate", "解决率", "Resolution rate", resolution_rate, "rate", "solved", "callbacks",
           ("solved", "callbacks")),
    Figure("return_rate", "退单率", "Return rate", return_rate, "rate", "returned", "dispatched", ("returned", "dispatched")),
    Figure("extension_rate", "延期率", "Extension rate", extension_rate, "rate", "extended", "dispatched",
           ("extended", "dispatched")),
    Figure("rework_rate", "返工率", "Rework rate", rework_rate, "rate", "reworked", "completed", ("reworked", "completed")),
    Figure("signing_timeliness", "签收及时率", "Signing timeliness", signing_timeliness, "rate", "signed_on_time",
           "dispatched", ("signed_on_time", "dispatched")),
    Figure("repeat_rate", "重复诉求率", "Repeat-request rate", repeat_rate, "rate", "repeat", "received",
           ("repeat", "received")),
    Figure("in_grid_rate", "事在格里办率", "Resolved inside the grid", in_grid_rate, "rate", "in_grid", "completed",
           ("in_grid", "completed")),
)
BY_NAME = {f.name: f for f in FIGURES}
#: the five figures 赵书记 reports upward; the big screen and the report lead with them
KEY_FIGURES = ("received", "completed", "completion_rate", "on_time_rate", "satisfaction_rate")
OVERDUE_NOW = Figure("overdue_now", "当前超期件数", "Overdue now", lambda c: 0, "count", "open cases past due_at", "",
                     ())


@dataclass(frozen=True)
class Figures:
    """The figures of one set of summed counters (and, for totals, the overdue count of now)."""

    counters: Mapping[str, int]
    overdue_now: int | None = None

    def __getattr__(self, name: str) -> Value:
        fig = BY_NAME.get(name)
        if fig is None:
            raise AttributeError(name)
        return fig.fn(self.counters)

    def value(self, name: str) -> Value | None:
        if name == "overdue_now":
            return self.overdue_now
        return BY_NAME[name].fn(self.counters)

    def rows(self) -> list[tuple[Figure, Value | None]]:
        """(figure, value) in the standard order, "overdue now" after "overdue ever" when known."""
        out: list[tuple[Figure, Value | None]] = []
        for fig in FIGURES:
            out.append((fig, fig.fn(self.counters)))
            if fig.name == "overdue_ever" and self.overdue_now is not None:
                out.append((OVERDUE_NOW, self.overdue_now))
        return out

    def as_dict(self) -> dict[str, str]:
        """Every figure as the text pages show ("66.67%", "—", "12")."""
        return {fig.name: str(v) for fig, v in self.rows()}


def zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


# ---------------------------------------------------------------- docs/metrics.md

def metrics_markdown() -> str:
    """The tables of docs/metrics.md, from the definitions above (a test keeps the doc equal to it)."""
    ordered = (*FIGURES[:5], OVERDUE_NOW, *FIGURES[5:])

    def doc(figure: Figure) -> str:
        text = (overdue_now.__doc__ if figure is OVERDUE_NOW else figure.fn.__doc__) or ""
        return text.replace("``", "`")

    lines = ["| figure | 名称 | formula | numerator | denominator | counters |", "|---|---|---|---|---|---|"]
    for figure in ordered:
        first = " ".join(doc(figure).strip().split("\n\n")[0].split())
        counters = ", ".join(f"`{c}`" for c in figure.counters) or "— (indexed count of open cases)"
        lines.append(f"| `{figure.name}` | {figure.label} | {first} | {figure.numerator} | {figure.denominator or '—'} "
                     f"| {counters} |")
    lines += ["", "### Each figure in full", ""]
    for figure in ordered:
        paragraphs = [" ".join(p.split()) for p in doc(figure).strip().split("\n\n")]
        lines += [f"**`{figure.name}` {figure.label}** ({figure.label_en}, {figure.kind}). " + " ".join(paragraphs), ""]
    return "\n".join(lines)
