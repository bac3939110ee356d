"""Properties of the formula language over generated expression trees and arbitrary text."""
from __future__ import annotations

import random
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis.formulas import (
    Binary,
    Call,
    Evaluation,
    FormulaError,
    Name,
    Number,
    Unary,
    classify_method,
    evaluate_formula,
    parse_formula,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ("활동인원", "인구", "x", "visits_2024", "비자·인력", "_합계")

numbers = st.one_of(
    st.integers(min_value=0, max_value=1000).map(Decimal),
    st.decimals(min_value=0, max_value=10_000, places=2),
).map(Number)
leaves = st.one_of(numbers, st.sampled_from(NAMES).map(Name))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(Unary, st.sampled_from("+-"), children),
        st.builds(Binary, st.sampled_from("+-*/^"), children, children),
        st.builds(Call, st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(lambda arg: Call("abs", (arg,)), children),
        st.builds(lambda arg: Call("round", (arg,)), children),
        st.builds(lambda arg, n: Call("round", (arg, Number(Decimal(n)))), children, st.integers(0, 10)),
    )


def _size(node) -> int:
    children = {Unary: lambda n: [n.operand], Binary: lambda n: [n.left, n.right], Call: lambda n: list(n.args)}
    return 1 + sum(_size(child) for child in children.get(type(node), lambda n: [])(node))


def _depth(node) -> int:
    if isinstance(node, Unary):
        return 1 + _depth(node.operand)
    if isinstance(node, Binary):
        return 1 + max(_depth(node.left), _depth(node.right))
    if isinstance(node, Call):
        return 1 + max(_depth(arg) for arg in node.args)
    return 0


# Small enough that the fully parenthesised spelling stays within 100 tokens and 20 levels.
trees = st.recursive(leaves, _extend, max_leaves=8).filter(lambda tree: _size(tree) <= 20 and _depth(tree) <= 8)


def spell(node, rng: random.Random) -> str:
    """Fully parenthesised text with random spacing and function-name case: independent of precedence."""

    def gap() -> str:
        return rng.choice(["", "", " ", "  "])

    def wrapped(child) -> str:
        text = spell(child, rng)
        return f"({gap()}{text}{gap()})" if isinstance(child, Unary | Binary) else text

    if isinstance(node, Number):
        return format(node.value, "f")
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Unary):
        return f"{node.op}{gap()}{wrapped(node.operand)}"
    if isinstance(node, Call):
        name = rng.choice([node.function, node.function.upper(), node.function.title()])
        return f"{name}({gap()}{f'{gap()},{gap()}'.join(spell(arg, rng) for arg in node.args)}{gap()})"
    op = rng.choice({"*": "*×", "/": "/÷"}.get(node.op, node.op))
    return f"{wrapped(node.left)}{gap()}{op}{gap()}{wrapped(node.right)}"


class Undefined(Exception):
    pass


def _checked(value: Decimal) -> Decimal:
    if value != 0 and (abs(value.adjusted()) > 30 or len(value.as_tuple().digits) > 40):
        raise Undefined
    return value


def reference(node, env: dict[str, Decimal]) -> Decimal:
    """The documented semantics, straight over the tree."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return env[node.name]
    if isinstance(node, Unary):
        value = reference(node.operand, env)
        return -value if node.op == "-" else value
    if isinstance(node, Call):
        args = [reference(arg, env) for arg in node.args]
        if node.function in ("min", "max"):
            return {"min": min, "max": max}[node.function](args)
        if node.function == "abs":
            return abs(args[0])
        places = int(args[1]) if len(args) == 2 else 0
        with localcontext() as wide:
            wide.prec = 100
            return _checked(args[0].quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    left, right = reference(node.left, env), reference(node.right, env)
    if node.op == "+":
        return _checked(left + right)
    if node.op == "-":
        return _checked(left - right)
    if node.op == "*":
        return _checked(left * right)
    if node.op == "/":
        if right == 0:
            raise Undefined
        return _checked(left / right)
    if right != int(right) or abs(right) > 10 or (left == 0 and right <= 0):
        raise Undefined
    return _checked(left ** int(right))


def reference_value(tree, env: dict[str, Decimal]) -> Decimal | None:
    with localcontext() as context:
        context.prec, context.rounding = 28, ROUND_HALF_UP
        try:
            return reference(tree, env)
        except Undefined:
            return None


values = st.fixed_dictionaries({name: st.decimals(min_value=-1000, max_value=1000, places=2) for name in NAMES})


@SETTINGS
@given(trees, st.randoms(use_true_random=False))
def test_parsing_a_spelled_tree_gives_back_the_tree(tree, rng):
    assert parse_formula(spell(tree, rng)).tree == tree


@SETTINGS
@given(trees, st.randoms(use_true_random=False))
def test_canonical_text_is_stable_and_means_the_same_tree(tree, rng):
    formula = parse_formula(spell(tree, rng))
    again = parse_formula(formula.normalized)
    assert again.normalized == formula.normalized
    assert again.tree == tree
    assert again.variables == formula.variables


@SETTINGS
@given(trees, st.randoms(use_true_random=False), values)
def test_evaluation_matches_the_reference_semantics(tree, rng, env):
    evaluation = evaluate_formula(parse_formula(spell(tree, rng)), env)
    expected = reference_value(tree, env)
    assert evaluation.value == expected
    assert (evaluation.reason == "") == (expected is not None)


formula_alphabet = st.one_of(
    st.sampled_from(list("0123456789.+-*/^(),  ab_활동인구×÷−·ㆍ１２（）＊%=,")),
    st.characters(codec="utf-8"),
)
texts = st.one_of(st.text(formula_alphabet, max_size=80), st.text(max_size=600))


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(str.maketrans({"×": "*", "÷": "/", "−": "-"}))


@SETTINGS
@given(texts)
def test_arbitrary_text_either_parses_or_raises_a_formula_error_that_points_at_it(text):
    try:
        formula = parse_formula(text)
    except FormulaError as error:
        source = _normalized(text)
        assert error.message
        if len(text) <= 500:
            assert 0 <= error.position <= len(source)
            assert source.startswith(error.token, error.position)
        return
    assert parse_formula(formula.normalized).normalized == formula.normalized


@SETTINGS
@given(texts)
def test_classifying_arbitrary_text_raises_nothing_but_a_formula_error(text):
    try:
        classify_method(text)
    except FormulaError:
        assert set("+-*/^()") & set(_normalized(text))


odd_values = st.one_of(
    st.none(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.booleans(),
    st.just([1]),
)


@SETTINGS
@given(trees, st.randoms(use_true_random=False), st.dictionaries(st.sampled_from(NAMES), odd_values))
def test_evaluation_never_raises(tree, rng, env):
    evaluation = parse_formula(spell(tree, rng)).evaluate(env)
    assert isinstance(evaluation, Evaluation)
    assert (evaluation.value is None) != (evaluation.reason == "")
