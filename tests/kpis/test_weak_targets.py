"""Weak targets: a target at or below last year's actual, or flat for five years while actuals rise."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpis.models import Department
from kpis.score_selectors import department_drilldown, scoreboard_page
from kpis.weak_targets import BELOW_PRIOR, FLAT_RISING, find_weak_targets

D = Decimal
YEARS = range(2023, 2028)


def flat(value, years=YEARS):
    return {year: D(value) for year in years}


@pytest.mark.parametrize(
    ("targets", "actuals", "direction", "expected"),
    [
        # 대외협력과 정무활동: 11 every year, 2023 actual 12 → the 2024 target is already beaten.
        (flat(11), {2023: D(12), 2024: None}, "up", [(BELOW_PRIOR, 2024)]),
        # Equal counts as weak: 6 ≤ 6.
        (flat(6), {2023: D(6)}, "up", [(BELOW_PRIOR, 2024)]),
        # 민간단체: 33 > 32 is a real step up.
        ({2023: D(32), **flat(33, range(2024, 2028))}, {2023: D(32)}, "up", []),
        # No prior actual, nothing to compare.
        (flat(11), {}, "up", []),
        # A target of 0 is a year not in force; it is never flagged.
        ({2023: D(0), 2024: D(0), 2025: D(200)}, {2023: D(5), 2024: D(300)}, "up", [(BELOW_PRIOR, 2025)]),
        # Less is better: a target at or above last year's actual is weak.
        ({2024: D(10)}, {2023: D(8)}, "down", [(BELOW_PRIOR, 2024)]),
        ({2024: D(7)}, {2023: D(8)}, "down", []),
        # A range (유지) indicator aims at a steady value by design.
        (flat(11), {2023: D(12)}, "range", []),
    ],
)
def test_target_at_or_below_the_prior_actual(targets, actuals, direction, expected):
    flags = find_weak_targets(targets, actuals, direction)
    assert [(f.rule, f.year) for f in flags if f.rule == BELOW_PRIOR] == expected


def test_flat_targets_while_actuals_rise_are_flagged_once():
    flags = find_weak_targets(flat(100), {2023: D(90), 2024: D(95), 2025: D(99)}, "up")
    flat_flags = [f for f in flags if f.rule == FLAT_RISING]
    assert len(flat_flags) == 1
    assert flat_flags[0].year is None
    assert flat_flags[0].message == "목표가 5년 내내 100으로 같은데 실적은 2023년 90에서 2025년 99로 올랐습니다"
    assert not [f for f in flags if f.rule == BELOW_PRIOR]  # 100 is above every prior actual


@pytest.mark.parametrize(
    ("targets", "actuals", "direction"),
    [
        (flat(100), {2023: D(90)}, "up"),                          # one actual is not a trend
        (flat(100), {2023: D(90), 2024: D(85), 2025: D(99)}, "up"),  # fell once: not rising
        (flat(100), {2023: D(90), 2024: D(90)}, "up"),              # unchanged: not rising
        ({**flat(100), 2027: D(110)}, {2023: D(90), 2024: D(95)}, "up"),  # targets not flat
        ({**flat(100), 2023: D(0)}, {2024: D(90), 2025: D(95)}, "up"),    # not in force every year
    ],
)
def test_flat_targets_are_not_flagged_without_a_rising_trend(targets, actuals, direction):
    assert not [f for f in find_weak_targets(targets, actuals, direction) if f.rule == FLAT_RISING]


def test_flat_targets_while_actuals_fall_are_weak_when_less_is_better():
    flags = find_weak_targets(flat(50), {2023: D(60), 2024: D(40)}, "down")
    assert [f.rule for f in flags] == [BELOW_PRIOR, FLAT_RISING]  # 2025 target 50 ≥ 2024 actual 40
    assert "내려갔습니다" in flags[-1].message


def test_the_message_reads_with_the_documents_number_format():
    (flag,) = find_weak_targets({2024: D("1970000.0000")}, {2023: D("2056074.0000")})
    assert flag.message == "2024년 목표 1,970,000이 2023년 실적 2,056,074 이하입니다"


# --- On the sample plan -----------------------------------------------------------------------


def test_the_sample_flags_the_indicators_whose_2024_target_is_already_met(sample_plan):
    cooperation = Department.objects.get(name="대외협력과")
    page = department_drilldown(2023, cooperation.pk)
    flags = {line.name: [(f.rule, f.year) for f in line.weak] for line in page.indicators}
    assert flags == {
        "정무활동 및 당정협력 강화": [(BELOW_PRIOR, 2024)],
        "민간단체 및 출향도민 협력 강화": [],
        "자원봉사 활동률": [(BELOW_PRIOR, 2024)],
    }
    assert page.weak_count == 2


def test_unreported_placeholders_are_not_taken_as_actuals(sample_plan):
    # 2024 actuals read "0" in the document and are stored as not reported: 2025 targets stay unflagged.
    board = scoreboard_page(2023)
    assert {row.name: row.weak_count for row in board.rows}["외국인국제정책과"] == 0


def test_the_drilldown_shows_the_flag_beside_the_indicator(client, evaluator):
    cooperation = Department.objects.get(name="대외협력과")
    client.force_login(evaluator)
    body = client.get(f"/scores/2023/departments/{cooperation.pk}/").content.decode()
    assert "느슨한 목표: 2024년 목표 11이 2023년 실적 12 이하입니다" in body
