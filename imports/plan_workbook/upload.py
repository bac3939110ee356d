"""An edited plan workbook read and checked against the server: a previewed ImportRun, nothing applied."""
from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from openpyxl.cell.read_only import EMPTY_CELL

from accounts.models import User
from core.errors import InvalidInput, ServiceError
from core.korean import with_josa
from core.numbers import quoted
from imports import workbook_layout as L
from imports.meta_sheet import read_meta
from imports.models import ImportKind, ImportRun, ImportStatus
from imports.plan_workbook.layout import (
    BOUND_DOMAIN,
    CHANGED,
    CONFLICT,
    DOMAIN_COLUMNS,
    ERROR,
    INDICATOR_SHEET,
    P_DEPARTMENT,
    P_FIRST_YEAR,
    P_ID,
    P_METHOD,
    P_NAME,
    P_WEIGHT,
    PLACES_DOMAIN,
    PLAN_FIXED_HEADERS,
    PLAN_HEADER_ROW,
    PLAN_ROW_LIMIT,
    PLAN_TEMPLATE_VERSION,
    PROGRAM_SHEET,
    UNCHANGED,
    WEIGHT_DOMAIN,
    plan_fingerprint,
    recorded_domain,
    year_columns,
)
from imports.plan_workbook.programs import PROGRAM_MAX_COLUMNS, programs_preview
from imports.plan_workbook.row_checks import domain_warnings, finalised_years_refused, organizations_of, weight_warnings
from imports.run_rows import row_writer
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
from kpis.domain import MAX_PLACES, ValueDomain, ValueRefused, value_read
from kpis.models import Indicator
from kpis.scope import own_organization_id, scoped
from kpis.services.permissions import require_admin
from kpis.services.plan import (
    DOMAIN_PARTS,
    DOMAIN_PREFIXES,
    domain_field_label,
    indicator_domain_errors,
    method_validate,
)


def plan_upload(*, user: User, upload: IO[bytes], file_name: str) -> ImportRun:
    """Read an edited plan workbook (admins only); returns a previewed or failed ImportRun."""
    run = ImportRun(
        kind=ImportKind.PLAN_WORKBOOK, user=user, file_name=(file_name or "plan.xlsx")[:255],
        organization_id=own_organization_id(user),
    )
    try:
        require_admin(user)
        check_size(upload_size(upload))
        run.sha256 = file_sha256(upload)
        check_xlsx(upload)
        scan = scan_sheet(upload, INDICATOR_SHEET)
        program_scan = scan_sheet(upload, PROGRAM_SHEET)
        wb = open_workbook(upload)
        try:
            _meta, meta_by_id, years = _read_plan_meta(wb)
            if INDICATOR_SHEET not in wb.sheetnames:
                raise WorkbookRefused(f"'{INDICATOR_SHEET}' 시트가 없습니다. 시트 이름을 바꾸지 마세요.")
            indicator_rows = list(sheet_rows(
                wb[INDICATOR_SHEET], max_col=P_FIRST_YEAR - 1 + 2 * len(years), row_limit=PLAN_ROW_LIMIT,
                formula_rows={row for row, _ in scan.formulas},
            ))
            if PROGRAM_SHEET not in wb.sheetnames:
                raise WorkbookRefused(f"'{PROGRAM_SHEET}' 시트가 없습니다. 시트 이름을 바꾸지 마세요.")
            program_rows = list(sheet_rows(
                wb[PROGRAM_SHEET], max_col=PROGRAM_MAX_COLUMNS, row_limit=PLAN_ROW_LIMIT,
                formula_rows={row for row, _ in program_scan.formulas},
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
    ] + [
        Problem(None, None, "병합된 셀이 있습니다. 병합을 해제하고 다시 올리세요.", sheet=PROGRAM_SHEET, cell=merged)
        for merged in program_scan.merged
    ]
    indicator_preview = _plan_preview(indicator_rows, meta_by_id, years, scan, problems, user=user)
    rows = indicator_preview + programs_preview(program_rows, program_scan, problems, user=user)
    run.errors = [problem.as_dict() for problem in problems]
    counts = {status: sum(1 for row in rows if row["status"] == status) for status in (UNCHANGED, CHANGED, ERROR, CONFLICT)}
    organizations = organizations_of(indicator_preview)
    if run.organization_id is None and len(set(organizations.values())) == 1:  # a user of every organization
        run.organization_id = next(iter(organizations.values()))
    closed = finalised_years_refused(indicator_preview, organizations)
    run.summary = {
        "years": years, "total": len(rows), **counts, "errors": len(problems),
        "can_confirm": not problems and not closed and counts[CHANGED] > 0,
        "warnings": closed + weight_warnings(indicator_preview) + domain_warnings(indicator_preview),
        "target_revisions": target_revision_count(rows),
    }
    run.status = ImportStatus.PREVIEWED
    upload.seek(0)
    run.file.save(f"plan_{run.sha256[:16]}.xlsx", File(upload), save=False)
    with transaction.atomic():
        run.save()
        row_writer(run)(rows)
    return run


def target_revision_count(rows: list[dict[str, Any]]) -> int:
    """How many changed rows' targets had a value: each is a revision, so confirming needs a reason."""
    return sum(
        1 for row in rows if row["status"] == CHANGED for change in row["changes"] if change.get("revises")
    )


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
    if version != str(PLAN_TEMPLATE_VERSION):
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
                  problems: list[Problem], *, user: User) -> list[dict[str, Any]]:
    columns = year_columns(years)
    expected = list(PLAN_FIXED_HEADERS)
    for year in years:
        expected += [f"목표({year})", f"실적({year})"]
    # An indicator of an organization the user does not see reads as unknown (its row is refused).
    indicators = scoped(Indicator.objects.select_related("department"), user).prefetch_related("targets").in_bulk(
        list(meta_by_id)
    )
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
        "weight": None, "method_text": None, "domains": {}, "targets": {}, "fingerprint": "",
    }
    indicator_id = as_id(value(P_ID))
    if indicator_id is None or indicator_id not in meta_by_id:
        problem(P_ID, f"지표ID {with_josa(quoted(cell_text(value(P_ID)) if value(P_ID) is not None else ''), '은/는')} 이 파일에서 내려받은 지표가 아닙니다. 지표ID 열은 고치지 마세요.")
        return entry
    entry["indicator_id"] = indicator_id
    if indicator_id in seen:
        problem(P_ID, f"지표ID {with_josa(str(indicator_id), '이/가')} {seen[indicator_id]}행에도 있습니다. 같은 지표를 두 번 넣을 수 없습니다.")
        return entry
    seen[indicator_id] = number
    meta = meta_by_id[indicator_id]
    row_key, fingerprint, _version = meta
    if L.row_key(indicator_id, entry["name"]) != row_key:
        problem(P_ID, f"지표ID {with_josa(str(indicator_id), '이/가')} 이 행의 지표명('{entry['name']}')과 맞지 않습니다. 지표ID·지표명 열은 고치지 마세요.")
        return entry
    indicator = indicators.get(indicator_id)
    if indicator is None:
        problem(P_ID, "이 지표는 내려받은 뒤 삭제되었습니다.")
        return entry
    entry["fingerprint"] = str(fingerprint)

    def typed(column: int) -> str:  # the formula the user typed into the cell, if any
        return scan.formulas.get((number, column), "")

    def number_at(column: int, domain: ValueDomain, label: str, *, stored: Decimal | None = None,
                  ) -> tuple[Decimal | None, bool]:
        """The figure in a cell read against `domain`; a figure outside it that equals `stored` (the value the
        server holds, not changed in this row) is taken as it is: a narrowed domain does not refuse old values."""
        raw, error, _info = cell_input(at(column), typed(column))
        if error:
            problem(column, error)
            return None, False
        if raw is None:
            return None, True
        try:
            return value_read(raw, domain, label=label), True
        except ValueRefused as exc:
            if stored is not None and _figure(raw, label) == stored:
                return stored, True
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
    value_domain = _domains_at(entry, indicator, number_at, problem).get("value", indicator.value_domain)
    server_targets = {t.year: t.value for t in indicator.targets.all()}
    for year in years:
        target_column = columns[year][0]
        target, ok = number_at(target_column, value_domain, f"목표({year})", stored=server_targets.get(year))
        if ok and L.number_text(target) != L.number_text(server_targets.get(year)):
            entry["targets"][str(year)] = None if target is None else format(target, "f")
            entry["changes"].append({"field": "target", "label": f"목표({year})", "year": year,
                                     "old": L.number_text(server_targets.get(year)), "new": L.number_text(target),
                                     # a target that had a value keeps it as a revision: a reason is required
                                     "revises": server_targets.get(year) is not None})
    if entry["status"] == ERROR:
        return entry
    if not entry["changes"]:
        return entry
    current = plan_fingerprint(indicator, server_targets, years)
    if current != fingerprint:
        message = ("내려받은 뒤 서버에서 이 지표(가중치·산식·값 범위·목표)가 바뀌었습니다. 덮어쓰지 않습니다. "
                   "계획 엑셀을 새로 내려받아 고치세요.")
        problems.append(Problem(number, P_ID, message, sheet=INDICATOR_SHEET))
        entry["status"] = CONFLICT
        entry["messages"].append(message)
        return entry
    entry["status"] = CHANGED
    entry["department_id"] = indicator.department_id
    return entry


