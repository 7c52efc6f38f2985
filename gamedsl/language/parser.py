"""Parse `.game` text into the syntax tree of `gamedsl.language.ast`.

`parse(text, filename)` returns an `ast.Module` or raises `SpecError`/`SpecErrors`; nothing else
escapes.  `parse_expression(text, source)` parses one expression (the `--by` of `regions`, which
may name `COLUMN@SCENARIO`) with the same grammar.

Steps: normalise the text (BOM, CRLF), refuse absurd bracket nesting, take the plain
`let|report|payoff NAME = ARITHMETIC` lines by the fast path (`fastpath.py`: the bulk of large
generated specs, proven equal to the grammar by tests), parse the rest with lark's LALR parser and
`grammar.lark` (the `_ToAst` transformer builds AST nodes as rules are reduced), then group the
indented lines of `stage`/`scenario` blocks.  Syntax errors are put in researcher words by
`syntax_errors.py`; after one, the bad statement is replaced by a stub (`recovery.py`) and the
text parsed again, so that one pass reports every syntax error of a file (at most
MAX_REPORTED_ERRORS) and the checker can still report the semantic ones (`parse_all`).
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import heapq
import re
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from gamedsl.language import ast, fastpath
from gamedsl.language.blocks import group_blocks
from gamedsl.language.grammar_cache import cached_lark
from gamedsl.language.recovery import stub
from gamedsl.language.source import (
    KEYWORDS,
    MAX_EXPR_DEPTH,
    MAX_NUMBER_LENGTH,
    Source,
    bad_character,
    normalize,
    short,
)
from gamedsl.language.syntax_errors import syntax_error
from gamedsl.model.errors import MAX_REPORTED_ERRORS, Span, SpecError, SpecErrors

__all__ = ["KEYWORDS", "Parsed", "normalize", "parse", "parse_all", "parse_expression", "short"]

MAX_BY_LENGTH = 2000  # characters of a command-line expression
# characters parsed again after syntax errors, in all: past this, the errors so far are reported
# (a 4 MB file with an error every few lines must not be parsed twenty times)
MAX_RECOVERY_CHARACTERS = 4_000_000

# The file being parsed, for the spans the transformer builds.  A context variable rather than an
# argument because lark's LALR parser calls the transformer it was built with; each thread (and
# each nested parse) sees its own value, so parsing needs no lock.
_SOURCE: contextvars.ContextVar[Source] = contextvars.ContextVar("gamedsl_source")


def _span(first: Any, last: Any = None) -> Span:
    """Return the span from the start of `first` to the end of `last` (tokens or AST nodes)."""
    last = first if last is None else last
    if isinstance(first, Token):
        line, column = first.line, first.column
    else:
        start = first if isinstance(first, Span) else first.span
        line, column = start.line, start.column
    if isinstance(last, Token):
        end_line, end_column = last.end_line, last.end_column
    else:
        end = last if isinstance(last, Span) else last.span
        end_line, end_column = end.end_line, end.end_column
    return Span(_SOURCE.get().file, line, column, end_line, end_column)


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


def _target(token: Token) -> str:
    """Return the file a `use`/`extends` names: a path or `stdlib:NAME`."""
    return token.value if token.type == "STDLIB_REF" else _string(token)


def _text(node: Any) -> str:
    """Return the source text of a node, as written."""
    return _SOURCE.get().text_of(node.span)


class _ToAst(Transformer):
    """One method per rule or alias of `grammar.lark`: each returns an AST node."""

    # -- expressions --
    def number(self, c: list) -> ast.Number:
        if len(c[0].value) > MAX_NUMBER_LENGTH:
            raise SpecError(f"number literal too long ({len(c[0].value)} characters)", _span(c[0]))
        return ast.Number(c[0].value, _span(c[0]))

    def inf(self, c: list) -> ast.Inf:
        return ast.Inf(_span(c[0]))

    def name(self, c: list) -> ast.Name:
        return ast.Name(c[0].value, _span(c[0]))

    def column(self, c: list) -> ast.Column:
        name, _at, scenario = c
        return ast.Column(name.value, scenario.value, _span(name, scenario))

    def call(self, c: list) -> ast.Call:
        args = tuple(a for a in c[2:-1] if a is not None)
        return ast.Call(c[0].value, args, _span(c[0], c[-1]), _depth(*args) if args else 1)

    def payoff_ref(self, c: list) -> ast.PayoffRef:
        kw, _lpar, (player, index, player_span), rpar, _at, scenario = c
        if scenario is not None:
            return ast.Column(player.value, scenario.value, _span(kw, scenario), payoff=True)
        return ast.PayoffRef(player.value, _span(kw, rpar), player_span, index=index)

    def indexed(self, c: list) -> ast.Indexed:
        name, _lsqb, index, rsqb = c
        return ast.Indexed(name.value, index, _span(name, rsqb), _depth(index))

    def indexed_sum(self, c: list) -> ast.IndexedSum:
        func, _lpar, index, _in, lo, _dots, hi, body, rpar = c
        if func.value != "sum":
            raise SpecError(
                f"'{func.value}(i in lo..hi, ...)' is not a function: only sum takes an index",
                _span(func),
                "write sum(j in 1..n, EXPR)",
            )
        span = _span(func, rpar)
        return ast.IndexedSum(index.value, _span(index), lo, hi, body, span, _depth(lo, hi, body))

    def group(self, c: list) -> ast.Expr:
        # the brackets belong to the span, so the text of a bound reads as written
        return dataclasses.replace(c[1], span=_span(c[0], c[2]))

    def iverson(self, c: list) -> ast.Iverson:
        return ast.Iverson(c[1], _span(c[0], c[2]), _depth(c[1]))

    def power(self, c: list) -> ast.Power:
        base, _pow, exponent = c
        return ast.Power(base, exponent, _span(base, exponent), _depth(base, exponent))

    def minus(self, c: list) -> ast.Neg:
        return ast.Neg(c[1], _span(c[0], c[1]), _depth(c[1]))

    def plus(self, c: list) -> ast.Expr:
        return c[1]  # a unary '+' changes nothing

    def product(self, c: list) -> ast.Product:
        factors = tuple(c[0::2])
        ops = ("*",) + tuple(t.value for t in c[1::2])
        return ast.Product(factors, ops, _span(factors[0], factors[-1]), _depth(*factors))

    def sum(self, c: list) -> ast.Sum:
        terms = tuple(c[0::2])
        signs = ("+",) + tuple(t.value for t in c[1::2])
        return ast.Sum(terms, signs, _span(terms[0], terms[-1]), _depth(*terms))

    def comparison(self, c: list) -> ast.Compare:
        left, op, right = c
        return ast.Compare(op.value, left, right, _span(left, right), _depth(left, right))

    def negation(self, c: list) -> ast.Not:
        return ast.Not(c[1], _span(c[0], c[1]), _depth(c[1]))

    def all_of(self, c: list) -> ast.BoolOp:
        return self._bool("and", c[0::2])

    def any_of(self, c: list) -> ast.BoolOp:
        return self._bool("or", c[0::2])

    @staticmethod
    def _bool(op: str, operands: list) -> ast.BoolOp:
        return ast.BoolOp(op, tuple(operands), _span(operands[0], operands[-1]), _depth(*operands))

    def ifelse(self, c: list) -> ast.IfElse:
        kw, cond, _then, then, _else, other = c
        return ast.IfElse(cond, then, other, _span(kw, other), _depth(cond, then, other))

    def by(self, c: list) -> ast.Expr:
        return c[0]

    # -- domains --
    def bound(self, c: list) -> ast.Bound:
        op, expr = c
        return ast.Bound(op.value, expr, _text(expr), _span(op, expr))

    def domain_interval(self, c: list) -> ast.Domain:
        kw, open_, lo, hi, close = c
        lower = ast.Bound(">=" if open_.value == "[" else ">", lo, _text(lo), lo.span)
        upper = ast.Bound("<=" if close.value == "]" else "<", hi, _text(hi), hi.span)
        span = _span(kw, close)
        return ast.Domain("interval", (lower, upper), (), _SOURCE.get().text_of(span), span)

    def domain_set(self, c: list) -> ast.Domain:
        span = _span(c[0], c[-1])
        return ast.Domain("set", (), tuple(c[2:-1]), _SOURCE.get().text_of(span), span)

    def domain_range(self, c: list) -> ast.Domain:
        span = _span(c[0], c[-1])
        return ast.Domain("range", (), (c[2], c[4]), _SOURCE.get().text_of(span), span)

    def domain_bounds(self, c: list) -> ast.Domain:
        bounds = tuple(b for b in c if b is not None)
        span = _span(bounds[0], bounds[-1])
        return ast.Domain("bounds", bounds, (), _SOURCE.get().text_of(span), span)

    # -- families and chance --
    def family(self, c: list) -> ast.Family:
        lsqb, index, _rsqb, _for, again, _in, lo, _dots, hi = c
        if again.value != index.value:
            raise SpecError(
                f"the index in brackets is {index.value!r} but the range is for {again.value!r}",
                _span(again),
                f"write [{index.value}] for {index.value} in LO..HI",
            )
        return ast.Family(index.value, lo, hi, _span(lsqb, hi))

    def member(self, c: list) -> tuple:
        """Return (name token, index or None, span) of `NAME` or `NAME[INDEX]`."""
        name, index, rsqb = c[0], None, None
        if len(c) > 1 and c[1] is not None:
            _lsqb, index, rsqb = c[1:4]
        return name, index, _span(name, rsqb if rsqb is not None else name)

    def chooser(self, c: list) -> tuple:
        return c[0]

    def nature_player(self, c: list) -> tuple:
        return c[0], None, _span(c[0])

    def weighted_outcomes(self, c: list) -> tuple:
        return tuple(zip(c[0::2], c[1::2])), None

    def listed_outcomes(self, c: list) -> tuple:
        return tuple((v, None) for v in c), None

    def range_outcomes(self, c: list) -> tuple:
        return (), (c[0], c[2])

    def draw_stmt(self, c: list) -> ast.DrawLine:
        kw, var, (outcomes, value_range), rbrace = c[0], c[2], c[5], c[6]
        desc = next((x for x in c[7:] if isinstance(x, Token) and x.type == "STRING"), None)
        members = tuple(
            (m[0].value, m[1], m[2]) for m in c[7:] if isinstance(m, tuple) and len(m) == 3
        )
        last = desc or (members[-1][2] if members else rbrace)
        return ast.DrawLine(
            var.value,
            outcomes,
            value_range,
            members,
            _string(desc),
            _span(kw, last),
            _span(var),
            tuple(_text(v) for v, _p in outcomes),
        )

    # -- statements --
    def game_stmt(self, c: list) -> ast.Title:
        return ast.Title(_string(c[1]), _span(c[0], c[1]))

    def param_stmt(self, c: list) -> ast.ParamDecl:
        kw, name, family, default, domain, desc = c
        last = desc or domain or default or family or name
        return ast.ParamDecl(
            name.value,
            default,
            domain,
            _string(desc),
            kw.type == "POLICY",
            _span(kw, last),
            _span(name),
            family,
        )

    def assume_stmt(self, c: list) -> ast.Assume:
        return ast.Assume(c[1], _text(c[1]), _span(c[0], c[1]))

    def player_stmt(self, c: list) -> ast.PlayerDecl:
        kw, name, family, symmetric, desc = c
        last = desc or symmetric or family or name
        return ast.PlayerDecl(
            name.value, _string(desc), _span(kw, last), _span(name), family, symmetric is not None
        )

    def let_stmt(self, c: list) -> ast.LetDecl:
        kw, name, family, expr, desc = c
        return ast.LetDecl(name.value, expr, _span(kw, expr), _span(name), family, _string(desc))

    def def_stmt(self, c: list) -> ast.DefDecl:
        kw, name, body = c[0], c[1], c[-1]
        args = [a for a in c[3:-2] if a is not None]
        return ast.DefDecl(
            name.value,
            tuple(a.value for a in args),
            tuple(_span(a) for a in args),
            body,
            _span(kw, body),
            _span(name),
        )

    def placement(self, c: list) -> ast.Placement:
        return ast.Placement(c[0].value, c[1].value, _span(c[0], c[1]), _span(c[1]))

    def stage_stmt(self, c: list) -> ast.StageDecl:
        kw, name, placement, _when, cond = c
        last = cond or placement or name
        return ast.StageDecl(name.value, placement, cond, (), _span(kw, last), _span(name))

    def choice_stmt(self, c: list) -> ast.ChoiceLine:
        (player, p_index, p_span), _chooses, (var, v_index, v_span) = c[:3]
        domain, _when, cond, _otherwise, other, desc = c[3:]
        last = desc or other or cond or domain or v_span
        return ast.ChoiceLine(
            player.value,
            var.value,
            domain,
            cond,
            other,
            _string(desc),
            _span(player, last),
            p_span,
            v_span,
            p_index,
            v_index,
        )

    def payoff_stmt(self, c: list) -> ast.PayoffDecl:
        kw, (name, index, name_span), expr = c
        return ast.PayoffDecl(name.value, expr, _span(kw, expr), name_span, index)

    def report_stmt(self, c: list) -> ast.ReportDecl:
        kw, name, family, expr, desc = c
        return ast.ReportDecl(name.value, expr, _span(kw, expr), _span(name), family, _string(desc))

    def scenario_stmt(self, c: list) -> ast.ScenarioDecl:
        kw, name, title = c
        return ast.ScenarioDecl(
            name.value, _string(title), (), _span(kw, title or name), _span(name)
        )

    def fix_stmt(self, c: list) -> ast.Fix:
        kw, (name, index, name_span), expr = c
        return ast.Fix(name.value, expr, _span(kw, expr), name_span, index)

    def set_stmt(self, c: list) -> ast.SetParam:
        kw, (name, index, name_span), expr = c
        return ast.SetParam(name.value, expr, _span(kw, expr), name_span, index)

    def merge_stmt(self, c: list) -> ast.Merge:
        members, merged = c[1:-2], c[-1]
        return ast.Merge(
            tuple(m[0].value for m in members),
            tuple(m[2] for m in members),
            merged.value,
            _span(c[0], merged),
            _span(merged),
            tuple(m[1] for m in members),
        )

    def use_stmt(self, c: list) -> ast.Use:
        return ast.Use(_target(c[1]), _span(c[0], c[1]))

    def extends_stmt(self, c: list) -> ast.Extends:
        return ast.Extends(_target(c[1]), _span(c[0], c[1]))

    def start(self, c: list) -> list:
        return c


def _keyword(token: Token) -> Token:
    """Return a NAME token that spells a reserved word as that keyword's token: reserved words
    are never names, and the parser then says what the keyword cannot do here."""
    if token.value in KEYWORDS:
        return Token.new_borrow_pos(token.value.upper(), token.value, token)
    return token


@functools.cache
def _lark() -> Lark:
    """Return the LALR parser of `grammar.lark`: its tables built once per user and cached on
    disk (`grammar_cache.py`), loaded once per process."""
    grammar = resources.files("gamedsl.language").joinpath("grammar.lark").read_text("utf-8")
    return cached_lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        start=["start", "by"],
        transformer=_ToAst(),
        maybe_placeholders=True,
        # one lexer callback only: lark 1.3 chains a second one to a keyword's callback with a
        # condition that tests the last callback's terminal (a late-binding closure)
        lexer_callbacks={"NAME": _keyword},
    )


def _run(source: Source, text: str, start: str) -> Any:
    """Return what lark's parser and `_ToAst` make of `text`, errors in researcher words."""
    token = _SOURCE.set(source)
    try:
        return _lark().parse(text, start=start)
    except UnexpectedToken as e:
        raise syntax_error(e, source) from None
    except UnexpectedCharacters as e:
        raise bad_character(text, e.pos_in_stream, e.line, e.column, source.file) from None
    except VisitError as e:
        if isinstance(e.orig_exc, SpecError):
            raise e.orig_exc from None
        raise
    except UnexpectedInput as e:
        span = Span(source.file, getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1)
        raise SpecError("syntax error", span) from None
    except RecursionError:
        raise SpecError("nested too deeply", Span(source.file, 1, 1)) from None
    finally:
        _SOURCE.reset(token)


