"""측정산식: a small formula language, parsed by hand and evaluated in Decimal.

Source text is NFKC-normalised first (full-width ``１００`` → ``100``, ``＊`` → ``*``, conjoining
jamo → syllables), then ``×`` is read as ``*``, ``÷`` as ``/`` and ``−`` (U+2212) as ``-``; these
are one-to-one, so error positions are offsets into that normalised text. Grammar::

    expr   := expr ("+" | "-") term | term
    term   := term ("*" | "/") power | power
    power  := power "^" unary | unary          # left-associative like Excel: 2^3^2 = (2^3)^2 = 64
    unary  := ("-" | "+") unary | atom         # binds tighter than ^, like Excel: -2^2 = (-2)^2 = 4
    atom   := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"
    NUMBER := DIGITS ["." DIGITS] | "." DIGITS  # ASCII digits; no thousands separators, since
                                                # commas separate function arguments
    NAME   := (letter | "_") (letter | digit | "_" | "·")*   # letter: Unicode L*; not ending in "·"

A NAME followed by ``(`` is a function call (names case-insensitive): ``min(a, ...)``,
``max(a, ...)``, ``abs(x)``, ``round(x)`` / ``round(x, n)`` (half away from zero, like Excel's
ROUND; n an integer 0..10, checked at parse time when it is a literal). Any other NAME is a
variable; variable names are compared after the same normalisation on both sides.

Limits (parse time, FormulaError): at most 500 characters, 100 tokens, 20 nested parentheses;
number literals within the value bounds below. Evaluation never raises; it returns a reason
instead of a value when an input is missing or not a number, on division by zero, when an
exponent is not an integer in -10..10, on 0^0 or 0^negative, or when any input or intermediate
result has an adjusted exponent beyond ±30 or more than 40 significant digits. Arithmetic uses a
local Decimal context: precision 28, ROUND_HALF_UP; never float, never eval.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from functools import cached_property

MAX_SOURCE_LENGTH = 500
MAX_TOKENS = 100
MAX_DEPTH = 20
MAX_EXPONENT = 10
MAX_ROUND_DIGITS = 10
MAX_ADJUSTED_EXPONENT = 30
MAX_SIGNIFICANT_DIGITS = 40
FUNCTIONS = ("min", "max", "round", "abs")
OPERATOR_CHARACTERS = frozenset("+-*/^()")  # checked after normalisation, so ×, ÷ and − count

_TRANSLATION = str.maketrans({"×": "*", "÷": "/", "−": "-"})
_DIGITS = "0123456789"
_BINARY_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 30}
_PREFIX_POWER = 40
_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999, traps=[InvalidOperation, DivisionByZero, Overflow]
)
_ROUNDING_CONTEXT = Context(prec=MAX_SIGNIFICANT_DIGITS + MAX_ROUND_DIGITS, rounding=ROUND_HALF_UP)
TOO_LARGE = "결과가 너무 큽니다"
TOO_SMALL = "결과가 너무 작습니다"


class FormulaError(ValueError):
    """A formula that cannot be parsed; ``position`` is an offset into the normalised source."""

    def __init__(self, message: str, *, position: int, token: str) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.token = token


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]


Node = Number | Name | Unary | Binary | Call


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
        return _render(self.tree, cells)


class MethodKind(StrEnum):
    FORMULA = "formula"
    SINGLE = "single"
    DIRECT = "direct"


@dataclass(frozen=True)
class Method:
    kind: MethodKind
    formula: Formula | None
    inputs: tuple[str, ...]


def normalize_text(text: str) -> str:
    """NFKC, then the multiplication, division and minus signs as ASCII operators."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATION).strip()


def parse_formula(text: str) -> Formula:
    if len(text) > MAX_SOURCE_LENGTH:
        raise _too_long(text)
    normalized = unicodedata.normalize("NFKC", text).translate(_TRANSLATION)
    if len(normalized) > MAX_SOURCE_LENGTH:
        raise _too_long(normalized)
    parser = _Parser(_tokenize(normalized))
    tree = parser.parse()
    return Formula(source=text, normalized=_render(tree), variables=tuple(parser.names), tree=tree)


def classify_method(text: str | None) -> Method:
    """A formula, a single counted quantity, or a method whose actual is entered directly."""
    if text is None or not text.strip():
        return Method(MethodKind.DIRECT, None, ())
    try:
        formula = parse_formula(text)
    except FormulaError:
        if OPERATOR_CHARACTERS.isdisjoint(normalize_text(text)):
            return Method(MethodKind.DIRECT, None, ())
        raise
    kind = MethodKind.SINGLE if isinstance(formula.tree, Name) else MethodKind.FORMULA
    return Method(kind, formula, formula.variables)


def evaluate_formula(formula: Formula, values: Mapping[str, Decimal]) -> Evaluation:
    try:
        inputs = _coerce_inputs(formula.variables, values)
        with localcontext(_CONTEXT):
            value = formula.compiled(inputs)
    except _Refusal as refusal:
        return Evaluation(None, refusal.reason)
    except ArithmeticError:
        return Evaluation(None, "계산할 수 없습니다")
    return Evaluation(value.copy_abs() if value.is_zero() else value, "")


