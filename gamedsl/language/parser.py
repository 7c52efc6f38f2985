"""Parse `.game` text into the syntax tree of `gamedsl.language.ast`.

`parse(text, filename)` returns an `ast.Module` or raises `SpecError`/`SpecErrors`; nothing else
escapes.  Steps: normalise the text (BOM, CRLF), cut it into tokens (`GameLexer`, one regular
expression), parse with lark's LALR parser and `grammar.lark`, build AST nodes as rules are
reduced (no intermediate parse tree), resolve operator precedence on each flat operand/operator
sequence, then group indented lines into their `stage`/`scenario` blocks.
"""

from __future__ import annotations

import dataclasses
import gc
import heapq
import re
import threading
from collections.abc import Iterator
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer

from gamedsl.language import ast
from gamedsl.model.errors import Span, SpecError, SpecErrors

MAX_BRACKET_DEPTH = 100
MAX_EXPR_DEPTH = 200
MAX_NUMBER_LENGTH = 400

KEYWORDS = frozenset(
    [
        "game",
        "param",
        "policy",
        "assume",
        "player",
        "let",
        "def",
        "stage",
        "chooses",
        "when",
        "otherwise",
        "payoff",
        "report",
        "scenario",
        "fix",
        "set",
        "merge",
        "as",
        "use",
        "extends",
        "after",
        "before",
        "in",
        "if",
        "then",
        "else",
        "and",
        "or",
        "not",
        "inf",
    ]
)
BUILTINS = ("min", "max", "abs", "sqrt", "exp", "log")

# Characters Python's str.splitlines() treats as line breaks; they would make the line numbers
# of error messages disagree with the lexer's, so they are read as spaces.
_ODD_BREAKS = {c: " " for c in (0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}


def normalize(text: str) -> str:
    """Return `text` with a leading BOM removed, CRLF and CR turned into LF, and the other
    characters that Python counts as line breaks turned into spaces."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_ODD_BREAKS)


def short(name: str, limit: int = 40) -> str:
    """Return `name` cut to `limit` characters for a message."""
    return name if len(name) <= limit else name[: limit - 3] + "..."


# ---- tokens -----------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
     (?P<WS>[ \t]+)
    |(?P<NL>\n)
    |(?P<COMMENT>\#[^\n]*)
    |(?P<NUMBER>(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<WORD>[A-Za-z][A-Za-z0-9_]*)
    |(?P<STRING>"(?:[^"\\\n]|\\["\\])*")
    |(?P<OP>\*\*|<=|>=|==|!=|\.\.|[-+*/^<>()\[\]{},:;=])
    """,
    re.VERBOSE,
)
_NEWLINE = re.compile("\n")
_CALL_AHEAD = re.compile(r"[ \t]*\(")
_STDLIB_REF = re.compile(r"stdlib:[^\s\"#;]*")
_NUMBER = r"(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NOT_KEYWORD = "(?!(?:" + "|".join(sorted(KEYWORDS - {"inf"})) + ")(?![A-Za-z0-9_]))"
_RUN_NAME = _NOT_KEYWORD + r"[A-Za-z][A-Za-z0-9_]*(?![A-Za-z0-9_]|[ \t]*\()"
# A run: names, numbers and arithmetic operators, with spaces between; no calls, no keywords.
_RUN_RE = re.compile(r"(?:[ \t]*(?:" + _NUMBER + "|" + _RUN_NAME + r"|\*\*|[-+*/^]))+")
_RUN_ITEM = re.compile(
    r"[ \t]*(?:(?P<NUMBER>" + _NUMBER + r")|(?P<WORD>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<OP>\*\*|[-+*/^]))"
)
# Tokens after which an expression starts (a RUN may follow).
_RUN_AFTER = frozenset(
    (
        "_ASSIGN",
        "WHEN",
        "OTHERWISE",
        "IF",
        "THEN",
        "ELSE",
        "ASSUME",
        "LSQB",
        "LBRACE",
        "DOTDOT",
        "GE",
        "GT",
        "LE",
        "LT",
        "EQ",
        "NE",
        "AND",
        "OR",
        "NOT",
        "_COMMA",
        "LPAR",
    )
)
_OPS = {
    "**": "POW",
    "^": "POW",
    "<=": "LE",
    ">=": "GE",
    "==": "EQ",
    "!=": "NE",
    "..": "DOTDOT",
    "-": "MINUS",
    "+": "PLUS",
    "*": "STAR",
    "/": "SLASH",
    "<": "LT",
    ">": "GT",
    "(": "LPAR",
    ")": "RPAR",
    "[": "LSQB",
    "]": "RSQB",
    "{": "LBRACE",
    "}": "RBRACE",
    ",": "_COMMA",
    ":": "_COLON",
    ";": "_SEMI",
    "=": "_ASSIGN",
}
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")


FAST_PATH = True  # tests switch it off to compare with the full grammar

# `let NAME = RUN`, `report NAME = RUN`, `payoff NAME = RUN` alone on their line (or before ';'
# or a comment): the bulk of large generated specs.  The lexer builds these statements itself
# and does not pass them to lark at all, which is several times faster than parsing them token
# by token; the trees are the same (tests/test_parser.py compares both paths).
_FAST_STATEMENT = re.compile(
    r"(?P<kw>let|report|payoff)(?P<sp>[ \t]+)(?P<name>(?!(?:"
    + "|".join(sorted(KEYWORDS))
    + r")(?![A-Za-z0-9_]))[A-Za-z][A-Za-z0-9_]*)[ \t]*=[ \t]*"
    r"(?P<run>" + _RUN_RE.pattern + r")[ \t]*(?=\n|;|\#|$)"
)


