"""Achievement rates, department scores and bureau roll-ups, pinned on the 2023 sample by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.scoring import (
    NOT_REPORTED,
    NOTHING_EVALUABLE,
    NOTHING_REPORTED,
    TARGET_MISSING,
    Direction,
    IndicatorInput,
    RateResult,
    RateStatus,
    Rules,
    achievement_rate,
    bureau_rollup,
    department_score,
    grade_for,
)

D = Decimal
UNCAPPED = Rules(cap=None)
CAP_100 = Rules(cap=D(100))
ZERO = Rules(cap=None, unreported="zero")
EXCLUDE = Rules(cap=None, unreported="exclude")
ONES = ("1", "1", "1")
BASELINE = Rules(lower_is_better="baseline")


def indicator(
    indicator_id: int,
    weight: str,
    target: str | None,
    actual: str | None,
    *,
    direction: Direction | str = Direction.UP,
    reported: bool | None = None,
    baseline: str | None = None,
    band: str | None = None,
    name: str = "",
) -> IndicatorInput:
    return IndicatorInput(
        indicator_id=indicator_id,
        name=name or f"지표{indicator_id}",
        weight=D(weight),
        direction=direction,
        target=None if target is None else D(target),
        actual=None if actual is None else D(actual),
        reported=actual is not None if reported is None else reported,
        baseline=None if baseline is None else D(baseline),
        band_tolerance=None if band is None else D(band),
    )


# 2023 sample, as in the plan document.
COOPERATION = [  # 대외협력과
    indicator(1, "30", "11", "12", name="정무활동 및 당정협력 강화(회)"),
    indicator(2, "30", "32", "32", name="민간단체 및 출향도민 협력 강화(회)"),
    indicator(3, "40", "6", "6", name="자원봉사 활동률(%)"),
]
COMMUNICATION = [  # 소통기획과
    indicator(4, "40", "88.5", "88.5", name="도정 핵심사업 인지도(%)"),
    indicator(5, "25", "1960000", "2056074", name="도 대표 블로그 방문횟수(회)"),
    indicator(6, "35", "86.5", "86.5", name="도정홍보 영상물 도민접촉률(%)"),
]
FOREIGN_POLICY = [  # 외국인국제정책과: nothing in force in 2023
    indicator(7, "35", "0", "0", name="지역 특화형 비자·숙련기능인력 대상자 모집 인원(명)"),
    indicator(8, "35", "0", "0", name="정착 지원 활동 및 상담 지원(회)"),
    indicator(9, "30", "0", "0", name="자매우호결연지역 등 교류횟수(회)"),
]
# 대외협력과 with 자원봉사 활동률 (weight 40) not reported yet.
COOPERATION_PARTIAL = [*COOPERATION[:2], indicator(3, "40", "6", None, name="자원봉사 활동률(%)")]


def up(target: str, actual: str) -> IndicatorInput:
    return indicator(1, "1", target, actual)


def down(target: str, actual: str, baseline: str | None = None) -> IndicatorInput:
    return indicator(1, "1", target, actual, direction=Direction.DOWN, baseline=baseline)


def kept(target: str, actual: str, band: str | None = None) -> IndicatorInput:
    return indicator(1, "1", target, actual, direction=Direction.RANGE, band=band)


@pytest.mark.parametrize(
    ("item", "rules", "raw_rate", "rate", "working"),
    [
        (COOPERATION[0], UNCAPPED, "109.09", "109.09", "실적 12 / 목표 11 × 100 = 109.09%, 상한 없음"),
        (COOPERATION[0], Rules(), "109.09", "109.09", "실적 12 / 목표 11 × 100 = 109.09%, 상한 120% 미적용"),
        (COOPERATION[0], CAP_100, "109.09", "100.00", "실적 12 / 목표 11 × 100 = 109.09%, 상한 100% 적용 → 100.00%"),
        (COMMUNICATION[1], UNCAPPED, "104.90", "104.90", "실적 2,056,074 / 목표 1,960,000 × 100 = 104.90%, 상한 없음"),
        (up("3", "2"), UNCAPPED, "66.67", "66.67", None),  # 66.666…
        (up("8", "1"), UNCAPPED, "12.50", "12.50", None),
        (up("1600", "1"), UNCAPPED, "0.06", "0.06", None),  # 0.0625
        (up("800", "1"), UNCAPPED, "0.13", "0.13", None),  # 0.125, a tie: half-up
        (up("10", "15"), Rules(), "150.00", "120.00", None),
        (up("10", "-3"), Rules(), "-30.00", "0.00", "실적 △3 / 목표 10 × 100 = △30.00%, 하한 0% 적용 → 0.00%"),
        (up("10", "-3"), Rules(floor=None), "-30.00", "-30.00", None),
        # Less is better, target / actual.
        (down("5", "4"), UNCAPPED, "125.00", "125.00", "목표 5 / 실적 4 × 100 = 125.00%, 상한 없음"),
        (down("5", "4"), Rules(), "125.00", "120.00", "목표 5 / 실적 4 × 100 = 125.00%, 상한 120% 적용 → 120.00%"),
        (down("5", "8"), Rules(), "62.50", "62.50", None),
        # Less is better, improvement on the baseline: (baseline − actual) / (baseline − target).
        (
            down("5", "6", baseline="10"), BASELINE, "80.00", "80.00",
            "(기준 10 − 실적 6) / (기준 10 − 목표 5) × 100 = 80.00%, 상한 120% 미적용",
        ),
        (down("5", "4", baseline="10"), BASELINE, "120.00", "120.00", None),
        (down("5", "3", baseline="10"), BASELINE, "140.00", "120.00", None),
        (down("5", "12", baseline="10"), BASELINE, "-40.00", "0.00", None),
        # Kept within ±5 % of the target (유지).
        (
            kept("100", "104"), Rules(), "100.00", "100.00",
            "실적 104: 목표 100 ± 5% 범위(95 ~ 105) 안이므로 달성률 = 100.00%, 상한 120% 미적용",
        ),
        (kept("100", "95"), Rules(), "100.00", "100.00", None),
        (kept("100", "105"), Rules(), "100.00", "100.00", None),
        (
            kept("100", "110"), Rules(), "95.00", "95.00",
            "실적 110: 목표 100 ± 5% 범위(95 ~ 105)에서 5 벗어남, 100 − 5 / 100 × 100 = 95.00%, 상한 120% 미적용",
        ),
        (kept("100", "80"), Rules(), "85.00", "85.00", None),
        (kept("88.5", "80"), Rules(), "95.40", "95.40", None),  # 100 − (8.5 − 4.425) / 88.5 × 100 = 95.395…
        (kept("100", "110", band="10"), Rules(), "100.00", "100.00", None),
        (kept("100", "110"), Rules(range_tolerance=D(0)), "90.00", "90.00", None),
        (kept("100", "300"), Rules(), "-95.00", "0.00", None),
        (kept("-100", "-104"), Rules(), "100.00", "100.00", None),
    ],
)
def test_it_computes_an_achievement_rate(item, rules, raw_rate, rate, working):
    result = achievement_rate(item, rules)
    assert result.status is RateStatus.EVALUATED
    assert (result.raw_rate, result.rate, result.reason) == (D(raw_rate), D(rate), "")
    assert str(result.rate) == rate  # always two decimal places
    if working is not None:
        assert result.working == working


@pytest.mark.parametrize(
    ("item", "rules", "status", "reason"),
    [
        (FOREIGN_POLICY[0], Rules(), RateStatus.NOT_EVALUABLE, TARGET_MISSING),
        (indicator(1, "30", None, "5"), Rules(), RateStatus.NOT_EVALUABLE, TARGET_MISSING),
        (indicator(1, "30", "0", None), Rules(), RateStatus.NOT_EVALUABLE, TARGET_MISSING),  # target first
        (COOPERATION_PARTIAL[2], Rules(), RateStatus.UNREPORTED, NOT_REPORTED),
        (indicator(1, "30", "6", "6", reported=False), Rules(), RateStatus.UNREPORTED, NOT_REPORTED),
        (indicator(1, "30", "6", None, reported=True), Rules(), RateStatus.UNREPORTED, NOT_REPORTED),
        (down("5", "0"), Rules(), RateStatus.NOT_EVALUABLE, "실적이 0이어서 목표/실적 방식으로 평가할 수 없습니다"),
        (down("5", "6"), BASELINE, RateStatus.NOT_EVALUABLE, "기준값(전년도 실적)이 없어 평가할 수 없습니다"),
        (
            down("5", "6", baseline="5"), BASELINE, RateStatus.NOT_EVALUABLE,
            "기준값이 목표보다 크지 않아 개선 폭으로 평가할 수 없습니다",
        ),
        (
            down("5", "6", baseline="4"), BASELINE, RateStatus.NOT_EVALUABLE,
            "기준값이 목표보다 크지 않아 개선 폭으로 평가할 수 없습니다",
        ),
        (
            indicator(1, "1", "5", "6", direction="sideways"), Rules(), RateStatus.NOT_EVALUABLE,
            "알 수 없는 지표 방향입니다: sideways",
        ),
        (
            up("0.0001", "1000000000"), UNCAPPED, RateStatus.NOT_EVALUABLE,
            "달성률이 너무 커서 평가할 수 없습니다 (1,000,000,000,000,000.00%)",
        ),
        (up("NaN", "1"), Rules(), RateStatus.NOT_EVALUABLE, "목표·실적·기준값 중 숫자가 아닌 값이 있습니다"),
    ],
)
def test_it_says_why_a_rate_cannot_be_computed(item, rules, status, reason):
    result = achievement_rate(item, rules)
    assert (result.status, result.rate, result.raw_rate, result.reason) == (status, None, None, reason)


def test_the_working_text_of_an_indicator_not_in_force_shows_its_figures():
    assert achievement_rate(FOREIGN_POLICY[0], Rules()).working == "목표 0, 실적 0"


@pytest.mark.parametrize(
    ("items", "rules", "score", "completeness", "grade", "contributions"),
    [
        (COOPERATION, UNCAPPED, "102.73", "100.00", "S", {1: "32.73", 2: "30.00", 3: "40.00"}),
        (COOPERATION, Rules(), "102.73", "100.00", "S", {1: "32.73", 2: "30.00", 3: "40.00"}),
        (COOPERATION, CAP_100, "100.00", "100.00", "S", {1: "30.00", 2: "30.00", 3: "40.00"}),
        # (40 × 100 + 25 × 104.90 + 35 × 100) / 100 = 101.225 exactly → 101.23 (half-up)
        (COMMUNICATION, UNCAPPED, "101.23", "100.00", "S", {4: "40.00", 5: "26.23", 6: "35.00"}),
        # Unreported counts as 0: (30 × 109.09 + 30 × 100 + 40 × 0) / 100 = 62.727 → 62.73;
        # completeness = reported 60 / 100.
        (COOPERATION_PARTIAL, ZERO, "62.73", "60.00", "D", {1: "32.73", 2: "30.00", 3: "0.00"}),
        # Unreported left out: (30 × 109.09 + 30 × 100) / 60 = 104.545 → 104.55; completeness 60.
        (COOPERATION_PARTIAL, EXCLUDE, "104.55", "60.00", "S", {1: "54.55", 2: "50.00", 3: None}),
        # Indicators not in force are left out of both sides in every mode.
        (
            COMMUNICATION + FOREIGN_POLICY, ZERO, "101.23", "100.00", "S",
            {4: "40.00", 5: "26.23", 6: "35.00", 7: None, 8: None, 9: None},
        ),
        # Floor: (50 × 0 + 50 × 100) / 100
        (
            [indicator(1, "50", "10", "-3"), indicator(2, "50", "10", "10")], Rules(), "50.00", "100.00", "D",
            {1: "0.00", 2: "50.00"},
        ),
        # A reported indicator that cannot be rated still counts in completeness' denominator.
        (
            [indicator(1, "50", "5", "0", direction="down"), indicator(2, "50", "10", "9")], Rules(), "90.00", "50.00",
            "A", {1: None, 2: "90.00"},
        ),
    ],
)
def test_it_computes_a_department_score(items, rules, score, completeness, grade, contributions):
    result = department_score(items, rules)
    assert (result.score, result.completeness, result.grade, result.reason) == (D(score), D(completeness), grade, "")
    assert result.contributions == {key: None if value is None else D(value) for key, value in contributions.items()}
    assert sum(value for value in result.contributions.values() if value is not None) == result.score
    assert len(result.rates) == len(items)


def test_the_sample_department_scores_show_their_working():
    result = department_score(COOPERATION_PARTIAL, EXCLUDE)
    assert result.working == (
        "가중 점수 = (30 × 109.09 + 30 × 100.00) / 60 = 104.55\n"
        "미보고 제외: 자원봉사 활동률(%) (가중치 40)\n"
        "완결성 = 실적 보고 가중치 60 / 평가 대상 가중치 100 × 100 = 60.00%\n"
        "등급 S"
    )
    assert (result.total_weight, result.evaluated_weight, result.weighted_sum) == (D(100), D(60), D("6272.70"))
    assert result.effective_weights == {1: D("50.0000"), 2: D("50.0000"), 3: D("0.0000")}


def test_without_explain_the_department_result_is_the_same_but_has_no_working_text():
    for items, rules in ((COOPERATION_PARTIAL, EXCLUDE), (COMMUNICATION, ZERO), (FOREIGN_POLICY, Rules())):
        full, bare = department_score(items, rules), department_score(items, rules, explain=False)
        assert bare.working == ""
        assert bare == type(full)(**{**full.__dict__, "working": ""})


def test_under_unreported_as_zero_the_unreported_weight_stays_in_the_denominator():
    result = department_score(COOPERATION_PARTIAL, ZERO)
    assert (result.total_weight, result.evaluated_weight) == (D(100), D(100))
    assert result.effective_weights == {1: D("30.0000"), 2: D("30.0000"), 3: D("40.0000")}
    assert "미보고 0점 처리: 자원봉사 활동률(%) (가중치 40)" in result.working
    assert result.rates[2].status is RateStatus.UNREPORTED


@pytest.mark.parametrize(
    ("items", "rules", "reason", "completeness"),
    [
        (FOREIGN_POLICY, Rules(), NOTHING_EVALUABLE, None),
        (FOREIGN_POLICY, Rules(unreported="zero"), NOTHING_EVALUABLE, None),
        ([], Rules(), NOTHING_EVALUABLE, None),
        ([indicator(1, "100", "6", None)], Rules(), NOTHING_REPORTED, "0.00"),
        (FOREIGN_POLICY + [indicator(1, "100", "6", None)], Rules(), NOTHING_REPORTED, "0.00"),
        ([indicator(1, "100", "5", "0", direction="down")], Rules(), "평가 가능한 지표가 없습니다 (지표별 산정 불가 사유 참조)", "0.00"),
        ([indicator(1, "0", "6", "6")], Rules(), "반영할 가중치의 합이 0입니다", None),
    ],
)
def test_a_department_without_a_counted_indicator_has_no_score_and_a_reason(items, rules, reason, completeness):
    result = department_score(items, rules)
    assert (result.score, result.grade, result.reason) == (None, "", reason)
    assert result.completeness == (None if completeness is None else D(completeness))
    assert all(value is None for value in result.contributions.values())
    assert result.working.startswith(reason)


def test_the_foreign_policy_department_in_2023_is_not_evaluable():
    result = department_score(FOREIGN_POLICY, Rules())
    assert result.reason == "평가 가능한 지표가 없습니다 (모든 지표의 목표가 0 또는 미설정)"
    assert [rate.status for rate in result.rates] == [RateStatus.NOT_EVALUABLE] * 3
    assert (result.total_weight, result.evaluated_weight) == (D(0), D(0))


@pytest.mark.parametrize(
    ("weights", "rates", "score", "contributions", "shares"),
    [
        # Exact thirds: 33.333… each; one extra cent to the first to reach 100.00.
        (ONES, ("100", "100", "100"), "100.00", ("33.34", "33.33", "33.33"), ("33.3334", "33.3333", "33.3333")),
        # 33.333…, 33.333…, 33.336… (exact sum 100.0033…) → 100.00; the extra cent goes to the largest remainder.
        (ONES, ("100", "100", "100.01"), "100.00", ("33.33", "33.33", "33.34"), ("33.3334", "33.3333", "33.3333")),
        # 1814.13 / 31 = 58.5203…; shares 22.5806… 35.4838… 41.9354… take the two spare units by remainder.
        (
            ("7", "11", "13"), ("109.09", "95.5", "0"), "58.52", ("24.63", "33.89", "0.00"),
            ("22.5806", "35.4839", "41.9355"),
        ),
    ],
)
def test_contributions_and_shares_add_up_exactly(weights, rates, score, contributions, shares):
    # Targets of 100 make each rate equal to the actual.
    items = [indicator(i, w, "100", r) for i, (w, r) in enumerate(zip(weights, rates, strict=True), start=1)]
    result = department_score(items, UNCAPPED)
    assert result.score == D(score)
    assert tuple(result.contributions.values()) == tuple(D(value) for value in contributions)
    assert sum(result.contributions.values()) == result.score
    assert sum(result.effective_weights.values()) == D(100)
    if shares is not None:
        assert tuple(result.effective_weights.values()) == tuple(D(value) for value in shares)


departments = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=100),  # weight
        st.sampled_from([None, D(0), D(1), D("88.5"), D(1_960_000)]),  # target
        st.one_of(st.none(), st.decimals(min_value=-10, max_value=3_000_000, places=2)),  # actual
        st.sampled_from(list(Direction)),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(departments, st.sampled_from([Rules(), ZERO, EXCLUDE, CAP_100, Rules(floor=None), BASELINE]))
def test_contributions_always_add_up_to_the_score_and_shares_to_100(rows, rules):
    items = [
        IndicatorInput(i, f"지표{i}", D(weight), direction, target, actual, actual is not None, baseline=D(2_000_000))
        for i, (weight, target, actual, direction) in enumerate(rows, start=1)
    ]
    result = department_score(items, rules)
    counted = [value for value in result.contributions.values() if value is not None]
    if result.score is None:
        assert counted == [] and result.reason
        return
    assert sum(counted) == result.score
    assert sum(result.effective_weights.values()) == 100
    assert bureau_rollup([result]).by_weight == result.score


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("120", "S"), ("100", "S"), ("99.99", "A"), ("90", "A"), ("89.99", "B"), ("80", "B"), ("70", "C"),
        ("69.99", "D"), ("0", "D"), (None, ""),
    ],
)
def test_it_grades_with_the_default_bands(score, expected):
    assert grade_for(None if score is None else D(score), Rules()) == expected


def test_it_grades_with_custom_bands_in_any_order():
    rules = Rules(grade_bands=(("보통", D("60")), ("우수", D("95")), ("양호", D("80"))))
    assert [grade_for(D(value), rules) for value in ("96", "95", "85", "60", "59.99")] == ["우수", "우수", "양호", "보통", "D"]


def test_the_bureau_rolls_up_by_department_and_by_weight():
    cooperation = department_score(COOPERATION_PARTIAL, EXCLUDE)  # 104.55 over weight 60
    communication = department_score(COMMUNICATION, UNCAPPED)  # 101.23 over weight 100
    foreign = department_score(FOREIGN_POLICY, UNCAPPED)  # no score
    rollup = bureau_rollup([cooperation, communication, foreign])
    # by department: (104.55 + 101.23) / 2 = 102.89
    # by weight: (30 × 109.09 + 30 × 100 + 40 × 100 + 25 × 104.90 + 35 × 100) / (60 + 100) = 16395.2 / 160 = 102.47
    assert (rollup.by_department, rollup.by_weight) == (D("102.89"), D("102.47"))
    assert (rollup.department_count, rollup.evaluable_count) == (3, 2)


def test_the_bureau_rollup_of_the_full_2023_sample():
    results = [department_score(items, UNCAPPED) for items in (COOPERATION, COMMUNICATION, FOREIGN_POLICY)]
    rollup = bureau_rollup(results)
    # (102.73 + 101.23) / 2 = 101.98; (10272.7 + 10122.5) / 200 = 101.976 → 101.98
    assert (rollup.by_department, rollup.by_weight) == (D("101.98"), D("101.98"))


def test_the_bureau_rollup_uses_score_times_weight_for_results_rebuilt_without_the_exact_sum():
    stored = department_score(COMMUNICATION, UNCAPPED)
    rebuilt = type(stored)(**{**stored.__dict__, "weighted_sum": None})
    assert bureau_rollup([rebuilt]).by_weight == D("101.23")


def test_a_bureau_without_scores_has_no_rollup():
    rollup = bureau_rollup([department_score(FOREIGN_POLICY, Rules())])
    assert (rollup.by_department, rollup.by_weight) == (None, None)
    assert (rollup.department_count, rollup.evaluable_count) == (1, 0)
    assert bureau_rollup([]).by_department is None


@pytest.mark.parametrize("rules", [Rules(lower_is_better="median"), Rules(unreported="ignore")])
def test_it_rejects_unknown_rules(rules):
    with pytest.raises(ValueError):
        department_score(COOPERATION, rules)


def test_rates_are_results_not_floats():
    result = achievement_rate(COOPERATION[0], Rules())
    assert isinstance(result, RateResult)
    assert isinstance(result.rate, Decimal) and isinstance(result.raw_rate, Decimal)


# --- Provisional (잠정) values ------------------------------------------------------------------


def provisional(item: IndicatorInput, *, baseline: bool = False) -> IndicatorInput:
    return IndicatorInput(**{**item.__dict__, "provisional": not baseline, "baseline_provisional": baseline})


@pytest.mark.parametrize(
    ("item", "rules", "expected"),
    [
        (provisional(COOPERATION[0]), Rules(), True),
        (COOPERATION[0], Rules(), False),
        # A provisional value that cannot be rated is in no score: nothing provisional to say.
        (provisional(FOREIGN_POLICY[0]), Rules(), False),
        (provisional(down("5", "0")), Rules(), False),
        # A provisional baseline makes the rate provisional only where the baseline is used.
        (provisional(down("5", "6", baseline="10"), baseline=True), BASELINE, True),
        (provisional(down("5", "6", baseline="10"), baseline=True), Rules(), False),
        (provisional(up("5", "6"), baseline=True), BASELINE, False),
    ],
)
def test_a_rate_is_provisional_when_it_rests_on_a_provisional_value(item, rules, expected):
    assert achievement_rate(item, rules).provisional is expected


@pytest.mark.parametrize(
    ("items", "rules", "expected"),
    [
        (COOPERATION, Rules(), False),
        ([provisional(COOPERATION[0]), *COOPERATION[1:]], Rules(), True),
        # Not in force that year: the provisional value is in no score.
        ([*COOPERATION, provisional(FOREIGN_POLICY[0])], Rules(), False),
        ([provisional(FOREIGN_POLICY[0])], Rules(), False),
    ],
)
def test_a_department_score_is_provisional_when_a_counted_rate_is(items, rules, expected):
    result = department_score(items, rules)
    assert result.provisional is expected
    assert department_score(items, rules, explain=False).provisional is expected


def test_a_provisional_value_scores_like_an_approved_one():
    items = [provisional(item) for item in COOPERATION]
    assert department_score(items, UNCAPPED).score == department_score(COOPERATION, UNCAPPED).score == D("102.73")
