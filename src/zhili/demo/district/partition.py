"""Cutting a real outline into regions: Voronoi cells around well-spread seeds, clipped to their
parent, neighbours sharing their edges vertex for vertex. Pure geometry (shapely), no database.

- :class:`Frame` measures in kilometres around a latitude (seeds and Voronoi cells live there, so
  cells are not stretched east–west); the cells' edges go back to degrees before they meet the
  parent, whose own vertices are never moved.
- :func:`spread_seeds` draws seeds inside a polygon by best-candidate sampling (each new seed the
  farthest of a few random candidates from those drawn), denser near a centre: the town's core
  gets small regions, its outskirts large ones.
- :func:`split` nodes the parent's boundary with the cells' edges in one overlay, polygonizes,
  keeps the faces inside the parent and gives each to its seed's cell; a piece cut off from its
  cell by a bend of the parent joins the neighbour it shares most border with, so every region
  is one polygon.
- :func:`conform` inserts every vertex of the finest level into every edge (of any level) it
  lies on, then rounds to 7 decimals: neighbours at every level then share their edges vertex
  for vertex (a valid coverage), children lie exactly inside their parents.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

import numpy as np
import shapely
from shapely.geometry import Polygon

#: vertices closer than this to an edge (degrees, ≈ 0.1 mm) lie on it
ON_EDGE = 1e-9
DIGITS = 7


class Frame:
    """Kilometres east and north of a point (an equirectangular projection: exact enough for a city)."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.ky = 111.32
        self.kx = 111.32 * math.cos(math.radians(lat0))

    def to_km(self, lon, lat):
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def to_deg(self, geom):
        """A geometry in kilometres back in degrees."""
        return shapely.transform(geom, lambda xy: xy / [self.kx, self.ky] + [self.lon0, self.lat0])


def spread_seeds(poly: Polygon, n: int, rng: random.Random, frame: Frame, centre: tuple[float, float] | None = None,
                 falloff_km: float = 4.0, candidates: int = 14) -> list[tuple[float, float]]:
    """``n`` points inside ``poly`` (lon, lat), spread out; with a ``centre``, the spacing grows by
    one more unit every ``falloff_km`` from it (a town's core denser than its outskirts)."""
    pool = iter(points_in(poly, n * candidates, rng))

    cx, cy = frame.to_km(*(centre or (poly.centroid.x, poly.centroid.y)))
    seeds: list[tuple[float, float]] = []
    sx: list[float] = []
    sy: list[float] = []
    for _ in range(n):
        pts = [next(pool) for _ in range(candidates if seeds else 1)]
        if seeds:
            px, py = frame.to_km([p[0] for p in pts], [p[1] for p in pts])
            d = np.min(np.hypot(px[:, None] - np.array(sx)[None, :], py[:, None] - np.array(sy)[None, :]), axis=1)
            if centre is not None:
                d = d / (1 + np.hypot(px - cx, py - cy) / falloff_km)
            best = int(np.argmax(d))
        else:
            best = 0
        seeds.append(pts[best])
        x, y = frame.to_km(*pts[best])
        sx.append(float(x))
        sy.append(float(y))
    return seeds


def points_in(poly: Polygon, n: int, rng: random.Random, digits: int | None = None) -> list[tuple[float, float]]:
    """``n`` random points strictly inside ``poly`` (lon, lat), uniform over its area; rounded to
    ``digits`` decimals if given (and inside once rounded)."""
    shapely.prepare(poly)
    x0, y0, x1, y1 = poly.bounds
    out: list[tuple[float, float]] = []
    fill = max(poly.area / ((x1 - x0) * (y1 - y0)), 0.05)
    for _ in range(100):
        want = int((n - len(out)) / fill * 1.2) + 8
        xs = [rng.uniform(x0, x1) for _ in range(want)]
        ys = [rng.uniform(y0, y1) for _ in range(want)]
        if digits is not None:
            xs, ys = [round(x, digits) for x in xs], [round(y, digits) for y in ys]
        inside = shapely.contains_xy(poly, xs, ys)
        out += [(x, y) for x, y, ok in zip(xs, ys, inside.tolist(), strict=True) if ok]
        if len(out) >= n:
            return out[:n]
    raise ValueError(f"could not draw {n} points inside a polygon of area {poly.area}")


def split(poly: Polygon, seeds: list[tuple[float, float]], frame: Frame) -> list[Polygon]:
    """``poly`` cut into one polygon per seed (in the seeds' order): the seeds' Voronoi cells, each
    clipped to ``poly``. The pieces tile ``poly`` exactly and keep all its vertices."""
    outside = [s for s in seeds if not shapely.contains_xy(poly, *s)]
    if outside:
        raise ValueError(f"seeds outside the polygon: {outside}")
    if len(seeds) == 1:
        return [poly]
    kx, ky = frame.to_km([s[0] for s in seeds], [s[1] for s in seeds])
    sites = shapely.multipoints(np.column_stack([kx, ky]))
    bx0, by0 = frame.to_km(poly.bounds[0], poly.bounds[1])
    bx1, by1 = frame.to_km(poly.bounds[2], poly.bounds[3])
    pad = 1 + max(bx1 - bx0, by1 - by0)
    envelope = shapely.box(bx0 - pad, by0 - pad, bx1 + pad, by1 + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=envelope))
    edges = frame.to_deg(shapely.union_all(shapely.boundary(cells)))
    noded = shapely.union_all([poly.boundary, edges])
    faces = [f for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
             if poly.contains(f.representative_point())]
    # each face to the seed whose cell holds it: the nearest seed to a point inside it
    fx, fy = frame.to_km([f.representative_point().x for f in faces], [f.representative_point().y for f in faces])
    owner = np.argmin(np.hypot(fx[:, None] - kx[None, :], fy[:, None] - ky[None, :]), axis=1).tolist()
    _reunite(faces, owner, seeds)
    groups: dict[int, list[Polygon]] = defaultdict(list)
    for face, k in zip(faces, owner, strict=True):
        groups[k].append(face)
    return [shapely.coverage_union_all(groups[k]) if len(groups[k]) > 1 else groups[k][0] for k in range(len(seeds))]


