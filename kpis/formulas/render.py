"""A syntax tree as canonical text or as Excel text."""
from __future__ import annotations

from collections.abc import Mapping

from kpis.formulas.nodes import (
    BINARY_POWER,
    Binary,
    Call,
    Name,
    Node,
    Number,
    Unary,
)


def render(node: Node, cells: Mapping[str, str] | None = None) -> str:
    """Canonical text (``cells`` None) or Excel text; parentheses only where the tree needs them."""
    if isinstance(node, Number):
        return format(node.value, "f")
    if isinstance(node, Name):
        return node.name if cells is None else cells[node.name]
    if isinstance(node, Unary):
        inner = render(node.operand, cells)
        return node.op + (f"({inner})" if isinstance(node.operand, Binary) else inner)
    if isinstance(node, Call):
        args = [render(arg, cells) for arg in node.args]
        if cells is None:
            return f"{node.function}({', '.join(args)})"
        if node.function == "round" and len(args) == 1:
            args.append("0")
        return f"{node.function.upper()}({','.join(args)})"
    power = BINARY_POWER[node.op]
    left, right = render(node.left, cells), render(node.right, cells)
    if isinstance(node.left, Binary) and BINARY_POWER[node.left.op] < power:
        left = f"({left})"
    if isinstance(node.right, Binary) and BINARY_POWER[node.right.op] <= power:
        right = f"({right})"
    space = "" if cells is not None else " "
    return f"{left}{space}{node.op}{space}{right}"