def _prebuilt(f: re.Match, line: int, line_start: int) -> Any:
    """Return the statement (LetDecl, ReportDecl or PayoffDecl) of a fast-path match."""
    file = _STATE.file
    start = f.start()
    kw_col = start - line_start + 1
    name_col = f.start("name") - line_start + 1
    run_start = f.start("run")
    run_col = run_start - line_start + 1
    expr = _fast_run(f.group("run"), line, run_col) if FAST_PATH else None
    if expr is None:
        run_end = f.end("run")
        run = Token(
            "RUN",
            f.group("run"),
            run_start,
            line,
            run_col,
            line,
            run_col + (run_end - run_start),
            run_end,
        )
        expr = _Resolver.expression(_items([run]))
    name = f.group("name")
    name_span = Span(file, line, name_col, line, name_col + len(name))
    span = Span(file, line, kw_col, expr.span.end_line, expr.span.end_column)
    kw = f.group("kw")
    if kw == "let":
        node: Any = ast.LetDecl(name, expr, span, name_span)
    elif kw == "report":
        node = ast.ReportDecl(name, expr, span, name_span)
    else:
        node = ast.PayoffDecl(name, expr, span, name_span)
    return node


class GameLexer(Lexer):
    """Cut normalised `.game` text into lark tokens; raise `SpecError` on a character that
    cannot start a token.  Tracks bracket depth to refuse absurd nesting early."""

    def __init__(self, lexer_conf: Any = None) -> None:
        pass

    def lex(self, data: str) -> Iterator[Token]:  # type: ignore[override]
        """Yield the tokens of `data`, ending with a new line."""
        file = _STATE.file
        match = _TOKEN_RE.match
        pos, line, line_start, n = 0, 1, 0, len(data)
        depth = 0
        last_type = ""
        statement = ""  # the first token of the current statement
        seen_assign = False
        prev_type = ""  # the token before last_type
        run_match = _RUN_RE.match
        fast_match = _FAST_STATEMENT.match
        prebuilt = _STATE.prebuilt
        separated = True  # the last token given to lark separates statements (or none yet)
        while pos < n:
            if (
                not statement
                and FAST_PATH
                and (
                    data.startswith("let", pos)
                    or data.startswith("report", pos)
                    or data.startswith("payoff", pos)
                )
            ):
                f = fast_match(data, pos)
                if f is not None:
                    # built here and never shown to lark; `parse` merges it back in order
                    prebuilt.append(_prebuilt(f, line, line_start))
                    prev_type, last_type = last_type, "PREBUILT"
                    statement = "PREBUILT"
                    pos = f.end()
                    continue
            if (
                last_type in _RUN_AFTER
                and statement != "MERGE"
                and not (statement == "DEF" and not seen_assign)
                and not (last_type == "LPAR" and prev_type == "PAYOFF")
            ):
                ch = data[pos]
                if ch != " " and ch != "\t" and ch != "\n" and ch != "#":
                    r = run_match(data, pos)
                    if r is not None:
                        end = r.end()
                        if len(r.group()) > MAX_NUMBER_LENGTH * 4 and re.search(
                            rf"\d{{{MAX_NUMBER_LENGTH + 1}}}", r.group()
                        ):
                            raise SpecError(
                                "number literal too long", Span(file, line, pos - line_start + 1)
                            )
                        column = pos - line_start + 1
                        yield Token(
                            "RUN", r.group(), pos, line, column, line, column + (end - pos), end
                        )
                        separated = False
                        prev_type, last_type = last_type, "RUN"
                        pos = end
                        continue
            m = match(data, pos)
            if m is None:
                raise _bad_character(data, pos, line, pos - line_start + 1, file)
            kind = m.lastgroup
            end = m.end()
            if kind == "WS" or kind == "COMMENT":
                pos = end
                continue
            column = pos - line_start + 1
            value = m.group()
            if kind == "NL":
                if not separated:  # one separator is enough for the grammar
                    yield Token("_NL", "\n", pos, line, column, line, column + 1, end)
                    separated = True
                line += 1
                line_start = end
                pos = end
                depth = 0
                last_type = "_NL"
                statement = ""
                continue
            if kind == "WORD":
                if (
                    (last_type == "USE" or last_type == "EXTENDS")
                    and value == "stdlib"
                    and data.startswith("stdlib:", pos)
                ):
                    m = _STDLIB_REF.match(data, pos)
                    end = m.end()
                    value = m.group()
                    kind = "STDLIB_REF"
                elif value in KEYWORDS:
                    kind = value.upper()
                elif _CALL_AHEAD.match(data, end):
                    kind = "FUNC"
                else:
                    kind = "NAME"
            elif kind == "OP":
                kind = _OPS[value]
                if value in _OPENERS:
                    depth += 1
                    if depth > MAX_BRACKET_DEPTH:
                        raise SpecError(
                            f"nested too deeply: more than {MAX_BRACKET_DEPTH} levels of brackets",
                            Span(file, line, column),
                            "split the expression with `let`",
                        )
                elif value in _CLOSERS and depth > 0:
                    depth -= 1
            elif kind == "NUMBER" and len(value) > MAX_NUMBER_LENGTH:
                raise SpecError(
                    f"number literal too long ({len(value)} characters)", Span(file, line, column)
                )
            yield Token(kind, value, pos, line, column, line, column + (end - pos), end)
            separated = kind == "_SEMI"
            if kind == "_SEMI":
                statement = ""
            elif not statement:
                statement = kind
                seen_assign = False
            if kind == "_ASSIGN":
                seen_assign = True
            prev_type, last_type = last_type, kind
            pos = end
        if not separated:
            column = pos - line_start + 1
            yield Token("_NL", "", pos, line, column, line, column, pos)


def _bad_character(data: str, pos: int, line: int, column: int, file: str) -> SpecError:
    """Return the error for a character that cannot start a token at `pos`."""
    ch = data[pos]
    span = Span(file, line, column)
    if ch == '"':
        end = data.find("\n", pos)
        rest = data[pos + 1 : end if end >= 0 else len(data)]
        bad = re.search(r'\\(?!["\\])', rest)
        closing = rest.find('"')
        if bad is not None and (closing < 0 or bad.start() < closing):
            escape = rest[bad.start() : bad.start() + 2]
            return SpecError(
                f'unknown escape {escape!r} in a string (the escapes are \\" and \\\\)', span
            )
        return SpecError("unterminated string: a string ends with '\"' on the same line", span)
    if ch == "_":
        return SpecError("names start with a letter (A-Z, a-z), not '_'", span)
    if ch == "\x00":
        return SpecError("unexpected NUL character (is this a binary file?)", span)
    if ch == "!":
        return SpecError("unexpected '!': write 'not' for negation and '!=' for 'not equal'", span)
    if ch == "&" or ch == "|":
        word = "and" if ch == "&" else "or"
        return SpecError(f"unexpected {ch!r}: write '{word}'", span)
    if ch == ".":
        return SpecError("unexpected '.'", span)
    if ch.isalpha():
        return SpecError(
            f"unexpected character {ch!r}: names use the letters A-Z, a-z, digits and '_'", span
        )
    if ch.isprintable():
        return SpecError(f"unexpected character {ch!r}", span)
    return SpecError(f"unexpected character {ch!r} (U+{ord(ch):04X})", span)


