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
# Each figure's first docstring paragraph is its formula; the rest says which cases, counted on which
# day. Its 口径 in Chinese (``Figure.caliber``) says the same for the pages, the Word report and
# docs/metrics.md. Why these definitions and not others: docs/decisions/0006-figures-the-field-publishes.md.

def received(c: C) -> int:
    """受理量 = Σ received: the cases registered in the period.

    Each registered case counts 1 on the day it was registered, except those not accepted (不予受理)
    and those merged into another case."""
    return c.get("received", 0)


def completed(c: C) -> int:
    """受理已办结量 = Σ completed: of the cases registered in the period, those completed now.

    Completed means closed or archived: the resident confirmed, the callback was solved and (basically)
    satisfied, or the resident could not be reached (无法联系). Counted on the registration day, so a
    period's number grows while its cases are finished; the cases closed in a period are 期内办结量."""
    return c.get("completed", 0)


def closed(c: C) -> int:
    """期内办结量 = Σ closed: the cases closed in the period, whenever they were registered.

    Counted on the day the case was closed (its closing time, Asia/Shanghai); a case reopened after
    closing leaves the day it had and counts again when it closes again. 无法联系 closes count."""
    return c.get("closed", 0)


def completion_rate(c: C) -> Rate:
    """受理办结率 = 受理已办结量 / 受理量 = completed / received.

    Of the cases registered in the period, the share completed now."""
    return Rate(c.get("completed", 0), c.get("received", 0))


def due(c: C) -> int:
    """应办结量 = Σ due: the cases that fell due in the period.

    A dispatched case falls due when its handling deadline passes while it is open (the overdue
    sweep marks it) or when its result comes in, whichever is first: it counts on its deadline's
    day, or on the day of its result if that came earlier. Cases settled on the spot have no handling
    deadline and do not count."""
    return c.get("due", 0)


def on_time_rate(c: C) -> Rate:
    """按期办结率 = 按期办结量 / 应办结量 = due_on_time / due.

    Of the cases that fell due in the period (应办结量), those whose result was submitted by the
    deadline (extensions approved and suspensions included). An open case past its deadline counts
    in the denominator: leaving work undone lowers the rate. Charged to the unit holding the case at
    its deadline."""
    return Rate(c.get("due_on_time", 0), c.get("due", 0))


def overdue_ever(c: C) -> int:
    """累计超期件数 = Σ overdue_ever: the cases registered in the period that were past their handling
    deadline at some time.

    A result submitted late counts, and so does an open case the overdue sweep marked; a suspended
    case's clock is stopped and it is not marked while it waits."""
    return c.get("overdue_ever", 0)


def avg_handling_hours(c: C) -> Average:
    """平均办理时长（自然小时） = handling_seconds / handled / 3600.

    handling_seconds is the natural (calendar) time from the last dispatch (or registration, for
    cases settled without dispatch) to the result, nights, weekends, holidays and suspensions
    included; handled is the number of completed cases of the period with a result."""
    return Average(c.get("handling_seconds", 0), c.get("handled", 0), 3600)


def satisfaction_rate(c: C) -> Rate:
    """满意率 = (满意 + 基本满意) / 回访评价次数 = (satisfied + basic) / callbacks.

    Every verdict the residents of the period's cases gave counts once: an unsatisfied verdict stays
    in the figure after the case is redone and closed satisfied. Cases closed as 无法联系 gave none."""
    return Rate(c.get("satisfied", 0) + c.get("basic", 0), c.get("callbacks", 0))


def resolution_rate(c: C) -> Rate:
    """解决率 = 回访"已解决"次数 / 回访评价次数 = solved / callbacks (every verdict, as 满意率)."""
    return Rate(c.get("solved", 0), c.get("callbacks", 0))


def unreachable(c: C) -> int:
    """无法联系办结量 = Σ unreachable: the cases closed in the period as 无法联系.

    The resident could not be reached after the configured number of callback attempts
    (``ZHILI_CALLBACK_ATTEMPTS``, 3 by default); counted on the closing day, apart from the verdicts."""
    return c.get("unreachable", 0)


