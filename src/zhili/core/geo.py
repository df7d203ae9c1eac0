"""Point-in-grid lookup with shapely's STRtree.

The index holds every grid polygon ordered by code, so a point on an edge shared by two
grids resolves to the grid with the lower code — every time, in every process. It is built
once per process and rebuilt when a grid's boundary changes (see ``signals``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import shape


@dataclass
class GridIndex:
    codes: np.ndarray  # grid codes, sorted
    geoms: np.ndarray  # shapely geometries, same order
    tree: shapely.STRtree
    names: dict[str, str] = field(default_factory=dict)  # code → name, when built with names

    @classmethod
    def build(cls, items: list[tuple]) -> GridIndex:
        """From (code, GeoJSON geometry) or (code, geometry, name) items."""
        items = sorted((it for it in items if it[1]), key=lambda it: it[0])
        codes = np.array([it[0] for it in items], dtype=object)
        geoms = np.array([shape(it[1]) for it in items], dtype=object)
        shapely.prepare(geoms)
        return cls(codes=codes, geoms=geoms, tree=shapely.STRtree(geoms),
                   names={it[0]: it[2] for it in items if len(it) > 2})

    def locate(self, lon: float, lat: float) -> str | None:
        """The code of the grid that covers the point, or None outside every grid (the lowest code
        on a shared edge, as :meth:`locate_many`)."""
        if not len(self.geoms):
            return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[hits.min()] if len(hits) else None

    def locate_many(self, lons, lats) -> list[str | None]:
        """Vectorised lookup: one STRtree query for the whole batch."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        n = len(lons)
        out = np.full(n, -1, dtype=np.int64)
        if n and len(self.geoms):
            points = shapely.points(lons, lats)
            pidx, gidx = self.tree.query(points, predicate="intersects")
            if len(pidx):
                # the lowest grid index (= lowest code) wins on shared edges and corners
                order = np.lexsort((gidx, pidx))
                pidx, gidx = pidx[order], gidx[order]
                first = np.ones(len(pidx), dtype=bool)
                first[1:] = pidx[1:] != pidx[:-1]
                out[pidx[first]] = gidx[first]
        return [self.codes[i] if i >= 0 else None for i in out]


_lock = threading.Lock()
_cache: dict = {}
#: Other processes (server workers) notice a changed grid within this many seconds.
RECHECK_SECONDS = 30.0


def _signature():
    from django.db.models import Count, Max

    from .models import Region

    agg = Region.objects.filter(level="grid").aggregate(n=Count("id"), t=Max("updated_at"))
    return agg["n"], agg["t"]


def grid_index() -> GridIndex:
    """The process-wide index of all grids with a boundary, rebuilt when grids change."""
    now = time.monotonic()
    idx = _cache.get("grids")
    if idx is not None and now - _cache["checked"] < RECHECK_SECONDS:
        return idx
    with _lock:
        sig = _signature()
        if _cache.get("grids") is None or _cache.get("sig") != sig:
            from .models import Region

            rows = Region.objects.filter(level="grid", geometry__isnull=False).values_list("code", "geometry", "name")
            _cache["grids"] = GridIndex.build(list(rows))
            _cache["sig"] = sig
        _cache["checked"] = now
        return _cache["grids"]


def invalidate() -> None:
    _cache.clear()


def locate_grid(lon: float, lat: float) -> str | None:
    return grid_index().locate(lon, lat)


def locate_grid_named(lon: float, lat: float) -> tuple[str, str] | None:
    """(code, name) of the grid that covers the point, from the index (as fresh as it is)."""
    idx = grid_index()
    code = idx.locate(lon, lat)
    return (code, idx.names.get(code, "")) if code else None