# ---- building the AST while parsing -----------------------------------------------------------


class _ParseState(threading.local):
    """The file being parsed (the lark parser and its callbacks are shared)."""

    file = "<input>"
    text = ""
    prebuilt: tuple | list = ()  # statements the lexer built itself (see _FAST_STATEMENT)
    line_starts: list[int] | tuple[int, ...] = ()


_STATE = _ParseState()
_LOCK = threading.RLock()


class _Op:
    """An operator split out of a RUN token (lighter than a lark Token)."""

    __slots__ = ("column", "end_column", "end_line", "line", "type", "value")

    def __init__(self, type_: str, value: str, line: int, column: int, end_column: int) -> None:
        self.type = type_
        self.value = value
        self.line = self.end_line = line
        self.column = column
        self.end_column = end_column


_OP_TYPES = (Token, _Op)


def _span(first: Any, last: Any = None) -> Span:
    """Return the span from the start of `first` to the end of `last` (tokens or AST nodes)."""
    last = first if last is None else last
    a = None if isinstance(first, _OP_TYPES) else first.span
    b = None if isinstance(last, _OP_TYPES) else last.span
    line, column = (first.line, first.column) if a is None else (a.line, a.column)
    if b is None:
        end_line, end_column = last.end_line, last.end_column
    else:
        end_line, end_column = b.end_line, b.end_column
    return Span(_STATE.file, line, column, end_line, end_column)


def source_text(span: Span) -> str:
    """Return the text of the file being parsed between the ends of `span`."""
    starts = _STATE.line_starts
    if not starts:
        starts = _STATE.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(_STATE.text)]
    start = starts[span.line - 1] + span.column - 1
    end = starts[(span.end_line or span.line) - 1] + (span.end_column or span.column) - 1
    return _STATE.text[start:end]


def _depth(*nodes: Any) -> int:
    """Return 1 + the largest depth among `nodes`, refusing expressions nested too deeply."""
    d = 1 + max((n.depth for n in nodes), default=0)
    if d > MAX_EXPR_DEPTH:
        raise SpecError(
            f"expression nested too deeply (more than {MAX_EXPR_DEPTH} levels)",
            nodes[0].span,
            "split the expression with `let`",
        )
    return d


def _string(token: Token | None) -> str | None:
    """Return the value of a STRING token without quotes and escapes."""
    if token is None:
        return None
    return re.sub(r"\\([\"\\])", r"\1", token.value[1:-1])


def _leaf(token: Token) -> ast.Expr:
    """Return the AST leaf for a NUMBER, NAME or INF token."""
    span = _span(token)
    if token.type == "NUMBER":
        return ast.Number(token.value, span)
    if token.type == "INF":
        return ast.Inf(span)
    return ast.Name(token.value, span)


_WORDS = {
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "SLASH": "/",
    "POW": "^",
    "LT": "<",
    "LE": "<=",
    "GT": ">",
    "GE": ">=",
    "EQ": "==",
    "NE": "!=",
    "AND": "and",
    "OR": "or",
    "NOT": "not",
}
_COMPARE = frozenset(("LT", "LE", "GT", "GE", "EQ", "NE"))
_LOGIC = frozenset(("AND", "OR", "NOT"))


def _is_op(item: Any) -> bool:
    return isinstance(item, _OP_TYPES)


def _items(children: list) -> list:
    """Return the operands (AST nodes) and operators of a `cond`/`arith` sequence, with RUN
    tokens split into their names, numbers and operators."""
    out: list = []
    for c in children:
        if type(c) is Token:
            t = c.type
            if t == "RUN":
                _expand_run(c, out)
            elif t == "NUMBER" or t == "NAME" or t == "INF":
                out.append(_leaf(c))
            else:
                out.append(c)
        else:
            out.append(c)
    return out


def _expand_run(tok: Token, out: list) -> None:
    file, line, base = _STATE.file, tok.line, tok.column
    for m in _RUN_ITEM.finditer(tok.value):
        kind = m.lastgroup
        value = m.group(kind)
        column = base + m.start(kind)
        end_column = base + m.end()
        if kind == "OP":
            out.append(_Op(_OPS[value], value, line, column, end_column))
        elif kind == "NUMBER":
            out.append(ast.Number(value, Span(file, line, column, line, end_column)))
        elif value == "inf":
            out.append(ast.Inf(Span(file, line, column, line, end_column)))
        else:
            out.append(ast.Name(value, Span(file, line, column, line, end_column)))


_RUN_LEXEME = re.compile(r"[ \t]*(?:(" + _NUMBER + r")|([A-Za-z][A-Za-z0-9_]*)|(\*\*|[-+*/^]))")
_MAX_FAST_POWERS = 50


