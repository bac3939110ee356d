"""How numbers are written on pages, charts and working texts (pure, Decimal only)."""
from __future__ import annotations

from decimal import Decimal

NEGATIVE = "△"


def format_amount(value: Decimal) -> str:
    """Thousands separators, trailing zeros stripped: Decimal('4708.000') → '4,708'."""
    if value == 0:
        return "0"  # also turns -0 and 0E-3 into a plain 0
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    return f"{normalized:,f}"


def format_signed(value: Decimal) -> str:
    """Like format_amount, with the documents' △ for negatives: △24."""
    if value < 0:
        return NEGATIVE + format_amount(-value)
    return format_amount(value)