def return_rate(c: C) -> Rate:
    """退单率 = 退单次数 / 派单次数 = returned / dispatched.

    Every dispatch (派单: 分派, 转办, a joint meeting's new lead unit) is counted on its day and
    charged to the unit it was given to; returned counts those the unit sent back."""
    return Rate(c.get("returned", 0), c.get("dispatched", 0))


def extension_rate(c: C) -> Rate:
    """延期率 = 延期派单数 / 派单次数 = extended / dispatched.

    Of the dispatches of the period, those during which the unit holding the case had at least one
    extension approved; charged to that unit."""
    return Rate(c.get("extended", 0), c.get("dispatched", 0))


def rework_rate(c: C) -> Rate:
    """返工率 = 返工办结件数 / 受理已办结量 = reworked / completed.

    Of the completed cases registered in the period, those sent back at least once before they were
    completed (check failed, or the resident was not satisfied or not helped): both counts are of
    completed cases, so an open reworked case does not raise it."""
    return Rate(c.get("reworked", 0), c.get("completed", 0))


def signing_timeliness(c: C) -> Rate:
    """签收及时率 = 按时签收派单数 / 派单次数 = signed_on_time / dispatched.

    Every dispatch of the period, charged to the unit it was given to; signed on time when that unit
    signed by its signing deadline."""
    return Rate(c.get("signed_on_time", 0), c.get("dispatched", 0))


def repeat_rate(c: C) -> Rate:
    """重复诉求率 = 重复诉求件数 / 受理量 = repeat / received.

    A case is a repeat when the same resident filed a matter of the same top-level category in the
    30 days before."""
    return Rate(c.get("repeat", 0), c.get("received", 0))


def in_grid_rate(c: C) -> Rate:
    """事在格里办率 = 网格内办结件数 / 受理已办结量 = in_grid / completed.

    in_grid counts completed cases of the period settled on the spot by the grid team or the community."""
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
    caliber: str = ""  # 口径: which cases, counted on which day, divided by what — in Chinese


def _f(name, label, label_en, fn, kind, numerator, denominator, counters, caliber) -> Figure:
    return Figure(name, label, label_en, fn, kind, numerator, denominator, tuple(counters), caliber)


