"""GCJ-02 ↔ WGS-84: the datum shift of Chinese web maps, for the demo's real boundaries.

Public Chinese boundary data (AMap, DataV GeoAtlas) is in GCJ-02, WGS-84 shifted by a published,
smooth but non-linear formula (a few hundred metres, varying by a few metres per kilometre).
:func:`wgs_to_gcj` is that well-known forward formula (Krasovsky ellipsoid constants);
:func:`gcj_to_wgs` inverts it by fixed-point iteration — the offset changes so slowly that
``w ← w − (gcj(w) − g)`` converges to well under a millimetre in a few steps.

Both take scalars or numpy arrays (longitude, latitude, in that order, as GeoJSON) and leave
points outside China unchanged, as the formula does.
"""

from __future__ import annotations

import numpy as np

#: semi-major axis and first eccentricity squared of the Krasovsky 1940 ellipsoid, as the formula uses them
A = 6378245.0
EE = 0.00669342162296594323
#: the iteration stops when the forward transform of the estimate is this close (degrees, ≈ 0.1 mm)
TOLERANCE = 1e-9


def _in_china(lon, lat):
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _offset(lon, lat):
    """The GCJ-02 shift (dlon, dlat) in degrees at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((A * (1 - EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (A / sqrt_magic * np.cos(rad) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _out(lon, lat, scalar: bool):
    return (float(lon), float(lat)) if scalar else (lon, lat)


def wgs_to_gcj(lon, lat):
    """WGS-84 → GCJ-02 (the forward formula)."""
    scalar = np.ndim(lon) == 0
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return _out(lon + dlon, lat + dlat, scalar)


def gcj_to_wgs(lon, lat, max_iterations: int = 30):
    """GCJ-02 → WGS-84: the point whose forward transform is the given one, to :data:`TOLERANCE`."""
    scalar = np.ndim(lon) == 0
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(glon, glat)
    wlon, wlat = glon - dlon, glat - dlat  # the first guess: the shift taken at the GCJ point
    for _ in range(max_iterations):
        flon, flat = wgs_to_gcj(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        if max(np.max(np.abs(elon), initial=0.0), np.max(np.abs(elat), initial=0.0)) < TOLERANCE:
            break
        wlon, wlat = wlon - elon, wlat - elat
    return _out(wlon, wlat, scalar)


def geometry_to_wgs(geometry: dict, digits: int = 7) -> dict:
    """A GeoJSON Polygon or MultiPolygon from GCJ-02 to WGS-84, coordinates rounded to ``digits``
    (7: about a centimetre). Rings stay closed: the same input point gives the same output."""

    def ring(coords):
        arr = np.asarray(coords, dtype=float)[:, :2]
        lon, lat = gcj_to_wgs(arr[:, 0], arr[:, 1])
        return [[round(float(x), digits), round(float(y), digits)] for x, y in zip(lon, lat, strict=True)]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    if geometry["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]]}
    raise ValueError(f"not a Polygon or MultiPolygon: {geometry.get('type')!r}")
