"""진도와 조기경보: an indicator's progress during the year, pure (no ORM, no I/O, Decimal in and out).

The year is split into ``period_count`` periods (4 quarters or 2 halves); ``values`` holds one figure per
period (None: not reported), and ``elapsed`` says how many periods are judged (``elapsed_periods``: through
the latest period with a value). The indicator's aggregation rule says how the year value comes from its
periods, and so how far it should be after ``elapsed`` periods and where it is heading:

================  ===============================  ==================================  =========================
rule              value to date (진도 실적)         expected by now (기간 목표)          year-end projection
================  ===============================  ==================================  =========================
sum (누계)        Σ values of periods 1..k          target × k / n                       to date × n / k (run rate)
last (누적)       value of period k                 target × k / n                       to date × n / k (trend)
average (평균)    mean of the reported values       target                               the mean so far
================  ===============================  ==================================  =========================

With per-period targets set by planners for every judged period, the expected value is theirs instead:
Σ of periods 1..k (sum), period k's (last), the mean of periods 1..k (average).

Pace (진도율) is the achievement rate of the value to date against the expected value, by the one rule of
kpis.scoring (up: actual / expected; down: expected / actual; range: the tolerance band), uncapped and
unfloored; a less-is-better indicator uses target / actual whatever the year's policy (a baseline has no
pro-rated counterpart). The status comes from the pace (``STATUS_FLOORS``, the one place the thresholds live):
pace ≥ 100 % 정상, ≥ 90 % 주의, else 부진. For every rule the projection reaches the year target exactly when
the pace is 100 % on pro-rated targets, so the status also says where the year is heading. The projection
follows the rule's trend even where per-period targets are set (a plan back-loaded into the last quarter
projects short while on track).

Not computable (status None with a Korean reason, never 0): no target (or 0), no judged period yet, a sum
with an unreported period among those judged, or the rate not evaluable (a less-is-better value of 0).
Expected values and projections are quantized to 0.0001 (the stored figures' precision), half up.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.numbers import format_figure
from kpis.period_rules import PeriodRule, period_label, year_value
from kpis.scoring import Direction, IndicatorInput, RateStatus, Rules, achievement_rate
from kpis.scoring.numbers import div

FIGURE = Decimal("0.0001")
UNBOUNDED = Rules(cap=None, floor=None, lower_is_better="target_over_actual")

NO_TARGET = "연간 목표가 0이거나 없어 진도를 판단할 수 없습니다"
NOTHING_YET = "아직 실적이 입력된 기간이 없습니다"
NOT_JUDGED = "판단 불가"  # the label of a result without a status


class ProgressStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {ProgressStatus.ON_TRACK: "정상", ProgressStatus.AT_RISK: "주의", ProgressStatus.BEHIND: "부진"}
# The thresholds: the first status whose floor the pace reaches, else BEHIND.
STATUS_FLOORS: tuple[tuple[ProgressStatus, Decimal], ...] = (
    (ProgressStatus.ON_TRACK, Decimal(100)),
    (ProgressStatus.AT_RISK, Decimal(90)),
)


@dataclass(frozen=True)
class ProgressInput:
    indicator_id: int
    direction: Direction | str
    aggregation: PeriodRule | str
    period_count: int
    # One entry per period of the year, in order; None: not reported (or not counted).
    values: tuple[Decimal | None, ...]
    target: Decimal | None
    elapsed: int
    # Planners' per-period targets, one per period (None where not set); None: none set.
    period_targets: tuple[Decimal | None, ...] | None = None
    band_tolerance: Decimal | None = None
    display_places: int | None = None


@dataclass(frozen=True)
class ProgressResult:
    indicator_id: int
    status: ProgressStatus | None
    elapsed: int
    to_date: Decimal | None
    expected: Decimal | None
    pace: Decimal | None
    projection: Decimal | None
    reason: str
    working: str

    @property
    def status_label(self) -> str:
        return NOT_JUDGED if self.status is None else self.status.label


def thresholds_text() -> str:
    """The thresholds as pages state them: '진도율 100% 이상 정상, 90% 이상 주의, 그 밖은 부진'."""
    floors = ", ".join(f"{format_figure(floor)}% 이상 {status.label}" for status, floor in STATUS_FLOORS)
    return f"진도율 {floors}, 그 밖은 {ProgressStatus.BEHIND.label}"


def elapsed_periods(values: tuple[Decimal | None, ...]) -> int:
    """How many periods are judged: through the latest one with a value (0 when none has)."""
    for index in range(len(values), 0, -1):
        if values[index - 1] is not None:
            return index
    return 0


def status_for(pace: Decimal) -> ProgressStatus:
    for status, floor in STATUS_FLOORS:
        if pace >= floor:
            return status
    return ProgressStatus.BEHIND


def progress(item: ProgressInput) -> ProgressResult:
    """The indicator's progress after ``item.elapsed`` periods (see the module docstring)."""
    n, k = item.period_count, item.elapsed
    if n < 1 or not 0 <= k <= n or len(item.values) != n:
        raise ValueError(f"bad periods: {k} of {n} with {len(item.values)} values")
    if item.period_targets is not None and len(item.period_targets) != n:
        raise ValueError(f"bad period targets: {len(item.period_targets)} for {n} periods")
    rule = PeriodRule(item.aggregation)
    places = item.display_places
    if k == 0:
        return _none(item, NOTHING_YET, "")
    judged = item.values[:k]
    if all(value is None for value in judged):
        return _none(item, NOTHING_YET, "")
    labels = _span(k, n)

    if rule is PeriodRule.SUM:
        missing = [period_label(i + 1, n) for i, value in enumerate(judged) if value is None]
        if missing:
            return _none(item, f"{', '.join(missing)} 실적이 없어 누계를 낼 수 없습니다", "")
        to_date = year_value(rule, judged)
        to_date_text = f"{labels} 실적 누계 {_sum_text(judged, places)} = {format_figure(to_date, places)}"
    elif rule is PeriodRule.LAST:
        to_date = year_value(rule, judged)
        to_date_text = f"{period_label(k, n)} 누적 실적 {format_figure(to_date, places)}"
    else:
        reported = [value for value in judged if value is not None]
        to_date = _quantize(year_value(rule, reported))
        to_date_text = (
            f"{labels} 실적 평균 ({_sum_text(reported, places)}) / {len(reported)} = {format_figure(to_date, places)}"
        )

    expected, expected_text = _expected(item, rule, k)
    if expected is None:
        return _none(item, NO_TARGET, to_date_text, to_date)

    rate = achievement_rate(
        IndicatorInput(
            indicator_id=item.indicator_id, name="", weight=Decimal(0), direction=item.direction, target=expected,
            actual=to_date, reported=True, band_tolerance=item.band_tolerance, display_places=places,
        ),
        UNBOUNDED,
    )
    projection, projection_text = _projection(rule, to_date, k, n, places)
    head = f"{to_date_text}; {expected_text}"
    if rate.status is not RateStatus.EVALUATED:
        return _none(item, rate.reason, f"{head}; {projection_text}", to_date, expected, projection)
    status = status_for(rate.raw_rate)
    pace_text = rate.working.removesuffix(f", {UNBOUNDED.bounds.open_text}")
    working = f"{head}; 진도율 {pace_text} → {status.label}({_threshold_text(status)}); {projection_text}"
    return ProgressResult(item.indicator_id, status, k, to_date, expected, rate.raw_rate, projection, "", working)


