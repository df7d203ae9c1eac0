"""The house's dependency rule, read from the imports of ``src/zhili`` (docs/architecture.md):

    web ──► insight ──► the domain apps (cases, grid, supervision, community, legalaid) ──► core
                        integrations ──► the domain apps' services and selectors
    demo ──► anything (and nothing of the product imports demo; only the `zhili` command does)

- core imports no app; a domain app imports neither insight nor web nor another domain app's
  internals (only its ``services``, ``selectors`` and ``rollups``); insight does not import web;
- no module imports another module's private name (``from x import _y`` or ``x._y``).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

CORE = {"core"}
DOMAIN = {"cases", "grid", "supervision", "community", "legalaid"}
#: what a domain app (or integrations) may use of another domain app
PUBLIC_OF_DOMAIN = {"services", "selectors", "rollups"}
#: modules every part may import: the package and its configuration (no Django in zhili.home)
BASE = {"zhili", "zhili.home"}
#: the project's own top modules, above every app
PROJECT = {"api", "urls", "cli", "settings", "settings_test", "wsgi"}


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def rule_broken(importer: str, target: str) -> str:
    """Why ``importer`` may not import ``target`` ('' when it may)."""
    if not target.startswith("zhili") or target in BASE:
        return ""
    mine, theirs = app_of(importer), app_of(target)
    if mine == theirs:
        return ""
    if theirs == "demo" and mine not in ("cli", "demo"):
        return "only the zhili command imports the demo package"
    if mine in CORE:
        return "core imports no app"
    if mine in DOMAIN or mine == "integrations":
        if theirs in CORE:
            return ""
        if theirs in DOMAIN and target.split(".")[2:3] and target.split(".")[2] in PUBLIC_OF_DOMAIN:
            return ""
        if theirs in DOMAIN:
            return f"a domain app uses another's services, selectors or rollups only, not {target}"
        return f"a domain app does not import {theirs} (arrows point down: web → insight → domain apps → core)"
    if mine == "insight":
        return "" if theirs in CORE | DOMAIN else f"insight does not import {theirs}"
    if mine == "web":
        return "" if theirs not in PROJECT else f"web does not import the project's {theirs}"
    return ""  # the project's top modules and demo may import any app


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def violations_in(importer: str, source: str, is_package: bool = False, modules: set[str] | None = None) -> list[str]:
    """The broken rules of one module's source. ``modules``: the names of every module of the
    tree, to tell ``from pkg import mod`` (a module) from ``from mod import name``."""
    modules = modules or set()
    out = []
    aliases: dict[str, str] = {}  # a name bound to a zhili module → that module
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("zhili"):
                    why = rule_broken(importer, a.name)
                    if why:
                        out.append(f"{importer}: import {a.name} — {why}")
                    if a.asname:
                        aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(importer, is_package, node)
            if not target.startswith("zhili"):
                continue
            for a in node.names:
                full = f"{target}.{a.name}"
                is_module = full in modules
                checked = full if is_module else target
                why = rule_broken(importer, checked)
                if why:
                    out.append(f"{importer}: from {target} import {a.name} — {why}")
                if a.name.startswith("_") and not a.name.startswith("__") and checked != importer:
                    out.append(f"{importer}: from {target} import {a.name} — another module's private name")
                if is_module:
                    aliases[a.asname or a.name] = full
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and aliases[node.value.id] != importer):
            out.append(f"{importer}: {node.value.id}.{node.attr} — another module's private name "
                       f"({aliases[node.value.id]})")
    return out


def all_violations() -> list[str]:
    files = [p for p in (SRC / "zhili").rglob("*.py") if "migrations" not in p.parts]
    modules = {_module_name(p) for p in files}
    out = []
    for p in sorted(files):
        out += violations_in(_module_name(p), p.read_text(encoding="utf-8"), p.name == "__init__.py", modules)
    return out


def test_every_import_of_src_points_down_and_no_module_borrows_a_private_name():
    assert all_violations() == []


def test_the_rule_catches_an_import_up_or_sideways():
    """The checker itself, on made-up modules: each of these must be refused."""
    modules = {"zhili.insight.figures", "zhili.cases.bulk", "zhili.cases.models", "zhili.grid.models",
               "zhili.web.views", "zhili.demo.district", "zhili.cases.services"}
    bad = {
        "zhili.cases.services": "from zhili.insight import figures",  # domain app → insight
        "zhili.cases.writes": "import zhili.insight.rollups",
        "zhili.grid.services": "from zhili.cases.models import Case",  # sideways into a model
        "zhili.core.audit": "from zhili.cases import services",  # core → an app
        "zhili.core.geo": "from zhili.web.views import home",
        "zhili.insight.views": "from zhili.web.views import domain_errors",  # insight → web
        "zhili.insight.dues": "from zhili.cases.bulk import _Sql",  # a private name
        "zhili.insight.home": "from . import figures as fg\nfg._today()",  # a private attribute
        "zhili.cases.services.register": "from .common import _scope",
        "zhili.cases.selectors": "from zhili.demo import district",  # product → demo
    }
    for importer, source in bad.items():
        assert violations_in(importer, source, modules=modules), f"{importer}: {source!r} should be refused"
    good = {
        "zhili.cases.services": "from zhili.core import audit\nfrom . import rollups\nfrom .models import Case",
        "zhili.grid.services": "from zhili.cases import services\nfrom zhili.cases.services import register_case",
        "zhili.insight.figures": "from zhili.cases.models import Case\nfrom zhili.cases import rollups",
        "zhili.web.homepage": "from zhili.core import registry\nfrom zhili.cases.selectors import UNIT_ROLES",
        "zhili.cli": "from zhili.demo import district",
        "zhili.cases.views.intake": "from .common import scope_map\nfrom . import common\ncommon.scope_map()",
        "zhili.cases.writes": "def f(case):\n    return case._meta",
    }
    for importer, source in good.items():
        assert violations_in(importer, source, modules=modules) == [], f"{importer}: {source!r} should pass"
