"""The demo district's geometry, pure computation (no database): streets, communities and grids
cut from a district's real outline (:mod:`.outlines`).

Each level is cut from the one above (:mod:`.partition`): Voronoi cells around well-spread seeds,
denser towards the town centre, clipped to the parent. Kuiwen's streets grow around plausible
centres of its eight real streets; communities and grids around seeded random points. Every
vertex is shared by the neighbours whose edge it lies on, grids lie inside their community and
communities inside their street, and their union is the outline. Only the outline is real: the
streets', communities' and grids' boundaries are generated samples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import shapely
from shapely.geometry import Polygon, shape

from . import partition
from .names import (
    CITY_CODE,
    CITY_DISTRICTS,
    COMMUNITY_STEMS,
    DEDICATED,
    KUIWEN,
    KUIWEN_CENTRE,
    KUIWEN_STREET_CENTRES,
    KUIWEN_STREETS,
    N_COMMUNITIES,
    N_DEDICATED,
    N_GRIDS,
    SURNAMES,
    SYLLABLES,
    VILLAGE_TAILS,
)


def allocate(total: int, n: int, rng: random.Random, low: int, spread: float = 0.35) -> list[int]:
    """Split ``total`` into ``n`` parts of at least ``low``, randomly around the mean."""
    weights = [1 + rng.uniform(-spread, spread) for _ in range(n)]
    rest = total - low * n
    raw = [rest * w / sum(weights) for w in weights]
    parts = [low + int(r) for r in raw]
    order = sorted(range(n), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class RegionSpec:
    code: str
    name: str
    level: str
    parent: str | None
    geometry: dict | None = None
    grid_type: str = ""
    population: int | None = None
    children: list[RegionSpec] = field(default_factory=list)
    shape: Polygon | None = field(default=None, repr=False, compare=False)  # the boundary, in shapely


def as_polygon(area) -> Polygon:
    """A box (lon0, lat0, lon1, lat1), a GeoJSON (Multi)Polygon or a shapely geometry as one Polygon
    (a MultiPolygon's largest part)."""
    if isinstance(area, (tuple, list)) and len(area) == 4 and all(isinstance(v, int | float) for v in area):
        return shapely.box(*area)
    geom = shape(area) if isinstance(area, dict) else area
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return max(parts, key=lambda p: p.area)


def layout_district(code6: str, name: str, box, n_grids: int, seed: int = 2026, kind: str = "district",
                    street_names: list[str] | None = None, n_communities: int | None = None,
                    n_dedicated: int | None = None, street_centres: list[tuple[float, float]] | None = None,
                    centre: tuple[float, float] | None = None, conform: bool = True) -> RegionSpec:
    """The regions of one district — streets, communities, grids — with boundaries that tile its area.

    ``box`` is the district's area: its real outline (GeoJSON or shapely), or a box (lon0, lat0,
    lon1, lat1). Streets grow around ``street_centres`` (one per name) when given, around seeded
    points otherwise; ``centre`` is the town centre, where communities and grids are smallest.
    Pure computation (no database): the same arguments give the same result. Kuiwen uses the
    real street names and the article's counts; other districts get generated names.
    """
    rng = random.Random(f"{seed}/layout/{code6}")
    area = as_polygon(box)
    c = area.centroid
    frame = partition.Frame(c.x, c.y)
    if centre is None:
        p = area.representative_point()
        centre = (p.x, p.y)
    n_comm = n_communities or max(6, round(n_grids / 6.3))
    n_streets = len(street_names) if street_names else max(5, round(n_comm / 8))
    n_ded = n_dedicated if n_dedicated is not None else max(1, n_grids // 35)
    comm_counts = allocate(n_comm, n_streets, rng, 5, 0.25)
    grid_counts = allocate(n_grids, n_comm, rng, 3, 0.45)
    dedicated = set(rng.sample(range(n_comm), n_ded))

    if street_names is None:
        # a district has streets (街道 001–099); a county or county-level city a few streets and
        # then towns (镇 101–199)
        n_sub = n_streets if kind == "district" else min(n_streets - 2, rng.randint(2, 4))
        stems = _unique_stems(rng, n_streets)
        street_names = [f"{s}街道" for s in stems[:n_sub]] + [f"{s}镇" for s in stems[n_sub:]]
        street_seqs = [i + 1 for i in range(n_sub)] + [101 + i for i in range(n_streets - n_sub)]
        comm_stems = _unique_stems(rng, n_comm, avoid=set(stems))
    else:
        street_seqs = [i + 1 for i in range(n_streets)]
        comm_stems = list(COMMUNITY_STEMS)
        rng.shuffle(comm_stems)
        comm_stems = comm_stems[:n_comm]

    district = RegionSpec(f"{code6}000000", name, "district", CITY_CODE, shape=area)
    if street_centres:
        street_polys = partition.split(area, list(street_centres), frame)
    else:  # the streets (and towns) in reading order, towns being the outer ones
        seeds = partition.spread_seeds(area, n_streets, rng, frame, centre, falloff_km=8.0)
        street_polys = partition.split(area, seeds, frame)
        street_polys = [street_polys[i] for i in partition.reading_order(street_polys)]
        far = sorted(range(n_streets), key=lambda i: street_polys[i].centroid.distance(shapely.Point(centre)))
        street_polys = [street_polys[i] for i in sorted(far[:n_sub]) + sorted(far[n_sub:])]
    ci = 0
    for si, (sname, sseq, spoly) in enumerate(zip(street_names, street_seqs, street_polys, strict=True)):
        scode = f"{code6}{sseq:03d}000"
        street = RegionSpec(scode, sname, "street", district.code, shape=spoly)
        district.children.append(street)
        town = sname.endswith("镇")
        comm_polys = _cut(spoly, comm_counts[si], rng, frame, centre)
        for k, cpoly in enumerate(comm_polys):
            stem = comm_stems[ci]
            if town:  # villages (村委会 201…)
                cname = f"{rng.choice(SURNAMES)}{rng.choice(VILLAGE_TAILS)}村" if rng.random() < 0.5 else f"{stem}村"
                cseq = 201 + k
            else:
                cname, cseq = f"{stem}社区", 1 + k
            comm = RegionSpec(f"{scode[:9]}{cseq:03d}", cname, "community", scode, shape=cpoly)
            street.children.append(comm)
            grid_polys = _cut(cpoly, grid_counts[ci], rng, frame, centre)
            special = None
            if ci in dedicated:
                special = min(range(len(grid_polys)), key=lambda i: grid_polys[i].area)
            seq = 0
            for gi, gpoly in enumerate(grid_polys):
                if gi == special:
                    gname = f"{cname}{rng.choice(DEDICATED)}专属网格"
                    grid = RegionSpec(f"{comm.code}901", gname, "grid", comm.code, grid_type="dedicated",
                                      population=rng.randint(0, 300))
                else:
                    seq += 1
                    grid = RegionSpec(f"{comm.code}{seq:03d}", f"{cname}第{_cn_number(seq)}网格", "grid",
                                      comm.code, grid_type="basic", population=rng.randint(780, 1560))
                grid.shape = gpoly
                comm.children.append(grid)
            ci += 1
    for street in district.children:
        for comm in street.children:
            comm.population = sum(g.population or 0 for g in comm.children)
        street.population = sum(c.population or 0 for c in street.children)
    district.population = sum(s.population or 0 for s in district.children)
    if conform:
        conform_districts([district])
    return district


def conform_districts(districts: list[RegionSpec]) -> None:
    """Set every region's GeoJSON, all levels of all ``districts`` at once: every grid vertex goes
    into every edge it lies on (neighbours share their edges vertex for vertex, across district
    borders too), coordinates rounded to 7 decimals."""
    specs = [s for d in districts for s in walk(d)]
    grids = [s.shape for s in specs if s.level == "grid"]
    for spec, geometry in zip(specs, partition.conform([s.shape for s in specs], grids), strict=True):
        spec.geometry = geometry
        spec.shape = shape(geometry)


def _cut(poly: Polygon, n: int, rng: random.Random, frame: partition.Frame, centre) -> list[Polygon]:
    """``poly`` in ``n`` pieces around seeded points, in reading order."""
    pieces = partition.split(poly, partition.spread_seeds(poly, n, rng, frame, centre), frame)
    return [pieces[i] for i in partition.reading_order(pieces)]


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _unique_stems(rng: random.Random, n: int, avoid: set[str] = frozenset()) -> list[str]:
    out: list[str] = []
    seen = set(avoid)
    while len(out) < n:
        s = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        if s[0] != s[1] and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def kuiwen_layout(seed: int = 2026, conform: bool = True) -> RegionSpec:
    """Kuiwen's 8 streets, 65 communities and 408 grids (12 of them dedicated), inside its real outline."""
    from .outlines import kuiwen_outline

    return layout_district(KUIWEN, "奎文区", kuiwen_outline(), N_GRIDS, seed, street_names=KUIWEN_STREETS,
                           n_communities=N_COMMUNITIES, n_dedicated=N_DEDICATED, street_centres=KUIWEN_STREET_CENTRES,
                           centre=KUIWEN_CENTRE, conform=conform)


def city_layouts(seed: int = 2026) -> list[RegionSpec]:
    """Kuiwen (as :func:`kuiwen_layout`) and the other eleven districts and counties of Weifang,
    each inside its real outline (:func:`.outlines.city_outlines`), conformed together."""
    from .outlines import centres, city_outlines

    real, seats = city_outlines(), centres()
    districts = [kuiwen_layout(seed, conform=False)]
    districts += [layout_district(c, n, real[c], g, seed, kind=k, centre=seats[c], conform=False)
                  for c, n, k, _bounds, g in CITY_DISTRICTS if c != KUIWEN]
    conform_districts(districts)
    return districts


def walk(spec: RegionSpec):
    yield spec
    for c in spec.children:
        yield from walk(c)
