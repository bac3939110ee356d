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

from kpis.formulas.evaluate import Evaluation, Formula, evaluate_formula
from kpis.formulas.nodes import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_ROUND_DIGITS,
    MAX_SOURCE_LENGTH,
    MAX_TOKENS,
    Binary,
    Call,
    FormulaError,
    Name,
    Node,
    Number,
    Unary,
    normalize_text,
)
from kpis.formulas.parse import Method, MethodKind, classify_method, parse_formula

__all__ = [
    "FUNCTIONS", "MAX_DEPTH", "MAX_EXPONENT", "MAX_ROUND_DIGITS", "MAX_SOURCE_LENGTH", "MAX_TOKENS", "Binary", "Call",
    "Evaluation", "Formula", "FormulaError", "Method", "MethodKind", "Name", "Node", "Number", "Unary",
    "classify_method", "evaluate_formula", "normalize_text", "parse_formula",
]