# --- tokenizer and parser ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op", "(", ")", ",", "end"
    text: str
    position: int


def _error(position: int, token: str, problem: str) -> FormulaError:
    where = f"{position + 1}번째 글자 '{token}' 근처" if token else "식의 끝"
    return FormulaError(f"{where}: {problem}", position=position, token=token)


def _too_long(text: str) -> FormulaError:
    return FormulaError(
        f"식이 너무 깁니다 (최대 {MAX_SOURCE_LENGTH}자)", position=MAX_SOURCE_LENGTH, token=text[MAX_SOURCE_LENGTH]
    )


def _is_name_start(ch: str) -> bool:
    return ch == "_" or unicodedata.category(ch).startswith("L")


def _is_name_part(ch: str) -> bool:
    return _is_name_start(ch) or ch == "·" or unicodedata.category(ch) in ("Nd", "Mn", "Mc")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            while i < n and text[i] in _DIGITS:
                i += 1
            if i < n and text[i] == ".":
                i += 1
                if i >= n or text[i] not in _DIGITS:
                    raise _error(start, text[start:i], "소수점 뒤에 숫자가 필요합니다")
                while i < n and text[i] in _DIGITS:
                    i += 1
            if i < n and text[i] == ".":
                raise _error(start, text[start : i + 1], "숫자에 소수점이 두 개 있습니다")
            kind = "number"
        elif _is_name_start(ch):
            i += 1
            while i < n and _is_name_part(text[i]):
                i += 1
            if text[i - 1] == "·":
                raise _error(start, text[start:i], "이름은 '·'로 끝날 수 없습니다")
            kind = "name"
        elif ch in "+-*/^":
            i, kind = i + 1, "op"
        elif ch in "(),":
            i, kind = i + 1, ch
        else:
            raise _error(start, ch, "쓸 수 없는 문자입니다")
        if len(tokens) == MAX_TOKENS:
            raise _error(start, text[start:i], f"식이 너무 깁니다 (항목 {MAX_TOKENS}개 초과)")
        tokens.append(_Token(kind, text[start:i], start))
    tokens.append(_Token("end", "", n))
    return tokens


