"""The real outlines the demo is cut from: Kuiwen (奎文区, 370705) and the twelve districts and counties
of Weifang (潍坊市, 370700), in WGS-84.

Data files beside this module (shipped as package data, read at run time — the product never
needs ``shared/``):

- ``kuiwen-370705.wgs84.geojson``: Kuiwen's outline, one MultiPolygon;
- ``weifang-370700.wgs84.geojson``: Weifang's twelve districts and counties, one feature each.

Source: public DataV GeoAtlas boundaries (AMap data), a 2019 copy kept in ``shared/seed/geo/``.
They are GCJ-02; the files here are the same points converted to WGS-84 with
:func:`.gcj02.gcj_to_wgs` and rounded to 7 decimals (about 1 cm). Rebuild them (from the checkout) with
``zhili manage shell -c "from zhili.demo.district import outlines; outlines.main(['../shared/seed/geo'])"``. Only the district and county outlines are real: streets, communities and grids are
generated inside them (:mod:`.layout`) and marked as samples.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .gcj02 import gcj_to_wgs, geometry_to_wgs

HERE = Path(__file__).resolve().parent
KUIWEN_FILE = HERE / "kuiwen-370705.wgs84.geojson"
WEIFANG_FILE = HERE / "weifang-370700.wgs84.geojson"
#: the source files in ``shared/seed/geo/`` and the packaged file each becomes
SOURCES = {"kuiwen-370705.geojson": KUIWEN_FILE, "weifang-370700.geojson": WEIFANG_FILE}
SOURCE_NOTE = "public DataV GeoAtlas boundaries (AMap data), 2019 copy; GCJ-02 converted to WGS-84"


def convert(source: dict) -> dict:
    """A DataV FeatureCollection (GCJ-02) as the packaged FeatureCollection (WGS-84)."""
    features = []
    for f in source["features"]:
        p = f["properties"]
        features.append({
            "type": "Feature",
            "properties": {"adcode": str(p["adcode"]), "name": p["name"], "level": p.get("level", ""),
                           "center": [round(v, 7) for v in gcj_to_wgs(*p["center"])], "source": SOURCE_NOTE},
            "geometry": geometry_to_wgs(f["geometry"]),
        })
    return {"type": "FeatureCollection", "features": features}


def dumps(collection: dict) -> str:
    """The packaged files' text: one feature a line, compact coordinates."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


@lru_cache(maxsize=4)
def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def features(path: Path = WEIFANG_FILE) -> dict[str, dict]:
    """adcode → GeoJSON geometry (WGS-84) of a packaged file."""
    return {f["properties"]["adcode"]: f["geometry"] for f in _read(path)["features"]}


def centres(path: Path = WEIFANG_FILE) -> dict[str, tuple[float, float]]:
    """adcode → the seat of the district's government (lon, lat; WGS-84), as the source gives it."""
    return {f["properties"]["adcode"]: tuple(f["properties"]["center"]) for f in _read(path)["features"]}


def kuiwen_outline():
    """Kuiwen's real outline (shapely Polygon, WGS-84)."""
    from shapely.geometry import shape

    return _one_polygon(shape(features(KUIWEN_FILE)["370705"]))


@lru_cache(maxsize=1)
def city_outlines() -> dict:
    """adcode → outline (shapely Polygon, WGS-84) of Weifang's twelve districts and counties.

    Kuiwen is its finer outline (:func:`kuiwen_outline`, the one the district scale uses); its
    neighbours give up what they overlap of it and take the slivers between it and their coarser
    common border, so the twelve still tile the city without gaps or overlaps."""
    import shapely
    from shapely.geometry import shape

    coarse = {code: _one_polygon(shape(g)) for code, g in features(WEIFANG_FILE).items()}
    kuiwen = kuiwen_outline()
    out = {code: poly.difference(kuiwen) for code, poly in coarse.items() if code != "370705"}
    taken: dict[str, list] = {code: [] for code in out}
    for gap in shapely.get_parts(coarse["370705"].difference(kuiwen)):
        near = gap.buffer(1e-8)
        shared = {code: poly.boundary.intersection(near).length for code, poly in out.items() if poly.intersects(near)}
        if shared:
            taken[max(shared, key=shared.get)].append(gap)
    out = {code: _one_polygon(shapely.union_all([poly, *taken[code]])) for code, poly in out.items()}
    out["370705"] = kuiwen
    return out


def _one_polygon(geom):
    """The largest part of a (Multi)Polygon, without the slivers an overlay leaves."""
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return max(parts, key=lambda p: p.area)


def main(argv: list[str]) -> int:
    """Convert the source files in the folder ``argv[0]`` into the packaged files."""
    src = Path(argv[0] if argv else "../shared/seed/geo")
    for name, dst in SOURCES.items():
        collection = convert(json.loads((src / name).read_text(encoding="utf-8")))
        dst.write_text(dumps(collection), encoding="utf-8")
        print(f"{src / name} → {dst} ({len(collection['features'])} features)")
    return 0
