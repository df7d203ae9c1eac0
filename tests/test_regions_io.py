"""Import and export of region boundaries (GeoJSON) and of the region table (Excel)."""

from __future__ import annotations

import copy
import io
import json
import time

import pytest
from conftest import make_region, make_user, square
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from zhili.core import geo, regions_io
from zhili.core.errors import Forbidden, Invalid, NotFound
from zhili.core.models import LEVEL_ORDER, AuditEvent, Region, User


def rect(lon0, lat0, lon1, lat1) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}


def feature(code, name, level, parent_code, geometry=None, **props) -> dict:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"code": code, "name": name, "level": level, "parent_code": parent_code, **props}}


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def snapshot() -> list[tuple]:
    return sorted(
        (r.code, r.name, r.level, r.parent.code if r.parent else None, r.grid_type,
         json.dumps(r.geometry, sort_keys=True), r.population)
        for r in Region.objects.select_related("parent"))


def imports() -> int:
    return AuditEvent.objects.filter(action="region.import").count()


def wipe_regions() -> None:
    User.objects.all().delete()
    for level in reversed(LEVEL_ORDER):
        Region.objects.filter(level=level).delete()


# A new community under street 001 (north of the fixture's) with one grid: features 1 and 2.
NEW_COMMUNITY = feature("370705001003", "第四社区", "community", "370705001000", rect(119.10, 36.72, 119.12, 36.73))
NEW_GRID = feature("370705001003001", "网格131", "grid", "370705001003", square(119.10, 36.72), grid_type="basic")

BOWTIE = {"type": "Polygon", "coordinates": [[[119.11, 36.72], [119.115, 36.725], [119.115, 36.72], [119.11, 36.725], [119.11, 36.72]]]}
UNCLOSED = {"type": "Polygon", "coordinates": [[[119.11, 36.72], [119.115, 36.72], [119.115, 36.725], [119.11, 36.725]]]}

