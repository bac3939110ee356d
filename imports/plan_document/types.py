"""The parsed plan document: frozen dataclasses that keep every figure and its line number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from imports.cells import FundingShares


class PlanDocumentError(Exception):
    """The document does not have the expected shape; `.line` is 1-based (None: whole file)."""

    def __init__(self, message: str, *, line: int | None) -> None:
        self.line = line
        self.message = message
        super().__init__(f"{line}행: {message}" if line is not None else message)


@dataclass(frozen=True)
class PolicyGoalRow:
    """A row of '< 정책사업목표 현황 >'; `shifted` marks the row whose title slid one column right."""

    line: int
    title: str
    indicator_count: int | None
    unit_program_count: int | None
    budget_amount: Decimal | None
    shifted: bool = False


@dataclass(frozen=True)
class HeadcountRow:
    line: int
    name: str  # whitespace removed: the export breaks '외국인국제정책 과'
    printed_name: str
    total: int
    grade4_up: int
    grade5: int
    grade6_down: int
    current: int
    teams: tuple[str, ...]


@dataclass(frozen=True)
class HeadcountTable:
    line: int
    total: HeadcountRow | None  # the '계' row
    rows: tuple[HeadcountRow, ...]


@dataclass(frozen=True)
class BudgetLine:
    """A row of '예산현황'; the printed share/change/rate are kept as printed to reconcile them."""

    line: int
    label: str
    category: str
    amount: Decimal
    prior_amount: Decimal
    printed_share: str
    printed_prior_share: str
    printed_change: str
    printed_change_rate: str


@dataclass(frozen=True)
class BudgetTable:
    line: int
    lines: tuple[BudgetLine, ...]

    def get(self, category: str) -> BudgetLine:
        return next(line for line in self.lines if line.category == category)


@dataclass(frozen=True)
class TargetCell:
    year: int
    raw_text: str
    value: Decimal | None


@dataclass(frozen=True)
class ActualCell:
    """An actual as printed; a placeholder zero keeps its text but has no value and a reason."""

    year: int
    raw_text: str
    value: Decimal | None
    supplementary: Decimal | None
    placeholder_reason: str = ""

    @property
    def is_placeholder(self) -> bool:
        return bool(self.placeholder_reason)


@dataclass(frozen=True)
class IndicatorRow:
    line: int
    actual_line: int
    name: str  # as printed: '(대외협력과)자원봉사 활동률(%)'
    department_prefix: str
    short_name: str
    unit: str
    kind: str  # 'core' | 'general'
    weight: Decimal
    targets: tuple[TargetCell, ...]
    actuals: tuple[ActualCell, ...]
    method_text: str
    formula: str
    formula_variables: tuple[str, ...]
    data_source: str
    formula_error: str = ""  # why a text with operators is not a formula the evaluator accepts
    rationale: str = ""
    rationale_line: int | None = None
    rationale_title: str = ""
    rationale_match: str = ""  # 'name' | 'position' | '' (none found)
    bsc_linked: bool = False


@dataclass(frozen=True)
class RationaleEntry:
    line: int
    title: str
    text: str


@dataclass(frozen=True)
class Overview:
    """A '관련 예산사업 개요' block; fields absent from the block are listed in `missing_fields`."""

    line: int
    name: str
    content: str
    period_text: str
    period_start: date | None
    period_end: date | None
    support_type: str
    funding_text: str
    funding: FundingShares | None
    implementing_body: str
    missing_fields: tuple[str, ...]


@dataclass(frozen=True)
class ProgramAmount:
    year: int
    kind: str  # 'settled' ('결산') | 'budget' ('예산')
    label: str  # the column header as printed, e.g. "'25예산"
    amount: Decimal | None


@dataclass(frozen=True)
class BudgetProgramRow:
    line: int
    name: str
    amounts: tuple[ProgramAmount, ...]
    continuation_lines: tuple[int, ...] = ()  # lines whose text continued this row's name
    overview: Overview | None = None
    overview_match: str = ""  # 'name' | 'position' | '' (none)

    def amount(self, year: int) -> Decimal | None:
        return next((cell.amount for cell in self.amounts if cell.year == year), None)


@dataclass(frozen=True)
class UnitProgramBlock:
    line: int
    name: str
    purposes: tuple[str, ...]
    key_contents: tuple[str, ...]
    table_line: int
    row_name: str  # the name printed in the first row of the table
    account: str
    amounts: tuple[ProgramAmount, ...]
    declared_budget_program_count: int | None
    budget_programs: tuple[BudgetProgramRow, ...]
    overviews: tuple[Overview, ...]  # every block, in printed order
    unmatched_overviews: tuple[Overview, ...]

    def amount(self, year: int) -> Decimal | None:
        return next((cell.amount for cell in self.amounts if cell.year == year), None)


@dataclass(frozen=True)
class StrategicGoalBlock:
    line: int
    title: str
    department: str  # whitespace removed
    printed_department: str
    basic_direction: str
    policy_goals: tuple[PolicyGoalRow, ...]
    headcount: HeadcountTable
    budget: BudgetTable
    main_contents: tuple[str, ...]
    indicator_years: tuple[int, ...]
    indicators: tuple[IndicatorRow, ...]
    unmatched_rationales: tuple[RationaleEntry, ...]
    unit_programs: tuple[UnitProgramBlock, ...]


@dataclass(frozen=True)
class PlanDocument:
    source_name: str
    bureau_name: str
    bureau_line: int
    responsible_bureau: str
    goal_list: tuple[str, ...]
    goal_list_line: int
    basic_direction: str
    policy_goals: tuple[PolicyGoalRow, ...]
    headcount: HeadcountTable
    budget: BudgetTable
    strategic_goals: tuple[StrategicGoalBlock, ...]
    plan_year: int
    line_count: int