def _figure(raw: object, label: str) -> Decimal | None:
    try:
        return value_read(raw, BOUND_DOMAIN, label=label)
    except ValueRefused:
        return None


def _domains_at(entry: dict[str, Any], indicator: Indicator, number_at, problem) -> dict[str, ValueDomain]:
    """The row's value and input domains where they differ from the server's, checked by the service's rule
    (`indicator_domain_errors`) and recorded in `entry` as changes; {} when unchanged or refused."""
    read: dict[str, Decimal | None] = {}
    for name, column in DOMAIN_COLUMNS.items():
        places = name.endswith("_places")
        figure, ok = number_at(column, PLACES_DOMAIN if places else BOUND_DOMAIN, domain_field_label(name))
        if ok and places and figure is None:
            problem(column, f"{with_josa(domain_field_label(name), '을/를')} 입력하세요 (0~{MAX_PLACES}, 0: 정수만).")
        elif ok:
            read[name] = figure
    if len(read) < len(DOMAIN_COLUMNS):
        return {}
    changed: dict[str, ValueDomain] = {}
    for prefix in DOMAIN_PREFIXES:
        names = [f"{prefix}_{part}" for part in DOMAIN_PARTS]
        minimum, maximum, places = (read[name] for name in names)
        domain = ValueDomain(minimum, maximum, int(places))
        errors = indicator_domain_errors(prefix=prefix, domain=domain)
        for name, messages in errors.items():
            for message in messages:
                problem(DOMAIN_COLUMNS[name], message)
        differs = [name for name in names if L.number_text(read[name]) != L.number_text(getattr(indicator, name))]
        if errors or not differs:
            continue
        changed[prefix] = domain
        entry["domains"][prefix] = recorded_domain(domain)
        entry["changes"].extend(
            {"field": name, "label": domain_field_label(name), "old": L.number_text(getattr(indicator, name)),
             "new": L.number_text(read[name])}
            for name in differs
        )
    return changed
