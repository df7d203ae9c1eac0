"""Every form field and query parameter the URL conf exposes refuses a NUL byte, an over-long
value and an out-of-range number with a 4xx naming the field, and stores nothing.

Nothing is hand-listed: the pages are the URL resolver's patterns (the admin excepted: it has
its own tests), their fields are read from the forms the pages draw and their query parameters
from those forms and from the views' source (``request.GET.get("…")``); the API's operations and
their parameters and body properties from its OpenAPI schema. Runs on SQLite and, with
ZHILI_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import importlib
import inspect
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from zhili.cases import services
from zhili.core import inputs
from zhili.core.services import issue_api_token

NUL, BIG = "a\x00b", "9" * 20
SKIP_PREFIXES = ("admin/", "api/")  # the admin has its own tests; the API is walked through its schema


def _row_counts() -> dict:
    """Rows of every table the product writes (sessions and the audit chain aside: a refused
    request may log, but stores nothing)."""
    skip = {"sessions", "axes", "admin", "contenttypes", "auth"}
    out = {}
    for model in apps.get_models():
        if model._meta.app_label in skip or model.__name__ in ("AuditEvent", "AuditHead"):
            continue
        out[model._meta.label] = model.objects.count()
    return out


def _patterns(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if route.startswith(SKIP_PREFIXES):
            continue
        if isinstance(p, URLResolver):
            yield from _patterns(p, route)
        elif isinstance(p, URLPattern):
            yield route, p


def _fill(route: str, values: dict) -> str | None:
    """A concrete path for a route: its converters and named groups filled from ``values``."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "")), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), "")), path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return "/" + path