def _fast_run(text: str, line: int, base: int) -> ast.Expr | None:
    """Return the tree of a RUN token's text (at `line`, starting in column `base`) by one
    left-to-right pass, or None when the run is not a well-formed expression (the general
    resolver then reports the precise error).  Gives exactly the tree that
    `_Resolver.expression` gives (property-tested), several times faster: the bulk of a large
    spec is runs."""
    file = _STATE.file
    kinds: list[int] = []  # 0 number, 1 name, 2 operator
    values: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    powers = 0
    for m in _RUN_LEXEME.finditer(text):
        k = m.lastindex
        v = m.group(k)
        if k == 3:
            kinds.append(2)
            powers += v == "^" or v == "**"
        else:
            kinds.append(k - 1)
        values.append(v)
        starts.append(base + m.start(k))
        ends.append(base + m.end())
    if powers > _MAX_FAST_POWERS:
        return None
    n = len(kinds)
    i = 0
    terms: list[ast.Expr] = []
    sums = ["+"]
    while True:
        factors: list[ast.Expr] = []
        ops = ["*"]
        while True:
            unary: list[int] = []  # the signs in front of this factor
            while i < n and kinds[i] == 2 and (values[i] == "-" or values[i] == "+"):
                unary.append(i)
                i += 1
            atoms: list[ast.Expr] = []
            exponent_signs: list[list[int]] = [[]]
            while True:
                if i >= n or kinds[i] == 2:
                    return None
                span = Span(file, line, starts[i], line, ends[i])
                v = values[i]
                if kinds[i] == 0:
                    atoms.append(ast.Number(v, span))
                elif v == "inf":
                    atoms.append(ast.Inf(span))
                else:
                    atoms.append(ast.Name(v, span))
                i += 1
                if i < n and kinds[i] == 2 and (values[i] == "^" or values[i] == "**"):
                    i += 1
                    signs: list[int] = []
                    while i < n and kinds[i] == 2 and (values[i] == "-" or values[i] == "+"):
                        signs.append(i)
                        i += 1
                    exponent_signs.append(signs)
                    continue
                break
            # right-associative: a ^ -b ^ c is a ^ (-(b ^ c))
            node = _negate(exponent_signs[-1], atoms[-1], values, starts, file, line)
            for k in range(len(atoms) - 2, -1, -1):
                b = atoms[k]
                node = ast.Power(
                    b,
                    node,
                    Span(
                        file, b.span.line, b.span.column, node.span.end_line, node.span.end_column
                    ),
                    _depth2(b, node),
                )
                node = _negate(exponent_signs[k], node, values, starts, file, line)
            factors.append(_negate(unary, node, values, starts, file, line))
            if i < n and kinds[i] == 2 and (values[i] == "*" or values[i] == "/"):
                ops.append(values[i])
                i += 1
                continue
            break
        if len(factors) == 1:
            terms.append(factors[0])
        else:
            a, z = factors[0].span, factors[-1].span
            terms.append(
                ast.Product(
                    tuple(factors),
                    tuple(ops),
                    Span(file, a.line, a.column, z.end_line, z.end_column),
                    _depth(*factors),
                )
            )
        if i < n and kinds[i] == 2 and (values[i] == "+" or values[i] == "-"):
            sums.append(values[i])
            i += 1
            continue
        break
    if i != n:
        return None
    if len(terms) == 1:
        return terms[0]
    a, z = terms[0].span, terms[-1].span
    return ast.Sum(
        tuple(terms),
        tuple(sums),
        Span(file, a.line, a.column, z.end_line, z.end_column),
        _depth(*terms),
    )


def _depth2(a: Any, b: Any) -> int:
    """Return 1 + the larger depth of two nodes (the common case of `_depth`, faster)."""
    d = max(a.depth, b.depth)
    return d + 1 if d < MAX_EXPR_DEPTH else _depth(a, b)


def _negate(
    marks: list[int], node: ast.Expr, values: list[str], starts: list[int], file: str, line: int
) -> ast.Expr:
    """Return `node` under the unary minus signs at `marks` (innermost last; '+' is a no-op)."""
    for i in reversed(marks):
        if values[i] == "-":
            node = ast.Neg(
                node,
                Span(file, line, starts[i], node.span.end_line, node.span.end_column),
                node.depth + 1 if node.depth < MAX_EXPR_DEPTH else _depth(node),
            )
    return node


def _run_expression(tok: Token) -> ast.Expr:
    """Return the tree of a RUN token that is a whole expression."""
    node = _fast_run(tok.value, tok.line, tok.column) if FAST_PATH else None
    return node if node is not None else _Resolver.expression(_items([tok]))


def _describe(item: Any) -> str:
    if _is_op(item):
        return repr(item.value)
    text = source_text(item.span)
    return repr(short(text, 30))


