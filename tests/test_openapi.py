"""The OpenAPI schema of /api/v1 is complete and honest: every case path and workflow action is
documented with examples, and schemathesis, fuzzing every operation of the API in-process
against that schema, finds no server error and no status code the operation does not declare."""

from __future__ import annotations

from collections import Counter, defaultdict
from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings

from zhili.cases import services
from zhili.cases.models import Case
from zhili.cases.workflow import ACTIONS
from zhili.core.services import issue_api_token

SCHEMA_URL = "/api/v1/openapi.json"
OURS = ("/api/v1/cases", "/api/v1/notifications")


@pytest.fixture
def schema(client, db):
    r = client.get(SCHEMA_URL)
    assert r.status_code == 200
    return r.json()


def test_schema_has_the_case_paths_with_examples(schema):
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cases"])
    for p in ("/api/v1/cases/{number}", "/api/v1/cases/{number}/timeline", "/api/v1/cases/duplicates",
              "/api/v1/cases/todo", "/api/v1/notifications", "/api/v1/notifications/{notification_id}/read"):
        assert p in paths, p
    assert "/api/v1/cases/{number}/actions/{action}" not in paths  # the JSON 404 for unknown names is not an operation

    comps = schema["components"]["schemas"]
    case_in = comps["CaseIn"]
    assert case_in["examples"][0]["parties"][0]["name"] == "张秀英"
    assert case_in["properties"]["category"]["examples"] == ["T.neighbour"]
    assert {"channel", "case_type", "category", "description", "parties"} <= set(case_in["required"])
    assert paths["/api/v1/cases"]["post"]["responses"]["201"]
    listed = {p["name"] for p in paths["/api/v1/cases"]["get"]["parameters"]}
    assert {"number", "phone", "category", "state", "lead_unit", "region", "created_from", "created_to", "grid", "channel",
            "case_type", "tier", "overdue", "q", "bucket", "cursor", "limit"} <= listed
    assert "confidential" in paths["/api/v1/cases/{number}"]["get"]["description"]

    ids = set()
    for name, action in ACTIONS.items():
        op = paths[f"/api/v1/cases/{{number}}/actions/{name}"]["post"]
        ids.add(op["operationId"])
        assert "Roles:" in op["description"] and all(f"`{f.name}`" in op["description"] for f in action.fields)
        for code in ("200", "400", "403", "404", "422"):
            assert code in op["responses"], (name, code)
        body = comps[f"{''.join(p.capitalize() for p in name.split('_'))}In"]
        assert set(body.get("required", [])) == {f.name for f in action.fields if f.required}, name
        assert set(body["properties"]) == {f.name for f in action.fields}, name
        if action.fields:
            assert body["examples"][0], name
    assert len(ids) == len(ACTIONS)
    dispatch = comps["DispatchIn"]
    assert dispatch["required"] == ["lead_unit"] and dispatch["examples"][0]["lead_unit"] == 3


def test_schema_is_valid_openapi(schema):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(schema)


# ---------------------------------------------------------------- fuzzing

@pytest.fixture
def world(district, hall, staff, categories):
    """A centre admin with a token, and cases in a few states for the fuzzer to act on."""
    clerk = staff["clerk"]

    def register(**kw):
        data = dict(channel="window", case_type="dispute", category="T.neighbour", title="楼上漏水",
                    description="楼上住户卫生间漏水，多次协商未果。", lon=119.105, lat=36.705,
                    parties=[{"name": "张秀英", "phone": "13805361234", "role": "applicant"},
                             {"name": "李建国", "phone": "13905362222", "role": "respondent"}])
        data.update(kw)
        return services.register_case(clerk, **data)

    registered = register()
    accepted = register(tier="complex")
    services.act(clerk, accepted, "accept")
    handling = register(tier="major", confidential=True)
    services.act(clerk, handling, "accept")
    services.act(clerk, handling, "dispatch", {"lead_unit": hall["zjj"].pk, "cooperating_units": [hall["gaj"].pk]})
    services.act(staff["zjj"], handling, "sign")
    return {"token": issue_api_token(staff["admin"], name="fuzz", days=1),
            "numbers": [registered.number, accepted.number, handling.number]}


@contextmanager
def one_connection():
    """Keep the test's database connection across requests, as Django's test client does (the
    WSGI handler would otherwise close it after every request and open a new one)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db(transaction=True)
def test_no_server_errors(world):
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.hypothesis.builder import add_examples
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, app)
    headers = {"Authorization": f"Bearer {world['token']}"}
    operations = [r.ok() for r in schema.get_all_operations()]
    # revoking a token last: its fuzzer tries small ids, and the world's token may be number 1
    operations.sort(key=lambda op: op.method.upper() == "DELETE" and op.path.startswith("/api/v1/tokens"))
    assert len([op for op in operations if op.path.startswith(OURS)]) >= len(ACTIONS) + 7
    assert len(operations) >= len(ACTIONS) + 20  # every operation: the core ones too

    statuses: dict = defaultdict(Counter)

    def fuzz(op, mode, examples, path_parameters=None):
        checks = [not_a_server_error, status_code_conformance] + (
            [response_schema_conformance] if mode == GenerationMode.POSITIVE else [])

        @given(case=op.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(headers=headers)
            statuses[(op.path.replace("/api/v1", ""), op.method.upper(), mode.value)][response.status_code] += 1
            case.validate_response(response, checks=checks, headers=headers)

        if mode == GenerationMode.POSITIVE and path_parameters is None:
            run = add_examples(run, op, fill_missing=True)  # the schema's own examples first
        run()

    def real_case(path: str) -> str:
        """A case the operation can act on now: one in a source state of the action, if any."""
        action = ACTIONS.get(path.rsplit("/", 1)[1])
        states = dict(Case.objects.filter(number__in=world["numbers"]).values_list("number", "state"))
        fits = [n for n in world["numbers"] if action is not None and states[n] in action.sources]
        return (fits or world["numbers"][::-1])[0]

    with one_connection():
        for op in operations:
            ours = op.path.startswith(OURS)  # the core operations are simple: fewer examples keep the run short
            fuzz(op, GenerationMode.POSITIVE, 6 if ours else 4)
            fuzz(op, GenerationMode.NEGATIVE, 4 if ours else 3)
            if "{number}" in op.path:  # past the 404: act on a real case
                fuzz(op, GenerationMode.POSITIVE, 5, {"number": real_case(op.path)})
    # past validation: the documented example registers a case, and actions were performed
    assert statuses[("/cases", "POST", "positive")][201] > 0
    assert sum(v[200] for k, v in statuses.items() if "/actions/" in k[0]) > 0
    assert all(code < 500 for v in statuses.values() for code in v)
