"""Decimal arithmetic of the scoring rules: truncated quotients, one rounding, apportioning, working texts."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import MAX_PREC, ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from math import floor

WIDE = Context(prec=100, rounding=ROUND_HALF_UP)
# Quotients: 60 significant digits, truncated toward zero (see the kpis.scoring docstring).
DIV = Context(prec=60, rounding=ROUND_DOWN)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ZERO = Decimal(0)
ZERO_RATE = Decimal("0.00")
ZERO_SHARE = Decimal("0.0000")
_QUANTA = {2: CENT, 4: Decimal("0.0001")}
_EXACT = Context(prec=MAX_PREC)
_INT_FAST = Decimal(10) ** 30


def div(numerator: Decimal, denominator: Decimal) -> Decimal:
    return DIV.divide(numerator, denominator)


def round_half_up(value: Fraction | Decimal, places: int = 2) -> Decimal:
    """``value`` quantized to 10**-places, ties away from zero (Decimal's ROUND_HALF_UP)."""
    if isinstance(value, Decimal):
        return value.quantize(_QUANTA.get(places) or Decimal(f"1E-{places}"), rounding=ROUND_HALF_UP, context=WIDE)
    scaled = value * 10**places
    units = floor(abs(scaled) + Fraction(1, 2))
    return _from_units(units if scaled >= 0 else -units, places)


def apportion(exact: Mapping[int, Fraction | Decimal], total: Decimal, places: int) -> dict[int, Decimal]:
    """Largest-remainder rounding of ``exact`` to 10**-places so that the parts sum to ``total``."""
    keys = list(exact)
    scaled = [_scaled(value, places) for value in exact.values()]
    units = [floor(value) for value in scaled]
    missing = int(total.scaleb(places, context=WIDE)) - sum(units)
    if missing > 0:
        # Stable: equal remainders keep the indicators' order.
        order = sorted(range(len(keys)), key=lambda i: scaled[i] - units[i], reverse=True)
        for i in order[:missing]:
            units[i] += 1
    return {key: _from_units(count, places) for key, count in zip(keys, units, strict=True)}


def fmt(value: Decimal) -> str:
    """A number for working texts: thousands separators, no trailing zeros (12.50 reads "12.5")."""
    if value.is_finite() and value == value.to_integral_value() and abs(value) < _INT_FAST:
        return f"{int(value):,}"
    with localcontext(WIDE):
        value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return f"{value:,f}"


def _scaled(value: Fraction | Decimal, places: int) -> Fraction | Decimal:
    """value × 10**places, exactly."""
    if isinstance(value, Decimal):
        return value.scaleb(places, context=WIDE)
    return value * 10**places


def _from_units(units: int, places: int) -> Decimal:
    """units × 10**-places, exactly (the exponent is -places, so 0 shows as 0.00)."""
    return Decimal(units).scaleb(-places, _EXACT)
