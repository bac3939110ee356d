"""A parsed formula and its evaluation in Decimal: compiled once into closures, every result bounded."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)
from functools import cached_property

from kpis.formulas.nodes import (
    DECIMAL_CONTEXT,
    MAX_ADJUSTED_EXPONENT,
    MAX_EXPONENT,
    ROUND_DIGITS_PROBLEM,
    ROUNDING_CONTEXT,
    TOO_LARGE,
    TOO_SMALL,
    Call,
    Name,
    Node,
    Number,
    Unary,
    is_round_digits,
    normalize_text,
    out_of_bounds,
)
from kpis.formulas.render import render


@dataclass(frozen=True)
class Evaluation:
    value: Decimal | None
    reason: str


@dataclass(frozen=True)
class Formula:
    source: str
    normalized: str
    variables: tuple[str, ...]
    tree: Node = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Decimal]) -> Evaluation:
        return evaluate_formula(self, values)

    @cached_property
    def compiled(self) -> Callable[[Mapping[str, Decimal]], Decimal]:
        """The tree as nested closures: what `evaluate` runs, built once per formula."""
        return _compile(self.tree)

    def to_excel(self, refs: Mapping[str, str]) -> str:
        """Excel text without the leading "=", variables replaced by ``refs`` (e.g. ``D7/E7*100``)."""
        cells = {normalize_text(key): ref for key, ref in refs.items()}
        missing = [name for name in self.variables if name not in cells]
        if missing:
            raise ValueError(f"셀 참조가 없는 변수가 있습니다: {', '.join(missing)}")
        return render(self.tree, cells)


def evaluate_formula(formula: Formula, values: Mapping[str, Decimal]) -> Evaluation:
    try:
        inputs = _coerce_inputs(formula.variables, values)
        with localcontext(DECIMAL_CONTEXT):
            value = formula.compiled(inputs)
    except _Refusal as refusal:
        return Evaluation(None, refusal.reason)
    except ArithmeticError:
        return Evaluation(None, "계산할 수 없습니다")
    return Evaluation(value.copy_abs() if value.is_zero() else value, "")


class _Refusal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _coerce_inputs(variables: tuple[str, ...], values: Mapping[str, object] | None) -> dict[str, Decimal]:
    given: dict[str, list[object]] = {}
    for key, raw in (values or {}).items():
        if isinstance(key, str) and raw is not None:
            given.setdefault(normalize_text(key), []).append(raw)
    missing = [name for name in variables if name not in given]
    if missing:
        raise _Refusal(f"입력값이 없습니다: {', '.join(missing)}")
    inputs: dict[str, Decimal] = {}
    for name in variables:
        candidates = {_to_decimal(raw, name) for raw in given[name]}
        if len(candidates) > 1:
            raise _Refusal(f"같은 이름의 입력값이 서로 다릅니다: {name}")
        inputs[name] = candidates.pop()
    return inputs


def _to_decimal(raw: object, name: str) -> Decimal:
    value: Decimal | None = None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = Decimal(raw)
    elif isinstance(raw, float | str):
        # A float goes through its shortest repr, so 0.1 is 0.1 and not its binary expansion.
        with localcontext(DECIMAL_CONTEXT):
            try:
                value = Decimal(str(raw).strip())
            except InvalidOperation:
                value = None
    if value is None or not value.is_finite():
        raise _Refusal(f"입력값이 숫자가 아닙니다: {name}")
    if problem := out_of_bounds(value):
        raise _Refusal(f"입력값이 {problem}: {name}")
    return value


def _bounded(value: Decimal) -> Decimal:
    problem = out_of_bounds(value)
    if problem:
        raise _Refusal(TOO_SMALL if problem == "너무 작습니다" else TOO_LARGE)
    return value


def _bounded_result(value: Decimal) -> Decimal:
    """`_bounded` for the result of an operation under DECIMAL_CONTEXT: its 28 digits of precision are fewer than
    MAX_SIGNIFICANT_DIGITS and its traps leave no infinity or NaN, so only the exponent can be out of bounds."""
    adjusted = value.adjusted()
    if adjusted > MAX_ADJUSTED_EXPONENT:
        raise _Refusal(TOO_LARGE)
    if adjusted < -MAX_ADJUSTED_EXPONENT and not value.is_zero():
        raise _Refusal(TOO_SMALL)
    return value


def _compile(node: Node) -> Callable[[Mapping[str, Decimal]], Decimal]:
    """A closure computing `node` from the inputs: operands left to right, every result bounded,
    the same refusals as a walk of the tree would raise. Runs under DECIMAL_CONTEXT."""
    if isinstance(node, Number):
        number = node.value
        return lambda inputs: number
    if isinstance(node, Name):
        name = node.name
        return lambda inputs: inputs[name]
    if isinstance(node, Unary):
        operand = _compile(node.operand)
        if node.op == "-":
            return lambda inputs: operand(inputs).copy_negate()
        return operand
    if isinstance(node, Call):
        args = [_compile(arg) for arg in node.args]
        return lambda inputs: _bounded(_call(node, [arg(inputs) for arg in args]))
    left, right = _compile(node.left), _compile(node.right)
    if node.op == "+":
        return lambda inputs: _bounded_result(left(inputs) + right(inputs))
    if node.op == "-":
        return lambda inputs: _bounded_result(left(inputs) - right(inputs))
    if node.op == "*":
        return lambda inputs: _bounded_result(left(inputs) * right(inputs))
    if node.op == "/":
        zero = "0으로 나눌 수 없습니다" + ("" if isinstance(node.right, Number) else f" ({render(node.right)} = 0)")

        def divide(inputs: Mapping[str, Decimal]) -> Decimal:
            dividend, divisor = left(inputs), right(inputs)
            if divisor.is_zero():
                raise _Refusal(zero)
            return _bounded_result(dividend / divisor)

        return divide

    def power(inputs: Mapping[str, Decimal]) -> Decimal:
        base, exponent = left(inputs), right(inputs)
        if exponent != exponent.to_integral_value() or abs(exponent) > MAX_EXPONENT:
            raise _Refusal(f"거듭제곱의 지수는 -{MAX_EXPONENT}부터 {MAX_EXPONENT}까지의 정수여야 합니다 (지수 = {exponent:f})")
        if base.is_zero() and exponent <= 0:
            raise _Refusal("0의 0제곱이나 음수 제곱은 계산할 수 없습니다")
        return _bounded(base ** int(exponent))

    return power


def _call(node: Call, args: list[Decimal]) -> Decimal:
    if node.function == "min":
        return min(args)
    if node.function == "max":
        return max(args)
    if node.function == "abs":
        return args[0].copy_abs()
    value, digits = args[0], (args[1] if len(args) == 2 else Decimal(0))
    if not is_round_digits(digits):
        raise _Refusal(f"{ROUND_DIGITS_PROBLEM} (자릿수 = {digits:f})")
    places = int(digits)
    if value.as_tuple().exponent >= -places:  # already has no more decimals than asked for
        return value
    with localcontext(ROUNDING_CONTEXT):  # wide, so a 40-digit input is rounded, not refused
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
