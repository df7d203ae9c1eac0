"""The major-case rule: a major case (重大纠纷), open, accepted ``days`` days ago or more, without a
joint meeting — kept as a watch list in the rule's cursor."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from .common import Candidate, case_model, chunks, event_cases, local, new_cases, span
from .defaults import params

#: case ids a first run of major_without_meeting works through per sweep
BACKFILL = 50_000


def rule_major_without_meeting(rule, now, ctx):
    """A major case (重大纠纷), open, accepted ``days`` days ago or more, without a joint meeting.

    Case has no index on its tier, so the rule keeps a watch list (in its cursor) of the open major
    cases without a meeting: new cases and cases whose timeline moved are looked at each run, and a
    first run works through the existing cases by id, ``BACKFILL`` ids per run."""
    from zhili.cases.models import JointMeeting
    from zhili.cases.workflow import OPEN_STATES

    Case = case_model()
    days = int(params(rule)["days"])
    cur = rule.cursor
    watch: dict[str, str] = dict(cur.get("watch", {}))
    if "case" not in cur:
        cur["backfill"], cur["backfill_end"] = 0, ctx.max_case_id
    touched = set(event_cases(rule, ctx))
    if "case" in cur:
        touched |= set(new_cases(rule, ctx, 0).values_list("pk", flat=True))
    scopes = [Q(pk__in=chunk) for chunk in chunks(sorted(touched))]
    b, end = int(cur.get("backfill", 0)), int(cur.get("backfill_end", 0))
    if b < end:
        scopes.append(Q(pk__gt=b, pk__lte=min(b + BACKFILL, end)))
        cur["backfill"] = min(b + BACKFILL, end)
    open_major = (Case.objects.filter(tier="major", state__in=sorted(OPEN_STATES), accepted_at__isnull=False)
                  .filter(~Exists(JointMeeting.objects.filter(case=OuterRef("pk")))))
    for pk in touched:
        watch.pop(str(pk), None)  # back below if it still qualifies
    for where in scopes:
        for pk, accepted in open_major.filter(where).values_list("pk", "accepted_at"):
            watch[str(pk)] = accepted.isoformat()
    limit = now - dt.timedelta(days=days)
    due = [int(pk) for pk, acc in watch.items() if dt.datetime.fromisoformat(acc) <= limit]
    out = []
    for chunk in chunks(due):
        for pk, number, title, region, unit, accepted in open_major.filter(pk__in=chunk).order_by("accepted_at").values_list(
                "pk", "number", "title", "region_code", "lead_unit_id", "accepted_at"):
            out.append(Candidate(
                key=f"case:{number}", evidence=accepted.isoformat(), title=f"{number} 重大纠纷未召开联席会议：{title[:60]}",
                reason=f"重大纠纷受理已{span(now - accepted)}（{local(accepted)} 受理），尚未召开联席会议（要求{days}天内）",
                region_code=region, unit_id=unit, case_ids=[pk], subject_case_id=pk, subject_at=accepted,
                data={"days": days, "accepted_at": accepted.isoformat()}))
        for pk in chunk:
            watch.pop(str(pk), None)
    cur["watch"] = watch
    return out
