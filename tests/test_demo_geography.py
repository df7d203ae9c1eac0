"""The demo's geography: the GCJ-02 → WGS-84 transform and the real outlines packaged with the demo
(no database)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from zhili.core import validation
from zhili.demo import district as demo
from zhili.demo.district import gcj02, outlines

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
    km2 = k.area * 111.32 ** 2 * math.cos(math.radians(k.centroid.y))
    assert 170 < km2 < 190  # the 2019 outline: about 178 km²
    city = outlines.city_outlines()
    assert sorted(city) == sorted(c for c, *_ in demo.CITY_DISTRICTS)
    assert all(p.is_valid and p.geom_type == "Polygon" for p in city.values())
    assert validation.overlapping_pairs(list(city.values())) == []
    coarse = shapely.union_all([shape(g) for g in outlines.features().values()])
    assert shapely.union_all(list(city.values())).symmetric_difference(coarse).area < 1e-3 * coarse.area
