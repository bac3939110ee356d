"""Formatted xlsx exports of the scoreboard and a department's drill-down (openpyxl).

Every text cell goes through ``put``: text beginning with = + - @ (or a tab / carriage return)
is stored as a string cell with Excel's quote prefix, so it is shown as typed and never
evaluated as a formula, not even after a user edits the cell.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.numbers import figure_number_format, format_number
from kpis.score_selectors import BureauLine, DrilldownPage, ScoreboardRow
from kpis.score_selectors.shared import Frozen

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SCORE_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
VALUE_FORMAT = "#,##0.0###"
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="C8CFD9")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def put(ws: Worksheet, row: int, column: int, value: object, number_format: str | None = None) -> Cell:
    """Write one cell; text is never a formula, numbers get a format, datetimes lose their tz."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, float):
        raise TypeError("exports take Decimal values, not float")
    else:
        cell.value = value
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            cell.number_format = number_format or (
                INTEGER_FORMAT if Decimal(value) == Decimal(value).to_integral_value() else VALUE_FORMAT
            )
    cell.border = BOX
    return cell


def _title(ws: Worksheet, title: str, note: str) -> None:
    put(ws, 1, 1, title).font = TITLE_FONT
    ws.cell(row=1, column=1).border = Border()
    put(ws, 2, 1, note).font = Font(color="7A8494", size=9)
    ws.cell(row=2, column=1).border = Border()


def _header(ws: Worksheet, row: int, headers: Sequence[tuple[str, int]], freeze_columns: int = 0) -> None:
    for column, (text, width) in enumerate(headers, start=1):
        cell = put(ws, row, column, text)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=freeze_columns + 1)
    ws.auto_filter.ref = f"A{row}:{get_column_letter(len(headers))}{row}"


