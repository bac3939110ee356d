"""The plan workbook: the whole plan on four sheets; admins upload it back to change indicators.

Sheets 조직, 예산현황 and 세부사업 are for reading. On 성과지표 an admin may change 가중치,
측정산식 and the 목표 of each year; the upload goes through the same preview → confirm flow as the
actuals workbook and applies each change with `indicator_update` / `target_set` (source "excel",
audit rows carrying the import's id). A signed `_meta` sheet records what every row showed, so a
row changed on the server since export is refused instead of overwritten.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils import get_column_letter

from accounts.models import User
from budgets.models import BudgetProgram, BudgetSummaryLine
from budgets.summary import change_rate, percent_of
from core.errors import (
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionRefused,
    ServiceError,
)
from core.security import log_refusal
from imports import workbook_layout as L
from imports.actuals_import import ImportRefused
from imports.exporters import cell, styles, text_cell
from imports.meta_sheet import read_meta
from imports.models import ImportKind, ImportRun, ImportStatus
from imports.run_rows import row_writer, run_rows
from imports.sheet_scan import scan_sheet
from imports.uploads import (
    Problem,
    WorkbookRefused,
    check_size,
    check_xlsx,
    file_sha256,
    open_workbook,
    upload_size,
)
from imports.workbook_cells import as_id, cell_input, cell_note, cell_text, sheet_rows
from kpis.domain import ValueDomain, ValueRefused, value_read
from kpis.models import ChangeSource, Department, Indicator
from kpis.services.permissions import is_admin, is_evaluator, require_admin
from kpis.services.plan import indicator_update, method_validate, target_set

logger = logging.getLogger("imports")

ORG_SHEET, BUDGET_SHEET, PROGRAM_SHEET, INDICATOR_SHEET = "조직", "예산현황", "세부사업", "성과지표"
PLAN_HEADER_ROW = 1
PLAN_ROW_LIMIT = PLAN_HEADER_ROW + L.MAX_DATA_ROWS
# A weight as the Indicator column stores it: DECIMAL(7, 2), not negative.
WEIGHT_DOMAIN = ValueDomain(minimum=Decimal(0), maximum=Decimal("99999.99"), places=2)
# 성과지표 columns; target and actual columns follow, two per year.
P_ID, P_DEPARTMENT, P_NAME, P_UNIT, P_KIND, P_DIRECTION, P_WEIGHT, P_METHOD, P_SOURCE = range(1, 10)
P_FIRST_YEAR = 10
PLAN_FIXED_HEADERS = ["지표ID", "부서", "성과지표", "단위", "유형", "방향", "가중치", "측정산식 또는 측정방법", "자료수집 방법/출처"]
PLAN_WIDTHS = [8, 14, 40, 7, 6, 6, 8, 30, 20]


def year_columns(years: list[int]) -> dict[int, tuple[int, int]]:
    """year → (target column, actual column)."""
    return {year: (P_FIRST_YEAR + 2 * index, P_FIRST_YEAR + 2 * index + 1) for index, year in enumerate(years)}


def plan_fingerprint(weight: Any, method_text: str, targets: dict[int, Any], years: list[int]) -> int:
    return L.short_hash("|".join([L.number_text(weight), method_text or ""] + [L.number_text(targets.get(y)) for y in years]))


def require_plan_reader(user: User) -> None:
    if not (is_admin(user) or is_evaluator(user)):
        log_refusal(user, "plan_export", "not a planner or evaluator")
        raise PermissionRefused("계획 엑셀은 기획 담당(관리자)과 평가자만 내려받을 수 있습니다.")


# --- export ---------------------------------------------------------------------------------


@dataclass
class PlanExport:
    years: list[int]
    indicators: list[Indicator]
    file_name: str = "성과계획.xlsx"


def plan_workbook(*, user: User, out: IO[bytes]) -> PlanExport:
    require_plan_reader(user)
    indicators = list(
        Indicator.objects.select_related("department", "department__bureau")
        .prefetch_related("targets", "actuals")
        .order_by("department__bureau_id", "department__order", "department_id", "order", "id")
    )
    years = sorted({t.year for i in indicators for t in i.targets.all()} | {a.year for i in indicators for a in i.actuals.all()})
    export = PlanExport(years=years, indicators=indicators)
    now = timezone.now()
    wb = Workbook(write_only=True)
    for named in styles():
        wb.add_named_style(named)
    _org_sheet(wb.create_sheet(ORG_SHEET))
    _budget_sheet(wb.create_sheet(BUDGET_SHEET))
    _program_sheet(wb.create_sheet(PROGRAM_SHEET))
    rows = _indicator_sheet(wb.create_sheet(INDICATOR_SHEET), export)
    _meta_sheet(wb.create_sheet(L.META_SHEET), rows, years, user, now)
    wb.save(out)
    return export


def _header(ws, titles: list[str], widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.append([cell(ws, title, "kpi_header") for title in titles])


def _org_sheet(ws) -> None:
    _header(ws, ["실국", "부서", "팀", "정원 계", "4급이상", "5급", "6급이하", "현원"], [16, 16, 40, 8, 8, 8, 8, 8])
    departments = Department.objects.select_related("bureau").prefetch_related("teams").order_by("bureau__name", "order", "name")
    for department in departments:
        ws.append([
            text_cell(ws, department.bureau.name, "kpi_text"), text_cell(ws, department.name, "kpi_text"),
            text_cell(ws, ", ".join(team.name for team in department.teams.all()), "kpi_text"),
            *[cell(ws, value, "kpi_number") for value in (
                department.authorized_total, department.authorized_grade4_up, department.authorized_grade5,
                department.authorized_grade6_down, department.current_headcount,
            )],
        ])


def _budget_sheet(ws) -> None:
    _header(ws, ["실국", "부서", "구분", "예산액(백만원)", "전년도예산액(백만원)", "증감액", "증감률(%)", "구성비(%)"],
            [16, 16, 14, 14, 16, 12, 10, 10])
    lines = list(BudgetSummaryLine.objects.select_related("bureau", "department").order_by("bureau__name", "department__order", "order"))
    totals = {(line.bureau_id, line.department_id): line.amount for line in lines if line.category == "total"}
    for line in lines:
        total = totals.get((line.bureau_id, line.department_id))
        ws.append([
            text_cell(ws, line.bureau.name, "kpi_text"), text_cell(ws, line.department.name if line.department else "(실국 계)", "kpi_text"),
            text_cell(ws, line.label, "kpi_text"), cell(ws, line.amount, "kpi_number"), cell(ws, line.prior_amount, "kpi_number"),
            cell(ws, line.amount - line.prior_amount, "kpi_number"), cell(ws, change_rate(line.amount, line.prior_amount), "kpi_number"),
            cell(ws, percent_of(line.amount, total) if total is not None else None, "kpi_number"),
        ])


def _program_sheet(ws) -> None:
    programs = list(
        BudgetProgram.objects.select_related("unit_program__department", "unit_program__policy_goal")
        .prefetch_related("amounts").order_by("unit_program__department__order", "unit_program__order", "order")
    )
    columns = sorted({(a.year, a.kind) for p in programs for a in p.amounts.all()})
    titles = ["부서", "정책사업목표", "단위사업", "세부사업", "회계구분", "지원형태", "지원조건", "시행주체", "사업기간"]
    titles += [f"'{year % 100:02d}{'결산' if kind == 'settled' else '예산'}(백만원)" for year, kind in columns]
    _header(ws, titles, [14, 30, 24, 30, 10, 12, 24, 16, 26] + [12] * len(columns))
    for program in programs:
        unit = program.unit_program
        amounts = {(a.year, a.kind): a.amount for a in program.amounts.all()}
        ws.append([
            text_cell(ws, unit.department.name, "kpi_text"), text_cell(ws, unit.policy_goal.title, "kpi_text"),
            text_cell(ws, unit.name, "kpi_text"), text_cell(ws, program.name, "kpi_text"), text_cell(ws, program.account, "kpi_text"),
            text_cell(ws, program.support_type, "kpi_text"), text_cell(ws, program.funding_text, "kpi_text"),
            text_cell(ws, program.implementing_body, "kpi_text"), text_cell(ws, program.period_text, "kpi_text"),
            *[cell(ws, amounts.get(column), "kpi_number") for column in columns],
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
        ]
        for year in years:
            cells += [cell(ws, targets.get(year), "kpi_input"), cell(ws, actuals.get(year), "kpi_number")]
        ws.append(cells)
        meta.append((indicator.pk, L.row_key(indicator.pk, name),
                     plan_fingerprint(indicator.weight, indicator.method_text, targets, years), 0))
    return meta


def _meta_sheet(ws, rows: list[tuple], years: list[int], user: User, now) -> None:
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    header: dict[str, object] = {
        "template_version": L.TEMPLATE_VERSION, "kind": L.KIND_PLAN, "department_id": "",
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
    ws.append(list(L.META_COLUMNS))
    for row in rows:
        ws.append(list(row))


# --- upload, preview, confirm ---------------------------------------------------------------

UNCHANGED, CHANGED, ERROR, CONFLICT = "unchanged", "changed", "error", "conflict"


def plan_upload(*, user: User, upload: IO[bytes], file_name: str) -> ImportRun:
    """Read an edited plan workbook (admins only); returns a previewed or failed ImportRun."""
    run = ImportRun(kind=ImportKind.PLAN_WORKBOOK, user=user, file_name=(file_name or "plan.xlsx")[:255])
    try:
        require_admin(user)
        check_size(upload_size(upload))
        run.sha256 = file_sha256(upload)
        check_xlsx(upload)
        scan = scan_sheet(upload, INDICATOR_SHEET)
        wb = open_workbook(upload)
        try:
            _meta, meta_by_id, years = _read_plan_meta(wb)
            if INDICATOR_SHEET not in wb.sheetnames:
                raise WorkbookRefused(f"'{INDICATOR_SHEET}' 시트가 없습니다. 시트 이름을 바꾸지 마세요.")
            indicator_rows = list(sheet_rows(
                wb[INDICATOR_SHEET], max_col=P_FIRST_YEAR - 1 + 2 * len(years), row_limit=PLAN_ROW_LIMIT,
                formula_rows={row for row, _ in scan.formulas},
            ))
        finally:
            wb.close()
    except WorkbookRefused as exc:
        return _plan_failed(run, exc.message)
    except ServiceError as exc:
        return _plan_failed(run, exc.message)
    problems: list[Problem] = [
        Problem(None, None, "병합된 셀이 있습니다. 병합을 해제하고 다시 올리세요.", sheet=INDICATOR_SHEET, cell=merged)
        for merged in scan.merged
    ]
    rows = _plan_preview(indicator_rows, meta_by_id, years, scan, problems)
    run.errors = [problem.as_dict() for problem in problems]
    counts = {status: sum(1 for row in rows if row["status"] == status) for status in (UNCHANGED, CHANGED, ERROR, CONFLICT)}
    run.summary = {
        "years": years, "total": len(rows), **counts, "errors": len(problems),
        "can_confirm": not problems and counts[CHANGED] > 0, "warnings": _weight_warnings(rows),
    }
    run.status = ImportStatus.PREVIEWED
    upload.seek(0)
    run.file.save(f"plan_{run.sha256[:16]}.xlsx", File(upload), save=False)
    with transaction.atomic():
        run.save()
        row_writer(run)(rows)
    return run


def _plan_failed(run: ImportRun, message: str) -> ImportRun:
    problem = Problem(None, None, message, sheet="파일")
    run.status = ImportStatus.FAILED
    run.errors = [problem.as_dict()]
    run.summary = {"can_confirm": False, "errors": 1}
    run.report = message
    run.save()
    return run


def _read_plan_meta(wb) -> tuple[dict[str, str], dict[int, tuple[int, int, int]], list[int]]:
    sheet = read_meta(wb)
    meta = sheet.meta
    if meta.get("kind") != L.KIND_PLAN:
        raise WorkbookRefused("계획 엑셀 파일이 아닙니다 (실적 파일은 실적 가져오기에서 올리세요).")
    version = meta.get("template_version", "")
    if version != str(L.TEMPLATE_VERSION):
        raise WorkbookRefused(
            f"이전 양식(버전 {version or '?'})으로 만든 파일입니다. 계획 엑셀을 새로 내려받아 고치세요.", cell=f"{L.META_SHEET}!B1"
        )
    if not sheet.signed:
        raise WorkbookRefused(f"'{L.META_SHEET}' 시트의 내용이 내려받은 뒤 바뀌었습니다. 계획 엑셀을 새로 내려받으세요.")
    try:
        years = [int(year) for year in meta.get("years", "").split(",") if year]
    except ValueError as exc:
        raise WorkbookRefused(f"'{L.META_SHEET}' 시트가 손상되었습니다.") from exc
    return meta, sheet.rows, years


def _plan_preview(indicator_rows, meta_by_id: dict[int, tuple[int, int, int]], years: list[int], scan,
                  problems: list[Problem]) -> list[dict[str, Any]]:
    columns = year_columns(years)
    expected = list(PLAN_FIXED_HEADERS)
    for year in years:
        expected += [f"목표({year})", f"실적({year})"]
    indicators = Indicator.objects.select_related("department").prefetch_related("targets").in_bulk(list(meta_by_id))
    seen: dict[int, int] = {}
    rows: list[dict[str, Any]] = []
    for number, cells in indicator_rows:
        if number == PLAN_HEADER_ROW:
            for column, title in enumerate(expected, start=1):
                found = cells[column - 1].value if column <= len(cells) else None
                if L.canonical(found) != title:
                    problems.append(Problem(number, column, f"머리글이 '{title}'이어야 합니다. 열을 넣거나 지우지 마세요.",
                                            sheet=INDICATOR_SHEET))
            continue
        rows.append(_plan_row(number, cells, meta_by_id, indicators, seen, years, columns, scan, problems))
    return rows


def _plan_row(number, cells, meta_by_id, indicators, seen, years, columns, scan, problems) -> dict[str, Any]:
    def at(column: int):
        return cells[column - 1] if column <= len(cells) else EMPTY_CELL

    def value(column: int) -> Any:
        return at(column).value

    def problem(column: int, message: str) -> None:
        problems.append(Problem(number, column, message, sheet=INDICATOR_SHEET))
        entry["status"] = ERROR
        entry["messages"].append(f"{L.cell_ref(column, number)}: {message}")

    entry: dict[str, Any] = {
        "row": number, "indicator_id": None, "name": cell_text(value(P_NAME) or ""),
        "department": cell_text(value(P_DEPARTMENT) or ""), "status": UNCHANGED, "changes": [], "messages": [],
        "weight": None, "method_text": None, "targets": {}, "fingerprint": "",
    }
    indicator_id = as_id(value(P_ID))
    if indicator_id is None or indicator_id not in meta_by_id:
        problem(P_ID, f"지표ID '{cell_text(value(P_ID)) if value(P_ID) is not None else ''}'는 이 파일에서 내려받은 지표가 아닙니다. 지표ID 열은 고치지 마세요.")
        return entry
    entry["indicator_id"] = indicator_id
    if indicator_id in seen:
        problem(P_ID, f"지표ID {indicator_id}가 {seen[indicator_id]}행에도 있습니다. 같은 지표를 두 번 넣을 수 없습니다.")
        return entry
    seen[indicator_id] = number
    meta = meta_by_id[indicator_id]
    row_key, fingerprint, _version = meta
    if L.row_key(indicator_id, entry["name"]) != row_key:
        problem(P_ID, f"지표ID {indicator_id}가 이 행의 지표명('{entry['name']}')과 맞지 않습니다. 지표ID·지표명 열은 고치지 마세요.")
        return entry
    indicator = indicators.get(indicator_id)
    if indicator is None:
        problem(P_ID, "이 지표는 내려받은 뒤 삭제되었습니다.")
        return entry
    entry["fingerprint"] = str(fingerprint)

    def typed(column: int) -> str:  # the formula the user typed into the cell, if any
        return scan.formulas.get((number, column), "")

    def number_at(column: int, domain: ValueDomain, label: str) -> tuple[Decimal | None, bool]:
        raw, error, _info = cell_input(at(column), typed(column))
        if error:
            problem(column, error)
            return None, False
        if raw is None:
            return None, True
        try:
            return value_read(raw, domain, label=label), True
        except ValueRefused as exc:
            problem(column, exc.message)
            return None, False

    weight, ok = number_at(P_WEIGHT, WEIGHT_DOMAIN, "가중치")
    if ok and weight is None:
        problem(P_WEIGHT, "가중치를 입력하세요.")
    elif ok and weight != indicator.weight:
        entry["weight"] = format(weight, "f")
        entry["changes"].append({"field": "weight", "label": "가중치", "old": L.number_text(indicator.weight), "new": L.number_text(weight)})
    method_text, error = cell_note(at(P_METHOD), typed(P_METHOD), "측정산식")
    if error:
        problem(P_METHOD, error)
    elif method_text != (indicator.method_text or ""):
        try:
            method_validate(method_text)
        except InvalidInput as exc:
            for message in exc.errors.get("method_text", [exc.message]):
                problem(P_METHOD, f"측정산식을 읽을 수 없습니다: {message}")
        else:
            entry["method_text"] = method_text
            entry["changes"].append({"field": "method_text", "label": "측정산식", "old": indicator.method_text, "new": method_text})
    server_targets = {t.year: t.value for t in indicator.targets.all()}
    for year in years:
        target_column = columns[year][0]
        target, ok = number_at(target_column, indicator.value_domain, f"목표({year})")
        if ok and L.number_text(target) != L.number_text(server_targets.get(year)):
            entry["targets"][str(year)] = None if target is None else format(target, "f")
            entry["changes"].append({"field": "target", "label": f"목표({year})", "year": year,
                                     "old": L.number_text(server_targets.get(year)), "new": L.number_text(target)})
    if entry["status"] == ERROR:
        return entry
    if not entry["changes"]:
        return entry
    current = plan_fingerprint(indicator.weight, indicator.method_text, server_targets, years)
    if current != fingerprint:
        message = "내려받은 뒤 서버에서 이 지표(가중치·산식·목표)가 바뀌었습니다. 덮어쓰지 않습니다. 계획 엑셀을 새로 내려받아 고치세요."
        problems.append(Problem(number, P_ID, message, sheet=INDICATOR_SHEET))
        entry["status"] = CONFLICT
        entry["messages"].append(message)
        return entry
    entry["status"] = CHANGED
    entry["department_id"] = indicator.department_id
    return entry


def _weight_warnings(rows: list[dict[str, Any]]) -> list[str]:
    """Weights of a department should add up to 100 once the file is applied."""
    changed = {row["indicator_id"]: Decimal(row["weight"]) for row in rows if row.get("weight") is not None}
    if not changed:
        return []
    departments = set(Indicator.objects.filter(pk__in=changed).values_list("department_id", flat=True))
    warnings = []
    for department in Department.objects.filter(pk__in=departments).prefetch_related("indicators").order_by("name"):
        total = sum((changed.get(i.pk, i.weight) for i in department.indicators.all()), Decimal(0))
        if total != 100:
            warnings.append(f"{department.name}의 가중치 합계가 {L.number_text(total)}입니다 (100이어야 합니다).")
    return warnings


def plan_confirm(*, user: User, run_id: int) -> ImportRun:
    """Apply a previewed plan workbook in one transaction through indicator_update / target_set."""
    require_admin(user)
    run = ImportRun.objects.filter(pk=run_id, kind=ImportKind.PLAN_WORKBOOK).first()
    if run is None:
        raise NotFound("가져오기 기록을 찾을 수 없습니다.")
    applied = 0
    try:
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != ImportStatus.PREVIEWED:
                raise InvalidState(f"이미 '{locked.get_status_display()}' 상태인 가져오기입니다.")
            if locked.errors:
                raise InvalidState(f"오류 {len(locked.errors)}건이 있어 반영할 수 없습니다. 오류를 고친 파일을 다시 올리세요.")
            years = locked.summary.get("years", [])
            changed = list(run_rows(locked, statuses=(CHANGED,)))
            indicators = Indicator.objects.prefetch_related("targets").in_bulk([row["indicator_id"] for row in changed])
            for row in changed:
                indicator = indicators.get(row["indicator_id"])
                targets = {t.year: t.value for t in indicator.targets.all()} if indicator else {}
                current = plan_fingerprint(indicator.weight, indicator.method_text, targets, years) if indicator else None
                if str(current) != row["fingerprint"]:
                    raise InvalidInput({f"{row['row']}행": ["미리보기 뒤 서버에서 이 지표가 바뀌었습니다. 파일을 다시 올리세요."]})
                if row["weight"] is not None or row["method_text"] is not None:
                    indicator_update(
                        user=user, indicator_id=indicator.pk,
                        weight=Decimal(row["weight"]) if row["weight"] is not None else None,
                        method_text=row["method_text"], source=ChangeSource.EXCEL, import_run_id=locked.pk,
                    )
                for year, value in row["targets"].items():
                    target_set(
                        user=user, indicator_id=indicator.pk, year=int(year),
                        value=Decimal(value) if value is not None else None, source=ChangeSource.EXCEL,
                        import_run_id=locked.pk,
                    )
                applied += 1
            locked.status = ImportStatus.APPLIED
            locked.applied_at = timezone.now()
            locked.summary = {**locked.summary, "applied": applied}
            locked.save(update_fields=["status", "applied_at", "summary"])
    except InvalidState as exc:
        raise ImportRefused(exc.message) from exc
    except ServiceError as exc:
        run.status = ImportStatus.FAILED
        run.report = f"반영 실패: {exc.message}"
        run.summary = {**run.summary, "confirm_error": exc.message, "can_confirm": False}
        run.save(update_fields=["status", "report", "summary"])
        raise ImportRefused(f"반영하지 못했습니다. 아무것도 저장하지 않았습니다: {exc.message}") from exc
    run.refresh_from_db()
    logger.info("plan workbook applied run=%s user=%s rows=%s", run.pk, user.username, applied)
    return run