class _Resolver:
    """Turns a flat operand/operator sequence into a tree by the precedence rules."""

    @staticmethod
    def expression(items: list) -> ast.Expr:
        if len(items) == 1 and not _is_op(items[0]):
            return items[0]
        types = {it.type for it in items if isinstance(it, _OP_TYPES)}
        if types & _LOGIC:
            return _Resolver._bool(items, "OR", "or")
        if types & _COMPARE:
            return _Resolver._compare(items)
        return _Resolver._sum(items, types)

    @staticmethod
    def arithmetic(items: list) -> ast.Expr:
        if len(items) == 1 and not _is_op(items[0]):
            return items[0]
        return _Resolver._sum(items, None)

    @staticmethod
    def _split(items: list, types: frozenset | tuple) -> tuple[list[list], list[Token]]:
        parts: list[list] = [[]]
        ops: list[Token] = []
        for it in items:
            if isinstance(it, _OP_TYPES) and it.type in types:
                parts.append([])
                ops.append(it)
            else:
                parts[-1].append(it)
        return parts, ops

    @staticmethod
    def _need(parts: list[list], ops: list[Token]) -> None:
        for i, part in enumerate(parts):
            if not part:
                if i > 0:
                    op = ops[i - 1]
                    raise SpecError(f"expected a value after {op.value!r}", _span(op))
                op = ops[0]
                raise SpecError(f"expected a value before {op.value!r}", _span(op))

    @staticmethod
    def _bool(items: list, kind: str, word: str) -> ast.Expr:
        parts, ops = _Resolver._split(items, (kind,))
        _Resolver._need(parts, ops)
        lower = (lambda p: _Resolver._bool(p, "AND", "and")) if kind == "OR" else _Resolver._not
        operands = [lower(p) for p in parts]
        if len(operands) == 1:
            return operands[0]
        return ast.BoolOp(
            word, tuple(operands), _span(operands[0], operands[-1]), _depth(*operands)
        )

    @staticmethod
    def _not(items: list) -> ast.Expr:
        count = 0
        while count < len(items) and _is_op(items[count]) and items[count].type == "NOT":
            count += 1
        if count == len(items):
            raise SpecError("expected a condition after 'not'", _span(items[-1]))
        node = _Resolver._compare(items[count:])
        for i in range(count - 1, -1, -1):
            node = ast.Not(node, _span(items[i], node), _depth(node))
        return node

    @staticmethod
    def _compare(items: list) -> ast.Expr:
        parts, ops = _Resolver._split(items, _COMPARE)
        _Resolver._need(parts, ops)
        if len(ops) > 1:
            raise SpecError("comparisons cannot be chained: write 'a < b and b < c'", _span(ops[1]))
        left = _Resolver._sum(parts[0], None)
        if not ops:
            return left
        right = _Resolver._sum(parts[1], None)
        return ast.Compare(
            _WORDS[ops[0].type], left, right, _span(left, right), _depth(left, right)
        )

    @staticmethod
    def _sum(items: list, types: Any) -> ast.Expr:
        parts: list[list] = [[]]
        signs: list[str] = ["+"]
        ops: list[Token] = []
        for it in items:
            if isinstance(it, _OP_TYPES) and (it.type == "PLUS" or it.type == "MINUS"):
                current = parts[-1]
                if current and not _is_op(current[-1]):
                    parts.append([])
                    signs.append(it.value)
                    ops.append(it)
                    continue
            parts[-1].append(it)
        if ops:
            _Resolver._need(parts, ops)
        terms = [p[0] if len(p) == 1 and not _is_op(p[0]) else _Resolver._product(p) for p in parts]
        if len(terms) == 1:
            return terms[0]
        return ast.Sum(tuple(terms), tuple(signs), _span(terms[0], terms[-1]), _depth(*terms))

    @staticmethod
    def _product(items: list) -> ast.Expr:
        parts, ops = _Resolver._split(items, ("STAR", "SLASH"))
        if ops:
            _Resolver._need(parts, ops)
        factors = [p[0] if len(p) == 1 and not _is_op(p[0]) else _Resolver._unary(p) for p in parts]
        if len(factors) == 1:
            return factors[0]
        signs = ("*",) + tuple(op.value for op in ops)
        return ast.Product(tuple(factors), signs, _span(factors[0], factors[-1]), _depth(*factors))

    @staticmethod
    def _unary(items: list) -> ast.Expr:
        signs = []
        i = 0
        while i < len(items) and _is_op(items[i]) and items[i].type in ("MINUS", "PLUS"):
            signs.append(items[i])
            i += 1
        if i == len(items):
            raise SpecError(f"expected a value after {items[-1].value!r}", _span(items[-1]))
        node = _Resolver._power(items[i:])
        for tok in reversed(signs):
            if tok.type == "MINUS":
                node = ast.Neg(node, _span(tok, node), _depth(node))
        return node

    @staticmethod
    def _power(items: list) -> ast.Expr:
        parts, ops = _Resolver._split(items, ("POW",))
        _Resolver._need(parts, ops)
        # Each exponent may carry leading minus signs: 2^-3^2 is 2^(-(3^2)).
        signed: list[tuple[list[Token], ast.Expr]] = []
        for k, part in enumerate(parts):
            signs = []
            j = 0
            if k > 0:
                while j < len(part) and _is_op(part[j]) and part[j].type in ("MINUS", "PLUS"):
                    signs.append(part[j])
                    j += 1
            if j == len(part):
                raise SpecError(f"expected a value after {ops[k - 1].value!r}", _span(ops[k - 1]))
            signed.append((signs, _Resolver._atom(part[j:])))
        signs, node = signed[-1]
        node = _Resolver._signed(signs, node)
        for k in range(len(signed) - 2, -1, -1):
            signs, base = signed[k]
            node = ast.Power(base, node, _span(base, node), _depth(base, node))
            node = _Resolver._signed(signs, node)
        return node

    @staticmethod
    def _signed(signs: list[Token], node: ast.Expr) -> ast.Expr:
        for tok in reversed(signs):
            if tok.type == "MINUS":
                node = ast.Neg(node, _span(tok, node), _depth(node))
        return node

    @staticmethod
    def _atom(items: list) -> ast.Expr:
        first = items[0]
        if _is_op(first):
            if first.type == "NOT":
                raise SpecError(
                    "'not' applies to a whole condition here: use parentheses, e.g. "
                    "'x > 0 and not (y > 1)'",
                    _span(first),
                )
            raise SpecError(f"unexpected {first.value!r}: expected a value", _span(first))
        if len(items) > 1:
            second = items[1]
            if _is_op(second):
                word = second.value
                raise SpecError(f"unexpected {word!r} here", _span(second))
            raise SpecError(
                f"missing operator between {_describe(first)} and {_describe(second)}",
                _span(second),
                "write '*' for a product, e.g. 2*x",
            )
        return first