def _print_setup(ws: Worksheet, header_row: int, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def _bytes(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


PROVISIONAL = "잠정"
SCOREBOARD_HEADERS = [
    ("순위", 6), ("실국", 18), ("부서", 20), ("점수", 9), ("잠정", 6), ("등급", 6), ("완결성(%)", 10), ("지표 수", 7),
    ("미보고", 7), ("작성 중", 7), ("제출", 7), ("승인", 7), ("반려", 7), ("느슨한 목표", 9),
    ("상태", 12), ("확정 점수", 9), ("확정 등급", 7), ("확정 순위", 7), ("독려 발송", 17), ("독려 수신자", 30),
    ("산정 불가 사유", 40),
]


def _frozen_score(frozen: Frozen | None) -> Decimal | str | None:
    """The finalised score; as text with its label when it was provisional (잠정)."""
    if frozen is None or frozen.score is None or not frozen.provisional:
        return None if frozen is None else frozen.score
    return f"{frozen.score:f} ({PROVISIONAL})"


def scoreboard_workbook(
    *, year: int, rows: Sequence[ScoreboardRow], rollups: Sequence[BureauLine], overall: BureauLine,
    filters: str = "",
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "점수표"
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    note = f"{generated} 작성 · 저장된 점수 기준 · 순위는 그 해 점수가 있는 모든 부서 중의 순위"
    if any(row.provisional for row in rows):
        note += " · 잠정: 승인 전 제출된 실적이 들어 있는 점수"
    _title(ws, f"{year}년 부서별 성과 점수", note + (f" · {filters}" if filters else ""))
    header_row = 4
    _header(ws, header_row, SCOREBOARD_HEADERS, freeze_columns=3)
    for index, row in enumerate(rows, start=header_row + 1):
        frozen = row.frozen
        values = [
            row.rank, row.bureau_name, row.name, row.score, PROVISIONAL if row.provisional else "", row.grade,
            row.completeness, row.indicator_count,
            row.counts.not_reported, row.counts.draft, row.counts.submitted, row.counts.approved,
            row.counts.returned, row.weak_count, row.stale_reason or "최신",
            _frozen_score(frozen), frozen.grade if frozen else "", frozen.rank if frozen else None,
            row.reminder.sent_at if row.reminder else None,
            ", ".join(row.reminder.recipients) if row.reminder else "", row.reason,
        ]
        for column, value in enumerate(values, start=1):
            number_format = SCORE_FORMAT if column in (4, 7, 16) else None
            put(ws, index, column, value, number_format)
    _print_setup(ws, header_row)

    summary = wb.create_sheet("실국 요약")
    _title(summary, f"{year}년 실국별 점수", "부서 평균 = 부서 점수의 단순 평균 · 가중 평균 = Σ(점수 × 반영 가중치) / Σ반영 가중치")
    _header(summary, 4, [("실국", 24), ("부서 수", 8), ("점수 있는 부서", 10), ("부서 평균", 10), ("가중 평균", 10)], 1)
    for index, line in enumerate([overall, *rollups], start=5):
        values = [line.name, line.rollup.department_count, line.rollup.evaluable_count,
                  line.rollup.by_department, line.rollup.by_weight]
        for column, value in enumerate(values, start=1):
            put(summary, index, column, value, SCORE_FORMAT if column >= 4 else None)
        if line.bureau_id is None:
            for column in range(1, 6):
                summary.cell(row=index, column=column).font = HEAD_FONT
    _print_setup(summary, 4, landscape=False)
    return _bytes(wb)


INDICATOR_HEADERS = [
    ("성과지표", 34), ("유형", 6), ("단위", 6), ("가중치", 7), ("목표", 12), ("실적", 12), ("보조 실적", 10),
    ("상태", 8), ("달성률(%)", 10), ("상한·하한 적용 전(%)", 12), ("반영 가중치(%)", 10), ("점수 기여", 9),
    ("확정 달성률(%)", 10), ("산정 내역", 60), ("느슨한 목표", 50),
]

FIGURE_COLUMNS = (5, 6, 7)  # 목표, 실적, 보조 실적


def drilldown_workbook(page: DrilldownPage) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "지표별 점수"
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    _title(ws, f"{page.year}년 {page.name} 성과 점수", f"{page.bureau_name} · {generated} 작성")
    facts = [
        ("점수", page.score, SCORE_FORMAT), ("등급", page.grade, None), ("완결성(%)", page.completeness, SCORE_FORMAT),
        ("상태", page.stale_reason or "최신", None),
        ("확정 점수", _frozen_score(page.frozen), SCORE_FORMAT),
        ("잠정", PROVISIONAL if page.provisional else "아님", None),
    ]
    for column, (label, value, number_format) in enumerate(facts, start=1):
        put(ws, 3, column * 2 - 1, label).font = HEAD_FONT
        put(ws, 3, column * 2, value, number_format)
    header_row = 5
    _header(ws, header_row, INDICATOR_HEADERS, freeze_columns=1)
    for index, line in enumerate(page.indicators, start=header_row + 1):
        values = [
            line.name, line.kind, line.unit, line.weight, line.target, line.actual, line.supplementary,
            f"{line.status_label} ({PROVISIONAL})" if line.provisional else line.status_label, line.rate,
            line.raw_rate, line.effective_weight, line.contribution,
            line.frozen_rate, line.working or line.reason, "\n".join(flag.message for flag in line.weak),
        ]
        for column, value in enumerate(values, start=1):
            if column in FIGURE_COLUMNS:  # the number as is, shown with the indicator's decimals
                number_format = figure_number_format(value, line.display_places)
            else:
                number_format = SCORE_FORMAT if column in (9, 10, 12, 13) else None
            cell = put(ws, index, column, value, number_format)
            if column in (14, 15):
                cell.alignment = WRAP
    total_row = header_row + len(page.indicators) + 1
    put(ws, total_row, 1, "합계").font = HEAD_FONT
    put(ws, total_row, 12, page.score, SCORE_FORMAT).font = HEAD_FONT
    _print_setup(ws, header_row)

    trend = wb.create_sheet("연도별 추이")
    years = sorted({y for line in page.indicators for y in line.years})
    _title(trend, f"{page.name} 연도별 목표와 실적", "실적이 보고되지 않은 해는 비워 둡니다")
    _header(trend, 4, [("성과지표", 34), ("구분", 6), *[(f"{y}", 12) for y in years]], 2)
    row_number = 5
    for line in page.indicators:
        targets = dict(zip(line.years, line.targets, strict=True))
        actuals = dict(zip(line.years, line.actuals, strict=True))
        for label, series in (("목표", targets), ("실적", actuals)):
            put(trend, row_number, 1, line.name)
            put(trend, row_number, 2, label)
            for column, y in enumerate(years, start=3):
                value = series.get(y)
                put(trend, row_number, column, value, figure_number_format(value, line.display_places))
            row_number += 1
    _print_setup(trend, 4)

    budget = wb.create_sheet("예산과 성과")
    _title(budget, f"{page.name} 정책사업목표별 예산과 성과", "금액 단위: 백만원 · 단위사업 금액의 합")
    budget_headers = [("정책사업목표", 40)]
    first = next((goal for goal in page.goals if goal.amounts), None)
    amount_labels = [a.label for a in first.amounts] if first else []
    plan_labels = [a.label for a in first.plan_amounts] if first else []
    budget_headers += [(label, 11) for label in amount_labels] + ([("증감", 10), ("증감률(%)", 9)] if first else [])
    budget_headers += [(label, 11) for label in plan_labels] + ([("증감", 10), ("증감률(%)", 9)] if plan_labels else [])
    budget_headers += [(f"계획서 예산액({page.plan_year})", 12), ("가중 평균 달성률(%)", 12), ("점수 기여", 9), ("지표별 달성률", 50)]
    _header(budget, 4, budget_headers, 1)
    for index, goal in enumerate(page.goals, start=5):
        values: list[object] = [goal.title]
        if first:
            values += [a.amount for a in goal.amounts] or [None] * len(amount_labels)
            values += [goal.change, goal.change_rate]
        if plan_labels:
            values += [a.amount for a in goal.plan_amounts] or [None] * len(plan_labels)
            values += [goal.plan_change, goal.plan_change_rate]
        values += [
            goal.printed_budget, goal.weighted_rate, goal.contribution,
            "\n".join(f"{line.name}: {'—' if line.rate is None else format_number(line.rate, 2) + '%'}"
                      for line in goal.indicators),
        ]
        for column, value in enumerate(values, start=1):
            cell = put(budget, index, column, value)
            if column == len(values):
                cell.alignment = WRAP
    _print_setup(budget, 4)
    return _bytes(wb)
