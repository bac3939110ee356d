"""What the actuals workbook tells its user about values: each value cell's data validation and the guide.

Both come from the indicators' domains (kpis/domain.py), in the domain's own words (`describe()`), so that
Excel's check, the guide sheet, the upload, the web form and the API state one rule. The exporter gathers
the value cells of each domain while it streams the rows (`ValidationRanges`) and writes the rules, by
openpyxl, in place of its skeleton's placeholder (`with_validations`).
"""
from __future__ import annotations

import re
from decimal import Decimal

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.xml.functions import tostring

from core.korean import with_josa
from imports import workbook_layout as L
from imports.actuals_export import ValueRule
from kpis.domain import MAGNITUDE_LIMIT, NOTE_MAX_LENGTH, ValueDomain
from kpis.period_rules import frequency_label

_VALIDATIONS = re.compile(rb"<dataValidations\b.*?</dataValidations>", re.DOTALL)
# A domain without bounds still gets Excel's check that the cell holds a figure: the magnitude a value may have.
OPEN_BOUND = MAGNITUDE_LIMIT - 1


def value_validation(domain: ValueDomain) -> DataValidation:
    """Excel's check of the value cells of one domain, with the domain's own words as prompt and error."""
    lower = domain.minimum if domain.minimum is not None else (None if domain.maximum is not None else -OPEN_BOUND)
    upper = domain.maximum if domain.maximum is not None else (None if domain.minimum is not None else OPEN_BOUND)
    if lower is not None and upper is not None:
        operator, formulas = "between", {"formula1": _figure(lower), "formula2": _figure(upper)}
    elif lower is not None:
        operator, formulas = "greaterThanOrEqual", {"formula1": _figure(lower)}
    else:
        operator, formulas = "lessThanOrEqual", {"formula1": _figure(upper)}
    rule = domain.describe()
    return DataValidation(
        type="whole" if domain.whole else "decimal", operator=operator, **formulas, allow_blank=True,
        showErrorMessage=True, showInputMessage=True, errorTitle="입력할 수 없는 값",
        error=f"이 칸에는 {with_josa(rule, '을/를')} 입력하세요. 1,234처럼 쉼표는 써도 되지만 단위(회, 명)는 쓰지 마세요.",
        promptTitle="입력 규칙", prompt=rule,
    )


class ValidationRanges:
    """The value cells of each domain as runs of rows per column, gathered while the rows are streamed."""

    def __init__(self) -> None:
        self.runs: dict[ValueDomain, dict[int, list[list[int]]]] = {}

    def add(self, domain: ValueDomain, column: int, row: int) -> None:
        runs = self.runs.setdefault(domain, {}).setdefault(column, [])
        if runs and runs[-1][1] == row - 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])

    def validations(self, *, note_column: int, last_row: int) -> list[tuple[DataValidation, str]]:
        """(rule, cells): one rule per domain over all its cells, and the note's length over the note column."""
        rules = []
        for domain, columns in self.runs.items():
            refs = []
            for column, runs in sorted(columns.items()):
                letter = get_column_letter(column)
                refs += [f"{letter}{start}" if start == end else f"{letter}{start}:{letter}{end}" for start, end in runs]
            rules.append((value_validation(domain), " ".join(refs)))
        if last_row >= L.FIRST_DATA_ROW:
            note = DataValidation(
                type="textLength", operator="lessThanOrEqual", formula1=str(NOTE_MAX_LENGTH), allow_blank=True,
                showErrorMessage=True, errorTitle="비고", error=f"비고는 {NOTE_MAX_LENGTH:,}자까지 입력할 수 있습니다.",
            )
            rules.append((note, f"{L.cell_ref(note_column, L.FIRST_DATA_ROW)}:{L.cell_ref(note_column, last_row)}"))
        return rules


def with_validations(tail: bytes, rules: list[tuple[DataValidation, str]]) -> bytes:
    """The sheet's end with the cells' rules (written by openpyxl) in place of the skeleton's placeholder.

    The cells are set on the written elements as text: openpyxl would parse thousands of ranges into objects
    only to print them again (a tenth of a second for 10,000 rows of mixed domains)."""
    xml = b""
    if rules:
        for rule, _ in rules:
            rule.sqref = "A1"  # written only if it has cells; replaced below
        tree = DataValidationList(dataValidation=[rule for rule, _ in rules]).to_tree()
        for element, (_, cells) in zip(tree, rules, strict=True):
            element.set("sqref", cells)
        xml = tostring(tree)
    replaced, count = _VALIDATIONS.subn(lambda _: xml, tail, count=1)
    assert count == 1, "the skeleton has no data validations"
    return replaced


