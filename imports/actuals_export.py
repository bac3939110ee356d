"""What the actuals workbook shows: one row per indicator, loaded from the database a chunk at a time.

`imports.exporters` writes these rows into the workbook.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, FilteredRelation, Q

from accounts.models import User
from core.errors import InvalidInput, NotFound, PermissionRefused
from core.security import log_refusal
from kpis.domain import ValueDomain
from kpis.formulas import FormulaError, classify_method
from kpis.models import Actual, ActualStatus, Department, Indicator, IndicatorKind
from kpis.period_rules import PeriodRule, period_rule_for
from kpis.periods import department_period_counts
from kpis.scope import scoped
from kpis.scoring import official_value
from kpis.services.actuals import EDITABLE
from kpis.services.permissions import can_review, can_write_actuals_of
from kpis.services.plan import DOMAIN_FIELDS

DEPARTMENTS_PER_QUERY = 100  # rows are read a batch of departments at a time: memory does not grow with them


@dataclass
class PeriodCells:
    """One period's actual in a row of a workbook by period."""

    period: int
    status: str = ActualStatus.NOT_REPORTED
    version: int = 0
    input_values: dict[str, Any] = field(default_factory=dict)
    value: Decimal | None = None
    note: str = ""


def latest_note(periods: list[PeriodCells]) -> str:
    """The note a row by period shows (and an upload writes back to): the latest period holding a value's."""
    reported = [cells for cells in periods if cells.value is not None]
    return reported[-1].note if reported else ""


@dataclass
class ExportRow:
    indicator_id: int
    department_id: int
    department_name: str
    name: str
    unit: str
    kind: str
    weight: Decimal
    method_text: str
    target: Decimal | None
    previous: Decimal | None
    status: str
    version: int
    inputs: tuple[str, ...]
    input_values: dict[str, Any]
    value: Decimal | None
    note: str
    excel_formula: str | None  # without "=", over the row's own value cells; None: the value itself
    writable: bool = True  # may the exporting user write this department's actuals?
    display_places: int | None = None  # the indicator's decimals for its figures (Indicator.display_places)
    value_domain: ValueDomain = field(default_factory=ValueDomain)
    input_domain: ValueDomain = field(default_factory=ValueDomain)
    periods: list[PeriodCells] = field(default_factory=list)  # a year by period: each period's actual
    rule: PeriodRule = PeriodRule.SUM  # how the year value follows from the periods'

    @property
    def editable(self) -> bool:
        return self.writable and self.status in EDITABLE

    def period_editable(self, cells: PeriodCells) -> bool:
        return self.writable and cells.status in EDITABLE

    @property
    def status_label(self) -> str:
        return ActualStatus(self.status).label


@dataclass(frozen=True)
class ValueRule:
    """One value domain of the workbook's value cells, for its guide: how many indicators' cells take it, and
    their units (a formula's inputs take the indicator's input domain, a value typed directly its value domain)."""

    domain: ValueDomain
    indicator_count: int
    units: tuple[str, ...]


@dataclass
class ActualsExport:
    year: int
    department: Department | None  # None: every department
    rows: Iterable[ExportRow] = field(default_factory=list)  # a list, or a generator read once while writing
    row_count: int | None = None  # known ahead when `rows` is a generator
    max_inputs: int | None = None
    value_rules: list[ValueRule] = field(default_factory=list)
    period_count: int = 0  # the year reported by period (4 or 2) in the rows' organization, else 0

    @property
    def slot_count(self) -> int:
        if self.max_inputs is not None:
            return max(self.max_inputs, 1)
        return max([len(row.inputs) for row in self.rows] + [1])

    @property
    def count(self) -> int:
        return self.row_count if self.row_count is not None else len(self.rows)

    @property
    def file_name(self) -> str:
        who = self.department.name if self.department else "전체부서"
        return f"실적입력_{who}_{self.year}.xlsx"


def export_scope(*, user: User, department_id: int | None) -> Department | None:
    """Department users export their own department; evaluators and admins any of their organization(s), or all of
    them (None; `actuals_export_stream` keeps the rows to the user's scope). A department out of scope: NotFound."""
    if can_review(user):
        if department_id is None:
            return None
        department = scoped(Department.objects.all(), user, "bureau__organization_id").filter(pk=department_id).first()
        if department is None:
            raise NotFound("부서를 찾을 수 없습니다.")
        return department
    if not user.is_authenticated or user.department_id is None:
        raise PermissionRefused("실적 파일을 내려받을 권한이 없습니다.")
    if department_id is not None and department_id != user.department_id:
        log_refusal(user, "actuals_export", f"department={department_id}")
        raise PermissionRefused("다른 부서의 실적 파일은 내려받을 수 없습니다.")
    return Department.objects.get(pk=user.department_id)


def actuals_export_stream(*, year: int, department: Department | None, user: User | None = None) -> ActualsExport:
    """The export with rows streamed while the workbook is written.

    Two queries up front (the largest number of formula inputs, and the departments with their indicator
    count), then one query per DEPARTMENTS_PER_QUERY departments: each indicator joined to its department,
    its target of the year and its actuals of the year and the year before. Cells are editable only where
    `user` (None: a management command) may write.
    """
    indicators = Indicator.objects.all() if user is None else scoped(Indicator.objects.all(), user)
    if department is not None:
        indicators = indicators.filter(department=department)
    kinds = list(
        indicators.order_by().values_list("formula_variables", "unit", *DOMAIN_FIELDS).annotate(count=Count("id"))
    )
    max_inputs = max([len(variables or ()) for variables, *_ in kinds] + [1])
    departments = list(
        Department.objects.filter(pk__in=indicators.values("department_id"))
        .order_by("bureau_id", "order", "id").values_list("id", flat=True)
    )
    count = _period_count(departments, year)
    return ActualsExport(
        year=year, department=department, rows=_export_rows(departments, year, user, count),
        row_count=indicators.count(), max_inputs=max_inputs, value_rules=value_rules(kinds), period_count=count,
    )


