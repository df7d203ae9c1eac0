"""The demo district's geometry, pure computation (no database): streets, communities and grids
with boundaries that tile a box.

Boundaries tile the district exactly: each level is cut from the one above by straight,
slightly slanted guillotine cuts (like city blocks), every cut vertex is inserted into every
polygon whose edge it lies on, so neighbours share their edges vertex for vertex, grids lie
inside their community and communities inside their street.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .names import (
    CITY_CODE,
    COMMUNITY_STEMS,
    DEDICATED,
    KUIWEN,
    KUIWEN_BOX,
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


class Tiler:
    """Recursive guillotine cuts of a box into a planar subdivision with shared vertices.

    Works in kilometres (x east, y north) from the box's south-west corner; vertices are
    numbered, and every vertex a cut puts on an edge is registered on that edge so all the
    polygons that share it (neighbours, parents) include it when expanded.
    """

    #: A cut never passes closer than this (km) to an existing vertex.
    EPS = 0.004

    def __init__(self, box: tuple[float, float, float, float]):
        self.lon0, self.lat0, lon1, lat1 = box
        self.ky = 111.32
        self.kx = 111.32 * math.cos(math.radians((self.lat0 + lat1) / 2))
        self.box = box
        w, h = (lon1 - self.lon0) * self.kx, (lat1 - self.lat0) * self.ky
        self.xs = [0.0, w, w, 0.0]
        self.ys = [0.0, 0.0, h, h]
        self.splits: dict[tuple[int, int], int] = {}
        self.root = [0, 1, 2, 3]

    def expand(self, ring: list[int]) -> list[int]:
        out: list[int] = []
        for k, a in enumerate(ring):
            out.append(a)
            self._between(a, ring[(k + 1) % len(ring)], out)
        return out

    def _between(self, a: int, b: int, out: list[int]) -> None:
        v = self.splits.get((a, b) if a < b else (b, a))
        if v is not None:
            self._between(a, v, out)
            out.append(v)
            self._between(v, b, out)

    def area(self, ring: list[int]) -> float:
        xs, ys = self.xs, self.ys
        return 0.5 * sum(xs[a] * ys[b] - xs[b] * ys[a] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))

    def centroid(self, ring: list[int]) -> tuple[float, float]:
        n = len(ring)
        return sum(self.xs[i] for i in ring) / n, sum(self.ys[i] for i in ring) / n

    def split(self, ring: list[int], n: int, rng: random.Random) -> list[list[int]]:
        """Cut a convex ring into ``n`` convex pieces of roughly equal area."""
        if n <= 1:
            return [ring]
        ring = self.expand(ring)
        xs = [self.xs[i] for i in ring]
        ys = [self.ys[i] for i in ring]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        across = w > h * rng.uniform(0.85, 1.15)  # cut across the longer side
        theta = (0.0 if across else math.pi / 2) + rng.uniform(-0.22, 0.22)
        nx, ny = math.cos(theta), math.sin(theta)
        n1 = n // 2 + (rng.randint(0, 1) if n % 2 else 0)
        frac = min(0.9, max(0.1, n1 / n * rng.uniform(0.92, 1.08)))
        s = [nx * x + ny * y for x, y in zip(xs, ys, strict=True)]
        total = abs(_area(xs, ys))
        lo, hi = min(s), max(s)
        for _ in range(32):  # bisection: the part below the line holds ``frac`` of the area
            mid = (lo + hi) / 2
            if _clipped_area(xs, ys, s, mid) < frac * total:
                lo = mid
            else:
                hi = mid
        c = (lo + hi) / 2
        for _ in range(20):  # keep clear of existing vertices
            near = [v for v in s if abs(v - c) < self.EPS]
            if not near:
                break
            c += 2.5 * self.EPS if c >= near[0] else -2.5 * self.EPS
        below: list[int] = []
        above: list[int] = []
        m = len(ring)
        for k in range(m):
            a, b = ring[k], ring[(k + 1) % m]
            sa, sb = s[k] - c, s[(k + 1) % m] - c
            (below if sa < 0 else above).append(a)
            if (sa < 0) != (sb < 0):
                t = sa / (sa - sb)
                self.xs.append(self.xs[a] + t * (self.xs[b] - self.xs[a]))
                self.ys.append(self.ys[a] + t * (self.ys[b] - self.ys[a]))
                v = len(self.xs) - 1
                self.splits[(a, b) if a < b else (b, a)] = v
                below.append(v)
                above.append(v)
        return self.split(below, n1, rng) + self.split(above, n - n1, rng)

    def reading_order(self, rings: list[list[int]]) -> list[list[int]]:
        """Rings numbered from west to east, then north to south (in rows of about their size)."""
        if len(rings) < 2:
            return rings
        cents = [self.centroid(r) for r in rings]
        band = math.sqrt(sum(abs(self.area(r)) for r in rings) / len(rings))
        top = max(y for _, y in cents)
        keyed = sorted(range(len(rings)), key=lambda i: (round((top - cents[i][1]) / band), cents[i][0]))
        return [rings[i] for i in keyed]

    def geojson(self, ring: list[int]) -> dict:
        ring = self.expand(ring)
        coords = [[round(self.lon0 + self.xs[i] / self.kx, 7), round(self.lat0 + self.ys[i] / self.ky, 7)]
                  for i in ring]
        return {"type": "Polygon", "coordinates": [coords + [coords[0]]]}


def _area(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    return 0.5 * sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))


def _clipped_area(xs: list[float], ys: list[float], s: list[float], c: float) -> float:
    """Area of the part of a convex polygon where s < c."""
    px: list[float] = []
    py: list[float] = []
    n = len(xs)
    for k in range(n):
        j = (k + 1) % n
        if s[k] < c:
            px.append(xs[k])
            py.append(ys[k])
        if (s[k] < c) != (s[j] < c):
            t = (s[k] - c) / (s[k] - s[j])
            px.append(xs[k] + t * (xs[j] - xs[k]))
            py.append(ys[k] + t * (ys[j] - ys[k]))
    return abs(_area(px, py)) if len(px) >= 3 else 0.0


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
    ring: list[int] = field(default_factory=list, repr=False)  # vertex ids in the tiler


def layout_district(code6: str, name: str, box, n_grids: int, seed: int = 2026, kind: str = "district",
                    street_names: list[str] | None = None, n_communities: int | None = None,
                    n_dedicated: int | None = None) -> RegionSpec:
    """The regions of one district — streets, communities, grids — with boundaries tiling ``box``.

    Pure computation (no database): the same arguments give the same result. Kuiwen uses the
    real street names and the article's counts; other districts get generated names.
    """
    rng = random.Random(f"{seed}/layout/{code6}")
    tiler = Tiler(box)
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

    district = RegionSpec(f"{code6}000000", name, "district", CITY_CODE, ring=tiler.root)
    street_rings = tiler.reading_order(tiler.split(tiler.root, n_streets, rng))
    ci = 0
    for si, (sname, sseq, sring) in enumerate(zip(street_names, street_seqs, street_rings, strict=True)):
        scode = f"{code6}{sseq:03d}000"
        street = RegionSpec(scode, sname, "street", district.code, ring=sring)
        district.children.append(street)
        town = sname.endswith("镇")
        comm_rings = tiler.reading_order(tiler.split(sring, comm_counts[si], rng))
        for k, cring in enumerate(comm_rings):
            stem = comm_stems[ci]
            if town:  # villages (村委会 201…)
                cname = f"{rng.choice(SURNAMES)}{rng.choice(VILLAGE_TAILS)}村" if rng.random() < 0.5 else f"{stem}村"
                cseq = 201 + k
            else:
                cname, cseq = f"{stem}社区", 1 + k
            comm = RegionSpec(f"{scode[:9]}{cseq:03d}", cname, "community", scode, ring=cring)
            street.children.append(comm)
            grid_rings = tiler.reading_order(tiler.split(cring, grid_counts[ci], rng))
            special = None
            if ci in dedicated:
                special = min(range(len(grid_rings)), key=lambda i: abs(tiler.area(grid_rings[i])))
            seq = 0
            for gi, gring in enumerate(grid_rings):
                if gi == special:
                    gname = f"{cname}{rng.choice(DEDICATED)}专属网格"
                    grid = RegionSpec(f"{comm.code}901", gname, "grid", comm.code, grid_type="dedicated",
                                      population=rng.randint(0, 300))
                else:
                    seq += 1
                    grid = RegionSpec(f"{comm.code}{seq:03d}", f"{cname}第{_cn_number(seq)}网格", "grid",
                                      comm.code, grid_type="basic", population=rng.randint(780, 1560))
                grid.ring = gring
                comm.children.append(grid)
            ci += 1
    # geometry last: every cut is made, so each ring expands to all the vertices on its edges
    for street in district.children:
        street.geometry = tiler.geojson(street.ring)
        for comm in street.children:
            comm.geometry = tiler.geojson(comm.ring)
            for grid in comm.children:
                grid.geometry = tiler.geojson(grid.ring)
            comm.population = sum(g.population or 0 for g in comm.children)
        street.population = sum(c.population or 0 for c in street.children)
    district.geometry = tiler.geojson(tiler.root)
    district.population = sum(s.population or 0 for s in district.children)
    return district


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


def kuiwen_layout(seed: int = 2026) -> RegionSpec:
    """Kuiwen's 8 streets, 65 communities and 408 grids (12 of them dedicated)."""
    return layout_district(KUIWEN, "奎文区", KUIWEN_BOX, N_GRIDS, seed, street_names=KUIWEN_STREETS,
                           n_communities=N_COMMUNITIES, n_dedicated=N_DEDICATED)


def walk(spec: RegionSpec):
    yield spec
    for c in spec.children:
        yield from walk(c)
