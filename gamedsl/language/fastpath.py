"""The fast path: plain `let|report|payoff NAME = ARITHMETIC` lines parsed without lark.

Large generated specs are mostly such lines (50,000 lets of names, numbers and + - * / ^), and
lark's LALR parser takes several microseconds a token.  `take_lines` reads each such line with a
small precedence parser that builds exactly the tree the grammar builds (tests compare the two on
every example and on random runs), and blanks the line in the text handed to lark.  Anything
unusual — brackets, calls, keywords, long chains of signs or powers, a malformed run — is left to
the grammar, which also gives every error.
"""

from __future__ import annotations

import re

from gamedsl.language import ast
from gamedsl.language.source import KEYWORDS, MAX_NUMBER_LENGTH, Source
from gamedsl.model.errors import Span

ENABLED = True  # tests switch it off to compare with the grammar alone
MAX_CHAIN = 50  # signs or powers in a row: longer ones go to the grammar (and its depth check)

_NUMBER = r"(?:[0-9]+(?:\.(?!\.)[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # ASCII digits only
_NOT_KEYWORD = "(?!(?:" + "|".join(sorted(KEYWORDS - {"inf"})) + r")(?![A-Za-z0-9_]))"
_NAME = r"[A-Za-z][A-Za-z0-9_]*"
# a name in a run: no keyword (but `inf`), not a call, not indexed, not a scenario's column
_RUN_NAME = _NOT_KEYWORD + _NAME + r"(?![A-Za-z0-9_]|[ \t]*[(\[@])"
_RUN = r"(?:[ \t]*(?:" + _NUMBER + "|" + _RUN_NAME + r"|\*\*|[-+*/^]))+"
_LINE = re.compile(
    r"^[ \t]*(?P<kw>let|report|payoff)[ \t]+(?P<name>(?!(?:"
    + "|".join(sorted(KEYWORDS))
    + r")(?![A-Za-z0-9_]))"
    + _NAME
    + r")[ \t]*=(?P<run>"
    + _RUN
    + r")[ \t]*(?:#[^\n]*)?$",
    re.MULTILINE,
)
_ITEM = re.compile(
    r"[ \t]*(?:(?P<number>" + _NUMBER + r")|(?P<name>" + _NAME + r")|(?P<op>\*\*|[-+*/^]))"
)
_STATEMENT = {"let": ast.LetDecl, "report": ast.ReportDecl, "payoff": ast.PayoffDecl}


class _Malformed(Exception):
    """The run is not a well-formed expression: the grammar will say why."""


class _Run:
    """A precedence parser over the items of one run (the grammar's rules, loosest first)."""

    def __init__(self, file: str, line: int, base: int, text: str) -> None:
        self.items: list[tuple[str, str, int, int]] = []  # (kind, value, column, end column)
        for m in _ITEM.finditer(text):
            kind = m.lastgroup
            self.items.append((kind, m.group(kind), base + m.start(kind), base + m.end()))
        self.file, self.line, self.i = file, line, 0

    def _op(self, *values: str) -> str | None:
        if self.i < len(self.items) and self.items[self.i][0] == "op":
            v = self.items[self.i][1]
            if v in values:
                return v
        return None

    def _span(self, first: ast.Expr | int, last: ast.Expr) -> Span:
        column = first if isinstance(first, int) else first.span.column
        return Span(self.file, self.line, column, self.line, last.span.end_column)

    def expression(self) -> ast.Expr:
        node = self._sum()
        if self.i != len(self.items):
            raise _Malformed
        return node

    def _sum(self) -> ast.Expr:
        terms, signs = [self._product()], ["+"]
        while (op := self._op("+", "-")) is not None:
            self.i += 1
            signs.append(op)
            terms.append(self._product())
        if len(terms) == 1:
            return terms[0]
        depth = 1 + max(t.depth for t in terms)
        return ast.Sum(tuple(terms), tuple(signs), self._span(terms[0], terms[-1]), depth)

    def _product(self) -> ast.Expr:
        factors, ops = [self._unary()], ["*"]
        while (op := self._op("*", "/")) is not None:
            self.i += 1
            ops.append(op)
            factors.append(self._unary())
        if len(factors) == 1:
            return factors[0]
        depth = 1 + max(f.depth for f in factors)
        return ast.Product(tuple(factors), tuple(ops), self._span(factors[0], factors[-1]), depth)

    def _unary(self, chain: int = 0) -> ast.Expr:
        if chain > MAX_CHAIN:
            raise _Malformed
        op = self._op("-", "+")
        if op is None:
            return self._power(chain)
        column = self.items[self.i][2]
        self.i += 1
        operand = self._unary(chain + 1)
        if op == "+":
            return operand
        return ast.Neg(operand, self._span(column, operand), operand.depth + 1)

    def _power(self, chain: int) -> ast.Expr:
        base = self._atom()
        if self._op("^", "**") is None:
            return base
        self.i += 1
        exponent = self._unary(chain + 1)
        return ast.Power(
            base, exponent, self._span(base, exponent), 1 + max(base.depth, exponent.depth)
        )

    def _atom(self) -> ast.Expr:
        if self.i >= len(self.items) or self.items[self.i][0] == "op":
            raise _Malformed
        kind, value, column, end = self.items[self.i]
        self.i += 1
        span = Span(self.file, self.line, column, self.line, end)
        if kind == "number":
            if len(value) > MAX_NUMBER_LENGTH:
                raise _Malformed
            return ast.Number(value, span)
        return ast.Inf(span) if value == "inf" else ast.Name(value, span)


def _statement(m: re.Match, source: Source, line: int, line_start: int) -> object | None:
    """Return the statement of one matched line, or None when the grammar must read it."""
    run_start = m.start("run")
    try:
        expr = _Run(source.file, line, run_start - line_start + 1, m.group("run")).expression()
    except _Malformed:
        return None
    name = m.group("name")
    name_column = m.start("name") - line_start + 1
    name_span = Span(source.file, line, name_column, line, name_column + len(name))
    kw_column = m.start("kw") - line_start + 1
    span = Span(source.file, line, kw_column, line, expr.span.end_column)
    return _STATEMENT[m.group("kw")](name, expr, span, name_span)


def take_lines(source: Source) -> tuple[list, str]:
    """Return the statements of the fast lines of `source`, and its text with those lines
    blanked (the rest, for the grammar; line numbers unchanged)."""
    if not ENABLED:
        return [], source.text
    text = source.text
    statements: list = []
    pieces: list[str] = []
    done = 0  # text[:done] is in `pieces`
    line, counted = 1, 0  # the line number at index `counted`
    for m in _LINE.finditer(text):
        line += text.count("\n", counted, m.start())
        counted = m.start()
        stmt = _statement(m, source, line, m.start())
        if stmt is None:
            continue
        statements.append(stmt)
        pieces.append(text[done : m.start()])
        done = m.end()
    if not statements:
        return [], text
    pieces.append(text[done:])
    return statements, "".join(pieces)
