"""The 측정산식 language: parsing, canonical text, evaluation, Excel text and method classification."""
from __future__ import annotations

import time
import unicodedata
from decimal import Decimal

import pytest

from kpis.formulas import (
    Evaluation,
    FormulaError,
    MethodKind,
    classify_method,
    evaluate_formula,
    parse_formula,
)

D = Decimal


@pytest.mark.parametrize(
    ("source", "normalized", "variables"),
    [
        ("활동인원/인구*100", "활동인원 / 인구 * 100", ("활동인원", "인구")),
        ("개최횟수", "개최횟수", ("개최횟수",)),
        ("  a  +b*  c ", "a + b * c", ("a", "b", "c")),
        ("(a+b)*c", "(a + b) * c", ("a", "b", "c")),
        ("a-(b-c)", "a - (b - c)", ("a", "b", "c")),
        ("(a-b)-c", "a - b - c", ("a", "b", "c")),
        ("a/(b*c)", "a / (b * c)", ("a", "b", "c")),
        ("2^3^2", "2 ^ 3 ^ 2", ()),
        ("2^(3^2)", "2 ^ (3 ^ 2)", ()),
        ("-2^2", "-2 ^ 2", ()),
        ("-(2^2)", "-(2 ^ 2)", ()),
        ("2^-1", "2 ^ -1", ()),
        ("a - -b", "a - -b", ("a", "b")),
        ("+a", "+a", ("a",)),
        ("x+x*x", "x + x * x", ("x",)),
        ("12.50 + .5 + 007", "12.50 + 0.5 + 7", ()),
        ("MAX(a, 0) + Min(b,c,1)", "max(a, 0) + min(b, c, 1)", ("a", "b", "c")),
        ("round(a/b*100, 2)", "round(a / b * 100, 2)", ("a", "b")),
        ("ROUND(a)", "round(a)", ("a",)),
        ("abs(a-b)", "abs(a - b)", ("a", "b")),
        ("visits_2024 / _base", "visits_2024 / _base", ("visits_2024", "_base")),
        ("비자·인력/인구", "비자·인력 / 인구", ("비자·인력", "인구")),
        ("a × b ÷ c", "a * b / c", ("a", "b", "c")),
        ("a − b", "a - b", ("a", "b")),
        ("（ａ＋１００）＊２", "(a + 100) * 2", ("a",)),
        ("max", "max", ("max",)),  # a function name not followed by "(" is a variable
    ],
)
def test_it_parses_and_renders_canonical_text(source, normalized, variables):
    formula = parse_formula(source)
    assert formula.source == source
    assert formula.normalized == normalized
    assert formula.variables == variables
    assert parse_formula(normalized).normalized == normalized


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("활동인원/인구*100", {"활동인원": D(96_000), "인구": D(1_600_000)}, D("6")),
        ("개최횟수", {"개최횟수": D(12)}, D(12)),
        ("a/b*100", {"a": D(12), "b": D(11)}, D("109.0909090909090909090909091")),
        ("2^3^2", {}, D(64)),  # Excel: left to right
        ("-2^2", {}, D(4)),  # Excel: negation before power
        ("2^-3^2", {}, D("0.015625")),
        ("2^-2", {}, D("0.25")),
        ("1+2*3", {}, D(7)),
        ("(1+2)*3", {}, D(9)),
        ("10-4-3", {}, D(3)),
        ("100/10/5", {}, D(2)),
        ("-3 - -3", {}, D(0)),
        ("1/3", {}, D("0.3333333333333333333333333333")),
        ("2/3", {}, D("0.6666666666666666666666666667")),  # ROUND_HALF_UP at 28 digits
        ("max(1, a, 3)", {"a": D(5)}, D(5)),
        ("min(4)", {}, D(4)),
        ("abs(a)", {"a": D("-2.5")}, D("2.5")),
        ("round(2.5)", {}, D(3)),
        ("round(-2.5)", {}, D(-3)),  # half away from zero, like Excel's ROUND
        ("round(2.345, 2)", {}, D("2.35")),
        ("round(2.3, 2)", {}, D("2.3")),
        ("round(a, n)", {"a": D("1.23456"), "n": D(3)}, D("1.235")),
        ("0 * -1", {}, D(0)),
        ("a*b", {"a": 3, "b": "2.5"}, D("7.5")),  # int and numeric text are converted exactly
        ("a", {"a": 0.1}, D("0.1")),  # a float goes through its repr, not its binary expansion
    ],
)
def test_it_evaluates_in_decimal(source, values, expected):
    evaluation = evaluate_formula(parse_formula(source), values)
    assert evaluation == Evaluation(expected, "")
    assert isinstance(evaluation.value, Decimal)


