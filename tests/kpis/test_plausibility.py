"""The rule that asks before an unusual actual is stored (kpis/plausibility.py): pure, no database."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from kpis.plausibility import value_warning


@pytest.mark.parametrize(
    ("value", "target", "unit", "direction", "asks"),
    [
        (D(33), D(11), "회", "up", False),  # exactly 3× the target
        (D("33.01"), D(11), "회", "up", True),
        (D(1), D(11), "회", "up", False),  # falling short is ordinary
        (D(0), D(11), "회", "up", False),
        (D(40), D(11), "회", "down", True),  # an extra digit, whatever the direction
        (D(3), D(11), "건", "down", True),  # less-is-better: rate would pass 300 %
        (D(4), D(12), "건", "down", False),  # exactly a third
        (D(0), D(12), "건", "down", True),
        (D(100), D("88.6"), "%", "up", False),
        (D("100.01"), D("88.6"), "%", "up", True),
        (D(120), None, "%", "up", True),  # a percentage over 100 needs no target
        (D(5000), None, "회", "up", False),  # nothing to compare with
        (D(5000), D(0), "회", "up", False),  # a target of 0: not yet in force
        (D(5000), D(-2), "%p", "up", False),
    ],
)
def test_which_values_ask_for_confirmation(value, target, unit, direction, asks):
    assert (value_warning(value, target=target, unit=unit, direction=direction) is not None) is asks


def test_the_question_names_the_target_and_the_value_as_the_indicator_shows_them():
    assert value_warning(D("40.456"), target=D(11), unit="회", direction="up") == (
        "목표(11)의 3배를 넘는 값(40.46)입니다. 값이 맞는지 확인하세요."
    )
    assert value_warning(D(40), target=D(11), unit="회", direction="up", places=1) == (
        "목표(11.0)의 3배를 넘는 값(40.0)입니다. 값이 맞는지 확인하세요."
    )
    assert value_warning(D(2), target=D(12), unit="건", direction="down") == (
        "목표(12)의 3분의 1보다 작은 값(2)입니다. 값이 맞는지 확인하세요."
    )
    assert value_warning(D("120.5"), target=D(80), unit="%", direction="up") == (
        "100%를 넘는 값(120.5%)입니다. 값이 맞는지 확인하세요."
    )
