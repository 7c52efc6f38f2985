"""Expressions typed on the command line (`regions --by EXPR`): parsed here, never eval'd.

The text is untrusted, so it goes through a small recursive-descent parser over a closed set of
tokens — names, `NAME@SCENARIO`, numbers, `+ - * / ^ **`, parentheses, the built-ins
`min max abs sqrt exp log` and `payoff(P)` — into a tree of tuples, which `evaluate` computes over
numpy columns.  Nothing in the text is ever handed to Python, `sympify` or `parse_expr`.

Grammar (loosest first, as in the language: `or`, `and`, `not`, comparisons (non-associative),
`+ -`, `* /`, unary minus, `^` (right-associative), so `-x^2` is `-(x^2)` and `2^3^2` is `2^9`;
a condition is 1 where it holds and 0 where not):

    disj    := conj ("or" conj)*
    conj    := neg ("and" neg)*
    neg     := "not" neg | comp
    comp    := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum]
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | "+" unary | power
    power   := atom (("^" | "**") unary)?
    atom    := NUMBER | NAME ["@" NAME] | FUNC "(" sum ("," sum)* ")"
             | "payoff" "(" NAME ")" ["@" NAME] | "(" disj ")"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gamedsl.model.errors import SpecError

MAX_LENGTH = 2000  # characters
MAX_DEPTH = 100  # nesting of parentheses and operators

FUNCTIONS: dict[str, tuple[int, int, Callable[..., np.ndarray]]] = {
    "min": (2, 99, lambda *a: np.minimum.reduce(np.broadcast_arrays(*a))),
    "max": (2, 99, lambda *a: np.maximum.reduce(np.broadcast_arrays(*a))),
    "abs": (1, 1, np.abs),
    "sqrt": (1, 1, np.sqrt),
    "exp": (1, 1, np.exp),
    "log": (1, 1, np.log),
}

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
RESERVED = ("and", "or", "not")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/^(),@<>])
""",
    re.VERBOSE,
)


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
    tree: tuple
    columns: tuple[Column, ...]

    def scenarios(self) -> list[str]:
        """Return the scenarios named with `@`, in order of first use."""
        return list(dict.fromkeys(c.scenario for c in self.columns if c.scenario))

    def evaluate(self, lookup: Callable[[Column], np.ndarray]) -> np.ndarray:
        """Return the expression's values, reading each column with `lookup`."""
        with np.errstate(all="ignore"):
            return np.asarray(_eval(self.tree, lookup), dtype=float)