class _Parser:
    """Pratt parser over the token list; collects variable names in first-appearance order."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.names: dict[str, None] = {}

    def parse(self) -> Node:
        if self.tokens[0].kind == "end":
            raise FormulaError("식이 비어 있습니다", position=0, token="")
        node = self.expression(0)
        self.expect_end()
        return node

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def expression(self, right_power: int) -> Node:
        left = self.prefix(self.advance())
        while (token := self.peek()).kind == "op" and _BINARY_POWER[token.text] > right_power:
            self.advance()
            left = Binary(token.text, left, self.expression(_BINARY_POWER[token.text]))
        return left

    def prefix(self, token: _Token) -> Node:
        if token.kind == "number":
            value = Decimal(token.text)
            if problem := _out_of_bounds(value):
                raise _error(token.position, token.text, f"숫자가 {problem}")
            return Number(value)
        if token.kind == "name":
            if self.peek().kind == "(":
                return self.call(token)
            self.names.setdefault(token.text)
            return Name(token.text)
        if token.kind == "op" and token.text in "+-":
            return Unary(token.text, self.expression(_PREFIX_POWER))
        if token.kind == "(":
            self.enter(token)
            node = self.expression(0)
            self.expect_close(in_call=False)
            self.depth -= 1
            return node
        raise _error(token.position, token.text, "피연산자가 필요합니다")

    def call(self, name: _Token) -> Node:
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise _error(name.position, name.text, "알 수 없는 함수입니다 (min, max, round, abs만 쓸 수 있습니다)")
        self.enter(self.advance())
        args: list[Node] = []
        starts: list[_Token] = []
        if self.peek().kind != ")":
            while True:
                starts.append(self.peek())
                args.append(self.expression(0))
                if self.peek().kind != ",":
                    break
                self.advance()
        self.expect_close(in_call=True)
        self.depth -= 1
        arity = {"min": (1, None), "max": (1, None), "round": (1, 2), "abs": (1, 1)}[function]
        if len(args) < arity[0] or (arity[1] is not None and len(args) > arity[1]):
            wanted = {"round": "1개 또는 2개", "abs": "1개"}.get(function, "1개 이상")
            raise _error(name.position, name.text, f"{function} 함수에는 인자가 {wanted} 필요합니다")
        if function == "round" and len(args) == 2:
            digits = _constant(args[1])
            if digits is not None and not _is_round_digits(digits):
                raise _error(starts[1].position, starts[1].text, _ROUND_DIGITS_PROBLEM)
        return Call(function, tuple(args))

    def enter(self, paren: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(paren.position, paren.text, f"괄호가 너무 깊게 겹쳐 있습니다 (최대 {MAX_DEPTH}단계)")

    def expect_close(self, *, in_call: bool) -> None:
        token = self.peek()
        if token.kind == ")":
            self.advance()
        elif token.kind == "," and not in_call:
            raise _error(token.position, token.text, "쉼표는 함수의 인자를 나눌 때만 쓸 수 있습니다")
        elif token.kind == "end":
            raise _error(token.position, token.text, "닫는 괄호 ')'가 필요합니다")
        else:
            raise _error(token.position, token.text, "연산자 또는 닫는 괄호 ')'가 필요합니다")

    def expect_end(self) -> None:
        token = self.peek()
        if token.kind == ")":
            raise _error(token.position, token.text, "여는 괄호 없이 닫는 괄호가 있습니다")
        if token.kind == ",":
            raise _error(token.position, token.text, "쉼표는 함수의 인자를 나눌 때만 쓸 수 있습니다")
        if token.kind != "end":
            raise _error(token.position, token.text, "연산자가 필요합니다")


_ROUND_DIGITS_PROBLEM = f"round의 자릿수는 0부터 {MAX_ROUND_DIGITS}까지의 정수여야 합니다"


def _constant(node: Node) -> Decimal | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Unary) and isinstance(node.operand, Number):
        return node.operand.value.copy_negate() if node.op == "-" else node.operand.value
    return None


def _is_round_digits(value: Decimal) -> bool:
    return value == value.to_integral_value() and 0 <= value <= MAX_ROUND_DIGITS


def _out_of_bounds(value: Decimal) -> str:
    """What is wrong with ``value`` against the bounds every number must keep ("" when nothing)."""
    if not value.is_finite():
        return "너무 큽니다"
    if value.is_zero():
        return ""
    # A text no longer than the digit limit has no more digits than that: as_tuple() only for long ones.
    if value.adjusted() > MAX_ADJUSTED_EXPONENT or (
        len(str(value)) > MAX_SIGNIFICANT_DIGITS and len(value.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS
    ):
        return "너무 큽니다"
    if value.adjusted() < -MAX_ADJUSTED_EXPONENT:
        return "너무 작습니다"
    return ""


# --- rendering --------------------------------------------------------------------------------


def _render(node: Node, cells: Mapping[str, str] | None = None) -> str:
    """Canonical text (``cells`` None) or Excel text; parentheses only where the tree needs them."""
    if isinstance(node, Number):
        return format(node.value, "f")
    if isinstance(node, Name):
        return node.name if cells is None else cells[node.name]
    if isinstance(node, Unary):
        inner = _render(node.operand, cells)
        return node.op + (f"({inner})" if isinstance(node.operand, Binary) else inner)
    if isinstance(node, Call):
        args = [_render(arg, cells) for arg in node.args]
        if cells is None:
            return f"{node.function}({', '.join(args)})"
        if node.function == "round" and len(args) == 1:
            args.append("0")
        return f"{node.function.upper()}({','.join(args)})"
    power = _BINARY_POWER[node.op]
    left, right = _render(node.left, cells), _render(node.right, cells)
    if isinstance(node.left, Binary) and _BINARY_POWER[node.left.op] < power:
        left = f"({left})"
    if isinstance(node.right, Binary) and _BINARY_POWER[node.right.op] <= power:
        right = f"({right})"
    space = "" if cells is not None else " "
    return f"{left}{space}{node.op}{space}{right}"


# --- evaluation -------------------------------------------------------------------------------


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
        with localcontext(_CONTEXT):
            try:
                value = Decimal(str(raw).strip())
            except InvalidOperation:
                value = None
    if value is None or not value.is_finite():
        raise _Refusal(f"입력값이 숫자가 아닙니다: {name}")
    if problem := _out_of_bounds(value):
        raise _Refusal(f"입력값이 {problem}: {name}")
    return value


def _bounded(value: Decimal) -> Decimal:
    problem = _out_of_bounds(value)
    if problem:
        raise _Refusal(TOO_SMALL if problem == "너무 작습니다" else TOO_LARGE)
    return value


def _bounded_result(value: Decimal) -> Decimal:
    """`_bounded` for the result of an operation under _CONTEXT: its 28 digits of precision are fewer than
    MAX_SIGNIFICANT_DIGITS and its traps leave no infinity or NaN, so only the exponent can be out of bounds."""
    adjusted = value.adjusted()
    if adjusted > MAX_ADJUSTED_EXPONENT:
        raise _Refusal(TOO_LARGE)
    if adjusted < -MAX_ADJUSTED_EXPONENT and not value.is_zero():
        raise _Refusal(TOO_SMALL)
    return value


def _compile(node: Node) -> Callable[[Mapping[str, Decimal]], Decimal]:
    """A closure computing `node` from the inputs: operands left to right, every result bounded,
    the same refusals as a walk of the tree would raise. Runs under _CONTEXT."""
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
        zero = "0으로 나눌 수 없습니다" + ("" if isinstance(node.right, Number) else f" ({_render(node.right)} = 0)")

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
    if not _is_round_digits(digits):
        raise _Refusal(f"{_ROUND_DIGITS_PROBLEM} (자릿수 = {digits:f})")
    places = int(digits)
    if value.as_tuple().exponent >= -places:  # already has no more decimals than asked for
        return value
    with localcontext(_ROUNDING_CONTEXT):  # wide, so a 40-digit input is rounded, not refused
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
