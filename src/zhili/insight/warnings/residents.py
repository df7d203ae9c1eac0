"""The repeat-filer rule: the same resident registered ``count`` or more requests within ``days`` days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .common import MAX_LINKED, Candidate, case_model, chunks, new_cases
from .defaults import params


def rule_repeat_filer(rule, now, ctx):
    """The same resident (phone blind index) registered ``count`` or more requests within ``days``
    days — looked at when the resident files again (the residents of the new cases)."""
    Case = case_model()
    p = params(rule)
    n, days = int(p["count"]), int(p["days"])
    since = now - dt.timedelta(days=days)
    phones = sorted(set(new_cases(rule, ctx, p["first_run_hours"]).exclude(reporter_phone_index="")
                        .values_list("reporter_phone_index", flat=True)))
    if not phones:
        return []
    by_idx: dict[str, list] = defaultdict(list)
    for chunk in chunks(phones):
        # the window is checked on the rows, so that SQLite reads by the phone index, not by date
        for row in (Case.objects.filter(reporter_phone_index__in=chunk).order_by("created_at", "pk")
                    .values_list("reporter_phone_index", "pk", "number", "region_code", "title", "created_at")):
            if since <= row[5] <= now:
                by_idx[row[0]].append(row[1:5])
    out = []
    for idx, rows in by_idx.items():
        if len(rows) < n:
            continue
        out.append(_candidate(idx, rows, n, days))
    return out


def _candidate(idx: str, rows: list, n: int, days: int) -> Candidate:
    """The warning of one resident's ``rows`` (pk, number, region_code, title; oldest first). It
    lies in the region of the latest case, and whoever may see it sees that region: its text
    names only the cases inside that region (numbers and the latest title) and counts the
    others — a resident's cases in another street are not that street's to show."""
    region = rows[-1][2]
    here = [r for r in rows if r[2].startswith(region)]
    elsewhere = len(rows) - len(here)
    numbers = "、".join(r[1] for r in here[-5:]) + ("等" if len(here) > 5 else "")
    other = f"，另有{elsewhere}次在其他地区登记" if elsewhere else ""
    return Candidate(
        key=f"resident:{idx}", evidence=str(max(r[0] for r in rows)),
        title=f"同一反映人近{days}天登记诉求{len(rows)}次",
        reason=f"近{days}天同一反映人登记诉求{len(rows)}次（阈值{n}次）：{numbers}{other}；最近一次：{rows[-1][3][:40]}",
        region_code=region, case_ids=[r[0] for r in rows][-MAX_LINKED:],
        data={"count": len(rows), "threshold": n, "days": days, "elsewhere": elsewhere})
