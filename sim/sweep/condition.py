"""Scenario-discovery conditions (``nrr < 1.0``, ``abx.pipeline_created_usd < abm.pipeline_created_usd``),
read without evaluating user text.

A condition is parsed with :func:`ast.parse` and only a small grammar is accepted: metric names
(dotted for ``strategy.metric`` or a config key), numbers, arithmetic, comparisons,
``and``/``or``/``not`` (or ``&``/``|``/``~``). Anything else is a one-line :class:`ValueError`; nothing is executed.

>>> import numpy as np
>>> evaluate("nrr < 1.0 and not grr >= 0.9", {"nrr": np.array([0.9, 1.1]), "grr": np.array([0.8, 0.8])}.__getitem__)
array([ True, False])
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import numpy as np

_COMPARE: dict[type, Callable] = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
                                  ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ARITHMETIC: dict[type, Callable] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                                     ast.Div: operator.truediv}
_ALLOWED = "metric names, numbers, + - * /, comparisons (< <= > >= == !=) and and/or/not"


#: Longest condition read: a scenario is described in a line, and a parser has a depth limit.
MAX_LENGTH = 1000


def _parse(condition: str) -> ast.expr:
    if not isinstance(condition, str) or len(condition) > MAX_LENGTH:
        raise ValueError(f"condition {str(condition)[:60]!r}: must be text of at most {MAX_LENGTH} characters")
    try:
        return ast.parse(condition.strip(), mode="eval").body
    except (SyntaxError, RecursionError, MemoryError):
        raise ValueError(f"condition {condition!r}: not an expression of {_ALLOWED}") from None


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or a chain of attributes on a name, else ``None``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def names(condition: str) -> list[str]:
    """The dotted names a condition reads, in order of appearance."""
    found = [_dotted(n) for n in ast.walk(_parse(condition)) if isinstance(n, ast.Name | ast.Attribute)]
    return list(dict.fromkeys(n for n in found if n and not any(o != n and o.startswith(n + ".")
                                                                  for o in found if o)))


def evaluate(condition: str, lookup: Callable[[str], np.ndarray]) -> np.ndarray:
    """The condition's truth per row; ``lookup`` gives the values of a dotted name."""

    def value(node: ast.expr) -> np.ndarray | float:
        name = _dotted(node)
        if name is not None:
            return np.asarray(lookup(name))
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.Compare):
            left, result = value(node.left), np.asarray(True)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                if type(op) not in _COMPARE:
                    break
                right = value(right_node)
                result = result & _COMPARE[type(op)](left, right)
                left = right
            else:
                return result
        if isinstance(node, ast.BoolOp):
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return combine.reduce([np.asarray(value(v), dtype=bool) for v in node.values])
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            return _ARITHMETIC[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd | ast.BitOr):
            combine = np.logical_and if isinstance(node.op, ast.BitAnd) else np.logical_or
            return combine(np.asarray(value(node.left), dtype=bool), np.asarray(value(node.right), dtype=bool))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.Invert):
            return ~np.asarray(value(node.operand), dtype=bool)
        raise ValueError(f"condition {condition!r}: {ast.unparse(node)!r} is not allowed; use {_ALLOWED}")

    try:
        return np.asarray(value(_parse(condition)), dtype=bool)
    except RecursionError:  # nested deeper than Python's stack, within MAX_LENGTH characters
        raise ValueError(f"condition {condition[:60]!r}...: nested too deeply") from None
