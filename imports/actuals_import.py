"""Actuals workbook upload: check → read → validate every row → preview (ImportRun) → confirm.

Nothing touches an actual before `actuals_confirm`, which hands the previewed rows to
`kpis.services.actuals.actuals_save`, the writer the form and the API use: the same permission,
domain, workflow, version, audit and dirty-mark rules, in one transaction, so one refusal rolls the
whole file back.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction

from accounts.models import User
from core.errors import InvalidState, NotFound, PermissionRefused, ServiceError
from core.security import log_refusal
from imports import workbook_layout as L
from imports.actuals_rows import CHANGED, STALE, STATUS_LABELS, UNCHANGED, ServerState, row_preview
from imports.actuals_workbook import ActualsWorkbook, open_actuals_workbook
from imports.confirming import ImportRefused, run_applying
from imports.models import ImportKind, ImportRun, ImportStatus
from imports.run_rows import RowWriter, memory_writer, row_writer, run_rows
from imports.uploads import Problem, WorkbookRefused, check_size, check_xlsx, file_sha256, upload_size
from imports.workbook_cells import cell_text
from kpis.models import Actual, ChangeSource, Department, Indicator, Target
from kpis.periods import department_period_counts
from kpis.scope import own_organization_id
from kpis.services.actuals import COMPUTE_FIELDS, ActualInput, RowRefused, actuals_save
from kpis.services.permissions import can_write_actuals_of, is_admin, require_years_open
from kpis.services.workflow import actual_submit

logger = logging.getLogger("imports")

PREVIEW_CHUNK = 2000  # rows validated against one load of server state and written to ImportRow at once
SUBMIT_LOOKUP_CHUNK = 900  # indicator ids per query when confirm-and-submit looks up the saved actuals


@dataclass
class Preview:
    """What a preview keeps in memory: counts and problems; the rows themselves go to ImportRow."""

    problems: list[Problem] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUS_LABELS, 0))
    stale_rows: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, entry: dict[str, Any]) -> None:
        self.counts[entry["status"]] += 1
        if entry["status"] == STALE:
            self.stale_rows.append(entry["row"])


# --- upload ---------------------------------------------------------------------------------


def actuals_upload(
    *, user: User, upload: IO[bytes], file_name: str, department_id: int | None = None, year: int | None = None,
    save: bool = True,
) -> ImportRun:
    """Read and validate an uploaded workbook; returns a previewed (or failed) ImportRun, applies nothing.

    `save=False` (a dry run) returns the run without storing it or the file.
    """
    run = ImportRun(
        kind=ImportKind.ACTUALS_WORKBOOK, user=user, file_name=(file_name or "upload.xlsx")[:255],
        organization_id=own_organization_id(user),
    )
    unsaved: list[dict[str, Any]] = []
    try:
        check_size(upload_size(upload))
        run.sha256 = file_sha256(upload)
        check_xlsx(upload)
        # The run and its rows are written while the workbook streams by; a refusal midway rolls them back.
        with transaction.atomic(), open_actuals_workbook(upload) as workbook:
            department, year_read, organization_id = _check_meta(user, workbook, department_id, year)
            run.department, run.year = department, year_read
            run.organization_id = organization_id or run.organization_id
            if save:
                run.save()
            preview = actuals_preview(
                workbook, year=year_read, department=department,
                write=row_writer(run) if save else memory_writer(unsaved),
            )
            run.errors = [problem.as_dict() for problem in preview.problems]
            run.summary = _summary(preview, department, year_read)
            run.status = ImportStatus.PREVIEWED
            if save:
                upload.seek(0)
                run.file.save(f"actuals_{run.sha256[:16]}.xlsx", File(upload), save=False)
                run.save()
    except WorkbookRefused as exc:
        problem = Problem(None, None, exc.message, sheet=_sheet_of(exc.cell), cell=_cell_of(exc.cell))
        return _failed(_unsaved(run), [problem], save=save)
    except ServiceError as exc:
        return _failed(_unsaved(run), [Problem(None, None, exc.message, sheet="파일")], save=save)
    if not save:
        run.unsaved_rows = unsaved  # a dry run keeps its rows in memory: there is no table row to point at
        return run
    logger.info("actuals upload run=%s user=%s rows=%s errors=%s", run.pk, user.username, run.summary["total"],
                len(run.errors))
    return run


def _unsaved(run: ImportRun) -> ImportRun:
    """The run as it was before a rolled-back block saved it: stored again from scratch as a failure."""
    run.pk = None
    run._state.adding = True
    run.department, run.year, run.organization_id = None, None, own_organization_id(run.user)
    return run


def _sheet_of(cell: str) -> str:
    return cell.partition("!")[0] if "!" in cell else "파일"


def _cell_of(cell: str) -> str:
    return cell.partition("!")[2] if "!" in cell else ""


def _failed(run: ImportRun, problems: list[Problem], *, save: bool = True) -> ImportRun:
    run.status = ImportStatus.FAILED
    run.errors = [problem.as_dict() for problem in problems]
    run.summary = {"can_confirm": False, "errors": len(problems)}
    run.report = "\n".join(problem.as_dict()["text"] for problem in problems)
    if save:
        run.save()
    logger.info("actuals upload refused run=%s: %s", run.pk, run.report)
    return run


def _meta_int(meta: Mapping[str, str], key: str) -> int:
    try:
        return int(meta.get(key, ""))
    except ValueError as exc:
        raise WorkbookRefused(
            f"'{L.META_SHEET}' 시트가 손상되었습니다 ({key}). 실적 파일을 새로 내려받으세요.", cell=f"{L.META_SHEET}!B1"
        ) from exc


def _check_meta(
    user: User, workbook: ActualsWorkbook, expected_department_id: int | None, expected_year: int | None,
) -> tuple[Department | None, int, int | None]:
    """The workbook's department (None: every department of its indicators), year and organization (None: its
    departments belong to several)."""
    meta = workbook.meta.meta
    version = _meta_int(meta, "template_version")
    if version != L.TEMPLATE_VERSION:
        older = "이전" if version < L.TEMPLATE_VERSION else "알 수 없는"
        raise WorkbookRefused(
            f"{older} 양식(버전 {version})으로 만든 파일입니다. 현재 양식은 버전 {L.TEMPLATE_VERSION}입니다. "
            "실적 파일을 새로 내려받아 다시 입력하세요.", cell=f"{L.META_SHEET}!B1",
        )
    if not workbook.meta.signed:
        raise WorkbookRefused(
            f"'{L.META_SHEET}' 시트의 내용이 내려받은 뒤 바뀌었습니다. 숨겨진 '{L.META_SHEET}' 시트는 고치지 마세요. "
            "실적 파일을 새로 내려받아 다시 입력하세요.", cell=f"{L.META_SHEET}!A1",
        )
    year = _meta_int(meta, "year")
    department = None
    if meta.get("department_id"):
        department = Department.objects.select_related("bureau").filter(pk=_meta_int(meta, "department_id")).first()
        if department is None:
            raise WorkbookRefused("파일의 부서를 찾을 수 없습니다. 실적 파일을 새로 내려받으세요.")
    who = department.name if department else "전체 부서"
    if expected_year is not None and expected_year != year:
        raise WorkbookRefused(f"이 파일은 {year}년 실적 파일입니다. {expected_year}년 실적에는 올릴 수 없습니다.")
    if expected_department_id is not None and (department is None or department.pk != expected_department_id):
        expected = Department.objects.filter(pk=expected_department_id).values_list("name", flat=True).first()
        raise WorkbookRefused(f"이 파일은 {who}의 실적 파일입니다. {expected or '다른 부서'}에는 올릴 수 없습니다.")
    if department is not None:
        departments = {department.pk: department}
    else:  # every department of the workbook's indicators
        ids = list(workbook.meta.rows)
        departments = {
            d.pk: d for d in Department.objects.select_related("bureau").filter(
                pk__in=Indicator.objects.filter(pk__in=ids).values("department_id")
            )
        }
    for department_id in sorted(departments):
        if not can_write_actuals_of(user, department_id):
            log_refusal(user, "actuals_import", f"department={department_id}")
            raise PermissionRefused(
                f"{departments[department_id].name}의 실적을 올릴 권한이 없습니다. 이 파일에는 아무것도 반영하지 않았습니다."
            )
    require_years_open(departments, year)
    counts = set(department_period_counts(department_ids=departments, year=year).values())
    if counts and counts != {workbook.layout.period_count}:
        raise WorkbookRefused(
            f"내려받은 뒤 {year}년 실적의 기간 구분(연간·분기·반기)이 바뀌었습니다. 실적 파일을 새로 내려받아 다시 입력하세요."
        )
    organizations = {d.bureau.organization_id for d in departments.values()}
    return department, year, organizations.pop() if len(organizations) == 1 else None


# --- validation -----------------------------------------------------------------------------


def _load_server(ids: list[int], department: Department | None, year: int) -> ServerState:
    """Four queries for one chunk of rows, each reading only the fields the rules look at."""
    indicators = Indicator.objects.filter(pk__in=ids).only(*COMPUTE_FIELDS, "weight")
    if department is not None:  # a department's workbook never reaches another department's indicators
        indicators = indicators.filter(department_id=department.pk)
    by_id = {indicator.pk: indicator for indicator in indicators}
    return ServerState(
        indicators=by_id,
        department_names=dict(
            Department.objects.filter(pk__in={i.department_id for i in by_id.values()}).values_list("pk", "name")
        ),
        targets=dict(Target.objects.filter(year=year, indicator_id__in=ids).values_list("indicator_id", "value")),
        actuals={
            (actual.indicator_id, actual.period): actual
            for actual in Actual.all_periods.filter(year=year, indicator_id__in=ids).select_related("updated_by").only(
                "indicator_id", "period", "value", "inputs", "note", "status", "version", "updated_at",
                "updated_by__username",
            )
        },
    )


def actuals_preview(
    workbook: ActualsWorkbook, *, year: int, department: Department | None, write: RowWriter,
) -> Preview:
    """Every row old → new with its status, handed to `write` a chunk at a time; every problem with its cell.

    Rows stream from the workbook, the server state is loaded per chunk, and only counts, problems and
    the rows already seen (a number per row of the meta sheet) are kept.
    """
    preview = Preview()
    layout = workbook.layout
    for column, text in layout.headers(year).items():
        found = workbook.headers.get(column)
        if L.canonical(found) != text:
            preview.problems.append(Problem(
                L.HEADER_ROW, column,
                f"머리글이 '{text}'이어야 하는데 '{cell_text(found) if found is not None else ''}'입니다. "
                "열을 넣거나 지우지 마세요.",
            ))
    meta_rows = workbook.meta.rows
    rows = iter(workbook.rows)
    while chunk := list(islice(rows, PREVIEW_CHUNK)):
        ids = [row.indicator_id for row in chunk if row.indicator_id is not None and row.indicator_id in meta_rows]
        server = _load_server(ids, department, year)
        entries = [row_preview(row, layout, meta_rows, server, preview.problems) for row in chunk]
        for entry in entries:
            preview.count(entry)
        write(entries)
    preview.problems[:0] = [
        Problem(None, None, "병합된 셀이 있습니다. 병합을 해제하고 다시 올리세요.", cell=merged) for merged in workbook.merged
    ]
    preview.deleted = [pk for pk, seen in zip(meta_rows, meta_rows.seen, strict=True) if not seen]
    return preview


def _summary(preview: Preview, department: Department | None, year: int) -> dict[str, Any]:
    counts = preview.counts
    return {
        "department": department.name if department else "전체 부서",
        "department_id": department.pk if department else None,
        "year": year, "total": preview.total, **counts, "errors": len(preview.problems),
        "deleted": preview.deleted, "can_confirm": not preview.problems and (counts[CHANGED] + counts[STALE]) > 0,
        "stale_rows": preview.stale_rows,
    }


# --- confirm --------------------------------------------------------------------------------


def actuals_confirm(
    *, user: User, run_id: int, accept_stale: Iterable[int] = (), submit: bool = False,
) -> ImportRun:
    """Apply a previewed run in one transaction; any refusal rolls everything back and fails the run.

    The values are saved as drafts (작성 중). With `submit` every row written is then submitted through
    `actual_submit` in the same transaction; a refused submission saves nothing and leaves the preview as it
    was, so that it can still be confirmed as drafts.
    """
    run = ImportRun.objects.filter(pk=run_id, kind=ImportKind.ACTUALS_WORKBOOK).first()
    if run is None:
        raise NotFound("가져오기 기록을 찾을 수 없습니다.")
    if run.user_id != user.pk and not is_admin(user):
        log_refusal(user, "import_confirm", f"run={run_id}")
        raise PermissionRefused("다른 사용자가 올린 파일은 반영할 수 없습니다.")
    accepted = {int(row) for row in accept_stale}
    with run_applying(run) as locked:
        _check_stale(locked, accepted)
        seen: list[tuple[int, int, int]] = []  # (sheet row, indicator id, period) of each row handed to the writer
        try:
            applied = actuals_save(
                user=user, year=locked.year, rows=_rows_to_apply(locked, seen), source="excel",
                import_run_id=locked.pk,
            )
        except RowRefused as exc:
            raise ImportRefused(f"{seen[exc.index][0]}행: {exc.message}") from exc
        submitted = _submit_rows(user, locked.year, seen) if submit else 0
        # A row equal to the stored draft by now (saved meanwhile, or a confirm retried) is not written: unchanged.
        unchanged = locked.summary.get(UNCHANGED, 0) + len(seen) - applied
        locked.summary = {
            **locked.summary, "applied": applied, UNCHANGED: unchanged, "accepted_stale": sorted(accepted),
            "submitted": submitted,
        }
    logger.info("actuals import applied run=%s user=%s rows=%s submitted=%s", run.pk, user.username, applied, submitted)
    return run


def _submit_rows(user: User, year: int, seen: list[tuple[int, int, int]]) -> int:
    """Submit the rows just saved, in sheet order, through the workflow's own service (its permission, state,
    audit and dirty-mark rules); a refusal is raised as InvalidState naming the row: nothing is saved."""
    actual_ids: dict[tuple[int, int], int] = {}
    for start in range(0, len(seen), SUBMIT_LOOKUP_CHUNK):
        ids = [indicator_id for _, indicator_id, _ in seen[start:start + SUBMIT_LOOKUP_CHUNK]]
        actual_ids.update(
            ((indicator_id, period), pk) for indicator_id, period, pk in
            Actual.all_periods.filter(year=year, indicator_id__in=ids).values_list("indicator_id", "period", "pk")
        )
    for number, indicator_id, period in seen:
        try:
            actual_submit(user=user, actual_id=actual_ids[indicator_id, period], source=ChangeSource.EXCEL)
        except ServiceError as exc:
            raise InvalidState(
                f"{number}행을 제출하지 못해 아무것도 저장하지 않았습니다: {exc.message} "
                "'확인하고 반영'으로 작성 중 상태로 저장한 뒤 실적 입력 화면에서 제출할 수 있습니다."
            ) from exc
    return len(seen)


def _check_stale(run: ImportRun, accepted: set[int]) -> None:
    stale = run.row_set.filter(status=STALE).order_by("position").values_list("row", flat=True)
    unaccepted = [number for number in stale.iterator(chunk_size=2000) if number not in accepted]
    if unaccepted:
        raise InvalidState(
            "내려받은 뒤 목표·가중치·산식이 바뀐 행이 있습니다: "
            + ", ".join(f"{number}행" for number in unaccepted[:20])
            + (" 외" if len(unaccepted) > 20 else "") + ". 확인한 행을 선택한 뒤 다시 반영하세요."
        )


def _rows_to_apply(run: ImportRun, seen: list[tuple[int, int]]) -> Iterator[ActualInput]:
    """The rows to write, read from ImportRow a chunk at a time while they are applied."""
    for row in run_rows(run, statuses=(CHANGED, STALE)):
        period = row.get("period", 0)
        seen.append((row["row"], row["indicator_id"], period))
        yield ActualInput(
            indicator_id=row["indicator_id"], inputs=row["inputs"] if row["value"] is None else None,
            value=row["value"], note=row["note"], expected_version=row["expected_version"], period=period,
        )
