"""The performance report (성과보고서) as plain records: what the page, the PDF, the xlsx and the command read.

Built once by reports.report.builder.performance_report; renderers only lay these records out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from budgets.summary import SummaryTable
from core.numbers import format_figure
from kpis.selectors import Headcount


@dataclass(frozen=True)
class YearFigures:
    """One year column of an indicator's five-year table: target, actual that counts, stored rate."""

    year: int
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None
    places: int | None = None  # the indicator's display decimals

    @property
    def target_text(self) -> str:
        return figure_text(self.target, self.places)

    @property
    def actual_text(self) -> str:
        return figure_text(self.actual, self.places)

    @property
    def rate_text(self) -> str:
        return rate_text(self.rate)


EMPTY = "—"
RATE_PLACES = 2  # rates are stored to 0.01 (kpis.scoring)


def figure_text(value: Decimal | None, places: int | None = None) -> str:
    """A figure as the report prints it (core.numbers.format_figure); a dash where there is none."""
    return EMPTY if value is None else format_figure(value, places)


def rate_text(value: Decimal | None) -> str:
    """A stored rate as the report prints it: '109.09%'; a dash where none was evaluated."""
    return EMPTY if value is None else f"{format_figure(value, RATE_PLACES)}%"


@dataclass(frozen=True)
class EntryText:
    """What the department wrote for the reported year (reports.ReportEntry), as the report prints it."""

    shortfall_reason: str = ""
    improvement_plan: str = ""
    analysis: str = ""
    status_label: str = ""


@dataclass(frozen=True)
class IndicatorReport:
    indicator_id: int
    name: str
    unit: str
    kind: str
    direction: str
    weight: Decimal
    display_places: int | None
    years: tuple[YearFigures, ...]
    # The reported year, as scored (the frozen snapshot's once the year is finalised).
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None
    working: str
    reason: str
    provisional: bool
    falls_short: bool = False  # the 미달성 사유 is required (reports.achievement.falls_short)
    entry: EntryText | None = None

    @property
    def rate_text(self) -> str:
        return rate_text(self.rate)

    @property
    def weight_text(self) -> str:
        return figure_text(self.weight)

    @property
    def working_text(self) -> str:
        """The stored working of the reported year's rate, and why it was not evaluated when it was not."""
        return " · ".join(part for part in (self.working, self.reason) if part) or EMPTY




@dataclass(frozen=True)
class BudgetLine:
    """A unit program's budget beside its settled amount (결산) in the reported year, and the execution rate."""

    name: str
    budget: Decimal | None
    settled: Decimal | None
    rate: Decimal | None
    reason: str = ""  # why the rate cannot be computed

    @property
    def budget_text(self) -> str:
        return figure_text(self.budget)

    @property
    def settled_text(self) -> str:
        return figure_text(self.settled)

    @property
    def rate_text(self) -> str:
        return rate_text(self.rate)


@dataclass(frozen=True)
class PolicyGoalReport:
    policy_goal_id: int | None
    title: str
    weighted_rate: Decimal | None
    indicators: tuple[IndicatorReport, ...]
    budget_lines: tuple[BudgetLine, ...] = ()
    budget_total: BudgetLine | None = None

    @property
    def weighted_rate_text(self) -> str:
        return rate_text(self.weighted_rate)


@dataclass(frozen=True)
class StrategicGoalReport:
    title: str
    basic_direction: str
    policy_goals: tuple[PolicyGoalReport, ...]


@dataclass(frozen=True)
class DepartmentReport:
    department_id: int
    name: str
    score: Decimal | None
    grade: str
    completeness: Decimal | None
    reason: str
    provisional: bool
    stale_reason: str
    headcount: Headcount
    team_names: tuple[str, ...]
    strategic_goals: tuple[StrategicGoalReport, ...]

    @property
    def score_text(self) -> str:
        return figure_text(self.score, RATE_PLACES)

    @property
    def completeness_text(self) -> str:
        return rate_text(self.completeness)

    @property
    def indicators(self) -> tuple[IndicatorReport, ...]:
        return tuple(i for s in self.strategic_goals for p in s.policy_goals for i in p.indicators)


@dataclass(frozen=True)
class BureauReport:
    bureau_id: int
    name: str
    organization_name: str
    plan_year: int
    goal_list: tuple[str, ...]
    basic_direction: str
    budget_summary: SummaryTable
    headcount_total: Headcount
    departments: tuple[DepartmentReport, ...]


@dataclass(frozen=True)
class PerformanceReport:
    year: int
    title: str
    years: tuple[int, ...]  # the five year columns of every indicator table
    bureaus: tuple[BureauReport, ...]
    policy_version: int | None
    finalised_at: datetime | None  # set: every figure of the year comes from the frozen snapshot
    data_time: datetime | None  # when the figures were computed (or frozen)
    generated_at: datetime

    @property
    def finalised(self) -> bool:
        return self.finalised_at is not None

    @property
    def stale(self) -> bool:
        return any(d.stale_reason for b in self.bureaus for d in b.departments)

    @property
    def provisional(self) -> bool:
        return any(d.provisional for b in self.bureaus for d in b.departments)

    @property
    def basis(self) -> str:
        """One line saying what the figures are: frozen or live, the policy version, the data's time."""
        policy = f"평가 기준 v{self.policy_version}" if self.policy_version is not None else "평가 기준 없음"
        if self.finalised_at is not None:
            return f"{self.year}년 확정 결과 기준 · {policy} · 확정 시각 {_when(self.finalised_at)}"
        computed = f"점수 계산 시각 {_when(self.data_time)}" if self.data_time else "계산된 점수 없음"
        return f"{self.year}년 저장된 점수 기준(미확정) · {policy} · {computed}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "없음"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
