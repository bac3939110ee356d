"""The formula language's limits, errors and syntax tree, and how its text is normalised."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

MAX_SOURCE_LENGTH = 500
MAX_TOKENS = 100
MAX_DEPTH = 20
MAX_EXPONENT = 10
MAX_ROUND_DIGITS = 10
MAX_ADJUSTED_EXPONENT = 30
MAX_SIGNIFICANT_DIGITS = 40
FUNCTIONS = ("min", "max", "round", "abs")
OPERATOR_CHARACTERS = frozenset("+-*/^()")  # checked after normalisation, so ×, ÷ and − count

TRANSLATION = str.maketrans({"×": "*", "÷": "/", "−": "-"})
DIGITS = "0123456789"
BINARY_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 30}
PREFIX_POWER = 40
DECIMAL_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999, traps=[InvalidOperation, DivisionByZero, Overflow]
)
ROUNDING_CONTEXT = Context(prec=MAX_SIGNIFICANT_DIGITS + MAX_ROUND_DIGITS, rounding=ROUND_HALF_UP)
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


def normalize_text(text: str) -> str:
    """NFKC, then the multiplication, division and minus signs as ASCII operators."""
    return unicodedata.normalize("NFKC", text).translate(TRANSLATION).strip()


ROUND_DIGITS_PROBLEM = f"round의 자릿수는 0부터 {MAX_ROUND_DIGITS}까지의 정수여야 합니다"


def constant_value(node: Node) -> Decimal | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Unary) and isinstance(node.operand, Number):
        return node.operand.value.copy_negate() if node.op == "-" else node.operand.value
    return None


def is_round_digits(value: Decimal) -> bool:
    return value == value.to_integral_value() and 0 <= value <= MAX_ROUND_DIGITS


def out_of_bounds(value: Decimal) -> str:
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