class _Builder(Transformer):
    """Callbacks run by the LALR parser as it reduces each rule: they return AST nodes."""

    # -- expressions --
    def cond(self, items: list) -> ast.Expr:
        if len(items) == 1 and type(items[0]) is Token and items[0].type == "RUN":
            return _run_expression(items[0])
        return _Resolver.expression(_items(items))

    def arith(self, items: list) -> ast.Expr:
        if len(items) == 1 and type(items[0]) is Token and items[0].type == "RUN":
            return _run_expression(items[0])
        return _Resolver.arithmetic(_items(items))

    def ifelse(self, c: list) -> ast.Expr:
        _if, cond, _then, then, _else, other = c
        return ast.IfElse(cond, then, other, _span(_if, other), _depth(cond, then, other))

    def call(self, c: list) -> ast.Expr:
        func, args = c[0], tuple(x for x in c[2:-1] if x is not None)
        args = tuple(_leaf(a) if _is_leaf(a) else a for a in args)
        return ast.Call(func.value, args, _span(func, c[-1]), _depth(*args) if args else 1)

    def payoff_ref(self, c: list) -> ast.Expr:
        return ast.PayoffRef(c[2].value, _span(c[0], c[3]), _span(c[2]))

    def group(self, c: list) -> ast.Expr:
        inner = c[1]
        if _is_leaf(inner):
            inner = _leaf(inner)
        # Keep the brackets in the span so the text of a bound reads as written.
        return _replace_span(inner, _span(c[0], c[2]))

    def iverson(self, c: list) -> ast.Expr:
        inner = _leaf(c[1]) if _is_leaf(c[1]) else c[1]
        return ast.Iverson(inner, _span(c[0], c[2]), _depth(inner))

    # -- domains --
    def bound(self, c: list) -> ast.Bound:
        op, expr = c
        return ast.Bound(op.value, expr, source_text(expr.span), _span(op, expr))

    def domain_interval(self, c: list) -> ast.Domain:
        _in, open_, lo, hi, close = c
        lower = ast.Bound(">=" if open_.value == "[" else ">", lo, source_text(lo.span), lo.span)
        upper = ast.Bound("<=" if close.value == "]" else "<", hi, source_text(hi.span), hi.span)
        span = _span(_in, close)
        return ast.Domain("interval", (lower, upper), (), source_text(span), span)

    def domain_set(self, c: list) -> ast.Domain:
        span = _span(c[0], c[-1])
        return ast.Domain("set", (), tuple(c[2:-1]), source_text(span), span)

    def domain_range(self, c: list) -> ast.Domain:
        span = _span(c[0], c[-1])
        return ast.Domain("range", (), (c[2], c[4]), source_text(span), span)

    def domain_bounds(self, c: list) -> ast.Domain:
        bounds = tuple(b for b in c if b is not None)
        span = _span(bounds[0], bounds[-1])
        return ast.Domain("bounds", bounds, (), source_text(span), span)

    # -- statements --
    def game_stmt(self, c: list) -> ast.Title:
        return ast.Title(_string(c[1]), _span(c[0], c[1]))

    def param_stmt(self, c: list) -> ast.ParamDecl:
        kw, name, default, domain, desc = c
        last = desc or domain or default or name
        return ast.ParamDecl(
            name.value,
            default,
            domain,
            _string(desc),
            kw.type == "POLICY",
            _span(kw, last),
            _span(name),
        )

    def assume_stmt(self, c: list) -> ast.Assume:
        cond = c[1]
        return ast.Assume(cond, source_text(cond.span), _span(c[0], cond))

    def player_stmt(self, c: list) -> ast.PlayerDecl:
        kw, name, desc = c
        return ast.PlayerDecl(name.value, _string(desc), _span(kw, desc or name), _span(name))

    def let_stmt(self, c: list) -> ast.LetDecl:
        kw, name, expr = c
        expr = _leaf(expr) if _is_leaf(expr) else expr
        return ast.LetDecl(name.value, expr, _span(kw, expr), _span(name))

    def def_stmt(self, c: list) -> ast.DefDecl:
        kw, name, _lpar = c[0], c[1], c[2]
        rpar_index = next(
            i for i in range(3, len(c)) if isinstance(c[i], Token) and c[i].type == "RPAR"
        )
        args = [a for a in c[3:rpar_index] if a is not None]
        body = c[-1]
        body = _leaf(body) if _is_leaf(body) else body
        return ast.DefDecl(
            name.value,
            tuple(a.value for a in args),
            tuple(_span(a) for a in args),
            body,
            _span(kw, body),
            _span(name),
        )

    def placement(self, c: list) -> ast.Placement:
        return ast.Placement(c[0].value, c[1].value, _span(c[0], c[1]))

    def stage_stmt(self, c: list) -> ast.StageDecl:
        kw, name, placement, _when, cond = c
        return ast.StageDecl(
            name.value, placement, cond, (), _span(kw, cond or placement or name), _span(name)
        )

    def choice_stmt(self, c: list) -> ast.ChoiceLine:
        player, _chooses, var, domain, _when, cond, _otherwise, other, desc = c
        last = desc or other or cond or domain or var
        return ast.ChoiceLine(
            player.value,
            var.value,
            domain,
            cond,
            other,
            _string(desc),
            _span(player, last),
            _span(player),
            _span(var),
        )

    def payoff_stmt(self, c: list) -> ast.PayoffDecl:
        kw, name, expr = c
        return ast.PayoffDecl(name.value, expr, _span(kw, expr), _span(name))

    def report_stmt(self, c: list) -> ast.ReportDecl:
        kw, name, expr = c
        return ast.ReportDecl(name.value, expr, _span(kw, expr), _span(name))

    def scenario_stmt(self, c: list) -> ast.ScenarioDecl:
        kw, name, title = c
        return ast.ScenarioDecl(
            name.value, _string(title), (), _span(kw, title or name), _span(name)
        )

    def fix_stmt(self, c: list) -> ast.Fix:
        kw, name, expr = c
        return ast.Fix(name.value, expr, _span(kw, expr), _span(name))

    def set_stmt(self, c: list) -> ast.SetParam:
        kw, name, expr = c
        return ast.SetParam(name.value, expr, _span(kw, expr), _span(name))

    def merge_stmt(self, c: list) -> ast.Merge:
        names = [t for t in c[1:-2]]
        merged = c[-1]
        return ast.Merge(
            tuple(t.value for t in names),
            tuple(_span(t) for t in names),
            merged.value,
            _span(c[0], merged),
            _span(merged),
        )

    def use_stmt(self, c: list) -> ast.Use:
        return ast.Use(_target(c[1]), _span(c[0], c[1]))

    def extends_stmt(self, c: list) -> ast.Extends:
        return ast.Extends(_target(c[1]), _span(c[0], c[1]))

    def start(self, c: list) -> list:
        return c


def _is_leaf(item: Any) -> bool:
    return isinstance(item, Token) and item.type in ("NUMBER", "NAME", "INF")


def _target(token: Token) -> str:
    return token.value if token.type == "STDLIB_REF" else _string(token)


def _replace_span(node: ast.Expr, span: Span) -> ast.Expr:
    """Return `node` with its span widened to `span` (used for parenthesised expressions)."""
    return dataclasses.replace(node, span=span)


_PARSER: Lark | None = None


def _lark() -> Lark:
    """Return the shared LALR parser (built once)."""
    global _PARSER
    if _PARSER is None:
        grammar = resources.files("gamedsl.language").joinpath("grammar.lark").read_text(encoding="utf-8")
        _PARSER = Lark(
            grammar, parser="lalr", lexer=GameLexer, transformer=_Builder(), maybe_placeholders=True
        )
    return _PARSER


