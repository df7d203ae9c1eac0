"""Likely duplicates of a case (查重): the same category nearby, the same reporter, similar text."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhili.core import crypto

from ..models import Case
from ..selectors import cases_for
from .registration import tokens


def find_duplicates(actor, *, category: str = "", lon: float | None = None, lat: float | None = None, phone: str = "",
                    text: str = "", days: int = 30, exclude: int | None = None, limit: int = 10) -> list[dict]:
    """Likely duplicates: same category near the same point within recent days; the same resident;
    similar text (jieba tokens, Jaccard ≥ 0.35)."""
    since = timezone.now() - dt.timedelta(days=days)
    qs = cases_for(actor).filter(created_at__gte=since, master__isnull=True).exclude(state__in=("merged", "rejected"))
    if exclude:
        qs = qs.exclude(pk=exclude)
    found: dict[int, dict] = {}

    def add(c: Case, reason: str, score: float):
        item = found.setdefault(c.pk, {"case": c, "reasons": [], "score": 0.0})
        item["reasons"].append(reason)
        item["score"] += score

    if category and lon is not None and lat is not None:
        d = 0.005  # ≈ 500 m
        for c in qs.filter(category__code=category, lon__range=(lon - d, lon + d), lat__range=(lat - d, lat + d))[:50]:
            add(c, "同类别、位置相近", 1.0)
    if phone:
        idx = crypto.blind_index(phone, "phone")
        for c in qs.filter(reporter_phone_index=idx)[:50]:
            add(c, "同一反映人", 1.0)
    words = set(tokens(text))
    if len(words) >= 2:
        pool = qs.order_by("-created_at")
        if category:
            pool = pool.filter(category_path__contains=category.split(".")[0])
        for c in pool[:300]:
            other = set(c.search_text.split())
            if other:
                j = len(words & other) / len(words | other)
                if j >= 0.35:
                    add(c, f"内容相似（{j:.0%}）", j)
    return sorted(found.values(), key=lambda x: -x["score"])[:limit]
