"""A neutral snapshot of a plan edition (per indicator what the plan diff compares), and the rename mapping."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from core.korean import with_josa
from core.numbers import quoted
from imports.cells import normalize_label
from imports.plan_document import IndicatorRow, PlanDocument

MAPPING_COLUMNS = ("이전 지표명", "새 지표명", "부서명")


@dataclass(frozen=True)
class IndicatorSnapshot:
    """One indicator of an edition; `direction` None: the source does not say (a plan document never does)."""

    department: str
    name: str  # as printed: '(대외협력과)자원봉사 활동률(%)'
    short_name: str
    unit: str
    weight: Decimal
    method_text: str
    formula: str
    direction: str | None
    targets: tuple[tuple[int, Decimal | None], ...]
    last_actual: tuple[int, Decimal] | None  # the latest reported actual: (year, value)
    places: int | None = None  # the indicator's display decimals, when the database knows them
    # The database's link to last edition's indicator (Indicator.previous), as that indicator's (department, name);
    # a document knows none: its renames come from the mapping file.
    previous: tuple[str, str] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return normalize_label(self.department), normalize_label(self.name)

    @property
    def target_by_year(self) -> dict[int, Decimal | None]:
        return dict(self.targets)


@dataclass(frozen=True)
class EditionSnapshot:
    title: str  # '대외국제소통국 2025년'
    plan_year: int
    indicators: tuple[IndicatorSnapshot, ...]


@dataclass(frozen=True)
class Rename:
    """A row of the mapping file: the indicator `old_name` of `department` is called `new_name` now."""

    department: str
    old_name: str
    new_name: str
    line: int = 0


class MappingError(ValueError):
    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"대응표 {line}행: {message}" if line else f"대응표: {message}")


def snapshot_from_document(doc: PlanDocument) -> EditionSnapshot:
    """The parsed plan document (imports.plan_document) as an edition snapshot."""
    return EditionSnapshot(
        title=f"{doc.bureau_name} {doc.plan_year}년",
        plan_year=doc.plan_year,
        indicators=tuple(_from_row(block.department, row) for block in doc.strategic_goals for row in block.indicators),
    )


def _from_row(department: str, row: IndicatorRow) -> IndicatorSnapshot:
    # Placeholders (a zero standing for 'not reported yet') were given no value by the parser.
    reported = [(cell.year, cell.value) for cell in row.actuals if cell.value is not None]
    return IndicatorSnapshot(
        department=department,
        name=row.name,
        short_name=row.short_name,
        unit=row.unit,
        weight=row.weight,
        method_text=row.method_text,
        formula=row.formula,
        direction=None,
        targets=tuple((cell.year, cell.value) for cell in row.targets),
        last_actual=max(reported) if reported else None,
    )


def read_mapping(text: str) -> tuple[Rename, ...]:
    """The CSV `이전 지표명,새 지표명,부서명` (a header row, then one rename a row; names as printed or short)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows:
        raise MappingError("비어 있습니다")
    header = tuple(normalize_label(cell) for cell in rows[0])
    expected = tuple(normalize_label(cell) for cell in MAPPING_COLUMNS)
    if header[:3] != expected:
        raise MappingError(f"첫 행은 {','.join(MAPPING_COLUMNS)}이어야 하는데 {with_josa(quoted(','.join(rows[0])), '이/가')} 있습니다", line=1)
    renames = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + [""] * 3
        old, new, department = cells[:3]
        if not (old and new and department):
            raise MappingError("이전 지표명, 새 지표명, 부서명이 모두 있어야 합니다", line=number)
        renames.append(Rename(department=department, old_name=old, new_name=new, line=number))
    return tuple(renames)