# ---- syntax errors in researcher words --------------------------------------------------------

_THING = {
    "NAME": "a name",
    "FUNC": "a function name",
    "NUMBER": "a number",
    "STRING": 'a "string"',
    "_NL": "the end of the line",
    "_COLON": "':'",
    "_ASSIGN": "'='",
    "_COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "DOTDOT": "'..'",
    "STDLIB_REF": "stdlib:NAME",
    "$END": "the end of the file",
    "_SEMI": "';'",
}
_STATEMENT_START = {
    "GAME": "game",
    "PARAM": "param",
    "POLICY": "policy",
    "ASSUME": "assume",
    "PLAYER": "player",
    "LET": "let",
    "DEF": "def",
    "STAGE": "stage",
    "PAYOFF": "payoff",
    "REPORT": "report",
    "SCENARIO": "scenario",
    "FIX": "fix",
    "SET": "set",
    "MERGE": "merge",
    "USE": "use",
    "EXTENDS": "extends",
    "CHOOSES": "chooses",
}
_STATEMENT_NODES = (
    ast.Title,
    ast.ParamDecl,
    ast.Assume,
    ast.PlayerDecl,
    ast.LetDecl,
    ast.DefDecl,
    ast.StageDecl,
    ast.ChoiceLine,
    ast.PayoffDecl,
    ast.ReportDecl,
    ast.ScenarioDecl,
    ast.Fix,
    ast.SetParam,
    ast.Merge,
    ast.Use,
    ast.Extends,
)
_VALUE_START = frozenset(("NUMBER", "NAME", "INF", "FUNC", "PAYOFF", "LPAR", "LSQB", "MINUS"))


def _thing(term: str) -> str:
    if term in _THING:
        return _THING[term]
    if term in _WORDS:
        return repr(_WORDS[term])
    return repr(term.lower())


def _got(token: Token) -> str:
    if token.type == "_NL" or token.type == "$END":
        return "end of line"
    if token.type == "STRING":
        return f"string {short(token.value)}"
    if token.type in ("NAME", "FUNC"):
        return f"name {short(token.value)!r}"
    if token.type == "NUMBER":
        return f"number {short(token.value)}"
    return repr(short(token.value))


def _statement_context(state: Any) -> str | None:
    """Return the keyword that starts the statement being parsed when the error happened."""
    stack = getattr(state, "value_stack", None) or []
    for item in reversed(stack):
        if isinstance(item, Token):
            if item.type in _STATEMENT_START:
                return _STATEMENT_START[item.type]
        elif isinstance(item, _STATEMENT_NODES):
            return None
    return None


def _syntax_error(e: UnexpectedToken) -> SpecError:
    """Return a `SpecError` that says what went wrong in an LALR parse, in researcher words."""
    token = e.token
    expected = set(e.expected) if e.expected else set()
    context = _statement_context(e.state)
    line = getattr(token, "line", None) or 1
    column = getattr(token, "column", None) or 1
    span = Span(_STATE.file, line, column)
    got = _got(token)

    if (
        token.type in (k.upper() for k in KEYWORDS)
        and ("NAME" in expected or "FUNC" in expected)
        and not (expected & _VALUE_START - {"NAME", "FUNC"})
    ):
        return SpecError(f"{token.value!r} is a reserved word and cannot be used as a name", span)
    if context == "stage" and "_COLON" in expected and "NAME" not in expected:
        return SpecError(
            f"expected ':' after the stage name, got {got}",
            span,
            "a stage header reads: stage NAME [after|before OTHER] [when COND]:",
        )
    if context == "scenario" and "_COLON" in expected:
        return SpecError(
            f"expected ':' after the scenario name, got {got}",
            span,
            'a scenario header reads: scenario NAME ["title"]:',
        )
    if token.type == "IF" and expected & _VALUE_START:
        return SpecError(
            "an 'if' inside an expression needs parentheses: 2 + (if x > 1 then x else 1)", span
        )
    if token.type == "_ASSIGN" and ("EQ" in expected or context in ("assume",)):
        return SpecError("'=' is not a comparison: use '==' to compare", span)
    if (
        context == "param"
        and token.type in ("LT", "LE", "GT", "GE", "EQ", "NE")
        and "_ASSIGN" not in expected
    ):
        return SpecError(
            f"unexpected {got}: a param default is arithmetic (no comparisons) "
            "and a param has one domain",
            span,
            "join two bounds with a comma: >= 0, <= 2",
        )
    if context == "param" and "_ASSIGN" in expected and token.type in ("NUMBER", "RUN", "NAME"):
        return SpecError(f"expected '=' before the default, got {got}", span)
    if token.type == "CHOOSES":
        return SpecError("a choice line reads: PLAYER chooses VAR [DOMAIN]", span)
    if context == "chooses" and token.type in ("WHEN", "IN", "GE", "GT", "LE", "LT"):
        return SpecError(
            f"unexpected {got}: a choice line reads PLAYER chooses VAR [DOMAIN] [when COND] "
            '[otherwise EXPR] ["description"], in that order',
            span,
        )
    if (
        context == "param"
        and token.type in ("LT", "LE", "GT", "GE", "IN")
        and "_ASSIGN" not in expected
        and "STRING" not in expected
    ):
        return SpecError(
            f"unexpected {got}: a param line reads param NAME [= DEFAULT] [DOMAIN] "
            '["description"], in that order',
            span,
        )
    if "NAME" in expected and not (expected & (_VALUE_START - {"NAME", "FUNC"})):
        what = {
            "player": "a player name",
            "stage": "a stage name",
            "scenario": "a scenario name",
            "let": "a name",
            "param": "a param name",
            "policy": "a param name",
            "report": "a report name",
            "payoff": "a player name",
        }.get(context or "", "a name")
        return SpecError(f"expected {what}, got {got}", span)
    if "CHOOSES" in expected and len(expected) <= 2:
        return SpecError(
            f"expected 'chooses' after the player name, got {got}",
            span,
            "statements start with a keyword (param, let, stage, ...) or, in a "
            "stage, PLAYER chooses VAR",
        )
    if context in ("let", "report", "payoff", "fix", "set") and "_ASSIGN" in expected:
        return SpecError(f"expected '=' after the name in '{context}', got {got}", span)
    if context == "def" and token.type == "NAME" and "FUNC" in expected:
        return SpecError("expected '(' after the function name: def NAME(ARGS) = EXPR", span)
    if "RPAR" in expected and token.type == "_NL":
        return SpecError("expected ')': a '(' is not closed on this line", span)
    if "RSQB" in expected and token.type == "_NL":
        return SpecError("expected ']': a '[' is not closed on this line", span)
    if expected & _VALUE_START and token.type in ("_NL", "$END"):
        return SpecError("unexpected end of line: expected a value", span)
    if "_NL" in expected and token.type == "STRING":
        return SpecError("unexpected string here (a description comes last on its line)", span)
    if expected & _VALUE_START and len(expected) > 4:
        return SpecError(f"unexpected {got}: expected a value", span)
    if "_NL" in expected and len(expected) > 3:
        return SpecError(f"unexpected {got}: expected the end of the statement", span)
    wanted = sorted(_thing(t) for t in expected if not t.startswith("__"))
    if len(wanted) == 1:
        return SpecError(f"expected {wanted[0]}, got {got}", span)
    if len(wanted) <= 6:
        return SpecError(
            f"unexpected {got}: expected {', '.join(wanted[:-1])} or {wanted[-1]}", span
        )
    return SpecError(f"unexpected {got}", span)