def test_a_zero_result_is_never_negative_zero():
    assert str(parse_formula("0 * -1").evaluate({}).value) == "0"


@pytest.mark.parametrize(
    ("source", "values", "reason"),
    [
        ("활동인원/인구*100", {"활동인원": D(1), "인구": D(0)}, "0으로 나눌 수 없습니다 (인구 = 0)"),
        ("a/(b-c)", {"a": D(1), "b": D(2), "c": D(2)}, "0으로 나눌 수 없습니다 (b - c = 0)"),
        ("1/0", {}, "0으로 나눌 수 없습니다"),
        ("활동인원/인구*100", {"활동인원": D(1)}, "입력값이 없습니다: 인구"),
        ("활동인원/인구*100", {}, "입력값이 없습니다: 활동인원, 인구"),
        ("a+b", {"a": D(1), "b": None}, "입력값이 없습니다: b"),
        ("a", {"a": "1,000"}, "입력값이 숫자가 아닙니다: a"),
        ("a", {"a": True}, "입력값이 숫자가 아닙니다: a"),
        ("a", {"a": D("NaN")}, "입력값이 숫자가 아닙니다: a"),
        ("a", {"a": D("Infinity")}, "입력값이 숫자가 아닙니다: a"),
        ("a", {"a": float("inf")}, "입력값이 숫자가 아닙니다: a"),
        ("a", {"a": [1]}, "입력값이 숫자가 아닙니다: a"),
        ("a", {"a": D("1E+31")}, "입력값이 너무 큽니다: a"),
        ("a", {"a": D("1" * 41)}, "입력값이 너무 큽니다: a"),
        ("a", {"a": D("1E-31")}, "입력값이 너무 작습니다: a"),
        ("9^9^9", {}, "결과가 너무 큽니다"),
        ("10^100", {}, "거듭제곱의 지수는 -10부터 10까지의 정수여야 합니다 (지수 = 100)"),
        ("2^0.5", {}, "거듭제곱의 지수는 -10부터 10까지의 정수여야 합니다 (지수 = 0.5)"),
        ("2^a", {"a": D(11)}, "거듭제곱의 지수는 -10부터 10까지의 정수여야 합니다 (지수 = 11)"),
        ("0^0", {}, "0의 0제곱이나 음수 제곱은 계산할 수 없습니다"),
        ("0^-1", {}, "0의 0제곱이나 음수 제곱은 계산할 수 없습니다"),
        ("10^10*10^10*10^10*10", {}, "결과가 너무 큽니다"),
        ("1/10^10/10^10/10^10/10", {}, "결과가 너무 작습니다"),
        ("round(a, n)", {"a": D(1), "n": D("1.5")}, "round의 자릿수는 0부터 10까지의 정수여야 합니다 (자릿수 = 1.5)"),
    ],
)
def test_it_refuses_to_evaluate_with_a_reason(source, values, reason):
    assert evaluate_formula(parse_formula(source), values) == Evaluation(None, reason)


