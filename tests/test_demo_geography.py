"""The demo's geography: the GCJ-02 → WGS-84 transform, the real outlines packaged with the demo,
and the streets, communities and grids generated inside them (no database)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape

from zhili.core import validation
from zhili.demo import district as demo
from zhili.demo.district import gcj02, names, outlines

#: published test points of the well-known transform (WGS-84 lat, lng → GCJ-02 lat, lng)
KNOWN = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
SEED_GEO = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "geo"


def metres(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    return math.hypot((lon1 - lon0) * 111_320 * math.cos(math.radians(lat0)), (lat1 - lat0) * 111_320)


def test_forward_transform_gives_the_published_points():
    for wlat, wlon, glat, glon in KNOWN:
        lon, lat = gcj02.wgs_to_gcj(wlon, wlat)
        assert metres(lon, lat, glon, glat) < 0.01


def test_inverse_round_trips_known_points_to_a_millimetre():
    for wlat, wlon, glat, glon in KNOWN:
        lon, lat = gcj02.gcj_to_wgs(glon, glat)
        assert metres(lon, lat, wlon, wlat) < 0.001
    # and anywhere around Weifang, vectorised
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(118.1, 120.1, 2000), rng.uniform(35.7, 37.3, 2000)
    back = gcj02.gcj_to_wgs(*gcj02.wgs_to_gcj(lons, lats))
    worst = max(metres(a, b, c, d) for a, b, c, d in zip(lons, lats, *back, strict=True))
    assert worst < 0.001


def test_the_offset_near_weifang_is_a_few_hundred_metres():
    glon, glat = 119.137357, 36.709494  # Kuiwen's seat, as the GCJ-02 source gives it
    lon, lat = gcj02.gcj_to_wgs(glon, glat)
    assert 300 < metres(lon, lat, glon, glat) < 800
    assert lon < glon  # GCJ-02 lies east of WGS-84 here
    # outside China the formula leaves points alone
    assert gcj02.gcj_to_wgs(2.35, 48.85) == (2.35, 48.85)


def test_geometry_conversion_keeps_rings_closed():
    ring = [[119.1, 36.7], [119.2, 36.7], [119.2, 36.75], [119.1, 36.7]]
    out = gcj02.geometry_to_wgs({"type": "MultiPolygon", "coordinates": [[ring]]})
    converted = out["coordinates"][0][0]
    assert converted[0] == converted[-1] and len(converted) == 4
    assert all(len(str(v).split(".")[1]) <= 7 for xy in converted for v in xy)


@pytest.mark.skipif(not SEED_GEO.is_dir(), reason="shared/seed/geo is not beside the checkout")
def test_the_packaged_outlines_are_the_converted_sources():
    for name, packaged in outlines.SOURCES.items():
        source = json.loads((SEED_GEO / name).read_text(encoding="utf-8"))
        assert packaged.read_text(encoding="utf-8") == outlines.dumps(outlines.convert(source)), name
    source = json.loads((SEED_GEO / "kuiwen-370705.geojson").read_text(encoding="utf-8"))
    g = shape(source["features"][0]["geometry"])
    k = outlines.kuiwen_outline()
    shift = metres(g.centroid.x, g.centroid.y, k.centroid.x, k.centroid.y)
    assert 300 < shift < 800 and abs(g.area - k.area) / g.area < 1e-3


def test_the_packaged_outlines():
    k = outlines.kuiwen_outline()
    assert k.is_valid and k.geom_type == "Polygon"
    assert tuple(round(v, 6) for v in k.bounds) == demo.KUIWEN_BOX
    km2 = k.area * 111.32 ** 2 * math.cos(math.radians(k.centroid.y))
    assert 170 < km2 < 190  # the 2019 outline: about 178 km²
    city = outlines.city_outlines()
    assert sorted(city) == sorted(c for c, *_ in demo.CITY_DISTRICTS)
    assert all(p.is_valid and p.geom_type == "Polygon" for p in city.values())
    assert validation.overlapping_pairs(list(city.values())) == []
    coarse = shapely.union_all([shape(g) for g in outlines.features().values()])
    assert shapely.union_all(list(city.values())).symmetric_difference(coarse).area < 1e-3 * coarse.area
    for code, _name, _kind, bounds, _grids in demo.CITY_DISTRICTS:
        assert np.allclose(city[code].bounds, bounds, atol=0.01), code


def _check_partition(layout) -> None:
    specs = list(demo.walk(layout))
    levels = {lvl: [s for s in specs if s.level == lvl] for lvl in ("district", "street", "community", "grid")}
    outline = shape(layout.geometry)
    by_code = {s.code: s for s in specs}
    for lvl in ("street", "community", "grid"):
        geoms = []
        for s in levels[lvl]:
            geom, errors = validation.check_geometry(s.geometry, s.code)
            assert not errors and s.geometry["type"] == "Polygon", (s.code, errors)
            parent = by_code[s.parent]
            assert validation.check_inside(s.code, geom, parent.code, shape(parent.geometry)) == []
            geoms.append(geom)
        assert validation.overlapping_pairs(geoms) == [], lvl
        assert bool(shapely.coverage_is_valid(geoms)), lvl  # neighbours share edges vertex for vertex
        assert shapely.union_all(geoms).symmetric_difference(outline).area < 1e-10, lvl


@pytest.mark.parametrize("seed", [2026, 7])
def test_kuiwen_is_partitioned_inside_its_real_outline(seed):
    layout = demo.kuiwen_layout(seed)
    streets = layout.children
    assert [s.name for s in streets] == demo.KUIWEN_STREETS
    assert sum(len(s.children) for s in streets) == 65
    assert sum(len(c.children) for s in streets for c in s.children) == 408
    # the real outline, give or take the centimetre that rounding moves the vertices put on its edges
    assert shape(layout.geometry).symmetric_difference(outlines.kuiwen_outline()).area < 1e-8
    _check_partition(layout)
    # each street grows around its centre; the grids are smaller in the town centre than on the outskirts
    for s, centre in zip(streets, names.KUIWEN_STREET_CENTRES, strict=True):
        assert shape(s.geometry).contains(Point(centre)), s.name
    grids = [g for s in streets for c in s.children for g in c.children]
    centre = Point(names.KUIWEN_CENTRE)
    near = [shape(g.geometry).area for g in grids if shape(g.geometry).centroid.distance(centre) < 0.03]
    far = [shape(g.geometry).area for g in grids if shape(g.geometry).centroid.distance(centre) > 0.09]
    assert near and far and np.median(near) * 3 < np.median(far)


def test_a_box_still_works_as_an_area():
    layout = demo.layout_district("370799", "示例区", (119.0, 36.0, 119.1, 36.08), 300, seed=3)
    assert sum(len(c.children) for s in layout.children for c in s.children) == 300
    _check_partition(layout)