def help_lines(rules: list[ValueRule], period_count: int = 0) -> list[tuple[str, bool]]:
    """The guide sheet (안내): how to fill the workbook, the value rules its cells take, what the upload does."""
    unit = frequency_label(period_count)
    by_period = [
        (f"   이 연도는 {unit}별로 입력합니다: {unit}마다 값 칸이 있고, 연간 실적 칸은 지표의 집계 방식", False),
        (f"   (합계·마지막 누적값·평균)으로 {unit} 실적에서 계산됩니다. 연간 실적은 직접 입력하지 않습니다.", False),
        (f"   비고는 값이 들어 있는 마지막 {unit}의 비고로 저장됩니다.", False),
    ] if period_count else []
    negative = any(rule.domain.minimum is None or rule.domain.minimum < 0 for rule in rules)
    stated = [
        (f"   · {rule.domain.describe()}: 지표 {rule.indicator_count:,}개 (단위: {', '.join(u or '없음' for u in rule.units)})",
         False)
        for rule in rules
    ]
    return [
        ("성과지표 실적 입력 파일 안내", True),
        ("", False),
        ("1. '실적입력' 시트의 노란 칸(값, 비고)만 입력하세요. 회색 칸은 잠겨 있어 고칠 수 없습니다.", False),
        ("2. 산식이 있는 지표는 산식의 항목(예: 활동인원, 인구)마다 값을 넣으면 '실적(계산값)' 칸에 결과가 계산됩니다.", False),
        ("   산식이 없는 지표는 '실적' 항목의 값 칸에 실적을 그대로 넣으세요.", False),
        *by_period,
        ("3. 값 칸에 넣을 수 있는 값은 지표마다 정해져 있습니다 (값 칸을 고르면 그 칸의 규칙이 보입니다):", False),
        *stated,
        ("   1,234처럼 쉼표를 써도 됩니다. 단위(회, 명)는 쓰지 마세요."
         + (" 음수는 -5 또는 △5처럼 씁니다." if negative else ""), False),
        ("   12%처럼 %를 붙이면 12로 읽습니다. 수식을 넣으면 엑셀이 저장한 계산 결과를 씁니다.", False),
        (f"   비고는 {NOTE_MAX_LENGTH:,}자까지 입력할 수 있습니다. 웹 화면과 API도 같은 규칙으로 받습니다.", False),
        ("4. 행의 순서는 바꿔도 되지만, 행을 복사해 같은 지표를 두 번 넣거나 지표ID를 고치면 올릴 수 없습니다.", False),
        ("   행을 지우면 그 지표는 반영하지 않습니다. 셀을 병합하지 마세요.", False),
        ("5. 파일을 올리면 먼저 미리보기(현재 값 → 새 값)가 나옵니다. 확인을 눌러야 저장됩니다.", False),
        ("   같은 파일을 두 번 올려도 바뀐 값이 없으면 아무것도 저장하지 않습니다.", False),
        ("6. 내려받은 뒤 다른 사람이 실적을 저장했거나, 목표·가중치·산식이 바뀐 지표는 미리보기에 표시됩니다.", False),
        ("   다른 사람이 저장한 실적은 덮어쓰지 않습니다. 새로 내려받아 다시 입력하세요.", False),
        ("7. 오류가 있으면 '오류 표시 파일'을 내려받아 빨간 칸의 메모를 보고 고친 뒤 다시 올리세요.", False),
        ("8. '_meta' 시트는 숨겨진 확인용 시트입니다. 지우거나 고치지 마세요.", False),
        (f"9. 빈 행이 있어도 그 아래 행까지 모두 읽습니다. {L.DATA_ROW_LIMIT:,}행 아래에는 아무것도 넣지 마세요.", False),
    ]


def _figure(value: Decimal) -> str:
    return format(value.normalize(), "f")
