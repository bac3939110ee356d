"""Progress during the year: pro-rated targets, projections by aggregation rule, status thresholds, working."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kpis.progress import (
    NO_TARGET,
    NOTHING_YET,
    ProgressInput,
    ProgressStatus,
    elapsed_periods,
    progress,
    status_for,
    thresholds_text,
)

D = Decimal


def quarters(*values: str | None) -> tuple[Decimal | None, ...]:
    padded = [*values, *([None] * (4 - len(values)))]
    return tuple(None if value is None else D(value) for value in padded)


def run(
    values: tuple[Decimal | None, ...], target: str | None, *, rule: str = "sum", direction: str = "up",
    elapsed: int | None = None, period_targets: tuple[str | None, ...] | None = None, places: int | None = None,
):
    return progress(
        ProgressInput(
            indicator_id=1, direction=direction, aggregation=rule, period_count=len(values), values=values,
            target=None if target is None else D(target),
            elapsed=elapsed_periods(values) if elapsed is None else elapsed,
            period_targets=None if period_targets is None else tuple(None if t is None else D(t) for t in period_targets),
            display_places=places,
        )
    )


# 정무활동 및 당정협력 강화(회): 2023 target 11 a year, counted (sum).
def test_a_sum_is_compared_with_the_year_target_pro_rated_by_elapsed_quarters():
    result = run(quarters("3", "3"), "11")
    assert result.to_date == D(6)
    assert result.expected == D("5.5000")  # 11 × 2/4
    assert result.pace == D("109.09")
    assert result.status is ProgressStatus.ON_TRACK
    assert result.projection == D(12)  # run rate: 6 × 4/2


def test_a_sum_projects_its_run_rate_to_the_year_end():
    result = run(quarters("2", "1", "3"), "11")
    assert result.to_date == D(6)
    assert result.expected == D("8.2500")  # 11 × 3/4
    assert result.projection == D(8)  # 6 × 4/3
    assert result.pace == D("72.73")
    assert result.status is ProgressStatus.BEHIND


def test_a_sum_with_an_unreported_quarter_among_those_judged_is_not_judged():
    result = run(quarters("3", None, "4"), "11")
    assert result.status is None and result.pace is None and result.projection is None
    assert result.reason == "2분기 실적이 없어 누계를 낼 수 없습니다"


# 자원봉사 활동률(%): a running rate, the year value is the last cumulative one.
def test_a_last_cumulative_value_is_judged_on_the_latest_period_and_projects_its_trend():
    result = run(quarters("1.4", "2.9"), "6", rule="last")
    assert result.to_date == D("2.9")
    assert result.expected == D("3.0000")  # 6 × 2/4
    assert result.pace == D("96.67")
    assert result.status is ProgressStatus.AT_RISK
    assert result.projection == D("5.8000")  # 2.9 × 4/2


def test_a_last_cumulative_value_ignores_an_earlier_gap():
    result = run(quarters(None, "3"), "6", rule="last")
    assert result.status is ProgressStatus.ON_TRACK and result.projection == D(6)


# 도정 핵심사업 인지도(%): surveyed each half, the year value is the average.
def test_an_average_is_compared_with_the_year_target_itself_and_projects_the_mean_so_far():
    result = run((D("87"), D("89.9")), "88.5", rule="average")
    assert result.to_date == D("88.4500")
    assert result.expected == D("88.5")
    assert result.pace == D("99.94")
    assert result.status is ProgressStatus.AT_RISK
    assert result.projection == D("88.4500")


def test_an_average_leaves_out_an_unreported_period():
    result = run(quarters(None, "90"), "88.5", rule="average")
    assert result.to_date == D(90) and result.status is ProgressStatus.ON_TRACK


def test_a_less_is_better_sum_compares_the_pro_rated_target_with_the_actual():
    result = run(quarters("2", "3"), "8", direction="down")  # 5 incidents where 4 were allowed by now
    assert result.expected == D(4)
    assert result.pace == D("80.00")  # 4 / 5 × 100
    assert result.status is ProgressStatus.BEHIND
    assert result.projection == D(10)


def test_a_less_is_better_value_of_zero_is_not_judged_like_the_year_end_rate():
    result = run(quarters("0"), "8", direction="down")
    assert result.status is None
    assert result.reason == "실적이 0이어서 목표/실적 방식으로 평가할 수 없습니다"
    assert result.projection == D(0)  # still shown: nothing was lost


def test_planners_per_period_targets_replace_the_pro_rated_target():
    back_loaded = ("1", "2", "4", "4")
    result = run(quarters("1", "2"), "11", period_targets=back_loaded)
    assert result.expected == D(3)
    assert result.status is ProgressStatus.ON_TRACK  # 3 of 3, although 3 < 11 × 2/4
    assert "기간 목표 1 + 2 = 3" in result.working


def test_per_period_targets_of_a_last_value_and_an_average():
    assert run(quarters("40"), "88.5", rule="last", period_targets=("40", "60", "75", "88.5")).expected == D(40)
    assert run(quarters("80", "90"), "88.5", rule="average", period_targets=("80", "90", None, None)).expected == D(85)


def test_per_period_targets_missing_for_a_judged_period_fall_back_to_the_year_target():
    result = run(quarters("3", "3"), "11", period_targets=("2", None, None, None))
    assert result.expected == D("5.5000")


@pytest.mark.parametrize(
    ("pace", "status"),
    [
        ("100.00", ProgressStatus.ON_TRACK),
        ("250", ProgressStatus.ON_TRACK),
        ("99.99", ProgressStatus.AT_RISK),
        ("90.00", ProgressStatus.AT_RISK),
        ("89.99", ProgressStatus.BEHIND),
        ("0", ProgressStatus.BEHIND),
        ("-5", ProgressStatus.BEHIND),
    ],
)
def test_status_thresholds(pace, status):
    assert status_for(D(pace)) is status


def test_the_thresholds_are_stated_as_they_are_applied():
    assert thresholds_text() == "진도율 100% 이상 정상, 90% 이상 주의, 그 밖은 부진"


def test_statuses_are_named_in_korean():
    assert [status.label for status in ProgressStatus] == ["정상", "주의", "부진"]


def test_no_target_is_not_judged_and_says_why():
    for target in (None, "0"):
        result = run(quarters("3"), target)
        assert result.status is None and result.expected is None and result.pace is None
        assert result.reason == NO_TARGET
        assert result.status_label == "판단 불가"


def test_nothing_reported_yet_is_not_judged_and_says_why():
    result = run(quarters(), "11")
    assert result.elapsed == 0 and result.status is None and result.to_date is None
    assert result.reason == NOTHING_YET
    assert run(quarters(), "11", rule="average", elapsed=2).reason == NOTHING_YET


def test_the_working_shows_every_step_in_korean():
    result = run(quarters("1000", "1500"), "4000")
    assert result.working == (
        "1분기~2분기 실적 누계 1,000 + 1,500 = 2,500; 기간 목표 = 연간 목표 4,000 × 2/4 = 2,000; "
        "진도율 실적 2,500 / 목표 2,000 × 100 = 125.00% → 정상(100% 이상); "
        "연말 예상(누계 추세) 2,500 × 4/2 = 5,000"
    )


def test_the_working_uses_the_indicators_display_places_and_half_year_names():
    result = run((D("40.25"), None), "88.5", rule="last", places=1)
    assert result.working == (
        "상반기 누적 실적 40.3; 기간 목표 = 연간 목표 88.5 × 1/2 = 44.3; "
        "진도율 실적 40.3 / 목표 44.3 × 100 = 90.96% → 주의(90% 이상); 연말 예상(누적값 추세) 40.3 × 2/1 = 80.5"
    )


def test_a_behind_working_names_the_lower_threshold():
    assert "→ 부진(90% 미만)" in run(quarters("1"), "11").working


def test_an_average_working():
    result = run((D("87"), D("90")), "88.5", rule="average")
    assert result.working == (
        "상반기~하반기 실적 평균 (87 + 90) / 2 = 88.5; 기간 목표 = 연간 목표 88.5; "
        "진도율 실적 88.5 / 목표 88.5 × 100 = 100.00% → 정상(100% 이상); 연말 예상(지금까지 평균) 88.5"
    )


def test_elapsed_periods_run_through_the_latest_reported_one():
    assert elapsed_periods(quarters()) == 0
    assert elapsed_periods(quarters("1")) == 1
    assert elapsed_periods(quarters(None, None, "0")) == 3


def test_inconsistent_periods_are_a_programming_error():
    with pytest.raises(ValueError):
        run(quarters("1"), "11", elapsed=5)
    with pytest.raises(ValueError):
        run(quarters("1"), "11", period_targets=("1",))
    with pytest.raises(ValueError):
        run(quarters("1"), "11", rule="median")


def test_a_range_indicator_is_on_track_inside_its_band_and_judged_by_its_distance_outside():
    inside = run((D("86"), D("88")), "88.5", rule="average", direction="range")  # mean 87, band 84.075 ~ 92.925
    assert (inside.pace, inside.status) == (D("100.00"), ProgressStatus.ON_TRACK)
    outside = run((D("70"), D("72")), "88.5", rule="average", direction="range")  # mean 71: 17.5 off, 13.075 beyond the band
    assert (outside.pace, outside.status) == (D("85.23"), ProgressStatus.BEHIND)  # 100 − 13.075 / 88.5 × 100
    assert "범위(84.08 ~ 92.93)" in outside.working
