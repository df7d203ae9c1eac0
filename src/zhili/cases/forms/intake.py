"""The intake form at the window: its fields and labels, reading what the clerk typed into the
arguments of ``services.register_case``, and the errors by field (of the form and of the service).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..workflow import REGISTRARS
from .choices import category_options

#: roles that may register cases on the intake page (``register_case`` and ``resident.manage``)
INTAKE_ROLES = REGISTRARS
GRID_CHANNEL_ROLES = frozenset({"grid_worker", "grid_leader", "grid_instructor", "grid_dept_staff"})

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



def default_channel(user) -> str:
    """窗口来访 at a window, 网格员上报 for the grid team."""
    return "grid" if getattr(user, "role", "") in GRID_CHANNEL_ROLES else "window"



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

