"""Formulas as people write them: sympy expressions and conditions as readable text (`x^2`,
`a = b`, `and`, cases instead of `Piecewise`) and as LaTeX (with the spec's names)."""

from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.str import StrPrinter


class _MathPrinter(StrPrinter):
    """sympy's str printer with powers as `^`, `=` for equality, words for logic and cases for
    piecewise expressions."""

    def _print_Pow(self, expr, rational=False):
        text = super()._print_Pow(expr, rational)
        return text.replace("**", "^")

    def _print_Equality(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Unequality(self, expr):
        return f"{self._print(expr.lhs)} != {self._print(expr.rhs)}"

    def _print_And(self, expr):
        return " and ".join(self._wrapped(a) for a in expr.args)

    def _print_Or(self, expr):
        return " or ".join(self._wrapped(a) for a in expr.args)

    def _print_Not(self, expr):
        return f"not ({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "always"

    def _print_Piecewise(self, expr):
        parts = []
        for value, cond in expr.args:
            if cond in (True, sympy.true):
                parts.append(f"{self._print(value)} otherwise" if parts else self._print(value))
            else:
                parts.append(f"{self._print(value)} if {self._print(cond)}")
        return "(" + "; ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def _wrapped(self, a) -> str:
        text = self._print(a)
        return f"({text})" if isinstance(a, (sympy.And, sympy.Or)) else text


def math_text(expr: Any) -> str:
    """Return a formula or condition as readable text."""
    if isinstance(expr, str):
        return expr
    return _MathPrinter().doprint(expr)


def math_latex(expr: Any, names: dict | None = None) -> str:
    """Return a formula or condition in LaTeX with the spec's names (`symbol_names`)."""
    if expr in (True, sympy.true):
        return r"\text{always}"
    return sympy.latex(expr, symbol_names=names or {})
