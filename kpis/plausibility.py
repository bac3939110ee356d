"""Whether an actual looks like a slip of the keyboard: the one rule the live preview and the save share.

Pure: Decimal in, a Korean warning (or None) out. A warning never refuses a value; it asks the user to
confirm before the value is stored.

A value is unusual when
- the indicator is measured in % and the value is over 100 (a share or a rate of completion cannot pass
  100; a planner who measures a rate of change still gets the question, which is one click); or
- the target is positive and the value is far from it in the direction that would flatter the
  department: more than 3× the target (any direction: an extra digit reads as 3×), or, for a
  less-is-better indicator, less than a third of the target (its achievement rate would pass 300 %).
  Falling short of a more-is-better target is ordinary underperformance, never questioned. Without a
  positive target there is nothing to compare with.
"""
from __future__ import annotations

from decimal import Decimal

from core.numbers import format_figure

FAR_FACTOR = Decimal(3)
PERCENT_LIMIT = Decimal(100)
PERCENT_UNITS = frozenset({"%", "％"})
LESS_IS_BETTER = "down"  # kpis.models.Direction.DOWN; the rule stays free of the ORM


def value_warning(
    value: Decimal, *, target: Decimal | None, unit: str, direction: str, places: int | None = None,
) -> str | None:
    """The reason `value` should be confirmed before it is saved, or None when it looks ordinary."""
    shown = format_figure(value, places)
    if unit.strip() in PERCENT_UNITS and value > PERCENT_LIMIT:
        return f"100%를 넘는 값({shown}%)입니다. 값이 맞는지 확인하세요."
    if target is None or target <= 0:
        return None
    goal = format_figure(target, places)
    if value > target * FAR_FACTOR:
        return f"목표({goal})의 3배를 넘는 값({shown})입니다. 값이 맞는지 확인하세요."
    if direction == LESS_IS_BETTER and value * FAR_FACTOR < target:
        return f"목표({goal})의 3분의 1보다 작은 값({shown})입니다. 값이 맞는지 확인하세요."
    return None