def _expected(item: ProgressInput, rule: PeriodRule, k: int) -> tuple[Decimal | None, str]:
    """The value expected after k periods and its working: from per-period targets when set for every
    judged period, else from the year target."""
    n, places = item.period_count, item.display_places
    own = item.period_targets[:k] if item.period_targets is not None else ()
    if own and all(value is not None for value in own):
        if rule is PeriodRule.SUM:
            expected = sum(own, Decimal(0))
            return expected, f"기간 목표 {_sum_text(own, places)} = {format_figure(expected, places)}"
        if rule is PeriodRule.LAST:
            return own[-1], f"{period_label(k, n)} 기간 목표 {format_figure(own[-1], places)}"
        expected = _quantize(div(sum(own, Decimal(0)), Decimal(k)))
        return expected, f"기간 목표 평균 ({_sum_text(own, places)}) / {k} = {format_figure(expected, places)}"
    target = item.target
    if target is None or target == 0:
        return None, ""
    if rule is PeriodRule.AVERAGE:
        return target, f"기간 목표 = 연간 목표 {format_figure(target, places)}"
    expected = _quantize(div(target * k, Decimal(n)))
    return expected, f"기간 목표 = 연간 목표 {format_figure(target, places)} × {k}/{n} = {format_figure(expected, places)}"


def _projection(rule: PeriodRule, to_date: Decimal, k: int, n: int, places: int | None) -> tuple[Decimal, str]:
    if rule is PeriodRule.AVERAGE:
        return to_date, f"연말 예상(지금까지 평균) {format_figure(to_date, places)}"
    projection = _quantize(div(to_date * n, Decimal(k)))
    basis = "누계 추세" if rule is PeriodRule.SUM else "누적값 추세"
    return projection, f"연말 예상({basis}) {format_figure(to_date, places)} × {n}/{k} = {format_figure(projection, places)}"


def summary_line(name: str, result: ProgressResult, target: Decimal | None, places: int | None = None) -> str:
    """One indicator's progress in a sentence, as messages (reminders, the weekly summary) name it:
    '자원봉사 활동률: 부진 — 진도율 66.67%, 연말 예상 4 (연간 목표 6)'; a reason when it is not judged."""
    if result.status is None:
        return f"{name}: {NOT_JUDGED} — {result.reason}"
    return (
        f"{name}: {result.status.label} — 진도율 {format_figure(result.pace, 2)}%, "
        f"연말 예상 {format_figure(result.projection, places)} (연간 목표 {format_figure(target, places)})"
    )


def _none(
    item: ProgressInput, reason: str, working: str, to_date: Decimal | None = None, expected: Decimal | None = None,
    projection: Decimal | None = None,
) -> ProgressResult:
    return ProgressResult(item.indicator_id, None, item.elapsed, to_date, expected, None, projection, reason, working)


def _threshold_text(status: ProgressStatus) -> str:
    floors = dict(STATUS_FLOORS)
    if status in floors:
        return f"{format_figure(floors[status])}% 이상"
    return f"{format_figure(min(floors.values()))}% 미만"


def _span(k: int, n: int) -> str:
    return period_label(1, n) if k == 1 else f"{period_label(1, n)}~{period_label(k, n)}"


def _sum_text(values: list[Decimal] | tuple[Decimal, ...], places: int | None) -> str:
    return " + ".join(format_figure(value, places) for value in values)


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(FIGURE, ROUND_HALF_UP)
