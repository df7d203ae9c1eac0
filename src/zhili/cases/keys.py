"""What the analysis rollups group a case by, derived once at registration and kept on the case.

- ``cell``: the h3 cell (resolution :data:`HEX_RES`, about 0.7 km²) of the case's point — the
  hotspot map counts cases per cell (``insight.MonthlyCellRollup``);
- ``title_key`` and ``address_key``: a 64-bit digest of the normalised title and address — the
  recurring matters and places (``insight.RecurringRollup``) group cases by them.

They are derived here and nowhere else (the bulk loader calls these functions for its lookup
tables), because SQL can compute neither an h3 cell nor the normalisation.
"""

from __future__ import annotations

import hashlib
import unicodedata

#: h3 resolution of the hotspot map (res 8: edge about 0.46 km, area about 0.74 km²)
HEX_RES = 8


def cell_of(lon: float | None, lat: float | None) -> str:
    """The h3 cell of a WGS-84 point, '' without a point."""
    if lon is None or lat is None:
        return ""
    import h3

    return h3.latlng_to_cell(lat, lon, HEX_RES)


def normalise(text: str) -> str:
    """The form in which two spellings of the same matter or place are equal: NFKC (full-width
    digits and letters become half-width), lower case, without spaces, punctuation and symbols
    (“XX小区 3号楼，” = “xx小区3号楼”)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def text_key(text: str) -> int | None:
    """A signed 64-bit digest of the normalised text (None when nothing is left of it)."""
    norm = normalise(text)
    if not norm:
        return None
    return int.from_bytes(hashlib.blake2b(norm.encode(), digest_size=8).digest(), "big", signed=True)


def derive(case) -> None:
    """Set the derived keys of a case from its point, title and address."""
    case.cell = cell_of(case.lon, case.lat)
    case.title_key = text_key(case.title)
    case.address_key = text_key(case.address)
