"""A case's ledger (``Case.ledger``): what each unit was given and did, and every verdict of the
resident — the facts the figures charge to the unit that acted, at the time it acted, and count
once per verdict (decision 0006).

``{"a": [assignment, …], "v": [verdict, …]}``, kept by the case services beside the timeline:

* an **assignment** (派单) is one unit given the case: ``{"u": unit id, "t": dispatched (epoch
  seconds), "sd": sign by, "sg": signed or None, "r": 1 if that unit returned it, "x": extensions
  approved while it held it}``. 分派 and 转办 add one; a joint meeting that names another lead unit
  while the clock runs adds one, signed at once; 签收, 退回 and an approved 延期 change the last.
* a **verdict** (回访评价) is ``[satisfaction, solved]``: every callback the resident answered,
  the unsatisfied ones that reopened the case included.

A case written before the ledger existed (or by the bulk loader) has none: :func:`assignments`
and :func:`verdicts` then read it from the case's columns — one assignment to its lead unit at its
last dispatch, and its last verdict — exactly what the bulk loader's SQL counts. The first change
after that writes the ledger out (:func:`begin`) before adding to it.
"""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC


def _s(t: dt.datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


def at(s: int | None) -> dt.datetime | None:
    return None if s is None else dt.datetime.fromtimestamp(s, UTC)


def assignments(case) -> list[dict]:
    led = case.ledger or {}
    if "a" in led:
        return led["a"]
    if case.dispatched_at is None or not case.lead_unit_id:
        return []
    return [{"u": case.lead_unit_id, "t": _s(case.dispatched_at), "sd": _s(case.sign_due_at), "sg": _s(case.signed_at),
             "r": 1 if case.return_count else 0, "x": 1 if case.extension_count else 0}]


def verdicts(case) -> list[list]:
    led = case.ledger or {}
    if "v" in led:
        return led["v"]
    return [[case.satisfaction, bool(case.solved)]] if case.satisfaction else []


def begin(case) -> None:
    """Before a change: write out the ledger a case without one implies (from its columns), so that
    what the change adds is added to it, not to a ledger read again from columns it has changed.
    ``act`` (and the demo's ``Life.act``) call it before every handler."""
    led = dict(case.ledger or {})
    if "a" in led and "v" in led:
        return
    led["a"] = [dict(a) for a in assignments(case)]
    led["v"] = [list(v) for v in verdicts(case)]
    case.ledger = led


def _book(case) -> dict:
    led = case.ledger
    if not isinstance(led, dict) or "a" not in led or "v" not in led:
        raise RuntimeError(f"{case.number}: ledger.begin(case) must run before the change")
    return led


def assigned(case, unit_id: int, t: dt.datetime, sign_due: dt.datetime | None, signed: dt.datetime | None = None) -> None:
    """分派/转办 (or a meeting's new lead unit, ``signed`` at once): a new assignment."""
    _book(case)["a"].append({"u": unit_id, "t": _s(t), "sd": _s(sign_due), "sg": _s(signed), "r": 0, "x": 0})


def _last(case) -> dict | None:
    a = _book(case)["a"]
    return a[-1] if a else None


def signed(case, t: dt.datetime) -> None:
    a = _last(case)
    if a is not None and a["sg"] is None:
        a["sg"] = _s(t)


def returned(case) -> None:
    a = _last(case)
    if a is not None:
        a["r"] = 1


def extended(case) -> None:
    a = _last(case)
    if a is not None:
        a["x"] += 1


def verdict(case, satisfaction: str, solved: bool) -> None:
    _book(case)["v"].append([satisfaction, bool(solved)])


def unit_at(case, t: dt.datetime | None) -> int | None:
    """The unit holding the case at ``t``: that of the last assignment made by then (the case's lead
    unit when it has none, or ``t`` is None)."""
    if t is None:
        return case.lead_unit_id
    s = t.timestamp()
    unit = None
    for a in assignments(case):
        if a["t"] is not None and a["t"] <= s:
            unit = a["u"]
    return unit if unit is not None else case.lead_unit_id
