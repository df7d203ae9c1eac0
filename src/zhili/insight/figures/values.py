"""Values that know how to show themselves: a :class:`Rate` (a share) or an :class:`Average` (a mean),
shown as pages show them, and "—" — not 0% or 100% — when the denominator is 0 (``value`` is then None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"

# ---------------------------------------------------------------- values that know how to show themselves

def fmt(value: Decimal, places: str = "0.01") -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Rate:
    """A share: ``numerator / denominator``. Shown as "66.67%" (two decimals, half up), or "—"
    when the denominator is 0 (then ``value`` is None)."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def __str__(self) -> str:
        p = self.percent
        return DASH if p is None else f"{p}%"


@dataclass(frozen=True)
class Average:
    """A mean: ``total / count / scale`` (e.g. seconds → hours). Shown with two decimals, or "—"
    when ``count`` is 0."""

    total: int
    count: int
    scale: int = 1

    @property
    def value(self) -> float | None:
        return self.total / self.count / self.scale if self.count else None

    def __str__(self) -> str:
        if not self.count:
            return DASH
        return fmt(Decimal(self.total) / Decimal(self.count) / Decimal(self.scale))


Value = int | Rate | Average
C = Mapping[str, int]  # summed counters
