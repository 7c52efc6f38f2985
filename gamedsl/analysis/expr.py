"""Expressions typed on the command line (`regions --by EXPR`, `sweep --columns EXPR`), computed
over table columns.

The text is untrusted: it is parsed by the language's own parser (`parse_expression`, the
grammar's `by` rule: the precedence of DESIGN §1, built-ins, `[C]`, `if`, and `NAME@SCENARIO`
for a value under a scenario) and never handed to Python, `sympify` or `parse_expr`.  A name is a
column of the sweep table (a choice, a player's payoff, a report, a param); `payoff(P)` is P's
payoff column.  Conditions are 1 where they hold and 0 where not, nan where a value is nan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gamedsl.language import ast, parse_expression
from gamedsl.language.builtins import BUILTINS
from gamedsl.model.errors import SpecError

HINTS = {
    "--by": "an expression of column names and numbers with + - * / ^ and parentheses, "
    'e.g. --by "welfare - welfare@no_regulation", or --by regime',
    "--columns": "column names, or expressions of them with + - * / ^ and parentheses, "
    'separated by commas, e.g. --columns "q1, CS - CS@baseline"',
}
HINT = HINTS["--by"]


@dataclass(frozen=True)
class Column:
    """A reference to a table column: `name` under `scenario` (None: the map's own scenario)."""

    name: str
    scenario: str | None = None

    def __str__(self) -> str:
        return self.name + (f"@{self.scenario}" if self.scenario else "")


@dataclass(frozen=True)
class Expr:
    """A parsed expression: the tree and the columns it reads."""

    text: str
    tree: ast.Expr
    columns: tuple[Column, ...]

    def scenarios(self) -> list[str]:
        """Return the scenarios named with `@`, in order of first use."""
        return list(dict.fromkeys(c.scenario for c in self.columns if c.scenario))

    def evaluate(self, lookup: Callable[[Column], np.ndarray]) -> np.ndarray:
        """Return the expression's values, reading each column with `lookup`."""
        with np.errstate(all="ignore"):
            return np.asarray(_value(self.tree, lookup), dtype=float)


def _error(text: str, column: int, message: str, option: str = "--by") -> SpecError:
    """Return the error of `option` (`--by`, `--columns`), with the text and a caret under the
    1-based `column`."""
    shown = text if len(text) <= 120 else text[:120] + "..."
    caret = " " * min(max(column - 1, 0), 120) + "^"
    return SpecError(f"{option}: {message}\n  {shown}\n  {caret}", None, HINTS.get(option, HINT))


def _column(node: ast.Expr) -> Column | None:
    """Return the column a leaf names, or None for any other node."""
    if isinstance(node, ast.Name):
        return Column(node.name)
    if isinstance(node, ast.PayoffRef):
        return Column(node.player)
    if isinstance(node, ast.Column):
        return Column(node.name, node.scenario)
    return None


def parse(text: str, option: str = "--by") -> Expr:
    """Return the parsed expression; raise SpecError (exit 2, naming `option`) on anything else."""
    if not isinstance(text, str) or not text.strip():
        raise _error(text or "", 1, "the expression is empty", option)
    try:
        tree = parse_expression(text, option)
    except SpecError as e:
        raise _error(text, e.span.column if e.span else 1, e.message, option) from None
    columns = []
    for node in ast.walk(tree):
        col = _column(node)
        if col is not None:
            columns.append(col)
        elif isinstance(node, ast.Call):
            builtin = BUILTINS.get(node.func)
            if builtin is None:
                known = ", ".join(BUILTINS)
                raise _error(
                    text, node.span.column, f"unknown function {node.func!r} ({known})", option
                )
            if not builtin.accepts(len(node.args)):
                raise _error(
                    text,
                    node.span.column,
                    f"{node.func}() takes {builtin.arity_text()} arguments, got {len(node.args)}",
                    option,
                )
    return Expr(text, tree, tuple(dict.fromkeys(columns)))


def _condition(values: np.ndarray, holds: np.ndarray) -> np.ndarray:
    """Return 1.0 where `holds`, 0.0 where not, nan where a value it was computed from is."""
    return np.where(np.isnan(values), np.nan, holds.astype(float))


_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def _value(node: ast.Expr, lookup: Callable[[Column], np.ndarray]):
    """Return the values of `node` over the table's rows."""
    col = _column(node)
    if col is not None:
        return np.asarray(lookup(col), dtype=float)
    t = type(node)
    if t is ast.Number:
        return float(node.text)
    if t is ast.Inf:
        return np.inf
    if t in (ast.Sum, ast.Product, ast.BoolOp):
        return _chain(node, lookup)
    if t is ast.Neg:
        return -_value(node.operand, lookup)
    if t is ast.Power:
        base = np.asarray(_value(node.base, lookup), dtype=float)
        return np.power(base, _value(node.exponent, lookup))
    if t is ast.Call:
        return BUILTINS[node.func].numpy(*[_value(a, lookup) for a in node.args])
    if t is ast.Compare:
        a = np.asarray(_value(node.left, lookup), float)
        b = np.asarray(_value(node.right, lookup), float)
        return _condition(a + b, _COMPARE[node.op](a, b))
    if t is ast.Not:
        v = np.asarray(_value(node.operand, lookup), float)
        return _condition(v, v == 0)
    if t is ast.Iverson:
        return _value(node.condition, lookup)
    if t is ast.IfElse:
        c = np.asarray(_value(node.condition, lookup), float)
        out = np.where(c != 0, _value(node.then, lookup), _value(node.otherwise, lookup))
        return np.where(np.isnan(c), np.nan, out)
    raise AssertionError(t)  # pragma: no cover - the parser makes no other node


def _chain(node: ast.Sum | ast.Product | ast.BoolOp, lookup) -> np.ndarray:
    """Return the values of a chain of one operator (`a + b - c`, `a*b/c`, `a and b`)."""
    if isinstance(node, ast.BoolOp):
        parts = [np.asarray(_value(x, lookup), float) for x in node.operands]
        nan = np.isnan(sum(parts))
        holds = [p != 0 for p in parts]
        joined = np.logical_and.reduce(holds) if node.op == "and" else np.logical_or.reduce(holds)
        return _condition(np.where(nan, np.nan, 0.0), joined)
    items = node.terms if isinstance(node, ast.Sum) else node.factors
    ops = node.signs if isinstance(node, ast.Sum) else node.ops
    out = _value(items[0], lookup)
    for op, x in zip(ops[1:], items[1:]):
        v = _value(x, lookup)
        out = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[op](out, v)
    return out


def columns_lookup(tables: Mapping[str | None, object]) -> Callable[[Column], np.ndarray]:
    """Return a lookup reading `Column`s from tables keyed by scenario (None: the base table)."""

    def lookup(col: Column) -> np.ndarray:
        table = tables[col.scenario]
        return table.column(col.name)  # type: ignore[attr-defined]

    return lookup