def _position(stmt: Any) -> tuple[int, int]:
    return (stmt.span.line, stmt.span.column)


@dataclasses.dataclass(frozen=True)
class Parsed:
    """A file's syntax tree as far as it could be read, its syntax errors, and the names the
    stubs of bad statements declare (errors about them may be echoes of a syntax error).
    `misplaced` says whether lines were outside their block; `complete` is False when the tree
    lacks statements that no stub stands for (misplaced lines, or recovery given up), so that
    checking it would mostly find echoes."""

    module: ast.Module
    errors: tuple[SpecError, ...]
    stubbed_names: frozenset[str]
    stubbed_lines: frozenset[int]
    misplaced: bool = False
    complete: bool = True


def parse(text: str, filename: str) -> ast.Module:
    """Return the syntax tree of `.game` source `text` read from `filename`.

    Raises `SpecError` for a syntax error, or `SpecErrors` for several (every one the file has,
    up to MAX_REPORTED_ERRORS, lines outside their block included).
    """
    parsed = parse_all(text, filename)
    if len(parsed.errors) == 1 and not parsed.misplaced:
        raise parsed.errors[0]
    if parsed.errors:
        raise SpecErrors(list(parsed.errors))
    return parsed.module


def parse_all(text: str, filename: str) -> Parsed:
    """Return the syntax tree of `text` with its syntax errors: after each error the bad
    statement is replaced by a stub (or blanked) and the text parsed again."""
    lines = normalize(text).split("\n")
    errors: list[SpecError] = []
    names: set[str] = set()
    stubbed: set[int] = set()
    parsed_characters = 0
    while True:
        source = Source(filename, "\n".join(lines))
        try:
            statements = _statements(source)
            break
        except SpecError as e:
            parsed_characters += len(source.text)
            index = e.span.line - 1 if e.span is not None else -1
            if index not in stubbed:  # an error in a stub is the stub's: it is blanked next
                errors.append(e)
            give_up = (
                len(errors) >= MAX_REPORTED_ERRORS
                or parsed_characters > MAX_RECOVERY_CHARACTERS
                or not 0 <= index < len(lines)
                or not lines[index].strip()  # nothing left to take out
            )
            if give_up:
                empty = ast.Module(filename, ())
                return Parsed(empty, tuple(errors), frozenset(names), frozenset(), complete=False)
            patch = stub(lines, index, index in stubbed)
            lines[patch.first : patch.first + len(patch.lines)] = patch.lines
            stubbed.add(index)
            if patch.name is not None:
                names.add(patch.name)
    statements, block_errors = group_blocks(statements, source)
    misplaced = [e for e in block_errors if not _echoed(e, lines, stubbed)]
    errors.extend(misplaced)
    module = ast.Module(filename, tuple(statements))
    stubbed_lines = frozenset(i + 1 for i in stubbed)
    return Parsed(
        module,
        tuple(errors),
        frozenset(names),
        stubbed_lines,
        misplaced=bool(misplaced),
        complete=not misplaced,
    )