#: every figure, in the order pages and reports list them
FIGURES: tuple[Figure, ...] = (
    _f("received", "受理量", "Received", received, "count", "received", "", ["received"],
       "统计期内登记受理的诉求件数，按登记日期计；不予受理和被合并的不计。"),
    _f("completed", "受理已办结量", "Registered in the period, completed", completed, "count", "completed", "",
       ["completed"],
       "统计期内受理的诉求中，目前已办结（已结案或已归档，含回访满意结案、无法联系结案）的件数，按登记日期计；"
       "期内受理的件办完后本数会增加。"),
    _f("closed", "期内办结量", "Closed in the period", closed, "count", "closed", "", ["closed"],
       "统计期内结案的件数（不论何时受理），按结案日期计；结案后被重办的，重新结案时按新的结案日期计。"),
    _f("completion_rate", "受理办结率", "Completion rate of the intake", completion_rate, "rate", "completed",
       "received", ["completed", "received"],
       "受理已办结量 ÷ 受理量：统计期内受理的诉求中目前已办结的比例。"),
    _f("due", "应办结量", "Fell due", due, "count", "due", "", ["due"],
       "统计期内到期的派单件：办理时限已过仍未办结的，或已提交办理结果的，按办理时限所在日期计"
       "（结果早于时限提交的，按提交日期计）；当场办结的件没有办理时限，不计。"),
    _f("on_time_rate", "按期办结率", "On-time completion rate", on_time_rate, "rate", "due_on_time", "due",
       ["due_on_time", "due"],
       "按期办结量 ÷ 应办结量：统计期内应办结的件中，在办理时限（含批准的延期、挂起顺延）内提交办理结果的比例。"
       "超期未办结的件计入分母，压件不办会拉低本率；按到期时承办的单位计。"),
    _f("overdue_ever", "累计超期件数", "Overdue at some time", overdue_ever, "count", "overdue_ever", "",
       ["overdue_ever"],
       "统计期内受理的诉求中，曾超过办理时限的件数（超期提交结果的，或在办时被超期巡检标记的），按登记日期计；"
       "挂起期间时限停止计算，不因挂起被标记。"),
    _f("avg_handling_hours", "平均办理时长（自然小时）", "Average handling time (natural hours)", avg_handling_hours,
       "hours", "handling_seconds / 3600", "handled", ["handling_seconds", "handled"],
       "统计期内受理并已办结的件，从最后一次派单（当场办结的从登记）到提交办理结果的自然时长（含夜间、周末、节假日和挂起时间）"
       "的平均值，单位小时。"),
    _f("satisfaction_rate", "满意率", "Satisfaction rate", satisfaction_rate, "rate", "satisfied + basic", "callbacks",
       ["satisfied", "basic", "callbacks"],
       "（满意 + 基本满意）÷ 回访评价次数：统计期内受理的诉求，群众每一次回访评价都计入（不满意重办后再次回访的，"
       "前后两次都计），按登记日期计；无法联系结案的没有评价，不计。"),
    _f("resolution_rate", "解决率", "Resolution rate", resolution_rate, "rate", "solved", "callbacks",
       ["solved", "callbacks"],
       "回访中群众表示“已解决”的次数 ÷ 回访评价次数，口径同满意率（每一次回访评价都计）。"),
    _f("unreachable", "无法联系办结量", "Closed as unreachable", unreachable, "count", "unreachable", "",
       ["unreachable"],
       "统计期内因回访多次未接通（次数由系统设定，默认3次）按“无法联系”结案的件数，按结案日期计；不计入满意率。"),
    _f("return_rate", "退单率", "Return rate", return_rate, "rate", "returned", "dispatched", ["returned", "dispatched"],
       "退单次数 ÷ 派单次数：统计期内每一次派单（分派、转办、联席会议改定的责任单位）按派单日期计入接单单位，"
       "其中被该单位退回的计为退单；谁退单计谁。"),
    _f("extension_rate", "延期率", "Extension rate", extension_rate, "rate", "extended", "dispatched",
       ["extended", "dispatched"],
       "统计期内的派单中，接单单位在承办期间获批延期的派单次数 ÷ 派单次数，按派单日期计入该单位。"),
    _f("rework_rate", "返工率", "Rework rate", rework_rate, "rate", "reworked", "completed", ["reworked", "completed"],
       "统计期内受理并已办结的件中，办结前曾被退回重办（核查不通过、回访不满意或未解决）的件数 ÷ 受理已办结量；"
       "分子分母都是已办结的件。"),
    _f("signing_timeliness", "签收及时率", "Signing timeliness", signing_timeliness, "rate", "signed_on_time",
       "dispatched", ["signed_on_time", "dispatched"],
       "按时签收的派单次数 ÷ 派单次数：统计期内每一次派单按派单日期计入接单单位，在签收时限内签收的为按时签收。"),
    _f("repeat_rate", "重复诉求率", "Repeat-request rate", repeat_rate, "rate", "repeat", "received",
       ["repeat", "received"],
       "统计期内受理的诉求中，同一群众30日内曾反映同一大类事项的件数 ÷ 受理量，按登记日期计。"),
    _f("in_grid_rate", "事在格里办率", "Resolved inside the grid", in_grid_rate, "rate", "in_grid", "completed",
       ["in_grid", "completed"],
       "统计期内受理并已办结的件中，由网格员或社区当场办结的件数 ÷ 受理已办结量。"),
)
BY_NAME = {f.name: f for f in FIGURES}
#: the five figures 赵书记 reports upward; the big screen and the report lead with them
KEY_FIGURES = ("received", "closed", "completion_rate", "on_time_rate", "satisfaction_rate")
OVERDUE_NOW = Figure("overdue_now", "当前超期件数", "Overdue now", lambda c: 0, "count", "open cases past due_at", "",
                     (), "此刻仍在办、办理时限已过的件数（挂起的件时限停止，不计），按当前时间统计，与所选时段无关。")


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
        lines += [f"**`{figure.name}` {figure.label}** ({figure.label_en}, {figure.kind}). " + " ".join(paragraphs),
                  "", f"口径：{figure.caliber}", ""]
    return "\n".join(lines)
