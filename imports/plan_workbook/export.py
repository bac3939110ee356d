"""The plan workbook's export: the whole plan on four sheets and a signed `_meta`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import User
from budgets.models import BudgetProgram, BudgetSummaryLine
from budgets.summary import change_rate, percent_of
from imports import workbook_layout as L
from imports.plan_workbook.layout import (
    BUDGET_SHEET,
    DOMAIN_COLUMNS,
    INDICATOR_SHEET,
    ORG_SHEET,
    P_NAME,
    PLAN_FIXED_HEADERS,
    PLAN_HEADER_ROW,
    PLAN_TEMPLATE_VERSION,
    PLAN_WIDTHS,
    PROGRAM_FIXED_HEADERS,
    PROGRAM_SHEET,
    PROGRAM_WIDTHS,
    amount_title,
    plan_fingerprint,
    program_amount_columns,
    require_plan_reader,
)
from imports.workbook_writing import cell, styles, text_cell
from kpis.domain import MAX_PLACES
from kpis.models import Department, Indicator
from kpis.scope import scoped
from kpis.services.plan import DOMAIN_FIELDS


@dataclass
class PlanExport:
    years: list[int]
    indicators: list[Indicator]
    file_name: str = "성과계획.xlsx"


def plan_workbook(*, user: User, out: IO[bytes]) -> PlanExport:
    require_plan_reader(user)
    # Only the organizations the user sees: an evaluator or admin of one government exports its plan alone.
    indicators = list(
        scoped(Indicator.objects.select_related("department", "department__bureau"), user)
        .prefetch_related("targets", "actuals")
        .order_by("department__bureau_id", "department__order", "department_id", "order", "id")
    )
    years = sorted({t.year for i in indicators for t in i.targets.all()} | {a.year for i in indicators for a in i.actuals.all()})
    export = PlanExport(years=years, indicators=indicators)
    now = timezone.now()
    wb = Workbook(write_only=True)
    for named in styles():
        wb.add_named_style(named)
    _org_sheet(wb.create_sheet(ORG_SHEET), user)
    _budget_sheet(wb.create_sheet(BUDGET_SHEET), user)
    _program_sheet(wb.create_sheet(PROGRAM_SHEET), user)
    rows = _indicator_sheet(wb.create_sheet(INDICATOR_SHEET), export)
    _meta_sheet(wb.create_sheet(L.META_SHEET), rows, years, user, now)
    wb.save(out)
    return export


def _header(ws, titles: list[str], widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([cell(ws, title, "kpi_header") for title in titles])


def _org_sheet(ws, user: User) -> None:
    _header(ws, ["실국", "부서", "팀", "정원 계", "4급이상", "5급", "6급이하", "현원"], [16, 16, 40, 8, 8, 8, 8, 8])
    departments = scoped(Department.objects.select_related("bureau"), user, "bureau__organization_id").prefetch_related(
        "teams"
    ).order_by("bureau__name", "order", "name")
    for department in departments:
        ws.append([
            text_cell(ws, department.bureau.name, "kpi_text"), text_cell(ws, department.name, "kpi_text"),
            text_cell(ws, ", ".join(team.name for team in department.teams.all()), "kpi_text"),
            *[cell(ws, value, "kpi_number") for value in (
                department.authorized_total, department.authorized_grade4_up, department.authorized_grade5,
                department.authorized_grade6_down, department.current_headcount,
            )],
        ])


def _budget_sheet(ws, user: User) -> None:
    _header(ws, ["실국", "부서", "구분", "예산액(백만원)", "전년도예산액(백만원)", "증감액", "증감률(%)", "구성비(%)"],
            [16, 16, 14, 14, 16, 12, 10, 10])
    lines = list(
        scoped(BudgetSummaryLine.objects.select_related("bureau", "department"), user, "bureau__organization_id")
        .order_by("bureau__name", "department__order", "order")
    )
    totals = {(line.bureau_id, line.department_id): line.amount for line in lines if line.category == "total"}
    for line in lines:
        total = totals.get((line.bureau_id, line.department_id))
        ws.append([
            text_cell(ws, line.bureau.name, "kpi_text"), text_cell(ws, line.department.name if line.department else "(실국 계)", "kpi_text"),
            text_cell(ws, line.label, "kpi_text"), cell(ws, line.amount, "kpi_number"), cell(ws, line.prior_amount, "kpi_number"),
            cell(ws, line.amount - line.prior_amount, "kpi_number"), cell(ws, change_rate(line.amount, line.prior_amount), "kpi_number"),
            cell(ws, percent_of(line.amount, total) if total is not None else None, "kpi_number"),
        ])


def _program_sheet(ws, user: User) -> None:
    programs = list(
        scoped(
            BudgetProgram.objects.select_related("unit_program__department", "unit_program__policy_goal"), user,
            "unit_program__department__bureau__organization_id",
        ).prefetch_related("amounts").order_by("unit_program__department__order", "unit_program__order", "order")
    )
    columns = program_amount_columns({(a.year, a.kind) for p in programs for a in p.amounts.all()})
    titles = PROGRAM_FIXED_HEADERS + [amount_title(year, kind) for year, kind in columns]
    _header(ws, titles, PROGRAM_WIDTHS + [12] * len(columns))
    for program in programs:
        unit = program.unit_program
        amounts = {(a.year, a.kind): a.amount for a in program.amounts.all()}
        ws.append([
            cell(ws, program.pk, "kpi_number"),
            text_cell(ws, unit.department.name, "kpi_text"), text_cell(ws, unit.policy_goal.title, "kpi_text"),
            text_cell(ws, unit.name, "kpi_text"), text_cell(ws, program.name, "kpi_text"), text_cell(ws, program.account, "kpi_text"),
            text_cell(ws, program.support_type, "kpi_text"), text_cell(ws, program.funding_text, "kpi_text"),
            text_cell(ws, program.implementing_body, "kpi_text"), text_cell(ws, program.period_text, "kpi_text"),
            *[cell(ws, amounts.get(column), "kpi_input" if column[1] == "settled" else "kpi_number") for column in columns],
        ])


def _indicator_sheet(ws, export: PlanExport) -> list[tuple]:
    years = export.years
    titles = list(PLAN_FIXED_HEADERS)
    for year in years:
        titles += [f"목표({year})", f"실적({year})"]
    _header(ws, titles, PLAN_WIDTHS + [11] * (2 * len(years)))
    ws.freeze_panes = L.cell_ref(P_NAME + 1, 2)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    meta = []
    for indicator in export.indicators:
        targets = {t.year: t.value for t in indicator.targets.all()}
        actuals = {a.year: a.value for a in indicator.actuals.all()}
        name = indicator.short_name or indicator.name
        cells = [
            cell(ws, indicator.pk, "kpi_text"), text_cell(ws, indicator.department.name, "kpi_text"),
            text_cell(ws, name, "kpi_text"), text_cell(ws, indicator.unit, "kpi_text"),
            text_cell(ws, indicator.get_kind_display(), "kpi_text"), text_cell(ws, indicator.get_direction_display(), "kpi_text"),
            cell(ws, indicator.weight, "kpi_input"), text_cell(ws, indicator.method_text, "kpi_note"),
            text_cell(ws, indicator.data_source, "kpi_text"),
            *(cell(ws, getattr(indicator, name), "kpi_input") for name in DOMAIN_FIELDS),
        ]
        for year in years:
            cells += [cell(ws, targets.get(year), "kpi_input"), cell(ws, actuals.get(year), "kpi_number")]
        ws.append(cells)
        meta.append((indicator.pk, L.row_key(indicator.pk, name), plan_fingerprint(indicator, targets, years), 0))
    _domain_validation(ws, len(export.indicators))
    return meta


def _domain_validation(ws, count: int) -> None:
    """Excel's own check of the places columns (a whole number 0-4); bounds may be any figure, or blank."""
    if not count:
        return
    places = DataValidation(
        type="whole", operator="between", formula1="0", formula2=str(MAX_PLACES), allow_blank=True,
        showErrorMessage=True, showInputMessage=True, errorTitle="소수 자릿수",
        error=f"0부터 {MAX_PLACES}까지의 정수를 입력하세요. 0이면 정수만 입력할 수 있습니다.",
        promptTitle="소수 자릿수", prompt=f"0~{MAX_PLACES} (0: 정수만)",
    )
    last = PLAN_HEADER_ROW + count
    for name in ("value_places", "input_places"):
        column = DOMAIN_COLUMNS[name]
        places.add(f"{L.cell_ref(column, PLAN_HEADER_ROW + 1)}:{L.cell_ref(column, last)}")
    ws.data_validations.append(places)  # a write-only sheet has no add_data_validation; it writes this list


def _meta_sheet(ws, rows: list[tuple], years: list[int], user: User, now) -> None:
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    header: dict[str, object] = {
        "template_version": PLAN_TEMPLATE_VERSION, "kind": L.KIND_PLAN, "department_id": "",
        "department_name": "", "year": "", "exported_at": now.isoformat(timespec="seconds"),
        "exported_by": getattr(user, "username", ""), "slot_count": "", "row_count": len(rows),
        "years": ",".join(str(year) for year in years),
    }
    header["signature"] = L.meta_signature(header, rows)
    for key in L.META_KEYS:
        value = header[key]
        ws.append([key, text_cell(ws, value, "kpi_text") if isinstance(value, str) else value])
    for _ in range(len(L.META_KEYS) + 1, L.META_TABLE_HEADER_ROW):
        ws.append([])
    ws.append([L.META_SEPARATOR.join(L.META_COLUMNS)])
    for row in rows:
        ws.append([L.meta_text(row)])

