"""Point-in-grid lookups per second: GridIndex (batched and single) against a plain covers() loop.

    python bench/grid_lookup.py [--quick] [--seed N]

Builds the demo district (408 grids) and the demo city (about 5,000 grids) into a temporary
SQLite database (its own ZHILI_HOME, migrated here), then times, on random points in each
area's bounding box:

- ``GridIndex.locate_many`` on one large batch (target: at least 100,000 lookups/s),
- ``GridIndex.locate`` called once per point, and ``geo.locate_grid`` (the cached process-wide
  index, as pages and services call it),
- the baseline: a plain Python loop over the shapely polygons in code order, ``polygon.covers(point)``,
  first hit wins — on a smaller sample, and checked to agree with ``locate_many``.

Prints a table, then, as its last line, one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

TARGET = 100_000


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def measure(scale: str, seed: int, quick: bool) -> dict:
    import numpy as np
    from shapely.geometry import Point, shape

    from zhili.core import geo
    from zhili.core.models import Region
    from zhili.demo import build_demo

    t = time.perf_counter()
    result = build_demo(scale, seed=seed)
    build_s = time.perf_counter() - t

    rows = list(Region.objects.filter(level="grid").values_list("code", "geometry"))
    t = time.perf_counter()
    index = geo.GridIndex.build(rows)
    index_s = time.perf_counter() - t

    polys = [shape(g) for _, g in rows]
    x0 = min(p.bounds[0] for p in polys)
    y0 = min(p.bounds[1] for p in polys)
    x1 = max(p.bounds[2] for p in polys)
    y1 = max(p.bounds[3] for p in polys)
    rng = np.random.default_rng(seed)
    n_batch = 50_000 if quick else 200_000
    lons = rng.uniform(x0, x1, n_batch)
    lats = rng.uniform(y0, y1, n_batch)

    index.locate_many(lons[:1000], lats[:1000])  # warm up
    found: list = []

    def batch():
        found[:] = index.locate_many(lons, lats)

    batch_s = _best(batch, 2 if quick else 3)
    hit_rate = sum(c is not None for c in found) / n_batch

    n_single = 5_000 if quick else 20_000
    sl, sa = lons[:n_single].tolist(), lats[:n_single].tolist()
    single_s = _best(lambda: [index.locate(x, y) for x, y in zip(sl, sa, strict=True)], 1)

    geo.invalidate()
    geo.locate_grid(sl[0], sa[0])  # builds the cached index
    cached_s = _best(lambda: [geo.locate_grid(x, y) for x, y in zip(sl, sa, strict=True)], 1)

    # the baseline: no index, polygons in code order, first that covers the point wins
    ordered = sorted(zip((c for c, _ in rows), polys, strict=True))
    n_base = (300 if quick else 2_000) if scale == "district" else (60 if quick else 300)
    base_out: list = []

    def baseline():
        base_out.clear()
        for x, y in zip(sl[:n_base], sa[:n_base], strict=True):
            p = Point(x, y)
            base_out.append(next((c for c, poly in ordered if poly.covers(p)), None))

    base_s = _best(baseline, 1)
    agree = base_out == found[:n_base]

    return {
        "scale": scale,
        "grids": len(rows),
        "build_seconds": round(build_s, 2),
        "users": result["users"],
        "index_build_seconds": round(index_s, 4),
        "batch_points": n_batch,
        "hit_rate": round(hit_rate, 3),
        "batched_per_s": round(n_batch / batch_s),
        "single_points": n_single,
        "single_per_s": round(n_single / single_s),
        "locate_grid_per_s": round(n_single / cached_s),
        "baseline_points": n_base,
        "baseline_per_s": round(n_base / base_s, 1),
        "batched_vs_baseline": round((n_batch / batch_s) / (n_base / base_s), 1),
        "single_vs_baseline": round((n_single / single_s) / (n_base / base_s), 1),
        "baseline_agrees": agree,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    home = tempfile.mkdtemp(prefix="zhili-bench-")
    os.environ["ZHILI_HOME"] = home
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    os.environ.pop("ZHILI_DATABASE_URL", None)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        runs = []
        for scale in ("district", "city"):
            if runs:
                call_command("flush", interactive=False, verbosity=0)
            runs.append(measure(scale, args.seed, args.quick))
    finally:
        shutil.rmtree(home, ignore_errors=True)

    cols = [("scale", "scale"), ("grids", "grids"), ("build_seconds", "build s"),
            ("batched_per_s", "batched/s"), ("single_per_s", "locate/s"), ("locate_grid_per_s", "locate_grid/s"),
            ("baseline_per_s", "covers loop/s"), ("batched_vs_baseline", "× baseline"),
            ("hit_rate", "hit rate"), ("baseline_agrees", "agrees")]
    widths = [max(len(h), *(len(f"{r[k]:,}" if isinstance(r[k], int) and not isinstance(r[k], bool) else str(r[k]))
                           for r in runs)) for k, h in cols]

    def fmt(v):
        return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)

    print("Point-in-grid lookups (" + ("quick" if args.quick else "full") + f" run, seed {args.seed})")
    print("  ".join(h.rjust(w) for (_, h), w in zip(cols, widths, strict=True)))
    for r in runs:
        print("  ".join(fmt(r[k]).rjust(w) for (k, _), w in zip(cols, widths, strict=True)))
    ok = all(r["batched_per_s"] >= TARGET for r in runs) and all(r["baseline_agrees"] for r in runs)
    print(f"target: ≥ {TARGET:,} lookups/s batched — {'met' if ok else 'MISSED'}")
    summary = {"benchmark": "grid_lookup", "quick": args.quick, "seed": args.seed, "target_per_s": TARGET,
               "target_met": ok, "python": sys.version.split()[0], "runs": runs}
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
