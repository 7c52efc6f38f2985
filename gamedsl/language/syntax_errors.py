"""Syntax errors in researcher words: what the LALR parser expected, said as a hint.

`syntax_error(e, source)` turns lark's `UnexpectedToken` (the token it met, the terminals it
expected, and its stack of what was read so far) into a `SpecError` at the token's position:
"expected ':' after the stage name", "missing operator between '2' and 'a'", ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedToken

from gamedsl.language import ast
from gamedsl.language.source import KEYWORDS, Source, short
from gamedsl.model.errors import Span, SpecError

_THING = {
    "NAME": "a name",
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
    "$END": "the end",
    "_SEMI": "';'",
    "AT": "'@'",
}
_OPERATORS = {
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
_BINARY = frozenset(("STAR", "SLASH", "POW", "AND", "OR")) | _COMPARE
_VALUE_START = frozenset(("NUMBER", "NAME", "INF", "PAYOFF", "LPAR", "LSQB", "MINUS", "PLUS"))
_OPERAND_END = frozenset(("NUMBER", "NAME", "INF", "RPAR", "RSQB"))
_STATEMENT_START = {
    k.upper(): k
    for k in [
        "game",
        "param",
        "policy",
        "assume",
        "player",
        "let",
        "def",
        "stage",
        "payoff",
        "report",
        "scenario",
        "fix",
        "set",
        "merge",
        "use",
        "extends",
        "chooses",
    ]
}
_STATEMENT_NODES = tuple(
    getattr(ast, n)
    for n in [
        "Title",
        "ParamDecl",
        "Assume",
        "PlayerDecl",
        "LetDecl",
        "DefDecl",
        "StageDecl",
        "ChoiceLine",
        "PayoffDecl",
        "ReportDecl",
        "ScenarioDecl",
        "Fix",
        "SetParam",
        "Merge",
        "Use",
        "Extends",
    ]
)
_NAME_OF = {
    "player": "a player name",
    "stage": "a stage name",
    "scenario": "a scenario name",
    "let": "a name",
    "param": "a param name",
    "policy": "a param name",
    "report": "a report name",
    "payoff": "a player name",
}


def _thing(term: str) -> str:
    if term in _THING:
        return _THING[term]
    if term in _OPERATORS:
        return repr(_OPERATORS[term])
    return repr(term.lower())


def _got(token: Token) -> str:
    if token.type == "_NL":
        return "end of line"
    if token.type == "$END":
        return "the end"
    if token.type == "STRING":
        return f"string {short(token.value)}"
    if token.type == "NAME":
        return f"name {short(token.value)!r}"
    if token.type == "NUMBER":
        return f"number {short(token.value)}"
    return repr(short(token.value))


def _acceptable(e: UnexpectedToken) -> set[str]:
    """Return the terminals the parser could have taken instead of the token: the LALR tables'
    lookaheads merge contexts, so each is tried on a copy of the parser (no callbacks run)."""
    parser = getattr(e, "interactive_parser", None)
    if parser is not None:
        try:
            return set(parser.accepts())
        except Exception:  # noqa: BLE001, S110 - the tables' own answer is the fallback
            pass
    return set(e.expected or ())


def _stack(e: UnexpectedToken) -> list:
    """Return what the parser had read of the statement in progress (tokens and AST nodes)."""
    stack = list(getattr(e.state, "value_stack", None) or [])
    for i in range(len(stack) - 1, -1, -1):
        if isinstance(stack[i], (_STATEMENT_NODES, list)):
            return stack[i + 1 :]
    return stack


def _context(stack: list) -> str | None:
    """Return the keyword of the statement in progress (`chooses` for a choice line)."""
    for item in reversed(stack):
        if isinstance(item, Token) and item.type in _STATEMENT_START:
            return _STATEMENT_START[item.type]
    return None


def _describe(item: Any, source: Source) -> str:
    """Return the text of a token or node, quoted and cut short, for a message."""
    text = item.value if isinstance(item, Token) else source.text_of(item.span)
    return repr(short(text, 30))


def _count(stack: list, *kinds: str) -> int:
    """Return how many tokens of these kinds the statement read so far."""
    return sum(1 for item in stack if isinstance(item, Token) and item.type in kinds)


def _is_operand(item: Any) -> bool:
    if isinstance(item, Token):
        return item.type in _OPERAND_END
    return isinstance(item, ast.Expr)


@dataclass(frozen=True)
class _Failure:
    """What the parser met, what it expected, and what it had read of the statement."""

    token: Token
    expected: frozenset[str]
    stack: list
    source: Source

    @property
    def kind(self) -> str:
        return self.token.type

    @property
    def got(self) -> str:
        return _got(self.token)

    @property
    def context(self) -> str | None:
        return _context(self.stack)

    @property
    def last(self) -> Any:
        return self.stack[-1] if self.stack else None

    @property
    def value_expected(self) -> bool:
        return bool(self.expected & _VALUE_START)

    def at(self, item: Any) -> Span:
        """Return the position of a token read earlier (rather than of the one met)."""
        return Span(self.source.file, item.line, item.column)


def syntax_error(e: UnexpectedToken, source: Source) -> SpecError:
    """Return a `SpecError` that says what went wrong in an LALR parse, in researcher words."""
    token = e.token
    expected = frozenset(t for t in _acceptable(e) if not t.startswith("__"))
    f = _Failure(token, expected, _stack(e), source)
    span = Span(source.file, getattr(token, "line", None) or 1, getattr(token, "column", None) or 1)
    for rule in _RULES:
        message = rule(f)
        if message is None:
            continue
        if isinstance(message, SpecError):
            return message
        text, hint = message if isinstance(message, tuple) else (message, None)
        return SpecError(text, span, hint)
    raise AssertionError("the last rule always answers")  # pragma: no cover


def _reserved_word(f: _Failure) -> Any:
    k = f.kind.lower()
    only_a_name = "NAME" in f.expected and not f.expected & (_VALUE_START - {"NAME"})
    if k in KEYWORDS and k == f.token.value and only_a_name:
        return f"{f.token.value!r} is a reserved word and cannot be used as a name"
    return None


def _header(f: _Failure) -> Any:
    if f.context == "stage" and "_COLON" in f.expected and "NAME" not in f.expected:
        return (
            f"expected ':' after the stage name, got {f.got}",
            "a stage header reads: stage NAME [after|before OTHER] [when COND]:",
        )
    if f.context == "scenario" and "_COLON" in f.expected:
        return (
            f"expected ':' after the scenario name, got {f.got}",
            'a scenario header reads: scenario NAME ["title"]:',
        )
    return None


def _misused_word(f: _Failure) -> Any:
    if f.kind == "IF" and f.value_expected:
        return "an 'if' inside an expression needs parentheses: 2 + (if x > 1 then x else 1)"
    if f.kind == "NOT" and f.value_expected:
        return "'not' applies to a whole condition here: use parentheses, e.g. " + (
            "'x > 0 and not (y > 1)'"
        )
    if f.kind == "_ASSIGN" and (f.expected & _COMPARE or f.context == "assume"):
        return "'=' is not a comparison: use '==' to compare"
    if f.kind == "CHOOSES":
        return "a choice line reads: PLAYER chooses VAR [DOMAIN]"
    return None


def _statement_order(f: _Failure) -> Any:
    """A param or choice line whose parts are out of order or doubled."""
    if f.context == "param" and f.kind in _COMPARE and "_ASSIGN" not in f.expected:
        return (
            (
                f"unexpected {f.got}: a param default is arithmetic (no comparisons) "
                "and a param has one domain"
            ),
            "join two bounds with a comma: >= 0, <= 2",
        )
    if f.context == "param" and "_ASSIGN" in f.expected and f.kind in ("NUMBER", "NAME"):
        return f"expected '=' before the default, got {f.got}"
    if f.kind in _COMPARE and _count(f.stack, *_COMPARE):
        return "comparisons cannot be chained: write 'a < b and b < c'"
    if f.context == "chooses" and f.kind in ("WHEN", "IN", "GE", "GT", "LE", "LT"):
        return (
            f"unexpected {f.got}: a choice line reads PLAYER chooses VAR [DOMAIN] [when COND] "
            '[otherwise EXPR] ["description"], in that order'
        )
    bound = f.kind in ("LT", "LE", "GT", "GE", "IN")
    if f.context == "param" and bound and "STRING" not in f.expected:
        return (
            f"unexpected {f.got}: a param line reads param NAME [= DEFAULT] [DOMAIN] "
            '["description"], in that order'
        )
    return None


def _names(f: _Failure) -> Any:
    """A name (or the word, sign or bracket after one) was expected."""
    if isinstance(f.last, Token) and f.last.type == "AT":
        return f"expected a scenario name after '@', got {f.got}"
    if "NAME" in f.expected and not (f.expected & (_VALUE_START - {"NAME"})):
        return f"expected {_NAME_OF.get(f.context or '', 'a name')}, got {f.got}"
    if "CHOOSES" in f.expected and len(f.expected) <= 2:
        return (
            f"expected 'chooses' after the player name, got {f.got}",
            (
                "statements start with a keyword (param, let, stage, ...) or, in a "
                "stage, PLAYER chooses VAR"
            ),
        )
    if f.context in ("let", "report", "payoff", "fix", "set") and "_ASSIGN" in f.expected:
        return f"expected '=' after the name in '{f.context}', got {f.got}"
    if f.context == "def" and "LPAR" in f.expected and isinstance(f.last, Token):
        return SpecError(
            "expected '(' after the function name: def NAME(ARGS) = EXPR", f.at(f.last)
        )
    return None


def _unclosed(f: _Failure) -> Any:
    end = f.kind in ("_NL", "$END")
    if "RPAR" in f.expected and end:
        return "expected ')': a '(' is not closed on this line"
    if "RSQB" in f.expected and end:
        return "expected ']': a '[' is not closed on this line"
    if (
        "ELSE" in f.expected
        and f.kind != "ELSE"
        and _count(f.stack, "IF") > _count(f.stack, "ELSE")
    ):
        return f"expected 'else', got {f.got}: an 'if' reads if COND then X else Y"
    return None


def _values(f: _Failure) -> Any:
    """A value is missing next to an operator, or an operator between two values."""
    if f.value_expected:
        if isinstance(f.last, Token) and f.last.type in _OPERATORS:
            return SpecError(f"expected a value after {f.last.value!r}", f.at(f.last))
        if f.kind in _BINARY:
            return f"expected a value before {f.token.value!r}"
        if f.kind in ("_NL", "$END"):
            return "unexpected end of line: expected a value"
    arithmetic = f.expected & {"PLUS", "MINUS", "STAR", "SLASH", "POW"}
    if f.kind in _VALUE_START - {"MINUS", "PLUS"} and arithmetic and _is_operand(f.last):
        between = f"{_describe(f.last, f.source)} and {_describe(f.token, f.source)}"
        return f"missing operator between {between}", "write '*' for a product, e.g. 2*x"
    return None


def _anything_else(f: _Failure) -> Any:
    if "_NL" in f.expected and f.kind == "STRING":
        return "unexpected string here (a description comes last on its line)"
    if f.value_expected and len(f.expected) > 4:
        return f"unexpected {f.got}: expected a value"
    if "_NL" in f.expected and len(f.expected) > 3:
        return f"unexpected {f.got}: expected the end of the statement"
    wanted = sorted(_thing(t) for t in f.expected)
    if len(wanted) == 1:
        return f"expected {wanted[0]}, got {f.got}"
    if 1 < len(wanted) <= 6:
        return f"unexpected {f.got}: expected {', '.join(wanted[:-1])} or {wanted[-1]}"
    return f"unexpected {f.got}"


# tried in order; the first that recognises the failure says it
_RULES = (
    _reserved_word,
    _header,
    _misused_word,
    _statement_order,
    _names,
    _unclosed,
    _values,
    _anything_else,
)