def test_it_matches_inputs_given_twice_under_one_normalised_name_only_when_they_agree():
    formula = parse_formula("ａ")
    assert formula.evaluate({"a": D(1), "ａ": D("1.0")}).value == 1
    assert formula.evaluate({"a": D(1), "ａ": D(2)}).reason == "같은 이름의 입력값이 서로 다릅니다: a"


@pytest.mark.parametrize(
    ("source", "position", "token", "message"),
    [
        ("a+*b", 2, "*", "3번째 글자 '*' 근처: 피연산자가 필요합니다"),
        ("*a", 0, "*", "1번째 글자 '*' 근처: 피연산자가 필요합니다"),
        ("a+", 2, "", "식의 끝: 피연산자가 필요합니다"),
        ("()", 1, ")", "2번째 글자 ')' 근처: 피연산자가 필요합니다"),
        ("(a+b", 4, "", "식의 끝: 닫는 괄호 ')'가 필요합니다"),
        ("(a b)", 3, "b", "4번째 글자 'b' 근처: 연산자 또는 닫는 괄호 ')'가 필요합니다"),
        ("(a, b)", 2, ",", "3번째 글자 ',' 근처: 쉼표는 함수의 인자를 나눌 때만 쓸 수 있습니다"),
        ("a)", 1, ")", "2번째 글자 ')' 근처: 여는 괄호 없이 닫는 괄호가 있습니다"),
        ("a, b", 1, ",", "2번째 글자 ',' 근처: 쉼표는 함수의 인자를 나눌 때만 쓸 수 있습니다"),
        ("설문조사 결과", 5, "결과", "6번째 글자 '결과' 근처: 연산자가 필요합니다"),
        ("2x", 1, "x", "2번째 글자 'x' 근처: 연산자가 필요합니다"),
        ("1,960,000", 1, ",", "2번째 글자 ',' 근처: 쉼표는 함수의 인자를 나눌 때만 쓸 수 있습니다"),
        ("a*100%", 5, "%", "6번째 글자 '%' 근처: 쓸 수 없는 문자입니다"),
        ("a = b", 2, "=", "3번째 글자 '=' 근처: 쓸 수 없는 문자입니다"),
        ("12.", 0, "12.", "1번째 글자 '12.' 근처: 소수점 뒤에 숫자가 필요합니다"),
        ("1.2.3", 0, "1.2.", "1번째 글자 '1.2.' 근처: 숫자에 소수점이 두 개 있습니다"),
        ("비자· + 1", 0, "비자·", "1번째 글자 '비자·' 근처: 이름은 '·'로 끝날 수 없습니다"),
        ("·a", 0, "·", "1번째 글자 '·' 근처: 쓸 수 없는 문자입니다"),
        ("sum(a, b)", 0, "sum", "1번째 글자 'sum' 근처: 알 수 없는 함수입니다 (min, max, round, abs만 쓸 수 있습니다)"),
        ("__import__(a)", 0, "__import__", "1번째 글자 '__import__' 근처: 알 수 없는 함수입니다 (min, max, round, abs만 쓸 수 있습니다)"),
        ("min()", 0, "min", "1번째 글자 'min' 근처: min 함수에는 인자가 1개 이상 필요합니다"),
        ("abs(a, b)", 0, "abs", "1번째 글자 'abs' 근처: abs 함수에는 인자가 1개 필요합니다"),
        ("round(a, 1, 2)", 0, "round", "1번째 글자 'round' 근처: round 함수에는 인자가 1개 또는 2개 필요합니다"),
        ("round(a, 11)", 9, "11", "10번째 글자 '11' 근처: round의 자릿수는 0부터 10까지의 정수여야 합니다"),
        ("round(a, 0.5)", 9, "0.5", "10번째 글자 '0.5' 근처: round의 자릿수는 0부터 10까지의 정수여야 합니다"),
        ("round(a, -1)", 9, "-", "10번째 글자 '-' 근처: round의 자릿수는 0부터 10까지의 정수여야 합니다"),
        ("min(a,)", 6, ")", "7번째 글자 ')' 근처: 피연산자가 필요합니다"),
        ("1" * 32, 0, "1" * 32, f"1번째 글자 '{'1' * 32}' 근처: 숫자가 너무 큽니다"),
        ("0." + "0" * 31 + "1", 0, "0." + "0" * 31 + "1", f"1번째 글자 '0.{'0' * 31}1' 근처: 숫자가 너무 작습니다"),
        ("ａ＋＊ｂ", 2, "*", "3번째 글자 '*' 근처: 피연산자가 필요합니다"),  # positions in the NFKC text
        ("", 0, "", "식이 비어 있습니다"),
        ("   ", 0, "", "식이 비어 있습니다"),
    ],
)
def test_it_reports_a_syntax_error_with_its_position(source, position, token, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(source)
    error = caught.value
    assert (error.position, error.token, error.message) == (position, token, message)
    assert str(error) == message
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("(" * 21 + "1" + ")" * 21, 20, "21번째 글자 '(' 근처: 괄호가 너무 깊게 겹쳐 있습니다 (최대 20단계)"),
        ("min(" * 21 + "1" + ")" * 21, 83, "84번째 글자 '(' 근처: 괄호가 너무 깊게 겹쳐 있습니다 (최대 20단계)"),
        ("+".join(["a"] * 51), 100, "101번째 글자 'a' 근처: 식이 너무 깁니다 (항목 100개 초과)"),
        ("a" * 501, 500, "식이 너무 깁니다 (최대 500자)"),
        ("a+" * 5000, 500, "식이 너무 깁니다 (최대 500자)"),
        ("㎏" * 251, 500, "식이 너무 깁니다 (최대 500자)"),  # 251 characters, 502 after NFKC ("kg")
    ],
)
def test_it_refuses_formulas_beyond_the_limits(source, position, message):
    with pytest.raises(FormulaError) as caught:
        parse_formula(source)
    assert (caught.value.position, caught.value.message) == (position, message)