def _error(text: str, pos: int, message: str) -> SpecError:
    shown = text if len(text) <= 120 else text[:120] + "..."
    caret = " " * min(pos, 120) + "^"
    return SpecError(
        f"--by: {message}\n  {shown}\n  {caret}",
        None,
        "an expression of column names and numbers with + - * / ^ and parentheses, "
        'e.g. --by "welfare - welfare@no_regulation", or --by regime',
    )


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _error(text, pos, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup or ""
        if kind != "space":
            out.append((kind, m.group(), pos))
        pos = m.end()
    out.append(("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0
        self.columns: list[Column] = []

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, v, pos = self.take()
        if v != value or kind != "op":
            raise _error(self.text, pos, f"expected '{value}', got {_show(kind, v)}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(self.text, self.peek()[2], "the expression is nested too deeply")

    def disj(self) -> tuple:
        self.enter()
        left = self.conj()
        while self.peek()[:2] == ("name", "or"):
            self.take()
            left = ("or", left, self.conj())
        self.depth -= 1
        return left

    def conj(self) -> tuple:
        left = self.neg()
        while self.peek()[:2] == ("name", "and"):
            self.take()
            left = ("and", left, self.neg())
        return left

    def neg(self) -> tuple:
        if self.peek()[:2] == ("name", "not"):
            self.take()
            self.enter()
            out = ("not", self.neg())
            self.depth -= 1
            return out
        return self.comp()

    def comp(self) -> tuple:
        left = self.sum()
        kind, v, _ = self.peek()
        if kind == "op" and v in COMPARISONS:
            self.take()
            left = (v, left, self.sum())
            kind, v2, pos2 = self.peek()
            if kind == "op" and v2 in COMPARISONS:
                raise _error(self.text, pos2, "comparisons do not chain: use 'and'")
        return left

    def sum(self) -> tuple:
        self.enter()
        left = self.product()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            left = (op, left, self.product())
        self.depth -= 1
        return left

    def product(self) -> tuple:
        left = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            left = (op, left, self.unary())
        return left

    def unary(self) -> tuple:
        self.enter()
        kind, v, _ = self.peek()
        if kind == "op" and v in ("-", "+"):
            self.take()
            inner = self.unary()
            out = ("neg", inner) if v == "-" else inner
        else:
            out = self.power()
        self.depth -= 1
        return out

    def power(self) -> tuple:
        base = self.atom()
        kind, v, _ = self.peek()
        if kind == "op" and v in ("^", "**"):
            self.take()
            return ("^", base, self.unary())
        return base

    def scenario(self) -> str | None:
        kind, v, _ = self.peek()
        if kind == "op" and v == "@":
            self.take()
            kind, v, pos = self.take()
            if kind != "name":
                raise _error(
                    self.text, pos, f"expected a scenario name after '@', got {_show(kind, v)}"
                )
            return v
        return None

    def atom(self) -> tuple:
        kind, v, pos = self.take()
        if kind == "number":
            return ("num", float(v))
        if kind == "op" and v == "(":
            inner = self.disj()
            self.expect(")")
            return inner
        if kind == "name" and v in RESERVED:
            raise _error(self.text, pos, f"'{v}' is a reserved word, not a column")
        if kind == "name":
            nxt = self.peek()
            if v == "payoff" and nxt[1] == "(":
                self.take()
                k2, player, p2 = self.take()
                if k2 != "name":
                    raise _error(
                        self.text, p2, f"expected a player's name, got {_show(k2, player)}"
                    )
                self.expect(")")
                col = Column(player, self.scenario())
                self.columns.append(col)
                return ("col", col)
            if v in FUNCTIONS and nxt[1] == "(":
                self.take()
                args = [self.disj()]
                while self.peek()[1] == ",":
                    self.take()
                    args.append(self.disj())
                self.expect(")")
                lo, hi, _fn = FUNCTIONS[v]
                if not lo <= len(args) <= hi:
                    raise _error(
                        self.text,
                        pos,
                        f"{v} takes {lo if lo == hi else f'at least {lo}'} "
                        f"argument{'s' if lo != 1 else ''}, got {len(args)}",
                    )
                return ("call", v, tuple(args))
            col = Column(v, self.scenario())
            self.columns.append(col)
            return ("col", col)
        raise _error(self.text, pos, f"expected a name, a number or '(', got {_show(kind, v)}")


def _show(kind: str, v: str) -> str:
    return "the end" if kind == "end" else repr(v)


def parse(text: str) -> Expr:
    """Return the parsed expression; raise SpecError (exit 2) on anything else."""
    if not isinstance(text, str) or not text.strip():
        raise _error(text or "", 0, "the expression is empty")
    if len(text) > MAX_LENGTH:
        raise _error(
            text[:MAX_LENGTH], MAX_LENGTH, f"the expression is longer than {MAX_LENGTH} characters"
        )
    p = _Parser(text)
    tree = p.disj()
    kind, v, pos = p.peek()
    if kind != "end":
        raise _error(text, pos, f"unexpected {_show(kind, v)}")
    return Expr(text, tree, tuple(dict.fromkeys(p.columns)))


def _eval(node: tuple, lookup: Callable[[Column], np.ndarray]):
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "col":
        return np.asarray(lookup(node[1]), dtype=float)
    if tag == "neg":
        return -_eval(node[1], lookup)
    if tag == "not":
        v = np.asarray(_eval(node[1], lookup), float)
        return np.where(np.isnan(v), np.nan, (v == 0).astype(float))
    if tag == "call":
        fn = FUNCTIONS[node[1]][2]
        return fn(*[_eval(a, lookup) for a in node[2]])
    a, b = _eval(node[1], lookup), _eval(node[2], lookup)
    if tag == "+":
        return a + b
    if tag == "-":
        return a - b
    if tag == "*":
        return a * b
    if tag == "/":
        return np.divide(a, b)
    if tag == "^":
        return np.power(np.asarray(a, float), b)
    if tag in COMPARISONS or tag in ("and", "or"):
        a, b = np.asarray(a, float), np.asarray(b, float)
        out = {
            "<": np.less,
            "<=": np.less_equal,
            ">": np.greater,
            ">=": np.greater_equal,
            "==": np.equal,
            "!=": np.not_equal,
            "and": lambda x, y: (x != 0) & (y != 0),
            "or": lambda x, y: (x != 0) | (y != 0),
        }[tag](a, b).astype(float)
        return np.where(np.isnan(a) | np.isnan(b), np.nan, out)
    raise AssertionError(tag)  # pragma: no cover - the parser makes no other node


def columns_lookup(tables: Mapping[str | None, object]) -> Callable[[Column], np.ndarray]:
    """Return a lookup reading `Column`s from tables keyed by scenario (None: the base table)."""

    def lookup(col: Column) -> np.ndarray:
        table = tables[col.scenario]
        return table.column(col.name)  # type: ignore[attr-defined]

    return lookup
