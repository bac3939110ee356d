"""The tokenizer and the parser (precedence climbing), and what kind of method a text is."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import (
    Decimal,
)
from enum import StrEnum

from kpis.formulas.evaluate import Formula
from kpis.formulas.nodes import (
    BINARY_POWER,
    DIGITS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_SOURCE_LENGTH,
    MAX_TOKENS,
    OPERATOR_CHARACTERS,
    PREFIX_POWER,
    ROUND_DIGITS_PROBLEM,
    TRANSLATION,
    Binary,
    Call,
    FormulaError,
    Name,
    Node,
    Number,
    Unary,
    constant_value,
    is_round_digits,
    normalize_text,
    out_of_bounds,
)
from kpis.formulas.render import render


class MethodKind(StrEnum):
    FORMULA = "formula"
    SINGLE = "single"
    DIRECT = "direct"


@dataclass(frozen=True)
class Method:
    kind: MethodKind
    formula: Formula | None
    inputs: tuple[str, ...]


def parse_formula(text: str) -> Formula:
    if len(text) > MAX_SOURCE_LENGTH:
        raise _too_long(text)
    normalized = unicodedata.normalize("NFKC", text).translate(TRANSLATION)
    if len(normalized) > MAX_SOURCE_LENGTH:
        raise _too_long(normalized)
    parser = _Parser(_tokenize(normalized))
    tree = parser.parse()
    return Formula(source=text, normalized=render(tree), variables=tuple(parser.names), tree=tree)


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
        if ch in DIGITS or (ch == "." and i + 1 < n and text[i + 1] in DIGITS):
            while i < n and text[i] in DIGITS:
                i += 1
            if i < n and text[i] == ".":
                i += 1
                if i >= n or text[i] not in DIGITS:
                    raise _error(start, text[start:i], "소수점 뒤에 숫자가 필요합니다")
                while i < n and text[i] in DIGITS:
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
        while (token := self.peek()).kind == "op" and BINARY_POWER[token.text] > right_power:
            self.advance()
            left = Binary(token.text, left, self.expression(BINARY_POWER[token.text]))
        return left

    def prefix(self, token: _Token) -> Node:
        if token.kind == "number":
            value = Decimal(token.text)
            if problem := out_of_bounds(value):
                raise _error(token.position, token.text, f"숫자가 {problem}")
            return Number(value)
        if token.kind == "name":
            if self.peek().kind == "(":
                return self.call(token)
            self.names.setdefault(token.text)
            return Name(token.text)
        if token.kind == "op" and token.text in "+-":
            return Unary(token.text, self.expression(PREFIX_POWER))
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
            digits = constant_value(args[1])
            if digits is not None and not is_round_digits(digits):
                raise _error(starts[1].position, starts[1].text, ROUND_DIGITS_PROBLEM)
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
