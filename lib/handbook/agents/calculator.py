"""Safe arithmetic: parse an expression with `ast` and evaluate only numbers and operators, never `eval`.

    calculate("12 * (3 + 4) / 2")   -> 42
    calculate("2 ** 10 - 1_000")    -> 24
    calculate("__import__('os')")   -> ToolError: only numbers and + - * / // % ** ( ) are allowed

Integers stay exact; a result is rounded to 10 significant decimals so that 0.1 + 0.2 prints 0.3.
Powers are capped (exponent <= 100, operand size) so that `9 ** 9 ** 9` cannot eat the machine.

Deliberately left out: names, functions (sqrt, sin), units and variables.
"""

from __future__ import annotations

import ast
import operator

from ..errors import ToolError

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
MAX_EXPONENT = 100
MAX_LENGTH = 200
ALLOWED = "only numbers and + - * / // % ** ( ) are allowed"


def _eval(node: ast.AST) -> int | float:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > MAX_EXPONENT or abs(left) > 10**6):
            raise ToolError(f"The power {left} ** {right} is too large.", f"keep exponents within {MAX_EXPONENT}")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError as exc:
            raise ToolError("Division by zero.", "check the divisor") from exc
    raise ToolError(f"Unsupported element {type(node).__name__} in the expression.", ALLOWED)


def calculate(expression: str) -> int | float:
    """The value of an arithmetic expression, evaluated without `eval` (chapter 9)."""
    text = str(expression).replace(",", "").strip()  # "1,200 * 3" means 1200 * 3
    if not text or len(text) > MAX_LENGTH:
        raise ToolError(f"Expression must be 1-{MAX_LENGTH} characters.", "e.g. calculator('12 * 7')")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"Not an arithmetic expression: {expression!r}.", ALLOWED) from exc
    value = _eval(tree)
    if isinstance(value, complex):
        raise ToolError("The result is not a real number.", "avoid fractional powers of negative numbers")
    if isinstance(value, float):
        value = round(value, 10)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value
