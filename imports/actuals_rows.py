"""One row of an actuals workbook checked against the server: old → new, its status and its problems.

`row_preview` is pure: the server state it compares with is loaded by `imports.actuals_import` a chunk
at a time, and it runs while PostgreSQL stores the previous chunk's rows, so it never queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from core.errors import InvalidInput
from core.numbers import plain_number, plain_text
from imports import workbook_layout as L
from imports.actuals_workbook import DataRow
from imports.meta_sheet import MetaRows
from imports.readers import Problem, cell_text
from kpis.models import ActualStatus, Indicator
from kpis.services.actuals import EDITABLE, actual_compute_numbers, indicator_inputs

CHANGED, UNCHANGED, EMPTY, ERROR, STALE, CONFLICT = "changed", "unchanged", "empty", "error", "stale", "conflict"
STATUS_LABELS = {
    CHANGED: "변경", UNCHANGED: "변경 없음", EMPTY: "빈 값(반영 안 함)", ERROR: "오류",
    STALE: "계획 변경됨(확인 필요)", CONFLICT: "충돌",
}
STORED = Decimal("0.0001")
# The fields of a preview row that are stored only when they differ from these (most rows have no old
# value, messages or conflict); `imports.run_rows` gives every row back with all of them.
ENTRY_DEFAULTS: dict[str, Any] = {
    "indicator_id": None, "department_id": None, "inputs": {}, "value": None, "new_value": None, "note": "",
    "old": None, "expected_version": 0, "messages": [], "stale_reasons": [], "server": None,
}


@dataclass(frozen=True)
class IndicatorInfo:
    pk: int
    department_id: int
    department_name: str
    weight: Decimal
    method_text: str
    formula: str


@dataclass(frozen=True)
class ActualInfo:
    value: Decimal | None
    inputs: dict[str, str]
    note: str
    status: str
    version: int
    updated_at: Any
    updated_by: str | None

    @property
    def status_label(self) -> str:
        return ActualStatus(self.status).label


@dataclass
class ServerState:
    indicators: dict[int, IndicatorInfo]
    targets: dict[int, Decimal | None]
    actuals: dict[int, ActualInfo]
    # One unsaved Indicator per distinct formula: what actual_compute needs, without one model per row.
    methods: dict[tuple[str, str], Indicator] = field(default_factory=dict)

    def method_of(self, info: IndicatorInfo) -> Indicator:
        key = (info.formula, info.method_text)
        if key not in self.methods:
            self.methods[key] = Indicator(formula=info.formula, method_text=info.method_text)
        return self.methods[key]


def _row_problem(problems: list[Problem], entry: dict, row: int, column: int, message: str) -> None:
    problems.append(Problem(row, column, message))
    entry["status"] = ERROR
    entry.setdefault("messages", []).append(f"{L.cell_ref(column, row)}: {message}")


def row_preview(
    row: DataRow, layout: L.Layout, meta_rows: MetaRows, server: ServerState, problems: list[Problem], year: int,
) -> dict[str, Any]:
    number = row.number
    # Fields at their default (ENTRY_DEFAULTS) are left out until set.
    entry: dict[str, Any] = {"row": number, "department": row.department, "name": row.name, "status": CHANGED}
    indicator_id = row.indicator_id
    if indicator_id is None:
        shown = cell_text(row.id_value) if row.id_value is not None else ""
        _row_problem(problems, entry, number, L.COL_ID,
                     f"지표ID '{shown}'가 올바르지 않습니다. 지표ID 열은 고치지 마세요." if shown
                     else "지표ID가 비어 있습니다. 내려받은 행에만 입력하세요.")
        return entry
    entry["indicator_id"] = indicator_id
    position = meta_rows.index(indicator_id)
    if position < 0:
        _row_problem(problems, entry, number, L.COL_ID,
                     f"지표ID {indicator_id}는 이 파일에서 내려받은 지표가 아닙니다. 지표ID 열은 고치지 마세요.")
        return entry
    if earlier := meta_rows.seen[position]:
        _row_problem(problems, entry, number, L.COL_ID,
                     f"지표ID {indicator_id}가 {earlier}행에도 있습니다. 같은 지표를 두 번 넣을 수 없습니다.")
        return entry
    meta_rows.seen[position] = number
    row_key, plan_fingerprint, expected_version = meta_rows.at(position)
    if row.row_key != row_key:
        _row_problem(problems, entry, number, L.COL_ID,
                     f"지표ID {indicator_id}가 이 행의 지표명('{row.name}')과 맞지 않습니다. 지표ID·지표명 열은 고치지 마세요.")
        return entry
    indicator = server.indicators.get(indicator_id)
    if indicator is None:
        _row_problem(problems, entry, number, L.COL_ID, "이 지표는 내려받은 뒤 삭제되었습니다.")
        return entry
    entry["department_id"] = indicator.department_id
    entry["department"] = indicator.department_name
    if expected_version:
        entry["expected_version"] = expected_version

    labels, values = row.labels, row.values
    for column, text, is_problem in row.findings:
        if is_problem:
            _row_problem(problems, entry, number, column, text)
        else:
            entry.setdefault("messages", []).append(f"{L.cell_ref(column, number)}: {text}")
    note = row.note
    if row.note_problem:
        _row_problem(problems, entry, number, layout.note_col, row.note_problem)
    if note:
        entry["note"] = note
    actual = server.actuals.get(indicator_id)
    if actual is not None:
        entry["old"] = _old(actual)
    if entry["status"] == ERROR:
        return entry

    direct = [name for name, _ in labels] == [L.DIRECT_LABEL]
    given = {name: value for name, value in values.items() if value is not None}
    if not given:
        entry["status"] = EMPTY
        had = actual is not None and actual.value is not None
        entry.setdefault("messages", []).append("값이 비어 있어 반영하지 않습니다" + (" (현재 값 유지)." if had else "."))
        return entry
    if len(given) < len(values):
        for name, column in labels:
            if values[name] is None:
                _row_problem(problems, entry, number, column, f"'{name}' 값을 입력하세요.")
        return entry
    target = server.targets.get(indicator_id)
    stale = L.plan_fingerprint(target=target, weight=indicator.weight, method_text=indicator.method_text) != plan_fingerprint
    method = server.method_of(indicator)
    names = indicator_inputs(method)
    if stale and [name for name, _ in labels] != list(names or (L.DIRECT_LABEL,)):
        _row_problem(problems, entry, number, labels[0][1],
                     f"내려받은 뒤 측정산식이 '{cell_text(row.shown[2] or '')}'에서 '{indicator.method_text}'"
                     "(으)로 바뀌어 입력 항목이 맞지 않습니다. 실적 파일을 새로 내려받아 다시 입력하세요.")
        return entry
    value_text = format(given[L.DIRECT_LABEL], "f") if direct else None
    try:
        computed = actual_compute_numbers(method, names, inputs=None if direct else given,
                                          value=given[L.DIRECT_LABEL] if direct else None)
    except InvalidInput as exc:
        columns = dict(labels)
        for key, messages in exc.errors.items():
            if key in columns:
                column = columns[key]
            elif direct:
                column = labels[0][1]
            else:
                column = layout.computed_col
            for message in messages:
                _row_problem(problems, entry, number, column, message)
        return entry
    if computed.inputs:
        entry["inputs"] = computed.inputs
    if value_text is not None:
        entry["value"] = value_text
    entry["new_value"] = plain_text(_stored(computed.value))
    # What confirm needs to skip recomputing while the formula is the one computed with here.
    entry["computed"] = {"value": format(computed.value, "f"), "formula": indicator.formula or indicator.method_text}

    if _unchanged(actual, computed.value, computed.inputs, note):
        entry["status"] = UNCHANGED
        return entry
    if actual is not None and actual.status not in EDITABLE:
        _row_problem(problems, entry, number, labels[0][1],
                     f"'{actual.status_label}' 상태의 실적은 수정할 수 없습니다."
                     + (" 승인된 값은 잠겨 있습니다." if actual.status == ActualStatus.APPROVED else ""))
        return entry
    current_version = actual.version if actual is not None else 0
    if actual is None and expected_version:
        message = "내려받은 뒤 서버에서 이 실적이 삭제되었습니다. 실적 파일을 새로 내려받아 다시 입력하세요."
        entry["status"] = CONFLICT
        entry["server"] = {"value": None, "inputs": {}, "version": 0, "updated_by": "", "updated_at": ""}
        problems.append(Problem(number, labels[0][1], message))
        entry.setdefault("messages", []).append(message)
        return entry
    if current_version != expected_version:
        when = timezone.localtime(actual.updated_at).strftime("%Y-%m-%d %H:%M") if actual and actual.updated_at else "-"
        by = actual.updated_by if actual and actual.updated_by else "알 수 없음"
        shown = plain_text(actual.value) if actual else "없음"
        entry["status"] = CONFLICT
        entry["server"] = {
            "value": _text(actual.value) if actual else None, "inputs": dict(actual.inputs) if actual else {},
            "version": current_version, "updated_by": by, "updated_at": when,
        }
        message = (f"내려받은 뒤 {by}님이 {when}에 실적을 '{shown}'(으)로 저장했습니다 (파일의 값: "
                   f"'{plain_text(_stored(computed.value))}'). 덮어쓰지 않습니다. 실적 파일을 새로 내려받아 다시 입력하세요.")
        problems.append(Problem(number, labels[0][1], message))
        entry.setdefault("messages", []).append(message)
        return entry
    if stale:
        entry["status"] = STALE
        entry["stale_reasons"] = _stale_reasons(row, indicator, target)
    return entry


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(plain_number(value), "f")


def _old(actual: ActualInfo | None) -> dict[str, Any] | None:
    if actual is None:
        return None
    return {
        "value": _text(actual.value), "inputs": dict(actual.inputs or {}), "note": actual.note,
        "status": actual.status, "status_label": actual.status_label, "version": actual.version,
    }


def _stored(value: Decimal) -> Decimal:
    return value.quantize(STORED, rounding=ROUND_HALF_UP)


def _unchanged(actual: ActualInfo | None, value: Decimal, inputs: dict[str, str], note: str) -> bool:
    if actual is None or actual.value is None or actual.status == ActualStatus.NOT_REPORTED:
        return False
    if _stored(actual.value) != _stored(value) or (actual.note or "") != note:
        return False
    current = dict(actual.inputs or {})
    if set(current) != set(inputs):
        return False
    try:
        return all(Decimal(str(current[name])) == Decimal(text) for name, text in inputs.items())
    except InvalidOperation:
        return False


def _stale_reasons(row: DataRow, indicator: IndicatorInfo, target: Decimal | None) -> list[str]:
    reasons = []
    shown_target, shown_weight, shown_formula = row.shown
    if L.number_text(target) != L.number_text(_cell_number(shown_target)):
        reasons.append(f"목표: {cell_text(shown_target) if shown_target is not None else '없음'} → {plain_text(target)}")
    if L.number_text(indicator.weight) != L.number_text(_cell_number(shown_weight)):
        reasons.append(f"가중치: {cell_text(shown_weight) if shown_weight is not None else '없음'} → {plain_text(indicator.weight)}")
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
