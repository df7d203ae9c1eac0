"""The forms of the workflow actions on the case page, drawn from the FieldSpecs of
:data:`zhili.cases.workflow.ACTIONS`, their posted input as ``services.act`` takes it, and the
unit selects they use."""

from __future__ import annotations

from zhili.core.models import Organisation, OrgType

from ..workflow import Action, FieldSpec

UNIT_TYPES = (
    OrgType.DEPARTMENT,
    OrgType.STREET_OFFICE,
    OrgType.COMMUNITY_OFFICE,
    OrgType.MEDIATION_COMMITTEE,
    OrgType.CENTRE,
)


def unit_groups() -> list[dict]:
    """Active departments, offices and committees grouped by type, for the unit selects."""
    orgs = list(
        Organisation.objects.filter(active=True, org_type__in=UNIT_TYPES)
        .order_by("org_type", "order", "code")
        .values("id", "name", "org_type", "stationed")
    )
    labels = dict(OrgType.choices)
    groups: list[dict] = []
    for t in UNIT_TYPES:
        members = [o for o in orgs if o["org_type"] == t]
        if members:
            groups.append({"label": labels.get(t, t), "options": members})
    return groups


def widget(f: FieldSpec) -> str:
    return {
        "text": "textarea",
        "int": "number",
        "bool": "yesno",
        "choice": "select",
        "unit": "unit",
        "units": "units",
        "datetime": "datetime",
        "date": "date",
        "case": "input",
    }.get(f.kind, "input")


def action_form(
    action: Action, data=None, errors: list[dict] | None = None, initial: dict | None = None
) -> list[dict]:
    """The fields of an action's form, drawn from its FieldSpecs, with what was typed and the errors."""
    by_field: dict[str, list[str]] = {}
    for e in errors or []:
        by_field.setdefault(e.get("field", ""), []).append(e.get("message", ""))
    out = []
    for f in action.fields:
        if data is not None:
            value = data.getlist(f.name) if f.kind == "units" else data.get(f.name, "")
        else:
            value = (initial or {}).get(f.name, [] if f.kind == "units" else "")
        if f.kind == "units":
            value = [str(x) for x in value]
        else:
            value = str(value)
        out.append(
            {
                "name": f.name,
                "kind": f.kind,
                "widget": widget(f),
                "label": f.label,
                "required": f.required,
                "choices": [(c, label) for c, label in f.choices],
                "value": value,
                "help": f.help,
                "max_length": f.max_length if f.kind == "text" else None,
                "rows": 2 if f.max_length <= 300 else 3,
                "errors": by_field.get(f.name, []),
            }
        )
    return out


def action_data(action: Action, post) -> dict:
    """The posted fields of an action as services.act takes them (lists for unit lists)."""
    data = {}
    for f in action.fields:
        if f.kind == "units":
            data[f.name] = [x for x in post.getlist(f.name) if x]
        else:
            data[f.name] = post.get(f.name, "")
    return data
