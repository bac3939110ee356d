"""One row of an actuals workbook checked against the server: old → new, its status and its problems.

`row_preview` applies the rules of `kpis.services.actuals` (the value read against the indicator's
domain and computed, the note's length, the workflow, the version) to a row and the server state
loaded for its chunk by `imports.actuals_import`; it writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from core.errors import InvalidInput
from core.korean import with_josa
from core.numbers import plain_text, quoted
from imports import workbook_layout as L
from imports.actuals_workbook import DataRow
from imports.meta_sheet import MetaRows
from imports.uploads import Problem
from imports.workbook_cells import cell_text
from kpis.domain import VALUE_FIELD, ValueRefused, note_check
from kpis.formulas import Method
from kpis.models import Actual, ActualStatus, Indicator
from kpis.period_rules import period_label
from kpis.services.actual_values import DIRECT_LABEL, actual_compute, indicator_method
from kpis.services.actuals import editable_refusal

CHANGED, UNCHANGED, EMPTY, ERROR, STALE, CONFLICT = "changed", "unchanged", "empty", "error", "stale", "conflict"
STATUS_LABELS = {
    CHANGED: "변경", UNCHANGED: "변경 없음", EMPTY: "빈 값(반영 안 함)", ERROR: "오류",
    STALE: "계획 변경됨(확인 필요)", CONFLICT: "충돌",
}


@dataclass
class ServerState:
    """What the server holds for one chunk of rows: indicators and their departments' names, targets, actuals."""

    indicators: dict[int, Indicator]
    department_names: dict[int, str]
    targets: dict[int, Decimal | None]
    actuals: dict[tuple[int, int], Actual]  # (indicator id, period) → its actual
    methods: dict[str, Method | None] = field(default_factory=dict)  # formula text → parsed once

    def method_of(self, indicator: Indicator) -> Method | None:
        key = indicator.formula or indicator.method_text
        if key not in self.methods:
            self.methods[key] = indicator_method(indicator)
        return self.methods[key]


def _new_entry(row: DataRow, layout: L.Layout) -> dict[str, Any]:
    name = f"{row.name} ({period_label(row.period, layout.period_count)})" if row.period else row.name
    return {
        "row": row.number, "period": row.period, "department": row.department, "name": name, "status": CHANGED,
        "indicator_id": None, "department_id": None, "inputs": {}, "value": None, "new_value": None, "note": "",
        "old": None, "expected_version": 0, "messages": [], "stale_reasons": [], "server": None,
    }


def _row_problem(problems: list[Problem], entry: dict, column: int, message: str) -> None:
    problems.append(Problem(entry["row"], column, message))
    entry["status"] = ERROR
    entry["messages"].append(f"{L.cell_ref(column, entry['row'])}: {message}")


