"""The sensitive-words rule: a newly registered case whose title or description contains one of the
rule's words."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .common import Candidate, new_cases
from .defaults import params


def rule_sensitive_words(rule, now, ctx):
    """Title or description of a case registered since the last sweep (within ``window_hours``)
    contains one of ``words`` (plain substring)."""
    p = params(rule)
    words = [w.strip() for w in p.get("words", []) if w and w.strip()]
    if not words:
        return []
    since = now - dt.timedelta(hours=float(p["window_hours"]))
    qs = new_cases(rule, ctx, p["window_hours"]).filter(created_at__gte=since)
    match = Q()
    for w in words:
        match |= Q(title__contains=w) | Q(description__contains=w)
    out = []
    for pk, number, title, desc, region in qs.filter(match).values_list("pk", "number", "title", "description",
                                                                         "region_code")[:ctx.cap(rule)]:
        found = [w for w in words if w in title or w in desc]
        if not found:
            continue
        out.append(Candidate(
            key=f"case:{number}", title=f"{number} 含敏感词：{'、'.join(found)}",
            reason=f"诉求内容含敏感词{''.join(f'“{w}”' for w in found)}，有激化升级风险：{title[:60]}",
            region_code=region, case_ids=[pk], subject_case_id=pk, data={"words": found}))
    return out
