"""Point-in-grid lookup: inside, on shared edges and corners (the lower code wins), outside,
rebuilt after a boundary changes, and in agreement with a plain covers() loop."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, shape

from zhili.core import geo
from zhili.core.geo import GridIndex
from zhili.core.models import Region
from zhili.demo import district as demo


def box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


# A 2×2 block with exactly representable coordinates; the lowest code is the north-east grid,
# so "first in the list" and "lowest code" differ.
BLOCK = {
    "370705009001004": box(119.0, 36.5, 119.25, 36.75),    # SW
    "370705009001003": box(119.25, 36.5, 119.5, 36.75),    # SE
    "370705009001002": box(119.0, 36.75, 119.25, 37.0),    # NW
    "370705009001001": box(119.25, 36.75, 119.5, 37.0),    # NE
}


@pytest.fixture
def block(db):
    geo.invalidate()
    d = Region.objects.create(code="370705000000", name="奎文区", level="district")
    s = Region.objects.create(code="370705009000", name="测试街道", level="street", parent=d)
    c = Region.objects.create(code="370705009001", name="测试社区", level="community", parent=s,
                              geometry=box(119.0, 36.5, 119.5, 37.0))
    grids = {code: Region.objects.create(code=code, name=code, level="grid", parent=c, grid_type="basic", geometry=g)
             for code, g in BLOCK.items()}
    yield grids
    geo.invalidate()


def test_point_inside_a_grid(district):
    geo.invalidate()
    assert geo.locate_grid(119.105, 36.705) == "370705001001001"
    assert geo.locate_grid(119.135, 36.709) == "370705001002002"
    assert geo.locate_grid(119.145, 36.701) == "370705002001001"


def test_shared_edge_resolves_to_the_lower_code(district):
    geo.invalidate()
    # 119.11 is the east edge of grid 111 and the west edge of grid 112
    assert geo.locate_grid(119.11, 36.705) == "370705001001001"
    assert geo.grid_index().locate_many([119.11, 119.12, 119.13], [36.705, 36.701, 36.7]) == [
        "370705001001001", "370705001001002", "370705001002001"]
    # the same whatever order the index is given its grids in
    items = [(code, g) for code, g in Region.objects.filter(level="grid").values_list("code", "geometry")]
    for order in (items, items[::-1]):
        idx = GridIndex.build(order)
        assert idx.locate(119.11, 36.705) == "370705001001001"
        assert idx.locate_many(np.array([119.11]), np.array([36.705])) == ["370705001001001"]


def test_shared_corner_of_four_grids(block):
    assert geo.locate_grid(119.25, 36.75) == "370705009001001"
    idx = geo.grid_index()
    assert idx.locate(119.25, 36.75) == "370705009001001"
    # edges: NW|SW → NW (002), SW|SE → SE (003), NE|NW → NE (001)
    lons, lats = [119.25, 119.1, 119.25, 119.4, 119.1], [36.75, 36.75, 36.6, 36.75, 36.6]
    assert idx.locate_many(lons, lats) == ["370705009001001", "370705009001002", "370705009001003",
                                           "370705009001001", "370705009001004"]
    # the outer corner of one grid alone
    assert idx.locate(119.0, 36.5) == "370705009001004"


def test_point_outside_the_district(district):
    geo.invalidate()
    assert geo.locate_grid(119.5, 36.5) is None
    assert geo.locate_grid(0.0, 0.0) is None
    assert geo.grid_index().locate_many([119.105, 118.0, 119.5], [36.705, 36.705, 36.705]) == [
        "370705001001001", None, None]
    assert geo.grid_index().locate_many([], []) == []


def test_empty_index():
    idx = GridIndex.build([])
    assert idx.locate(119.1, 36.7) is None
    assert idx.locate_many([119.1, 119.2], [36.7, 36.7]) == [None, None]


def test_index_rebuilt_after_a_boundary_changes(district):
    geo.invalidate()
    g111 = district["g111"]
    assert geo.locate_grid(119.105, 36.705) == "370705001001001"
    assert geo.locate_grid(119.205, 36.805) is None
    g111.geometry = box(119.20, 36.80, 119.21, 36.81)
    g111.save()
    assert geo.locate_grid(119.105, 36.705) is None
    assert geo.locate_grid(119.205, 36.805) == "370705001001001"
    # a new grid is found too
    Region.objects.create(code="370705001001003", name="新网格", level="grid", parent=district["c11"],
                          grid_type="basic", geometry=box(119.10, 36.70, 119.11, 36.71))
    assert geo.locate_grid(119.105, 36.705) == "370705001001003"


def _covers_loop(polys: list[tuple[str, object]], lon: float, lat: float) -> str | None:
    p = Point(lon, lat)
    for code, poly in polys:  # sorted by code: the first that covers is the lowest
        if poly.covers(p):
            return code
    return None


def test_locate_many_agrees_with_a_covers_loop_on_the_demo_district():
    layout = demo.kuiwen_layout(2026)
    grids = [(s.code, s.geometry) for s in demo.walk(layout) if s.level == "grid"]
    assert len(grids) == 408
    idx = GridIndex.build(grids)
    polys = sorted((code, shape(g)) for code, g in grids)
    rng = np.random.default_rng(20260101)
    x0, y0, x1, y1 = demo.KUIWEN_BOX
    lons = rng.uniform(x0 - 0.01, x1 + 0.01, 3000)
    lats = rng.uniform(y0 - 0.01, y1 + 0.01, 3000)
    # plus every vertex of forty grids: shared vertices lie on two to four grids at once
    verts = [pt for _, g in grids[::10] for pt in g["coordinates"][0]]
    lons = np.concatenate([lons, [v[0] for v in verts]])
    lats = np.concatenate([lats, [v[1] for v in verts]])
    got = idx.locate_many(lons, lats)
    want = [_covers_loop(polys, x, y) for x, y in zip(lons, lats, strict=True)]
    assert got == want
    # the real outline fills about half its bounding box (with the margin): about 1,300 of the 3,000 random points
    assert sum(c is None for c in got) > 1000 and sum(c is not None for c in got) > 1000
    singles = [idx.locate(float(x), float(y)) for x, y in zip(lons[:200], lats[:200], strict=True)]
    assert singles == want[:200]
