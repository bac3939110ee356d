"""Audit entries in Korean words: what happened ("승인", "증빙자료 추가") and what changed ("상태: 작성 중 → 제출").

Every entity, action and field the services and importers write (kpis/services, imports/services) has a
label here; an unknown one reads as a generic Korean label, never as its internal key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from budgets.models import BudgetProgramAmount
from core.numbers import format_amount
from kpis.models import (
    Actual,
    ActualStatus,
    AuditEntry,
    Direction,
    EntryYear,
    Evidence,
    Indicator,
    IndicatorKind,
    Target,
)
from reports.models import ReportEntry

EMPTY = "없음"
UNKNOWN_ENTITY = "기타 항목"
UNKNOWN_ACTION = "변경"
UNKNOWN_FIELD = "기타 항목"
UNKNOWN_VALUE = "알 수 없는 값"

ENTITIES: dict[str, tuple[str, type[models.Model]]] = {
    "actual": ("실적", Actual),
    "target": ("목표", Target),
    "indicator": ("성과지표", Indicator),
    "evidence": ("증빙자료", Evidence),
    "year": ("연도", EntryYear),
    "report_entry": ("성과보고서 작성 내용", ReportEntry),
    "budget_amount": ("세부사업 결산액", BudgetProgramAmount),
}
ACTIONS = {
    "create": "입력", "update": "수정", "submit": "제출", "approve": "승인", "return": "반려",
    "reopen": "승인 취소", "finalise": "확정",
}
# Where "entity + action" reads badly, the whole event has its own words.
EVENTS = {
    ("actual", "create"): "실적 입력",
    ("actual", "update"): "실적 수정",
    ("target", "create"): "목표 입력",
    ("target", "update"): "목표 수정",
    ("indicator", "create"): "성과지표 등록",
    ("indicator", "update"): "성과지표 수정",
    ("evidence", "create"): "증빙자료 추가",
    ("year", "finalise"): "연도 결과 확정",
    ("report_entry", "create"): "성과보고서 작성",
    ("budget_amount", "create"): "결산액 입력",
    ("budget_amount", "update"): "결산액 수정",
    ("report_entry", "update"): "성과보고서 수정",
    ("report_entry", "submit"): "성과보고서 제출",
    ("report_entry", "approve"): "성과보고서 승인",
    ("report_entry", "return"): "성과보고서 반려",
    ("year", "reopen"): "연도 확정 해제",
}
# Field names that are not a model field, or whose model label is not the one a reader expects.
FIELDS = {
    ("actual", "value"): "실적 값",
    ("actual", "inputs"): "입력값",
    ("actual", "status"): "상태",
    ("actual", "note"): "비고",
    ("target", "value"): "목표값",
    ("indicator", "formula"): "측정산식",
    ("indicator", "direction"): "방향",
    ("evidence", "file"): "파일",
    ("year", "finalised_at"): "확정 시각",
    ("report_entry", "status"): "성과보고서 상태",
    ("budget_amount", "amount"): "결산액(백만원)",
}
CHOICES: dict[str, dict[str, str]] = {
    "status": dict(ActualStatus.choices),
    "direction": dict(Direction.choices),
    "kind": dict(IndicatorKind.choices),
}
FIGURES = {"value", "supplementary_value", "value_min", "value_max", "input_min", "input_max"}
AMOUNTS = {"weight", "band_tolerance"}


@dataclass(frozen=True)
class HistoryLine:
    """One audit entry as the history page shows it."""

    entry: AuditEntry
    event: str
    changes: list[str]

    @property
    def comment(self) -> str:
        return self.entry.comment


def history_lines(entries: list[AuditEntry], indicator: Indicator) -> list[HistoryLine]:
    return [history_line(entry, indicator) for entry in entries]


def history_line(entry: AuditEntry, indicator: Indicator) -> HistoryLine:
    if entry.changes:
        pairs = [(name, pair[0], pair[1]) for name, pair in entry.changes.items()]
    elif entry.field:
        pairs = [(entry.field, entry.old_value, entry.new_value)]
    else:
        pairs = []
    lines = []
    for name, old, new in pairs:
        if entry.entity == "actual" and name == "inputs":
            lines.extend(_input_changes(old, new, indicator))
        elif entry.entity == "evidence" and name == "file":
            lines.append(f"{field_label(entry.entity, name)}: {new or EMPTY}")
        else:
            lines.append(_change(field_label(entry.entity, name), value_text(name, old, indicator),
                                 value_text(name, new, indicator)))
    return HistoryLine(entry=entry, event=event_label(entry.entity, entry.action), changes=lines)


def entity_label(entity: str) -> str:
    return ENTITIES[entity][0] if entity in ENTITIES else UNKNOWN_ENTITY


def event_label(entity: str, action: str) -> str:
    """'증빙자료 추가', '승인', '실적 수정'; an unknown pair still reads in Korean."""
    if (entity, action) in EVENTS:
        return EVENTS[(entity, action)]
    if action in ("submit", "approve", "return", "reopen"):
        return ACTIONS[action]
    return f"{entity_label(entity)} {ACTIONS.get(action, UNKNOWN_ACTION)}"


def field_label(entity: str, name: str) -> str:
    """The Korean name of a changed field: ours first, else the model's verbose_name, else a generic label."""
    if (entity, name) in FIELDS:
        return FIELDS[(entity, name)]
    model = ENTITIES.get(entity, (None, None))[1]
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    return UNKNOWN_FIELD


def value_text(name: str, raw: object, indicator: Indicator) -> str:
    """A stored old or new value in words: statuses by their Korean label, figures with the indicator's decimals."""
    text = "" if raw is None else str(raw)
    if text == "":
        return EMPTY
    if name in CHOICES:
        return CHOICES[name].get(text, UNKNOWN_VALUE)
    if name in FIGURES or name in AMOUNTS:
        number = _number(text)
        if number is None:
            return text
        return indicator.figure(number) if name in FIGURES else format_amount(number)
    if name.endswith("_at"):
        return _when(text)
    return text


def _input_changes(old: object, new: object, indicator: Indicator) -> list[str]:
    """'입력값: 참가인원 12 → 15', one line per input that changed."""
    before, after = _inputs(old), _inputs(new)
    label = FIELDS[("actual", "inputs")]
    names = [name for name in indicator.input_names if name in before or name in after]
    names += [name for name in {**before, **after} if name not in names]
    return [
        _change(f"{label}: {name}", value_text("value", before.get(name), indicator),
                value_text("value", after.get(name), indicator), separator=" ")
        for name in names
        if before.get(name) != after.get(name)
    ]


def _change(label: str, old: str, new: str, separator: str = ": ") -> str:
    """'상태: 작성 중 → 제출'; a value that did not change (a placeholder created empty) once: '실적 값: 없음'."""
    return f"{label}{separator}{new}" if old == new else f"{label}{separator}{old} → {new}"


def _inputs(text: object) -> dict[str, str]:
    """Inputs as `audit_text` stored them: 'name=value, name=value'."""
    if isinstance(text, dict):
        return {str(k): str(v) for k, v in text.items()}
    pairs = {}
    for part in str(text or "").split(", "):
        name, sep, value = part.partition("=")
        if sep:
            pairs[name.strip()] = value.strip()
    return pairs


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _when(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")
