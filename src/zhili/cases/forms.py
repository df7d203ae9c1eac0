"""Input of the case office pages: the intake form, the list filters and the workflow action forms.

Adapters only. The intake form becomes the keyword arguments of ``services.register_case``; the
action forms are drawn from the FieldSpecs of :data:`zhili.cases.workflow.ACTIONS` and their
input goes unchanged to ``services.act`` (which cleans it with ``services.clean_fields``); the
filters narrow ``selectors.cases_for`` or a bucket of ``selectors.todo_buckets``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core import crypto
from zhili.core.calendar import SHANGHAI
from zhili.core.models import CodeItem, Organisation, OrgType, Region

from .models import CaseParty, CaseType, Channel, PartyRole, Tier, Urgency
from .workflow import CLOCK_STATES, REGISTRARS, STATES, TIER_CHOICES, Action, FieldSpec

#: roles that may register cases on the intake page (``register_case`` and ``resident.manage``)
INTAKE_ROLES = REGISTRARS
GRID_CHANNEL_ROLES = frozenset({"grid_worker", "grid_leader", "grid_instructor", "grid_dept_staff"})
PAGE_SIZE = 50

# ---------------------------------------------------------------- the intake form

#: the intake form's fields as register_case names them in its errors, with their labels
INTAKE_LABELS = {
    "channel": _("Channel"),
    "case_type": _("Type of request"),
    "category": _("Category"),
    "title": _("Title"),
    "description": _("What happened"),
    "request": _("What the resident asks for"),
    "address": _("Address"),
    "lon": _("Place on the map"),
    "lat": _("Place on the map"),
    "grid": _("Grid"),
    "urgency": _("Urgency"),
    "tier": _("Case tier"),
    "confidential": _("Keep the reporter confidential (举报人保密)"),
    "parties": _("Parties"),
    "result": _("What was done on the spot"),
}
PARTY_LABELS = {
    "name": _("Full name"),
    "phone": _("Phone number"),
    "role": _("Party role"),
    "id_number": _("ID number"),
}


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


def default_channel(user) -> str:
    """窗口来访 at a window, 网格员上报 for the grid team."""
    return "grid" if getattr(user, "role", "") in GRID_CHANNEL_ROLES else "window"


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


@dataclass
class PartyRow:
    name: str = ""
    phone: str = ""
    role: str = "applicant"
    errors: dict = field(default_factory=dict)


@dataclass
class Intake:
    """What the clerk typed, the arguments for register_case, and the errors by field."""

    values: dict
    parties: list[PartyRow]
    errors: dict = field(default_factory=dict)  # field → [messages]
    general: list = field(default_factory=list)
    party_index: list[int] = field(default_factory=list)  # parties.i → row number

    @property
    def resolve(self) -> bool:
        return self.values.get("op") == "resolve"

    def add(self, name: str, message: str) -> None:
        if name.startswith("parties.") and name.count(".") >= 2:
            _, i, attr = name.split(".", 2)
            try:
                row = self.parties[self.party_index[int(i)]]
            except (ValueError, IndexError):
                self.general.append(message)
                return
            row.errors.setdefault(attr, []).append(message)
            self.errors.setdefault(name, []).append(message)
            return
        self.errors.setdefault(name if name != "lat" else "lon", []).append(message)

    def add_errors(self, errors: list[dict]) -> None:
        for e in errors:
            self.add(e.get("field", ""), e.get("message", ""))

    def summary(self) -> list[dict]:
        """Every error with the name of its field, for the box above the form."""
        out = []
        for name, messages in self.errors.items():
            for m in messages:
                out.append({"field": name, "label": field_label(name), "message": m})
        for m in self.general:
            out.append({"field": "", "label": "", "message": m})
        return out

    def kwargs(self) -> dict:
        v = self.values
        parties = [
            {"name": self.parties[i].name, "phone": self.parties[i].phone, "role": self.parties[i].role}
            for i in self.party_index
        ]
        return {
            "channel": v["channel"],
            "case_type": v["case_type"],
            "category": v["category"],
            "title": v["title"],
            "description": v["description"],
            "request": v["request"],
            "address": v["address"],
            "lon": v["lon_value"],
            "lat": v["lat_value"],
            "grid": v["grid"],
            "urgency": v["urgency"],
            "tier": v["tier"],
            "confidential": v["confidential"],
            "parties": parties,
        }


def field_label(name: str) -> str:
    if name.startswith("parties.") and name.count(".") >= 2:
        _p, i, attr = name.split(".", 2)
        n = int(i) + 1 if i.isdigit() else i
        return str(_("Party %(n)s, %(field)s") % {"n": n, "field": PARTY_LABELS.get(attr, attr)})
    label = INTAKE_LABELS.get(name)
    return str(label) if label else name


def to_float(text: str):
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return "bad"
    return value if value == value and abs(value) < 1000 else "bad"  # not NaN, not absurd


def parse_intake(post, user) -> Intake:
    """Read the intake form; no rule is checked here beyond turning text into numbers."""
    get = lambda k, default="": (post.get(k, default) or "").strip()  # noqa: E731
    values = {
        "op": "resolve" if post.get("op") == "resolve" else "register",
        "channel": get("channel", default_channel(user)),
        "case_type": get("case_type", "dispute"),
        "category": get("category"),
        "category_text": get("category_text"),
        "title": get("title"),
        "description": (post.get("description") or "").strip(),
        "request": (post.get("request") or "").strip(),
        "address": get("address"),
        "lon": get("lon"),
        "lat": get("lat"),
        "grid": get("grid"),
        "urgency": get("urgency", "normal"),
        "tier": get("tier", "simple"),
        "confidential": post.get("confidential") in ("on", "1", "true"),
        "result": (post.get("result") or "").strip(),
    }
    names, phones, roles = post.getlist("party_name"), post.getlist("party_phone"), post.getlist("party_role")
    n = max(len(names), len(phones), len(roles), 1)
    rows = []
    for i in range(min(n, 20)):
        rows.append(
            PartyRow(
                name=(names[i] if i < len(names) else "").strip(),
                phone=(phones[i] if i < len(phones) else "").strip(),
                role=(roles[i] if i < len(roles) else "applicant").strip() or "applicant",
            )
        )
    intake = Intake(values=values, parties=rows)
    # the first row is always a party; further rows only when something was typed in them
    intake.party_index = [i for i, r in enumerate(rows) if i == 0 or r.name or r.phone]
    for n, i in enumerate(intake.party_index):
        if not rows[i].phone:  # the service checks the number; say plainly that it is missing
            intake.add(f"parties.{n}.phone", str(_("Enter the phone number")))
    if not values["category"] and values["category_text"]:
        # typed without picking from the list: accept the exact label or path
        text = values["category_text"].replace(" ", "")
        for opt in category_options():
            if text in (opt["path"].replace(" ", ""), opt["label"], opt["code"]):
                values["category"] = opt["code"]
                break
    if not values["category"]:
        intake.add("category", str(_("Pick a category from the list")))
    lon, lat = to_float(values["lon"]), to_float(values["lat"])
    if lon == "bad" or lat == "bad":
        intake.add("lon", str(_("The point is not a number")))
        lon = lat = None
    values["lon_value"], values["lat_value"] = lon, lat
    if values["op"] == "resolve":
        if not values["result"]:
            intake.add("result", str(_("Say what was done to settle it on the spot")))
        if values["tier"] != "simple":
            intake.add("tier", str(_("Only simple matters can be settled on the spot")))
    return intake


def blank_intake(user) -> Intake:
    values = {
        "op": "register",
        "channel": default_channel(user),
        "case_type": "dispute",
        "category": "",
        "category_text": "",
        "title": "",
        "description": "",
        "request": "",
        "address": "",
        "lon": "",
        "lat": "",
        "grid": "",
        "urgency": "normal",
        "tier": "simple",
        "confidential": False,
        "result": "",
    }
    return Intake(values=values, parties=[PartyRow()], party_index=[0])


# ---------------------------------------------------------------- list filters and keyset pages


def encode_cursor(case) -> str:
    raw = f"{case.created_at.astimezone(dt.UTC).isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, _sep, id_text = raw.partition("|")
        at = dt.datetime.fromisoformat(at_text)
        pk = int(id_text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if at.tzinfo is None or not 1970 <= at.year <= 2200 or not 0 < pk <= 2**63 - 1:
        return None
    return at, pk


def keyset_page(qs: QuerySet, after: str, size: int | None = None) -> tuple[list, str, bool]:
    """One page, newest first, after the cursor: (rows, next cursor or "", whether the cursor was bad)."""
    size = size or PAGE_SIZE
    bad = False
    if after:
        pos = decode_cursor(after)
        if pos is None:
            bad = True
        else:
            at, pk = pos
            qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode_cursor(rows[-1]) if more and rows else ""), bad


FILTER_KEYS = (
    "number",
    "phone",
    "category",
    "state",
    "lead_unit",
    "region",
    "grid",
    "created_from",
    "created_to",
    "channel",
    "case_type",
    "tier",
    "overdue",
    "q",
)


@dataclass
class Filters:
    values: dict
    errors: list = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(self.values.get(k) for k in FILTER_KEYS)

    def as_details(self) -> dict:
        return {k: v for k, v in self.values.items() if v and k in FILTER_KEYS}


def _date(text: str, name: str, errors: list) -> dt.date | None:
    if not text:
        return None
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        errors.append({"field": name, "message": str(_("Not a date, e.g. 2026-11-26"))})
        return None
    if not 1970 <= d.year <= 2200:
        errors.append({"field": name, "message": str(_("Not a date, e.g. 2026-11-26"))})
        return None
    return d


def _day_start(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time.min, tzinfo=SHANGHAI)


def parse_filters(get) -> Filters:
    values = {k: (get.get(k) or "").strip()[:100] for k in FILTER_KEYS}
    return Filters(values=values)


def apply_filters(qs: QuerySet, f: Filters, actor, *, sees_confidential: bool) -> QuerySet:
    """Narrow a case queryset by the filters; a bad filter is reported and matches nothing."""
    v, errors = f.values, f.errors
    now = timezone.now()
    if v["number"]:
        qs = qs.filter(number=v["number"])
    if v["phone"]:
        norm = crypto.normalise(v["phone"])
        if not (norm.isascii() and norm.isdigit() and 7 <= len(norm) <= 15):
            errors.append({"field": "phone", "message": str(_("The phone number is not valid"))})
        else:
            idx = crypto.blind_index(norm, "phone")
            qs = qs.filter(
                Q(reporter_phone_index=idx)
                | Q(id__in=CaseParty.objects.filter(resident__phone_index=idx).values("case_id"))
            )
            if not sees_confidential:  # a department may not find out who reported a confidential case
                qs = qs.filter(confidential=False)
    if v["category"]:
        cat = CodeItem.objects.filter(type="case_category", code=v["category"]).first()
        if cat is None:
            errors.append({"field": "category", "message": str(_("Unknown category"))})
        else:
            path = category_code_path(cat)
            qs = qs.filter(Q(category_path=path) | Q(category_path__startswith=path + "/"))
    if v["state"]:
        if v["state"] not in STATES:
            errors.append({"field": "state", "message": str(_("Unknown state"))})
        else:
            qs = qs.filter(state=v["state"])
    if v["lead_unit"]:
        if not v["lead_unit"].isdigit() or int(v["lead_unit"]) > 2**31:
            errors.append({"field": "lead_unit", "message": str(_("Unknown unit"))})
        else:
            qs = qs.filter(lead_unit_id=int(v["lead_unit"]))
    if v["region"]:
        r = Region.objects.filter(code=v["region"]).first()
        if r is None or not (actor.is_superuser or r.prefix.startswith(actor.scope_prefix)):
            errors.append({"field": "region", "message": str(_("The region lies outside your data scope"))})
        else:
            qs = qs.filter(region_code__startswith=r.prefix)
    if v["grid"]:
        g = v["grid"]
        qs = qs.filter(Q(grid__code=g) | Q(grid__name=g))
    start = _date(v["created_from"], "created_from", errors)
    end = _date(v["created_to"], "created_to", errors)
    if start:
        qs = qs.filter(created_at__gte=_day_start(start))
    if end:
        if start and end < start:
            errors.append({"field": "created_to", "message": str(_("The end date is before the start date"))})
        qs = qs.filter(created_at__lt=_day_start(end) + dt.timedelta(days=1))
    for name, allowed in (("channel", Channel.values), ("case_type", CaseType.values), ("tier", Tier.values)):
        if v[name]:
            if v[name] not in allowed:
                errors.append({"field": name, "message": str(_("Not one of the choices"))})
            else:
                qs = qs.filter(**{name: v[name]})
    if v["overdue"] in ("1", "0"):
        late = Q(state__in=CLOCK_STATES, due_at__lt=now)
        qs = qs.filter(late) if v["overdue"] == "1" else qs.exclude(late)
    if v["q"]:
        qs = qs.filter(title__icontains=v["q"])
    return qs.none() if errors else qs


# ---------------------------------------------------------------- workflow action forms

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
