"""The region import/export endpoints of /api/v1/."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from zhili.core.models import AuditEvent, Region

BASE = "/api/v1"
NEW = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[119.10, 36.72], [119.12, 36.72], [119.12, 36.73], [119.10, 36.73], [119.10, 36.72]]]},
     "properties": {"code": "370705001003", "name": "第四社区", "level": "community", "parent_code": "370705001000"}},
]}


def upload(name: str, content: bytes, mime: str = "application/octet-stream"):
    return {"file": SimpleUploadedFile(name, content, content_type=mime)}


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["sys_admin"])
    return client


@pytest.mark.parametrize("method,path", [
    ("get", "/regions/export.geojson"), ("get", "/regions/export.xlsx"), ("post", "/regions/import")])
def test_anonymous_gets_401(client, district, method, path):
    kwargs = {"data": upload("x.geojson", b"{}")} if method == "post" else {}
    r = getattr(client, method)(BASE + path, **kwargs)
    assert r.status_code == 401
    assert r.json()["errors"][0]["message_en"] == "authentication required"


def test_export_geojson(admin_client, district):
    r = admin_client.get(f"{BASE}/regions/export.geojson")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/geo+json")
    assert "attachment" in r["Content-Disposition"]
    fc = json.loads(r.content)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == Region.objects.count()
    r = admin_client.get(f"{BASE}/regions/export.geojson", {"root": "370705001001", "level": ["grid"]})
    assert [f["id"] for f in json.loads(r.content)["features"]] == ["370705001001001", "370705001001002"]
    r = admin_client.get(f"{BASE}/regions/export.geojson", {"level": "planet"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "level"


def test_street_user_exports_only_its_street(client, users):
    client.force_login(users["street_staff"])
    fc = json.loads(client.get(f"{BASE}/regions/export.geojson").content)
    codes = [f["properties"]["code"] for f in fc["features"]]
    assert codes and all(c.startswith("370705001") for c in codes)
    assert "370705000000" not in codes and "370705002001001" not in codes
    r = client.get(f"{BASE}/regions/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(rows) == sorted(codes)
    # another street's subtree is "not found"
    r = client.get(f"{BASE}/regions/export.geojson", {"root": "370705002000"})
    assert r.status_code == 404


def test_export_paths_do_not_shadow_region_detail(client, users):
    client.force_login(users["street_staff"])
    r = client.get(f"{BASE}/regions/370705001001")
    assert r.status_code == 200 and r.json()["code"] == "370705001001"


def test_import_geojson_upload(admin_client, district):
    events = AuditEvent.objects.filter(action="region.import").count()
    r = admin_client.post(f"{BASE}/regions/import", data=upload("new.geojson", json.dumps(NEW).encode(), "application/geo+json"))
    assert r.status_code == 200, r.content
    assert r.json() == {"created": 1, "updated": 0, "unchanged": 0, "total": 1}
    assert Region.objects.filter(code="370705001003", parent__code="370705001000").exists()
    assert AuditEvent.objects.filter(action="region.import").count() == events + 1


def test_import_xlsx_upload(admin_client, district):
    data = admin_client.get(f"{BASE}/regions/export.xlsx").content
    r = admin_client.post(f"{BASE}/regions/import", data=upload("regions.xlsx", data))
    assert r.status_code == 200 and r.json()["total"] == Region.objects.count()


def test_bad_upload_is_400_in_chinese_and_english(admin_client, district):
    bad = json.loads(json.dumps(NEW))
    bad["features"].append({"type": "Feature", "geometry": None, "properties": {
        "code": "37070500100", "name": "坏社区", "level": "community", "parent_code": "370705001000"}})
    before = Region.objects.count()
    r = admin_client.post(f"{BASE}/regions/import", data=upload("bad.geojson", json.dumps(bad).encode()))
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert len(errors) == 1
    e = errors[0]
    assert e["field"] == "code" and e["row"] == 2
    assert e["message"].startswith("第2行（代码 37070500100）：") and "12位数字" in e["message"]
    assert e["message_en"].startswith("feature 2 (code 37070500100): ") and "12 digits" in e["message_en"]
    assert Region.objects.count() == before
    # not JSON at all
    r = admin_client.post(f"{BASE}/regions/import", data=upload("bad.geojson", b"\x00\x01garbage"))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "file"
    # an extension we do not read
    r = admin_client.post(f"{BASE}/regions/import", data=upload("regions.csv", b"code,name"))
    assert r.status_code == 400 and ".xlsx" in r.json()["errors"][0]["message"]
    # no file at all
    r = admin_client.post(f"{BASE}/regions/import", data={})
    assert r.status_code == 422


def test_street_user_may_not_import(client, users):
    client.force_login(users["street_staff"])
    before = Region.objects.count()
    r = client.post(f"{BASE}/regions/import", data=upload("new.geojson", json.dumps(NEW).encode()))
    assert r.status_code == 403
    assert r.json()["errors"][0]["message"] == "无权执行此操作"
    assert Region.objects.count() == before


def test_openapi_still_renders(client, db):
    r = client.get(f"{BASE}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ("/api/v1/regions/export.geojson", "/api/v1/regions/export.xlsx", "/api/v1/regions/import", "/api/v1/regions/{code}"):
        assert p in paths
    assert "multipart/form-data" in paths["/api/v1/regions/import"]["post"]["requestBody"]["content"]
    assert "application/geo+json" in paths["/api/v1/regions/export.geojson"]["get"]["responses"]["200"]["content"]
