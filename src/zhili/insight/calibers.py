"""Each figure's 口径 where it is shown: the pages, the exports, the home cards, the big screen and
the Word report read them here, from ``Figure.caliber`` of :mod:`.figures.definitions` (the one
definition), so no surface words a figure its own way."""

from __future__ import annotations

from collections.abc import Iterable

from . import figures as fg

#: what every list of calibers ends with
NOTE = "比率的分母为 0 时显示“—”。当前超期件数是此刻的状态，与所选时段无关；其余指标按所选时段统计。"


def every() -> list[fg.Figure]:
    """Every figure in the standard order, 当前超期件数 after 累计超期件数 (as ``Figures.rows``)."""
    out: list[fg.Figure] = []
    for figure in fg.FIGURES:
        out.append(figure)
        if figure.name == "overdue_ever":
            out.append(fg.OVERDUE_NOW)
    return out


def figure(name: str) -> fg.Figure:
    return fg.OVERDUE_NOW if name == "overdue_now" else fg.BY_NAME[name]


def label(name: str) -> str:
    return figure(name).label


def caliber(name: str) -> str:
    return figure(name).caliber


def tip(name: str) -> str:
    """A tooltip: "受理量：统计期内登记受理的……"."""
    f = figure(name)
    return f"{f.label}：{f.caliber}"


def by_label(text: str) -> fg.Figure | None:
    """The figure a column or row is named after ("满意率", "按期办结率"), if any."""
    return next((f for f in every() if f.label == text), None)


def named_in(texts: Iterable) -> list[fg.Figure]:
    """The figures named by any of these texts (a table's header, its first column), in the standard order."""
    seen = {str(t) for t in texts}
    return [f for f in every() if f.label in seen]


def rows(figures: Iterable[fg.Figure] | None = None) -> list[dict]:
    """[{name, label, caliber}] of these figures (every figure by default), for a panel or an appendix."""
    return [{"name": f.name, "label": f.label, "caliber": f.caliber} for f in (every() if figures is None else figures)]
