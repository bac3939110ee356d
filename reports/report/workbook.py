"""The report as an xlsx workbook: the page's tables, one sheet each, numbers as numbers.

Written with the project's workbook helpers (imports.workbook_writing: named styles, text cells that never run
as formulas) and core.numbers.figure_number_format, so a cell shows the figure the page prints.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.numbers import figure_number_format
from imports.workbook_writing import cell, styles, text_cell
from reports.report.data import RATE_PLACES, BureauReport, DepartmentReport, PerformanceReport, PolicyGoalReport

OVERVIEW = "개요"
INDICATORS = "성과지표"
ENTRIES = "미달성 사유·개선계획"
BUDGET = "예산·집행"
ROW_KINDS = ("목표", "실적", "달성률(%)")
HEADER_ROW = 4  # below the title, the basis line and a blank row


def _number(ws, value: Decimal | None, places: int | None = None):
    """A numeric cell formatted as the page prints it (an empty text cell where there is no figure)."""
    if value is None:
        return text_cell(ws, "", "kpi_text")
    written = cell(ws, value, "kpi_number")
    written.number_format = figure_number_format(value, places)
    return written


def _texts(ws, *values: str):
    return [text_cell(ws, value, "kpi_text") for value in values]


def _head(ws, report: PerformanceReport, title: str, headers: list[tuple[str, int]]) -> None:
    for index, (_, width) in enumerate(headers, start=1):  # write-only sheets take widths before any row
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"  # the header on every printed page, as in the PDF
    ws.append([text_cell(ws, f"{report.title} · {title}")])
    ws.append([text_cell(ws, report.basis)])
    ws.append([])
    ws.append([text_cell(ws, text, "kpi_header") for text, _ in headers])


def _departments(report: PerformanceReport) -> Iterator[tuple[BureauReport, DepartmentReport]]:
    for bureau in report.bureaus:
        for department in bureau.departments:
            yield bureau, department


def _goals(report: PerformanceReport) -> Iterator[tuple[BureauReport, DepartmentReport, str, PolicyGoalReport]]:
    for bureau, department in _departments(report):
        for strategic in department.strategic_goals:
            for goal in strategic.policy_goals:
                yield bureau, department, strategic.title, goal


def report_workbook(report: PerformanceReport) -> bytes:
    """The workbook of `report`: overview, indicator tables, reasons and plans, budget and execution."""
    wb = Workbook(write_only=True)
    for named in styles():
        wb.add_named_style(named)

    ws = wb.create_sheet(OVERVIEW)
    _head(ws, report, "부서별 점수", [("실국", 18), ("부서", 18), ("정원", 7), ("현원", 7), ("점수", 9), ("등급", 6),
                                  ("완결성(%)", 10), ("잠정", 6), ("비고", 40)])
    for bureau, d in _departments(report):
        ws.append([
            *_texts(ws, bureau.name, d.name), _number(ws, Decimal(d.headcount.authorized_total)),
            _number(ws, Decimal(d.headcount.current)), _number(ws, d.score, RATE_PLACES), *_texts(ws, d.grade),
            _number(ws, d.completeness, RATE_PLACES),
            *_texts(ws, "잠정" if d.provisional else "", " ".join(t for t in (d.stale_reason, d.reason) if t)),
        ])

    ws = wb.create_sheet(INDICATORS)
    _head(ws, report, "성과지표별 목표·실적·달성률", [
        ("실국", 14), ("부서", 14), ("전략목표", 24), ("정책사업목표", 28), ("성과지표", 30), ("단위", 6), ("가중치", 7),
        ("구분", 9), *[(str(year), 12) for year in report.years], (f"{report.year}년 산정 내역", 50),
    ])
    for bureau, d, strategic, goal in _goals(report):
        for i in goal.indicators:
            for kind in ROW_KINDS:
                if kind == "목표":
                    values = [_number(ws, c.target, i.display_places) for c in i.years]
                elif kind == "실적":
                    values = [_number(ws, c.actual, i.display_places) for c in i.years]
                else:
                    values = [_number(ws, c.rate, RATE_PLACES) for c in i.years]
                working = i.working_text if kind == "달성률(%)" else ""
                ws.append([
                    *_texts(ws, bureau.name, d.name, strategic, goal.title, i.name, i.unit),
                    _number(ws, i.weight), *_texts(ws, kind), *values, *_texts(ws, working),
                ])

    ws = wb.create_sheet(ENTRIES)
    _head(ws, report, "미달성 사유와 개선계획", [
        ("실국", 14), ("부서", 14), ("성과지표", 30), ("달성률(%)", 10), ("미달성 사유", 40), ("향후 개선계획", 40),
        ("성과 분석", 40), ("상태", 8),
    ])
    for bureau, d, _, goal in _goals(report):
        for i in goal.indicators:
            entry = i.entry
            reason = entry.shortfall_reason if entry and entry.shortfall_reason else ("미작성" if i.falls_short else "")
            ws.append([
                *_texts(ws, bureau.name, d.name, i.name), _number(ws, i.rate, RATE_PLACES),
                *_texts(ws, reason, entry.improvement_plan if entry else "", entry.analysis if entry else "",
                        entry.status_label if entry else "미작성"),
            ])

    ws = wb.create_sheet(BUDGET)
    _head(ws, report, f"{report.year}년 예산과 집행 (단위: 백만원)", [
        ("실국", 14), ("부서", 14), ("정책사업목표", 30), ("단위사업", 30), ("예산", 12), ("결산", 12), ("집행률(%)", 10),
        ("비고", 30),
    ])
    for bureau, d, _, goal in _goals(report):
        lines = [*goal.budget_lines, *([goal.budget_total] if goal.budget_total else [])]
        for line in lines:
            name = "계" if line is goal.budget_total else line.name
            ws.append([
                *_texts(ws, bureau.name, d.name, goal.title, name), _number(ws, line.budget),
                _number(ws, line.settled), _number(ws, line.rate, RATE_PLACES), *_texts(ws, line.reason),
            ])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