def _echoed(error: SpecError, lines: list[str], stubbed: set[int]) -> bool:
    """Return True when a block error only echoes a syntax error: it is on a stubbed line, or
    it is a header whose block held a stubbed line (a stage left with no choices)."""
    if error.span is None:
        return False
    index = error.span.line - 1
    if index in stubbed:
        return True
    following = index + 1
    while following < len(lines) and (
        lines[following][:1] in (" ", "\t") or lines[following].strip()[:1] in ("", "#")
    ):
        if following in stubbed:
            return True
        following += 1
    return False


def _statements(source: Source) -> list:
    """Return the statements of `source` in file order (blocks not yet grouped)."""
    source.check_nesting()
    fast, rest = fastpath.take_lines(source)
    statements = _run(source, rest, "start") or []
    if fast:
        statements = list(heapq.merge(statements, fast, key=_position))
    return statements


def parse_expression(text: str, source: str = "--by") -> ast.Expr:
    """Return the tree of one expression typed on the command line (`COLUMN@SCENARIO` allowed);
    errors name `source` and the column in the text."""
    if not text or not text.strip():
        raise SpecError("the expression is empty", Span(source, 1, 1))
    if "\n" in text or "\r" in text or len(text) > MAX_BY_LENGTH:
        raise SpecError(
            f"the expression must be one line of at most {MAX_BY_LENGTH} characters",
            Span(source, 1, 1),
        )
    src = Source(source, text)
    src.check_nesting()
    return _run(src, text, "by")
