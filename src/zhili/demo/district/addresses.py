"""Addresses for the demo's points: the nearest road and a house number that follows the point
along it — "胜利东街 1234号", "胜利东街 1234号 福寿花园 5号楼" — never a grid's number.

Kuiwen's roads are a plausible frame, not a survey (:data:`.names.STREETS_EW` and
:data:`.names.ROADS_NS`): east–west streets (街) at approximate latitudes, north–south roads (路)
at approximate longitudes (WGS-84).
House numbers run from the west (streets) or the north (roads), odd on the north or west side,
even on the other, about 15 m a number — so two points near each other get nearby numbers and
a compound's gate keeps its number. Beyond the frame (the other districts of the city scale)
the roads get generated names, the same for every point of a 3 km square.
"""

from __future__ import annotations

import math
import random

import shapely

from .names import COMPOUND_HEADS, ROADS_NS, STREETS_EW, SYLLABLES
from .partition import points_in

#: the frame: Kuiwen's bounds and a margin (degrees); house numbers count from its west and north edges
WEST, EAST, SOUTH, NORTH = 119.08, 119.31, 36.60, 36.78
METRES_A_NUMBER = 15.0
KM_LAT = 111.32


def _km_lon(lat: float) -> float:
    return KM_LAT * math.cos(math.radians(lat))


def road_at(lon: float, lat: float) -> tuple[str, int]:
    """The road nearest the point and the point's house number on it."""
    if WEST <= lon <= EAST and SOUTH <= lat <= NORTH:
        name, y = min(STREETS_EW, key=lambda r: abs(r[1] - lat))
        name2, x = min(ROADS_NS, key=lambda r: abs(r[1] - lon))
        if abs(y - lat) * KM_LAT <= abs(x - lon) * _km_lon(lat):  # the street is nearer
            along, odd = (lon - WEST) * _km_lon(lat), lat >= y
        else:
            name, along, odd = name2, (NORTH - lat) * KM_LAT, lon <= x
        return name, _number(along, odd)
    # beyond the frame: a generated road for each 3 km square, east–west or north–south
    ix, iy = math.floor(lon * 111 / 3), math.floor(lat * 111 / 3)
    cell = random.Random(f"road/{ix}/{iy}")
    stem = cell.choice(SYLLABLES) + cell.choice(SYLLABLES)
    if cell.random() < 0.5:
        return f"{stem}街", _number((lon * 111 - ix * 3) * math.cos(math.radians(lat)), cell.random() < 0.5)
    return f"{stem}路", _number((iy * 3 + 3 - lat * 111), cell.random() < 0.5)


def _number(along_km: float, odd: bool) -> int:
    n = int(along_km * 1000 / METRES_A_NUMBER / 2) * 2
    return n + 1 if odd else n + 2


def street_address(lon: float, lat: float) -> str:
    """"胜利东街 1234号": the road and number of a point."""
    road, number = road_at(lon, lat)
    return f"{road} {number}号"


def building_address(lon: float, lat: float, compound: str, building: int) -> str:
    """"胜利东街 1234号 福寿花园 5号楼": a building of a compound whose gate is at the point."""
    return f"{street_address(lon, lat)} {compound} {building}号楼"


def compound_name(rng: random.Random, stem: str) -> str:
    """A compound's name for places without a recorded one (the bulk loader's other districts)."""
    return f"{stem}{rng.choice(COMPOUND_HEADS)}"


def buildings_of(households: int) -> int:
    """How many buildings a compound of so many households has (about 60 households a building)."""
    return max(1, min(40, round(households / 60)))


def place(rng: random.Random, grid, compounds: list | None) -> tuple[float, float, str]:
    """A point inside ``grid`` (a shapely polygon) and its address: mostly a building of one of the
    grid's ``compounds`` (name, gate lon, gate lat, buildings) — the compound's gate on the road,
    the building's point beside it, the same for every case there — else a house on the nearest road."""
    if compounds and rng.random() < 0.75:
        name, gate_lon, gate_lat, n = rng.choice(compounds)
        building = rng.randint(1, n)
        spot = random.Random(f"{name}/{building}")
        lon, lat = round(gate_lon + spot.uniform(-5e-4, 5e-4), 6), round(gate_lat + spot.uniform(-4e-4, 4e-4), 6)
        if not shapely.contains_xy(grid, lon, lat):
            lon, lat = gate_lon, gate_lat
        return lon, lat, building_address(gate_lon, gate_lat, name, building)
    lon, lat = points_in(grid, 1, rng, digits=6)[0]
    return lon, lat, street_address(lon, lat)