# ---- blocks -----------------------------------------------------------------------------------

_BLOCK_OF = {
    ast.ChoiceLine: "stage",
    ast.Fix: "scenario",
    ast.SetParam: "scenario",
    ast.Merge: "scenario",
}


def _group_blocks(statements: list, text: str, file: str) -> tuple[list, list[SpecError]]:
    """Return the statements with each block's indented lines moved into its header, and the
    errors of lines in the wrong place."""
    lines = text.split("\n")
    out: list = []
    errors: list[SpecError] = []
    block: Any = None  # the header statement of the open block
    block_items: list = []

    def close() -> None:
        nonlocal block, block_items
        if block is None:
            return
        if isinstance(block, ast.StageDecl):
            if not block_items:
                errors.append(
                    SpecError(
                        f"stage {short(block.name)!r} has no choices",
                        block.name_span,
                        "indent its choice lines under the header: '  PLAYER chooses VAR ...'",
                    )
                )
            out.append(_with(block, choices=tuple(block_items)))
        else:
            out.append(_with(block, statements=tuple(block_items)))
        block, block_items = None, []

    for stmt in statements:
        line = stmt.span.line
        indented = lines[line - 1][:1] in (" ", "\t")
        same_line = block is not None and line == block.span.line
        if (indented or same_line) and block is not None:
            kind = "stage" if isinstance(block, ast.StageDecl) else "scenario"
            if (
                kind == "stage"
                and isinstance(stmt, ast.ChoiceLine)
                or kind == "scenario"
                and isinstance(
                    stmt, (ast.Fix, ast.SetParam, ast.Merge, ast.PayoffDecl, ast.LetDecl)
                )
            ):
                block_items.append(stmt)
            elif kind == "stage":
                errors.append(
                    SpecError(
                        "only choice lines (PLAYER chooses VAR ...) can be inside a stage block",
                        stmt.span,
                        "unindent this line to end the block",
                    )
                )
            else:
                errors.append(
                    SpecError(
                        "only fix, set, merge, payoff and let can be inside a scenario block",
                        stmt.span,
                        "unindent this line to end the block",
                    )
                )
            continue
        if indented and not isinstance(stmt, (ast.ChoiceLine, ast.Fix, ast.SetParam, ast.Merge)):
            errors.append(
                SpecError(
                    "unexpected indentation: this line is not inside a stage or scenario block",
                    stmt.span,
                    "remove the leading spaces",
                )
            )
            continue
        close()
        if isinstance(stmt, (ast.StageDecl, ast.ScenarioDecl)):
            block = stmt
            continue
        wanted = _BLOCK_OF.get(type(stmt))
        if wanted is not None:
            what = "a choice line" if wanted == "stage" else f"'{_first_word(stmt)}'"
            errors.append(
                SpecError(
                    f"{what} must be inside a {wanted} block (indented under '{wanted} NAME:')",
                    stmt.span,
                )
            )
            continue
        out.append(stmt)
    close()
    return out, errors


def _position(stmt: Any) -> tuple[int, int]:
    return (stmt.span.line, stmt.span.column)


def _first_word(stmt: Any) -> str:
    return {ast.Fix: "fix", ast.SetParam: "set", ast.Merge: "merge"}.get(type(stmt), "")


def _with(node: Any, **changes: Any) -> Any:
    """Return a copy of the frozen `node` with `changes`."""
    return dataclasses.replace(node, **changes)


# ---- entry point ------------------------------------------------------------------------------


def parse(text: str, filename: str) -> ast.Module:
    """Return the syntax tree of `.game` source `text` read from `filename`.

    Raises `SpecError` for the first syntax error, or `SpecErrors` for lines outside their block.
    """
    text = normalize(text)
    with _LOCK:
        _STATE.file = filename
        _STATE.text = text
        _STATE.line_starts = ()  # computed on first use by source_text
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the parse allocates many small objects and frees none
        try:
            _STATE.prebuilt = []
            statements = _lark().parse(text) or []
            if _STATE.prebuilt:
                statements = list(heapq.merge(statements, _STATE.prebuilt, key=_position))
            statements, errors = _group_blocks(statements or [], text, filename)
        except SpecError:
            raise
        except UnexpectedToken as e:
            raise _syntax_error(e) from None
        except VisitError as e:
            if isinstance(e.orig_exc, SpecError):
                raise e.orig_exc from None
            raise
        except UnexpectedInput as e:
            raise SpecError(
                "syntax error",
                Span(filename, getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1),
            ) from None
        except RecursionError:
            raise SpecError("nested too deeply", Span(filename, 1, 1)) from None
        finally:
            if gc_was_enabled:
                gc.enable()
    if errors:
        raise SpecErrors(errors)
    return ast.Module(filename, tuple(statements))