class _Forms(HTMLParser):
    """The forms of a page: method, action and fields (name → (value, maxlength))."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._in_textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": {}})
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if a["name"] == "csrfmiddlewaretoken" or kind in ("file", "submit", "button", "image", "reset"):
                return
            if kind in ("radio", "checkbox") and "checked" not in a and a["name"] in self.forms[-1]["fields"]:
                return
            limit = int(a["maxlength"]) if (a.get("maxlength") or "").isdigit() else None
            self.forms[-1]["fields"][a["name"]] = (a.get("value") or "", limit)


_GET_NAMES = re.compile(r"""GET(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""")


def _query_names(view) -> set[str]:
    """The query parameters a view's module reads."""
    module = importlib.import_module(getattr(view, "__module__", "") or "builtins")
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    return set(_GET_NAMES.findall(source))


def _bad_values(limit: int | None, query: bool) -> list[tuple[str, str]]:
    longest = limit if limit is not None else (inputs.MAX_QUERY_VALUE if query else inputs.MAX_VALUE)
    return [("nul", NUL), ("long", "x" * (longest + 1)), ("number", BIG)]


@pytest.fixture
def world(district, hall, staff, categories):
    from zhili.core.models import User

    boss = User.objects.get(username="zfw")
    boss.is_superuser = True
    boss.save()
    case = services.register_case(staff["clerk"], channel="window", case_type="dispute", category="T.neighbour",
                                  title="楼上漏水", description="楼上住户卫生间漏水，多次协商未果。", lon=119.105, lat=36.705,
                                  parties=[{"name": "张秀英", "phone": "13805361234", "role": "applicant"}])
    return {"user": boss, "case": case, "district": district}


def _named(resp, name: str) -> bool:
    return name in resp.content.decode("utf-8", "replace")


@pytest.mark.django_db(transaction=True)
def test_every_page_field_and_query_parameter(client, world):
    client.force_login(world["user"])
    client.raise_request_exception = False  # a page's own 500 on a plain GET is not this test's; bad input's is
    values = {"number": world["case"].number, "action": "accept", "pk": 1, "cell": "8a30000000000ff", "token": "x",
              "code": world["district"]["district"].code, "key": "grid"}
    tried, failures = 0, []
    for route, pattern in _patterns():
        path = _fill(route, values)
        page = client.get(path)
        before = _row_counts()  # after the page's own GET (the 2FA page creates its device)
        forms = []
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            parser = _Forms()
            parser.feed(page.content.decode("utf-8", "replace"))
            forms = parser.forms
        queries = _query_names(pattern.callback) | {n for f in forms if f["method"] == "get" for n in f["fields"]}
        for name in sorted(queries):
            for kind, bad in _bad_values(None, True):
                r = client.get(path, {name: bad})
                tried += 1
                if not (400 <= r.status_code < 500 and _named(r, name)):
                    failures.append(f"GET {path}?{name}= {kind}: {r.status_code}")
        for form in (f for f in forms if f["method"] == "post"):
            target = form["action"] or path
            base = {n: v for n, (v, _limit) in form["fields"].items()}
            for name, (_v, limit) in form["fields"].items():
                for kind, bad in _bad_values(limit, False):
                    r = client.post(target, {**base, name: bad}, follow=True)
                    tried += 1
                    if not (400 <= r.status_code < 500 and _named(r, name)):
                        failures.append(f"POST {target} {name} {kind}: {r.status_code}")
            client.force_login(world["user"])  # a form that logs out (it should not have passed) does not stop the walk
        if (after := _row_counts()) != before:
            failures.append(f"{path}: stored {set(after.items()) - set(before.items())}")
    assert tried > 150, tried
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- the API, from its schema


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _leaf_kinds(schema, node) -> set[str]:
    node = _resolve(schema, node)
    kinds = {node.get("type")} if node.get("type") else set()
    for alt in node.get("anyOf", []) + node.get("oneOf", []):
        kinds |= _leaf_kinds(schema, alt)
    return kinds - {"null"}


def _string_limit(schema, node) -> int | None:
    node = _resolve(schema, node)
    if node.get("type") == "string":
        return node.get("maxLength")
    for alt in node.get("anyOf", []) + node.get("oneOf", []):
        if (n := _string_limit(schema, alt)) is not None:
            return n
    return None


def _strings(schema, node):
    node = _resolve(schema, node)
    if node.get("type") == "string":
        yield node
    for alt in node.get("anyOf", []) + node.get("oneOf", []):
        yield from _strings(schema, alt)


def _string_format(schema, node) -> str | None:
    return next((n["format"] for n in _strings(schema, node) if n.get("format")), None)


def _string_enum(schema, node) -> bool:
    return any("enum" in n or "const" in n for n in _strings(schema, node))


def _bad_for(schema, node) -> list[tuple[str, object]]:
    kinds = _leaf_kinds(schema, node)
    out = []
    if "string" in kinds:
        fmt = _string_format(schema, node)
        if fmt in ("date", "date-time"):
            out += [("nul", NUL), ("year 1", "0001-01-01" + ("T00:00:00+08:00" if fmt == "date-time" else "")),
                    ("year 9999", "9999-12-31" + ("T23:59:59+08:00" if fmt == "date-time" else ""))]
        elif _string_enum(schema, node):
            out += [("nul", NUL), ("long", "x" * 1001)]
        else:
            limit = _string_limit(schema, node)
            assert limit is not None, f"a string without maxLength: {node}"
            out += [("nul", NUL), ("long", "x" * (limit + 1))]
    if "integer" in kinds or "number" in kinds:
        out.append(("number", 10**20))
    if "array" in kinds:
        items = _resolve(schema, node).get("items") or {}
        out += [(k, [v]) for k, v in _bad_for(schema, items)] if _leaf_kinds(schema, items) & {"string", "integer"} else []
    return out


@pytest.mark.django_db(transaction=True)
def test_every_api_parameter_and_body_field(client, world):
    schema = client.get("/api/v1/openapi.json").json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(world['user'], name='walk', days=1)}"}
    example_case = schema["components"]["schemas"]["CaseIn"]["examples"][0]
    before = _row_counts()
    tried, failures = 0, []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            path_values = {p["name"]: (world["case"].number if p["name"] == "number" else 1 if "id" in p["name"] else "x")
                           for p in params if p["in"] == "path"}

            def url(overrides: dict, _path=path, _pv=path_values) -> str:
                return _path.format(**{**_pv, **overrides})

            for p in params:
                for kind, bad in _bad_for(schema, p["schema"]):
                    if p["in"] == "path":
                        from urllib.parse import quote

                        target, query = url({p["name"]: quote(str(bad), safe="")}), {}
                    else:
                        target, query = url({}), {p["name"]: bad}
                    if method == "get":
                        r = client.get(target, query, **headers)
                    else:
                        r = client.generic(method.upper(), target + ("?" + "&".join(f"{k}={quote(str(v))}" for k, v in query.items())
                                                                      if query else ""),
                                           "{}", content_type="application/json", **headers)
                    tried += 1
                    fields = [e["field"] for e in r.json().get("errors", [])] if r.get("Content-Type", "").startswith("application/json") else []
                    if not (400 <= r.status_code < 500 and any(p["name"] in f for f in fields)):
                        failures.append(f"{method.upper()} {path} {p['in']} {p['name']} {kind}: {r.status_code} {fields}")
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            if not body:
                continue
            model = _resolve(schema, body["schema"])
            base = example_case if path == "/api/v1/cases" else (model.get("examples") or [{}])[0]
            targets = [(name, prop) for name, prop in model.get("properties", {}).items()]
            for name, prop in targets:
                for kind, bad in _bad_for(schema, prop):
                    r = client.post(url({}), {**base, name: bad}, content_type="application/json", **headers)
                    tried += 1
                    fields = [e["field"] for e in r.json().get("errors", [])]
                    if not (400 <= r.status_code < 500 and any(f.startswith(name) for f in fields)):
                        failures.append(f"POST {path} body {name} {kind}: {r.status_code} {fields}")
            if path == "/api/v1/cases":  # the parties' fields too
                party = _resolve(schema, schema["components"]["schemas"]["PartyIn"])
                for name, prop in party["properties"].items():
                    for kind, bad in _bad_for(schema, prop):
                        parties = [{**example_case["parties"][0], name: bad}]
                        r = client.post(url({}), {**base, "parties": parties}, content_type="application/json", **headers)
                        tried += 1
                        fields = [e["field"] for e in r.json().get("errors", [])]
                        if not (400 <= r.status_code < 500 and any(name in f for f in fields)):
                            failures.append(f"POST {path} parties.0.{name} {kind}: {r.status_code} {fields}")
    assert tried > 200, tried
    assert not failures, "\n".join(failures)
    assert _row_counts() == before