def _period_count(departments: list[int], year: int) -> int:
    """The one period count of the departments' year; one workbook cannot mix years by period and by year."""
    counts = set(department_period_counts(department_ids=departments, year=year).values())
    if len(counts) > 1:
        message = (f"{year}년 실적을 기간별로 받는 기관과 연간으로 받는 기관이 섞여 있어 한 파일로 내려받을 수 "
                   "없습니다. 부서를 골라 내려받으세요.")
        raise InvalidInput({"department": [message]})
    return counts.pop() if counts else 0


def value_rules(kinds: Iterable[tuple]) -> list[ValueRule]:
    """The rules of the value cells, from (formula variables, unit, the six domain fields, indicator count)."""
    counts: dict[ValueDomain, int] = {}
    units: dict[ValueDomain, set[str]] = {}
    for variables, unit, value_min, value_max, value_places, input_min, input_max, input_places, count in kinds:
        domain = (ValueDomain(input_min, input_max, input_places) if variables
                  else ValueDomain(value_min, value_max, value_places))
        counts[domain] = counts.get(domain, 0) + count
        units.setdefault(domain, set()).add(unit or "")
    return sorted(
        (ValueRule(domain, counts[domain], tuple(sorted(units[domain]))) for domain in counts),
        key=lambda rule: (-rule.indicator_count, rule.domain.describe()),
    )


def _export_rows(departments: list[int], year: int, user: User | None, period_count: int = 0) -> Iterator[ExportRow]:
    kinds = dict(IndicatorKind.choices)
    excel_formulas: dict[str, str | None] = {}  # formula text → its Excel text, worked out once per export
    for start in range(0, len(departments), DEPARTMENTS_PER_QUERY):
        batch = departments[start : start + DEPARTMENTS_PER_QUERY]
        writable = {pk: user is None or can_write_actuals_of(user, pk) for pk in batch}
        rows = (
            Indicator.objects.filter(department_id__in=batch).annotate(
                target=FilteredRelation("targets", condition=Q(targets__year=year)),
                current=FilteredRelation("actuals", condition=Q(actuals__year=year, actuals__period=0)),
                last_year=FilteredRelation("actuals", condition=Q(actuals__year=year - 1, actuals__period=0)),
            )
            .order_by("department__bureau_id", "department__order", "department_id", "order", "id")
            .values_list(
                "id", "department_id", "department__name", "short_name", "name", "unit", "kind", "weight",
                "method_text", "formula", "formula_variables", "target__value", "current__value", "current__inputs",
                "current__note", "current__status", "current__version", "last_year__value", "last_year__status",
                "value_min", "value_max", "value_places", "input_min", "input_max", "input_places", "display_places",
                "period_rule",
            )
        )
        periods = _period_cells(batch, year) if period_count else {}
        for (pk, department_id, department_name, short_name, name, unit, kind, weight, method_text, formula,
             variables, target, value, inputs, note, status, version, previous, previous_status,
             value_min, value_max, value_places, input_min, input_max, input_places, display_places,
             period_rule) in rows:
            names = tuple(variables or ())
            text = formula or method_text
            if names and text not in excel_formulas:
                excel_formulas[text] = _excel_formula(text, names)
            reported = status is not None
            cells = [periods.get((pk, number), PeriodCells(number)) for number in range(1, period_count + 1)]
            if cells:
                note = latest_note(cells)
            yield ExportRow(
                indicator_id=pk, department_id=department_id, department_name=department_name,
                name=short_name or name, unit=unit, kind=kinds.get(kind, kind), weight=weight,
                method_text=method_text, target=target,
                previous=official_value(previous_status, previous),
                status=status if reported else ActualStatus.NOT_REPORTED, version=version if reported else 0,
                inputs=names, input_values=dict(inputs or {}) if reported else {}, value=value if reported else None,
                note=(note or "") if reported else "", excel_formula=excel_formulas.get(text) if names else None,
                writable=writable[department_id],
                value_domain=ValueDomain(value_min, value_max, value_places),
                input_domain=ValueDomain(input_min, input_max, input_places), display_places=display_places,
                periods=cells,
                rule=period_rule_for(period_rule, unit),
            )


def _period_cells(departments: list[int], year: int) -> dict[tuple[int, int], PeriodCells]:
    """(indicator id, period) → the period's actual, for the indicators of these departments; one query."""
    rows = Actual.all_periods.filter(indicator__department_id__in=departments, year=year, period__gt=0).values_list(
        "indicator_id", "period", "status", "version", "inputs", "value", "note",
    )
    return {
        (pk, period): PeriodCells(period, status, version, dict(inputs or {}), value, note or "")
        for pk, period, status, version, inputs, value, note in rows
    }


def _excel_formula(text: str, inputs: tuple[str, ...]) -> str | None:
    """The Excel text of a formula; placeholder refs {0}, {1} … are replaced per row by the row's value cells."""
    try:
        formula = classify_method(text).formula
    except FormulaError:
        return None
    if formula is None:
        return None
    try:
        return formula.to_excel({name: f"{{{index}}}" for index, name in enumerate(inputs)})
    except ValueError:
        return None