def test_the_limits_themselves_are_allowed():
    assert parse_formula("(" * 20 + "1" + ")" * 20).normalized == "1"
    assert len(parse_formula("+".join(["a"] * 50)).variables) == 1  # 99 tokens
    assert parse_formula("1" * 31).evaluate({}).value == D("1" * 31)


def test_bombs_are_refused_quickly():
    started = time.perf_counter()
    for source in ["(" * 5000 + "1" + ")" * 5000, "9" * 10_000, "-" * 10_000 + "1", "a^" * 99 + "a"]:
        with pytest.raises(FormulaError):
            parse_formula(source)
    assert parse_formula("9^9^9").evaluate({}).value is None
    assert parse_formula("((9^9)^9)^9").evaluate({}).value is None
    assert parse_formula("a^10^10^10").evaluate({"a": D(10)}).value is None
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    "written",
    [
        unicodedata.normalize("NFD", "활동인원"),  # conjoining jamo, as macOS file names and some IMEs produce
        "활동인원",
    ],
)
def test_names_are_nfkc_normalised_in_the_formula(written):
    formula = parse_formula(f"{written}/인구*１００")
    assert formula.variables == ("활동인원", "인구")
    assert formula.normalized == "활동인원 / 인구 * 100"
    assert formula.evaluate({"활동인원": D(6), "인구": D(100)}).value == D(6)


def test_names_are_nfkc_normalised_in_the_values():
    formula = parse_formula("활동인원/인구*100")
    values = {unicodedata.normalize("NFD", "활동인원"): D(6), "인구 ": D(100)}
    assert formula.evaluate(values).value == D(6)


def test_compatibility_jamo_match_only_their_own_spelling():
    # NFKC maps letter-by-letter compatibility jamo (ㅎㅘㄹ…) to leading jamo, which do not compose
    # into 활; such a name is a different name, but the same spelling still matches on both sides.
    spelled = "ㅎㅘㄹㄷㅗㅇ"
    formula = parse_formula(f"{spelled}*2")
    assert formula.variables != ("활동",)
    assert formula.evaluate({spelled: D(3)}).value == D(6)


