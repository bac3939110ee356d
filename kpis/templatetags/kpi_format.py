"""Number display in the style of the plan documents: 4,708 · △24 · △6.26%.

Decimal only: a float reaching a template is a bug upstream, so it raises instead of rounding.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from core.numbers import NEGATIVE, format_amount, format_figure, format_number

register = template.Library()

EMPTY_RATE = "—"


def to_decimal(value: object) -> Decimal | None:
    """Decimal, int or numeric string → Decimal; None or '' → None. Floats are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, float)):
        raise TypeError(f"kpi_format takes Decimal values, got {type(value).__name__} {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


@register.filter
def amount(value: object) -> str:
    """4,708 · 1,960,000 · 88.5; empty for None."""
    number = to_decimal(value)
    return "" if number is None else format_amount(number)


@register.filter
def signed(value: object) -> str:
    """Like `amount`, with the document's △ for negatives: △24."""
    number = to_decimal(value)
    return "" if number is None else format_number(number)


@register.filter
def pct(value: object, places: object = 2) -> str:
    """A percentage with fixed decimals and △ for negatives: 8.70% · △25.05%; '—' for None."""
    number = to_decimal(value)
    if number is None:
        return EMPTY_RATE
    quantum = Decimal(1).scaleb(-int(places))
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,f}%"
    return NEGATIVE + text if rounded < 0 else text


@register.filter
def figure(value: object, indicator: object = None) -> str:
    """An indicator's figure with that indicator's decimals (`Indicator.figure`); as entered, at most two
    decimals, without one; empty for None, so that `|default:"-"` applies."""
    number = to_decimal(value)
    if number is None:
        return ""
    places = getattr(indicator, "display_places", None)
    return format_figure(number, places)