BAD = {
    "11-digit code": (feature("37070500100", "坏社区", "community", "370705001000"), "12位数字", "12 digits"),
    "letters in code": (feature("37070500100A", "坏社区", "community", "370705001000"), "12位数字", "12 digits"),
    "grid not under its community": (feature("370705001002009", "坏网格", "grid", "370705001003"), "不在上级", "is not under its parent"),
    "level does not match the code": (feature("370705001004", "坏街道", "street", "370705000000"), "形式是community级", "has the shape of a community, not a street"),
    "unclosed polygon": (feature("370705001003002", "坏网格", "grid", "370705001003", UNCLOSED), "未闭合", "not closed"),
    "bow-tie polygon": (feature("370705001003002", "坏网格", "grid", "370705001003", BOWTIE), "多边形无效", "Self-intersection"),
    "overlaps a grid of the file": (feature("370705001003002", "坏网格", "grid", "370705001003", square(119.105, 36.72)),
                                    "与第2行的网格 370705001003001 重叠", "overlaps grid 370705001003001 (feature 2)"),
    "overlaps a stored grid": (feature("370705001001003", "坏网格", "grid", "370705001001", square(119.105, 36.70)),
                               "与已有网格 370705001001001 重叠", "overlaps the existing grid 370705001001001"),
    "grid outside its community": (feature("370705001003002", "坏网格", "grid", "370705001003", square(119.13, 36.72)),
                                   "超出所属社区 370705001003", "outside its community 370705001003"),
    "stored community boundary": (feature("370705001001003", "坏网格", "grid", "370705001001", square(119.10, 36.75)),
                                  "超出所属社区 370705001001", "outside its community 370705001001"),
    "missing parent": (feature("370705009001", "孤儿社区", "community", "370705009000"), "上级区划 370705009000 不存在", "exists neither"),
    "duplicate code": (feature("370705001003001", "重复网格", "grid", "370705001003", square(119.11, 36.72)), "与第2行重复", "duplicates feature 2"),
    "outside China": (feature("370705001003002", "巴黎网格", "grid", "370705001003", square(2.35, 48.85)), "不在中国范围内", "outside China"),
    "missing name": (feature("370705001003002", "", "grid", "370705001003"), "缺少属性 name", "missing properties: name"),
    "bad grid type": (feature("370705001003002", "网格", "grid", "370705001003", grid_type="special"), "网格类型", "grid_type"),
    "no parent for a street": (feature("370705003000", "新街道", "street", None), "缺少上级区划", "parent region is missing"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_rejection_names_the_row_and_writes_nothing(district, users, case):
    bad, zh, en = BAD[case]
    before, events = snapshot(), imports()
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(users["sys_admin"], collection(NEW_COMMUNITY, NEW_GRID, bad))
    hits = [e for e in exc.value.errors if zh in e["message"] and en in e["message_en"]]
    assert hits, exc.value.errors
    code = bad["properties"]["code"]
    assert hits[0]["message"].startswith(f"第3行（代码 {code}）："), hits[0]
    assert hits[0]["message_en"].startswith(f"feature 3 (code {code}): "), hits[0]
    assert hits[0]["row"] == 3
    # only the bad feature is complained about; the good ones pass
    assert all(e.get("row") == 3 for e in exc.value.errors), exc.value.errors
    assert snapshot() == before and imports() == events


def test_every_problem_is_listed(district, users):
    before = Region.objects.count()
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(users["sys_admin"], collection(
            feature("37070500100", "坏", "community", "370705001000"),
            feature("370705009001", "孤儿", "community", "370705009000"),
            feature("370705001001003", "坏网格", "grid", "370705001001", BOWTIE),
        ))
    assert sorted(e["row"] for e in exc.value.errors) == [1, 2, 3]
    assert Region.objects.count() == before


@pytest.mark.parametrize("data,zh,en", [
    (b"{not json", "JSON 格式错误", "malformed JSON"),
    ('{"type": "Feature", "properties": {}}', "FeatureCollection", "FeatureCollection"),
    ({"type": "FeatureCollection", "features": []}, "没有要素", "no features"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}, "缺少属性", "no properties"),
    ({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
      "features": [NEW_COMMUNITY]}, "WGS-84", "WGS-84"),
    ("\ufffe".encode("utf-16"), "UTF-8", "UTF-8"),
])
def test_malformed_files(district, users, data, zh, en):
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(users["sys_admin"], data)
    assert zh in exc.value.errors[0]["message"] and en in exc.value.errors[0]["message_en"]
    assert snapshot() == before


def test_import_creates_and_updates_with_one_audit_event(district, users):
    admin = users["sys_admin"]
    renamed = feature("370705001001001", "网格111（新）", "grid", "370705001001", square(119.10, 36.70), population=321)
    events = imports()
    res = regions_io.import_geojson(admin, json.dumps(collection(NEW_COMMUNITY, NEW_GRID, renamed)).encode())
    assert (res.created, res.updated, res.unchanged) == (2, 1, 0)
    assert imports() == events + 1
    ev = AuditEvent.objects.filter(action="region.import").latest("seq")
    details = json.loads(ev.details)
    assert details["created"] == 2 and details["updated"] == 1 and details["format"] == "geojson"
    assert ev.actor_id == admin.pk
    grid = Region.objects.get(code="370705001003001")
    assert grid.parent.code == "370705001003" and grid.prefix == "370705001003001" and grid.grid_type == "basic"
    assert grid.area_km2 == pytest.approx(1.11 * 0.89, rel=0.05)  # 0.01° square at 36.7°N
    assert 119.10 < grid.centroid_lon < 119.11 and 36.72 < grid.centroid_lat < 36.73
    g111 = Region.objects.get(code="370705001001001")
    assert g111.name == "网格111（新）" and g111.population == 321
    # the same file again changes nothing
    res = regions_io.import_geojson(admin, collection(NEW_COMMUNITY, NEW_GRID, renamed))
    assert (res.created, res.updated, res.unchanged) == (0, 0, 3)


def test_feature_without_geometry_keeps_the_stored_boundary(district, users):
    old = Region.objects.get(code="370705001001001").geometry
    regions_io.import_geojson(users["sys_admin"], collection(feature("370705001001001", "改名", "grid", "370705001001")))
    g = Region.objects.get(code="370705001001001")
    assert g.name == "改名" and g.geometry == old and g.grid_type == "basic"


def test_replacing_grids_of_a_community_is_not_an_overlap(district, users):
    """Two stored grids swap places: each overlaps the other's old boundary, which the file replaces."""
    res = regions_io.import_geojson(users["sys_admin"], collection(
        feature("370705001001001", "网格111", "grid", "370705001001", square(119.11, 36.70)),
        feature("370705001001002", "网格112", "grid", "370705001001", square(119.10, 36.70)),
    ))
    assert res.updated == 2


def test_shrinking_a_community_checks_its_stored_grids(district, users):
    before = snapshot()
    small = feature("370705001001", "第一社区", "community", "370705001000", rect(119.10, 36.70, 119.11, 36.71))
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(users["sys_admin"], collection(small))
    [e] = exc.value.errors
    assert e["row"] == 1 and "网格 370705001001002 有 100.0% 超出所属社区 370705001001" in e["message"]
    assert snapshot() == before


def test_renaming_is_not_blamed_for_a_stored_overlap(district, users):
    Region.objects.filter(code="370705001001002").update(geometry=square(119.105, 36.70))  # overlaps 111 already
    res = regions_io.import_geojson(users["sys_admin"], collection(feature("370705001001002", "改名", "grid", "370705001001")))
    assert res.updated == 1
    # but moving the other grid onto it is
    with pytest.raises(Invalid, match="370705001001002"):
        regions_io.import_geojson(users["sys_admin"], collection(
            feature("370705001001001", "网格111", "grid", "370705001001", square(119.104, 36.70))))


def test_error_list_is_capped(district, users):
    feats = [feature(f"3707050{k:04d}", "坏", "community", "370705001000") for k in range(1200)]
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(users["sys_admin"], collection(*feats))
    assert len(exc.value.errors) == regions_io.MAX_ERRORS + 1
    assert exc.value.errors[-1]["message_en"] == "200 more errors not listed"


def test_import_refreshes_the_grid_index(district, users):
    assert geo.locate_grid(119.105, 36.725) is None  # builds the index
    regions_io.import_geojson(users["sys_admin"], collection(NEW_COMMUNITY, NEW_GRID))
    assert geo.locate_grid(119.105, 36.725) == "370705001003001"


def test_permission_and_scope(district, users):
    with pytest.raises(Forbidden):
        regions_io.import_geojson(users["street_staff"], collection(NEW_COMMUNITY))
    with pytest.raises(Forbidden):
        regions_io.import_excel(users["centre_admin"], b"")
    with pytest.raises(Forbidden):
        regions_io.import_geojson(None, collection(NEW_COMMUNITY))
    # a system administrator whose scope is street 002 may not import into street 001
    narrow = make_user("sys_admin", district["s2"], username="narrow_admin")
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(narrow, collection(NEW_COMMUNITY))
    assert "不在您的数据范围（370705002）内" in exc.value.errors[0]["message"]
    assert snapshot() == before
    assert regions_io.import_geojson(users["sys_admin"], collection(NEW_COMMUNITY)).created == 1


def test_export_geojson(district, users):
    fc = regions_io.export_geojson(users["sys_admin"])
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == Region.objects.count()
    g = next(f for f in fc["features"] if f["properties"]["code"] == "370705001001002")
    assert g["properties"] == {"code": "370705001001002", "name": "网格112", "level": "grid", "parent_code": "370705001001",
                               "grid_type": "basic", "population": None, "area_km2": None}
    assert g["geometry"] == square(119.11, 36.70)
    sub = regions_io.export_geojson(users["sys_admin"], root_code="370705001001", levels=["grid"])
    assert [f["id"] for f in sub["features"]] == ["370705001001001", "370705001001002"]
    street = regions_io.export_geojson(users["street_staff"])
    assert {f["id"][:9] for f in street["features"]} == {"370705001"}
    with pytest.raises(NotFound):
        regions_io.export_geojson(users["street_staff"], root_code="370705002000")
    with pytest.raises(Invalid):
        regions_io.export_geojson(users["sys_admin"], levels=["planet"])
    with pytest.raises(Forbidden):
        regions_io.export_geojson(users["audit_admin"])


def test_geojson_round_trip_into_a_fresh_database(district, users):
    Region.objects.filter(code="370705001001").update(population=4321)
    data = json.dumps(regions_io.export_geojson(users["sys_admin"]), ensure_ascii=False).encode()
    before = snapshot()
    wipe_regions()
    root = make_region("370705000000", "待导入", "district")
    admin = make_user("sys_admin", root, username="fresh_admin")
    res = regions_io.import_geojson(admin, data)
    assert (res.created, res.updated) == (len(before) - 1, 1)
    assert snapshot() == before
    assert all(r.area_km2 and r.centroid_lon for r in Region.objects.filter(geometry__isnull=False))


# --------------------------------------------------------------------------- Excel


def test_excel_export_layout(district, users):
    wb = load_workbook(io.BytesIO(regions_io.export_excel(users["sys_admin"])))
    ws = wb.active
    assert ws.title == "行政区划"
    assert [c.value for c in ws[1]] == ["代码/code", "名称/name", "层级/level", "上级代码/parent_code",
                                        "网格类型/grid_type", "人口/population", "面积(km²)/area"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 15 and ws.column_dimensions["B"].width >= 20
    assert ws.max_row == Region.objects.count() + 1
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "370705001001002")
    assert row[:5] == ("370705001001002", "网格112", "grid", "370705001001", "basic")


def test_excel_round_trip_into_a_fresh_database(district, users):
    Region.objects.filter(code="370705001001").update(population=4321)
    data = regions_io.export_excel(users["sys_admin"])
    before = [t[:5] + t[6:] for t in snapshot()]  # everything but the boundary
    wipe_regions()
    root = make_region("370705000000", "待导入", "district")
    admin = make_user("sys_admin", root, username="fresh_admin")
    res = regions_io.import_excel(admin, data)
    assert (res.created, res.updated) == (len(before) - 1, 1)
    assert [t[:5] + t[6:] for t in snapshot()] == before
    assert not Region.objects.filter(geometry__isnull=False).exists()


def test_excel_update_leaves_boundaries_alone(district, users):
    wb = load_workbook(io.BytesIO(regions_io.export_excel(users["sys_admin"])))
    ws = wb.active
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "370705001001002":
            row[1].value, row[4].value, row[5].value = "改名网格", "专属网格", 88
    buf = io.BytesIO()
    wb.save(buf)
    geometry = Region.objects.get(code="370705001001002").geometry
    res = regions_io.import_excel(users["sys_admin"], buf.getvalue())
    assert (res.created, res.updated) == (0, 1)
    g = Region.objects.get(code="370705001001002")
    assert (g.name, g.grid_type, g.population, g.geometry) == ("改名网格", "dedicated", 88, geometry)


def _sheet(rows, header=("代码", "名称", "层级", "上级代码", "网格类型", "人口")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_errors_name_the_spreadsheet_row(district, users):
    data = _sheet([
        ("370705001003", "第四社区", "社区", "370705001000", None, 100),   # row 2: fine (Chinese level)
        (370705001003001, "网格", "网格", "370705001003", "基础网格", None),  # row 3: fine (numeric code)
        (None, None, None, None, None, None),                              # row 4: blank, skipped
        ("3707050010039", "坏社区", "community", "370705001000", None, None),  # row 5: 13 digits
        ("370705001003002", "网格", "grid", "370705001003", None, -5),       # row 6: negative population
        ("370705001004", "", "community", "370705001000", None, None),        # row 7: no name
    ])
    before = snapshot()
    with pytest.raises(Invalid) as exc:
        regions_io.import_excel(users["sys_admin"], data)
    errs = {e["row"]: e for e in exc.value.errors}
    assert set(errs) == {5, 6, 7}, exc.value.errors
    assert errs[5]["message"].startswith("第5行（代码 3707050010039）：") and errs[5]["message_en"].startswith("row 5 (code 3707050010039): ")
    assert "人口" in errs[6]["message"] and "population" in errs[6]["message_en"]
    assert "缺少名称" in errs[7]["message"]
    assert snapshot() == before
    # without the bad rows the same sheet imports
    good = _sheet([("370705001003", "第四社区", "社区", "370705001000", None, 100),
                   (370705001003001, "网格", "网格", "370705001003", "基础网格", None)])
    assert regions_io.import_excel(users["sys_admin"], good).created == 2
    assert Region.objects.get(code="370705001003001").grid_type == "basic"


def test_excel_bad_files(district, users):
    with pytest.raises(Invalid) as exc:
        regions_io.import_excel(users["sys_admin"], b"not a workbook")
    assert "Excel" in exc.value.errors[0]["message"]
    with pytest.raises(Invalid) as exc:
        regions_io.import_excel(users["sys_admin"], _sheet([("370705001003", "x")], header=("代码", "名称")))
    assert "表头缺少列" in exc.value.errors[0]["message"] and "level" in exc.value.errors[0]["message_en"]


# --------------------------------------------------------------------------- management commands


def test_commands_round_trip(district, users, tmp_path, capsys):
    out = tmp_path / "regions.geojson"
    call_command("export_regions", str(out), "--root", "370705001000")
    fc = json.loads(out.read_text())
    assert {f["id"][:9] for f in fc["features"]} == {"370705001"}
    call_command("import_regions", str(out), "--user", "sys_admin")  # fills in the fixture's missing centroids
    call_command("import_regions", str(out), "--user", "sys_admin")
    assert "unchanged 7" in capsys.readouterr().out.splitlines()[-1]
    xlsx = tmp_path / "regions.xlsx"
    call_command("export_regions", str(xlsx))
    call_command("import_regions", str(xlsx))
    assert "unchanged 11" in capsys.readouterr().out
    assert imports() == 3


def test_import_command_prints_each_error_and_fails(district, users, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(collection(feature("37070500100", "坏", "community", "370705001000"),
                                         feature("370705009001", "孤儿", "community", "370705009000"))), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_regions", str(bad), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("第1行") and "feature 2" in lines[1]
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_regions", str(bad), "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("import_regions", str(bad), "--user", "street_staff", stderr=io.StringIO())


# --------------------------------------------------------------------------- a city's worth of grids


def big_collection(communities: int = 50, per_side: int = 10, size: float = 0.001) -> dict:
    """Street 370705003 with `communities` communities of per_side² square grids each."""
    feats = [feature("370705003000", "大街道", "street", "370705000000")]
    for c in range(communities):
        lon0, lat0 = round(119.20 + (c % 10) * per_side * size, 6), round(36.80 + (c // 10) * per_side * size, 6)
        ccode = f"370705003{c + 1:03d}"
        feats.append(feature(ccode, f"社区{c + 1}", "community", "370705003000",
                             rect(lon0, lat0, round(lon0 + per_side * size, 6), round(lat0 + per_side * size, 6))))
        for k in range(per_side * per_side):
            x, y = round(lon0 + (k % per_side) * size, 6), round(lat0 + (k // per_side) * size, 6)
            feats.append(feature(f"{ccode}{k + 1:03d}", f"网格{k + 1}", "grid", ccode,
                                 rect(x, y, round(x + size, 6), round(y + size, 6)), grid_type="basic"))
    return collection(*feats)


def test_five_thousand_grids_import_in_seconds(district, users):
    data = json.dumps(big_collection()).encode()
    t0 = time.perf_counter()
    res = regions_io.import_geojson(users["sys_admin"], data)
    elapsed = time.perf_counter() - t0
    print(f"\n5,000-grid import: {elapsed:.2f} s")
    assert res.created == 1 + 50 + 5000
    assert Region.objects.filter(code__startswith="370705003", level="grid").count() == 5000
    assert elapsed < 20
    assert geo.locate_grid(119.2005, 36.8005) == "370705003001001"
    # an overlap among thousands is still found, and named
    fc = big_collection()
    bad = copy.deepcopy(fc["features"][-1])
    bad["properties"]["code"] = "370705003050101"
    fc["features"].append(bad)
    t0 = time.perf_counter()
    with pytest.raises(Invalid) as exc:
        regions_io.import_geojson(users["sys_admin"], fc)
    print(f"5,000-grid validation with one overlap: {time.perf_counter() - t0:.2f} s")
    assert [e["row"] for e in exc.value.errors] == [len(fc["features"])]
    assert "与第5051行的网格 370705003050100 重叠" in exc.value.errors[0]["message"]
