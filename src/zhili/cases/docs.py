"""docs/case-workflow.md, generated from the workflow table (``zhili manage workflow_doc``)."""

from django.utils import translation

from .workflow import ACTIONS, STATES, mermaid

ROLE_NAMES = None


def workflow_markdown() -> str:
    from zhili.core.policy import ROLES

    with translation.override("en"):
        lines = ["# The case workflow (矛调助理)", "",
                 "Generated from `src/zhili/cases/workflow.py` by `zhili manage workflow_doc`; do not edit by hand.", "",
                 "```mermaid", mermaid(), "```", "", "## States", "", "| state | meaning |", "|---|---|"]
        lines += [f"| `{k}` | {v} |" for k, v in STATES.items()]
        lines += ["", "## Actions", "", "| action | from | to | who (roles) | must also be | fields (* required) | tiers |",
                  "|---|---|---|---|---|---|---|"]
        for a in ACTIONS.values():
            fields = ", ".join(f"{f.name}{'*' if f.required else ''}" for f in a.fields) or "—"
            who = ", ".join(sorted(a.roles))
            rel = {"scope": "in the case's region", "lead_unit": "of the lead unit", "coop_unit": "of a cooperating unit",
                   "lead_head_or_centre": "head of the lead unit, or the centre"}[a.relation]
            lines.append(f"| `{a.name}` {a.label} | {', '.join(sorted(a.sources))} | {a.target or '(same)'} | {who} | {rel} | "
                         f"{fields} | {', '.join(sorted(a.tiers))} |")
        lines += ["", "Roles: " + ", ".join(f"`{k}` {v.label}" for k, v in ROLES.items()), ""]
        return "\n".join(lines)