def test_full_width_digits_and_operators_are_read_as_ascii():
    assert parse_formula("１００＋２．５").evaluate({}).value == D("102.5")


@pytest.mark.parametrize(
    ("source", "refs", "excel"),
    [
        ("활동인원/인구*100", {"활동인원": "D7", "인구": "E7"}, "D7/E7*100"),
        ("(a+b)*c", {"a": "A1", "b": "B1", "c": "C1"}, "(A1+B1)*C1"),
        ("-2^2 + a", {"a": "Sheet1!A1"}, "-2^2+Sheet1!A1"),
        ("round(a)", {"a": "A1"}, "ROUND(A1,0)"),
        ("round(a, 2) + max(a, 0) - min(a, 1) * abs(a)", {"a": "A1"}, "ROUND(A1,2)+MAX(A1,0)-MIN(A1,1)*ABS(A1)"),
        ("a - -b", {"a": "A1", "b": "B1"}, "A1--B1"),
        ("a ^ (b ^ 2)", {"a": "A1", "b": "B1"}, "A1^(B1^2)"),
        ("-(a+b)", {"a": "A1", "b": "B1", "unused": "Z9"}, "-(A1+B1)"),
        ("ａ*2", {"ａ": "A1"}, "A1*2"),
    ],
)
def test_it_renders_excel_text(source, refs, excel):
    assert parse_formula(source).to_excel(refs) == excel


def test_excel_text_needs_a_reference_for_every_variable():
    with pytest.raises(ValueError, match="셀 참조가 없는 변수가 있습니다: 인구"):
        parse_formula("활동인원/인구").to_excel({"활동인원": "D7"})


@pytest.mark.parametrize(
    ("text", "kind", "inputs"),
    [
        ("활동인원/인구*100", MethodKind.FORMULA, ("활동인원", "인구")),
        ("개최횟수", MethodKind.SINGLE, ("개최횟수",)),
        ("교류횟수", MethodKind.SINGLE, ("교류횟수",)),
        (" 교류횟수 ", MethodKind.SINGLE, ("교류횟수",)),
        ("(교류횟수)", MethodKind.SINGLE, ("교류횟수",)),
        ("100", MethodKind.FORMULA, ()),
        ("설문조사 결과", MethodKind.DIRECT, ()),
        ("블로그 방문횟수", MethodKind.DIRECT, ()),
        ("지역특화형 비자·숙련기능인력 대상자 모집 인원", MethodKind.DIRECT, ()),
        ("외국인 주민 정착지원 활동", MethodKind.DIRECT, ()),
        ("1365 자원봉사시스템", MethodKind.DIRECT, ()),
        ("만족도 100%", MethodKind.DIRECT, ()),
        ("ab" * 300, MethodKind.DIRECT, ()),  # too long to be a formula, and no operator in it
        ("", MethodKind.DIRECT, ()),
        ("   ", MethodKind.DIRECT, ()),
        (None, MethodKind.DIRECT, ()),
    ],
)
def test_it_classifies_measurement_methods(text, kind, inputs):
    method = classify_method(text)
    assert (method.kind, method.inputs) == (kind, inputs)
    assert (method.formula is None) == (kind is MethodKind.DIRECT)
    if method.formula is not None:
        assert method.formula.variables == inputs


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("활동인원/인구*", 8),
        ("활동인원 / 인구 × 100%", 15),
        ("설문조사 결과(만족도)", 5),  # prose with parentheses reads as a broken formula
        ("(a+b", 4),
        ("a ÷ ÷ b", 4),
        ("-" * 600, 500),
    ],
)
def test_it_reports_a_broken_formula_instead_of_calling_it_a_method(text, position):
    with pytest.raises(FormulaError) as caught:
        classify_method(text)
    assert caught.value.position == position