def row_preview(
    row: DataRow, layout: L.Layout, meta_rows: MetaRows, server: ServerState, problems: list[Problem],
) -> dict[str, Any]:
    entry = _new_entry(row, layout)
    number = row.number
    indicator_id = row.indicator_id
    if indicator_id is None:
        shown = cell_text(row.id_value) if row.id_value is not None else ""
        _row_problem(problems, entry, L.COL_ID,
                     f"지표ID {with_josa(quoted(shown), '이/가')} 올바르지 않습니다. 지표ID 열은 고치지 마세요." if shown
                     else "지표ID가 비어 있습니다. 내려받은 행에만 입력하세요.")
        return entry
    entry["indicator_id"] = indicator_id
    position = meta_rows.index(indicator_id)
    if position < 0:
        _row_problem(problems, entry, L.COL_ID,
                     f"지표ID {with_josa(str(indicator_id), '은/는')} 이 파일에서 내려받은 지표가 아닙니다. 지표ID 열은 고치지 마세요.")
        return entry
    if (earlier := meta_rows.seen[position]) and earlier != number:  # a row by period is read once per period
        _row_problem(problems, entry, L.COL_ID,
                     f"지표ID {with_josa(str(indicator_id), '이/가')} {earlier}행에도 있습니다. 같은 지표를 두 번 넣을 수 없습니다.")
        return entry
    meta_rows.seen[position] = number
    row_key, plan_fingerprint, expected_version = meta_rows.at(position)
    if row.period:
        expected_version = meta_rows.versions(position)[row.period - 1]
    if L.row_key(indicator_id, row.name) != row_key:
        _row_problem(problems, entry, L.COL_ID,
                     f"지표ID {with_josa(str(indicator_id), '이/가')} 이 행의 지표명('{row.name}')과 맞지 않습니다. 지표ID·지표명 열은 고치지 마세요.")
        return entry
    indicator = server.indicators.get(indicator_id)
    if indicator is None:
        _row_problem(problems, entry, L.COL_ID, "이 지표는 내려받은 뒤 삭제되었습니다.")
        return entry
    entry["department_id"] = indicator.department_id
    entry["department"] = server.department_names[indicator.department_id]
    entry["expected_version"] = expected_version

    for column, text, is_problem in row.findings:
        if is_problem:
            _row_problem(problems, entry, column, text)
        else:
            entry["messages"].append(f"{L.cell_ref(column, number)}: {text}")
    actual = server.actuals.get((indicator_id, row.period))
    # A row by period writes its note to the latest period holding a value; the others keep theirs.
    note = row.note if row.note_applies else (actual.note if actual is not None else "")
    if row.note_problem and row.note_applies:
        _row_problem(problems, entry, layout.note_col, row.note_problem)
    elif row.note_applies:
        try:
            note_check(row.note)
        except ValueRefused as exc:
            _row_problem(problems, entry, layout.note_col, exc.message)
    entry["note"] = note
    if actual is not None:
        entry["old"] = _old(actual, indicator)
    if entry["status"] == ERROR:
        return entry

    labels, values = row.labels, row.values
    if all(value is None for value in values.values()):
        entry["status"] = EMPTY
        had = actual is not None and actual.value is not None
        entry["messages"].append("값이 비어 있어 반영하지 않습니다" + (" (현재 값 유지)." if had else "."))
        return entry
    target = server.targets.get(indicator_id)
    stale = L.plan_fingerprint(target=target, weight=indicator.weight, method_text=indicator.method_text) != plan_fingerprint
    names = indicator.input_names
    if stale and [name for name, _ in labels] != list(names or (DIRECT_LABEL,)):
        _row_problem(problems, entry, labels[0][1],
                     f"내려받은 뒤 측정산식이 '{cell_text(row.shown[2] or '')}'에서 "
                     f"{with_josa(quoted(indicator.method_text), '으로/로')} 바뀌어 입력 항목이 맞지 않습니다. "
                     "실적 파일을 새로 내려받아 다시 입력하세요.")
        return entry
    direct = not names
    try:
        computed = actual_compute(
            indicator, inputs=None if direct else values, value=values.get(DIRECT_LABEL) if direct else None,
            method=server.method_of(indicator),
        )
    except InvalidInput as exc:
        columns = dict(labels)
        for key, messages in exc.errors.items():
            column = columns.get(key) or (labels[0][1] if direct or key != VALUE_FIELD else layout.computed_col)
            for message in messages:
                _row_problem(problems, entry, column, message)
        return entry
    entry["inputs"] = computed.inputs
    if direct:
        entry["value"] = format(computed.value, "f")
    entry["new_value"] = indicator.figure(computed.value)  # shown in the preview as the indicator shows it

    if _unchanged(actual, computed.value, computed.inputs, note):
        entry["status"] = UNCHANGED
        return entry
    if actual is not None and (refusal := editable_refusal(actual.status)) is not None:
        _row_problem(problems, entry, labels[0][1], refusal.message)
        return entry
    current_version = actual.version if actual is not None else 0
    if actual is None and expected_version:
        message = "내려받은 뒤 서버에서 이 실적이 삭제되었습니다. 실적 파일을 새로 내려받아 다시 입력하세요."
        entry["status"] = CONFLICT
        entry["server"] = {"value": None, "inputs": {}, "version": 0, "updated_by": "", "updated_at": ""}
        problems.append(Problem(number, labels[0][1], message))
        entry["messages"].append(message)
        return entry
    if current_version != expected_version:
        when = timezone.localtime(actual.updated_at).strftime("%Y-%m-%d %H:%M") if actual and actual.updated_at else "-"
        by = actual.updated_by.username if actual and actual.updated_by else "알 수 없음"
        entry["status"] = CONFLICT
        entry["server"] = {
            "value": _figure(indicator, actual.value) if actual else None,
            "inputs": dict(actual.inputs) if actual else {},
            "version": current_version, "updated_by": by, "updated_at": when,
        }
        saved = quoted(indicator.figure(actual.value) if actual else "없음")
        message = (f"내려받은 뒤 {by}님이 {when}에 실적을 {with_josa(saved, '으로/로')} "
                   f"저장했습니다 (파일의 값: '{indicator.figure(computed.value)}'). 덮어쓰지 않습니다. "
                   "실적 파일을 새로 내려받아 다시 입력하세요.")
        problems.append(Problem(number, labels[0][1], message))
        entry["messages"].append(message)
        return entry
    if stale:
        entry["status"] = STALE
        entry["stale_reasons"] = _stale_reasons(row, indicator, target)
    return entry


def _figure(indicator: Indicator, value: Decimal | None) -> str | None:
    """A value as the preview shows it: as the indicator shows its figures everywhere (Indicator.figure)."""
    return None if value is None else indicator.figure(value)


def _old(actual: Actual, indicator: Indicator) -> dict[str, Any]:
    return {
        "value": _figure(indicator, actual.value), "inputs": dict(actual.inputs or {}), "note": actual.note,
        "status": actual.status, "status_label": actual.get_status_display(), "version": actual.version,
    }


def _unchanged(actual: Actual | None, value: Decimal, inputs: dict[str, str], note: str) -> bool:
    if actual is None or actual.value is None or actual.status == ActualStatus.NOT_REPORTED:
        return False
    if actual.value != value or (actual.note or "") != note:
        return False
    current = dict(actual.inputs or {})
    if set(current) != set(inputs):
        return False
    try:
        return all(Decimal(str(current[name])) == Decimal(text) for name, text in inputs.items())
    except InvalidOperation:
        return False


def _stale_reasons(row: DataRow, indicator: Indicator, target: Decimal | None) -> list[str]:
    reasons = []
    shown_target, shown_weight, shown_formula = row.shown
    if L.number_text(target) != L.number_text(_cell_number(shown_target)):
        reasons.append(f"목표: {cell_text(shown_target) if shown_target is not None else '없음'} → {indicator.figure(target)}")
    if L.number_text(indicator.weight) != L.number_text(_cell_number(shown_weight)):
        reasons.append(f"가중치: {cell_text(shown_weight) if shown_weight is not None else '없음'} → "
                       f"{plain_text(indicator.weight)}")
    shown_formula = cell_text(shown_formula or "")
    if shown_formula != (indicator.method_text or ""):
        reasons.append(f"측정산식: '{shown_formula}' → '{indicator.method_text}'")
    return reasons or ["내려받은 뒤 목표·가중치·측정산식이 바뀌었습니다."]


def _cell_number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None  # 'NaN' or 'sNaN' typed into the cell
