"""What a typed actual is worth: read against the indicator's value domain and computed by its formula.

The one reading every channel shares (form, API, workbook preview and confirm, period and year rows).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from core.errors import InvalidInput
from core.numbers import plain_text
from kpis.domain import VALUE_FIELD, ValueRefused, value_check, value_read, value_round
from kpis.formulas import FormulaError, Method, classify_method
from kpis.models import Indicator

DIRECT_LABEL = "실적"


@dataclass(frozen=True)
class ComputedValue:
    value: Decimal
    inputs: dict[str, str]


def indicator_method(indicator: Indicator) -> Method | None:
    """The indicator's formula as the plan holds it (None for a value entered directly)."""
    if not indicator.input_names:
        return None
    try:
        return classify_method(indicator.formula or indicator.method_text)
    except FormulaError:
        return None


def actual_compute(
    indicator: Indicator, *, inputs: Mapping[str, object] | None, value: object, method: Method | None = None,
) -> ComputedValue:
    """What the user typed, read against the indicator's domains and computed; field errors, nothing saved.

    `method` may be given when the caller already holds `indicator_method(indicator)`.
    """
    names = indicator.input_names
    if not names:
        try:
            return ComputedValue(value=value_read(value, indicator.value_domain, label=DIRECT_LABEL), inputs={})
        except ValueRefused as exc:
            raise InvalidInput({VALUE_FIELD: [exc.message]}) from exc
    provided = dict(inputs or {})
    errors: dict[str, list[str]] = {}
    numbers: dict[str, Decimal] = {}
    for name in names:
        try:
            numbers[name] = value_read(provided.get(name), indicator.input_domain, label=name)
        except ValueRefused as exc:
            errors[name] = [exc.message]
    for name in sorted(set(provided) - set(names)):
        errors[name] = [f"이 지표의 산식에 없는 항목입니다. 입력 항목: {', '.join(names)}"]
    if errors:
        raise InvalidInput(errors)
    method = method or indicator_method(indicator)
    if method is None or method.formula is None:
        raise InvalidInput({VALUE_FIELD: ["이 지표의 측정산식을 읽을 수 없습니다. 관리자에게 알려 주세요."]})
    evaluation = method.formula.evaluate(numbers)
    if evaluation.value is None:
        raise InvalidInput({VALUE_FIELD: [evaluation.reason]})
    result = value_round(evaluation.value, indicator.value_domain)
    try:
        value_check(result, indicator.value_domain)
    except ValueRefused as exc:
        raise InvalidInput({VALUE_FIELD: [f"계산된 실적 {exc.message}"]}) from exc
    return ComputedValue(value=result, inputs={name: plain_text(numbers[name]) for name in names})
