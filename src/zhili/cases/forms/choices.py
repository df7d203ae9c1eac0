"""The choice lists of the case forms (channels, types, tiers, urgencies, party roles) and the
case categories: the tree of categories for the selects, a category's code path and its labels."""

from __future__ import annotations

from zhili.core.models import CodeItem

from ..models import CaseType, Channel, PartyRole, Urgency
from ..workflow import TIER_CHOICES


def channel_choices():
    return Channel.choices


def case_type_choices():
    return CaseType.choices


def tier_choices():
    return list(TIER_CHOICES)


def urgency_choices():
    return Urgency.choices


def party_role_choices():
    return PartyRole.choices


def category_options() -> list[dict]:
    """Every active category with its path of labels (矛盾纠纷 › 邻里纠纷), in tree order."""
    items = list(
        CodeItem.objects.filter(type="case_category", active=True).values(
            "id", "code", "label", "parent_id", "order"
        )
    )
    by_id = {i["id"]: i for i in items}
    kids: dict[int | None, list[dict]] = {}
    for i in items:
        parent = i["parent_id"] if i["parent_id"] in by_id else None
        kids.setdefault(parent, []).append(i)
    out: list[dict] = []

    def walk(parent, path, depth):
        for i in sorted(kids.get(parent, []), key=lambda x: (x["order"], x["code"])):
            labels = [*path, i["label"]]
            out.append(
                {
                    "code": i["code"],
                    "label": i["label"],
                    "path": " › ".join(labels),
                    "depth": depth,
                    "indent": "\u3000" * depth,
                }
            )
            if depth < 6:
                walk(i["id"], labels, depth + 1)

    walk(None, [], 0)
    return out


def category_code_path(cat: CodeItem) -> str:
    """The codes from the root, '/'-joined, as cases store them in ``category_path``."""
    chain, node, seen = [], cat, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node.code)
        node = node.parent
    return "/".join(reversed(chain))


def category_path_label(code_path: str, labels: dict[str, str] | None = None) -> str:
    """'T/T.neighbour' → '矛盾纠纷 › 邻里纠纷'."""
    codes = [c for c in (code_path or "").split("/") if c]
    if labels is None:
        labels = dict(
            CodeItem.objects.filter(type="case_category", code__in=codes).values_list("code", "label")
        )
    return " › ".join(labels.get(c, c) for c in codes)