def _reunite(faces: list[Polygon], owner: list[int], seeds: list[tuple[float, float]]) -> None:
    """A seed keeps the face it stands in and the faces touching it along an edge; a piece cut off
    (a bend of the parent between it and its seed) goes to the neighbour it shares most border with."""
    if len(set(owner)) == len(faces):
        return  # one face per seed: nothing cut off
    tree = shapely.STRtree(faces)
    pairs = tree.query(faces, predicate="touches")
    shared: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for i, j in zip(*pairs, strict=True):
        if i != j:
            length = faces[i].boundary.intersection(faces[j].boundary).length
            if length > 0:
                shared[int(i)].append((int(j), length))
    for _ in range(len(faces)):
        home = {}
        for k, (x, y) in enumerate(seeds):
            for i, f in enumerate(faces):
                if owner[i] == k and shapely.contains_xy(f, x, y):
                    home[k] = i
        # faces connected to their seed's face through faces of the same owner
        connected = set()
        stack = list(home.values())
        while stack:
            i = stack.pop()
            if i in connected:
                continue
            connected.add(i)
            stack += [j for j, _ in shared[i] if owner[j] == owner[i] and j not in connected]
        strays = [i for i in range(len(faces)) if i not in connected]
        if not strays:
            return
        for i in strays:
            others = [(length, owner[j]) for j, length in shared[i] if owner[j] != owner[i]]
            if others:
                owner[i] = max(others)[1]


def conform(polygons: list, pool) -> list[dict]:
    """GeoJSON of ``polygons`` with every vertex of ``pool`` (polygons, usually the finest level)
    inserted into every edge it lies on, coordinates rounded to 7 decimals."""
    pool_xy = np.unique(np.concatenate([shapely.get_coordinates(g) for g in pool]), axis=0)
    tree = shapely.STRtree(shapely.points(pool_xy))
    rings = [np.asarray(ring.coords) for poly in polygons for ring in (poly.exterior, *poly.interiors)]
    owner = np.array([p for p, poly in enumerate(polygons) for _ in range(1 + len(poly.interiors))])
    starts = np.concatenate([ring[:-1] for ring in rings])
    ends = np.concatenate([ring[1:] for ring in rings])
    ring_of_seg = np.concatenate([np.full(len(ring) - 1, k) for k, ring in enumerate(rings)])
    seg, pt = tree.query(shapely.linestrings(np.stack([starts, ends], axis=1)), predicate="dwithin", distance=ON_EDGE)
    q = pool_xy[pt]
    d = ends[seg] - starts[seg]
    t = np.einsum("ij,ij->i", q - starts[seg], d) / np.einsum("ij,ij->i", d, d)
    on = (t > 0) & (t < 1) & ~np.all(q == starts[seg], axis=1) & ~np.all(q == ends[seg], axis=1)
    # every ring's points in order: each segment's start (t = -1), then what lies on it by t
    key_seg = np.concatenate([np.arange(len(starts)), seg[on]])
    key_t = np.concatenate([np.full(len(starts), -1.0), t[on]])
    xy = np.round(np.concatenate([starts, q[on]]), DIGITS)
    order = np.lexsort((key_t, key_seg))
    xy, ring_no = xy[order], ring_of_seg[key_seg[order]]
    bounds = np.flatnonzero(np.diff(ring_no)) + 1
    out: list[list] = [[] for _ in polygons]
    for k, pts in zip(ring_no[np.r_[0, bounds]].tolist(), np.split(xy, bounds), strict=True):
        keep = np.any(pts != np.roll(pts, 1, axis=0), axis=1)  # no point twice in a row (after rounding)
        coords = pts[keep].tolist()
        out[owner[k]].append(coords + [coords[0]])
    return [{"type": "Polygon", "coordinates": rings} for rings in out]


def reading_order(polys: list[Polygon]) -> list[int]:
    """Indices of ``polys`` from west to east, then north to south, in rows of about their size."""
    if len(polys) < 2:
        return list(range(len(polys)))
    cents = [(p.centroid.x, p.centroid.y) for p in polys]
    band = math.sqrt(sum(p.area for p in polys) / len(polys))
    top = max(y for _, y in cents)
    return sorted(range(len(polys)), key=lambda i: (round((top - cents[i][1]) / band), cents[i][0]))
