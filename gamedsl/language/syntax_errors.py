"""Syntax errors in researcher words: what the LALR parser expected, said as a hint.

`syntax_error(e, source)` turns lark's `UnexpectedToken` (the token it met, the terminals it
expected, and its stack of what was read so far) into a `SpecError` at the token's position:
"expected ':' after the stage name", "missing operator between '2' and 'a'", ...
"""

from __future__ import annotations

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


def _count(stack: list, kind: str) -> int:
    return sum(1 for item in stack if isinstance(item, Token) and item.type == kind)


def _is_operand(item: Any) -> bool:
    if isinstance(item, Token):
        return item.type in _OPERAND_END
    return isinstance(item, ast.Expr)


def syntax_error(e: UnexpectedToken, source: Source) -> SpecError:
    """Return a `SpecError` that says what went wrong in an LALR parse, in researcher words."""
    token = e.token
    expected = {t for t in (e.expected or ()) if not t.startswith("__")}
    stack = _stack(e)
    context = _context(stack)
    last = stack[-1] if stack else None
    span = Span(source.file, getattr(token, "line", None) or 1, getattr(token, "column", None) or 1)
    message = _explain(token, expected, context, last, stack, source)
    if isinstance(message, SpecError):
        return message
    text, hint = message if isinstance(message, tuple) else (message, None)
    return SpecError(text, span, hint)


def _explain(token, expected, context, last, stack, source) -> Any:
    """Return the message (or message and hint, or a whole SpecError) for one parse error."""
    got = _got(token)
    kind = token.type
    value_expected = bool(expected & _VALUE_START)
    if (
        kind.lower() in KEYWORDS
        and kind.lower() == token.value
        and "NAME" in expected
        and not (expected & (_VALUE_START - {"NAME"}))
    ):
        return f"{token.value!r} is a reserved word and cannot be used as a name"
    if context == "stage" and "_COLON" in expected and "NAME" not in expected:
        return (
            f"expected ':' after the stage name, got {got}",
            "a stage header reads: stage NAME [after|before OTHER] [when COND]:",
        )
    if context == "scenario" and "_COLON" in expected:
        return (
            f"expected ':' after the scenario name, got {got}",
            'a scenario header reads: scenario NAME ["title"]:',
        )
    if kind == "IF" and value_expected:
        return "an 'if' inside an expression needs parentheses: 2 + (if x > 1 then x else 1)"
    if kind == "NOT" and value_expected:
        return (
            "'not' applies to a whole condition here: use parentheses, e.g. 'x > 0 and not (y > 1)'"
        )
    if kind == "_ASSIGN" and (expected & _COMPARE or context == "assume"):
        return "'=' is not a comparison: use '==' to compare"
    if context == "param" and kind in _COMPARE and "_ASSIGN" not in expected:
        return (
            (
                f"unexpected {got}: a param default is arithmetic (no comparisons) "
                "and a param has one domain"
            ),
            "join two bounds with a comma: >= 0, <= 2",
        )
    if context == "param" and "_ASSIGN" in expected and kind in ("NUMBER", "NAME"):
        return f"expected '=' before the default, got {got}"
    if kind in _COMPARE and any(isinstance(i, Token) and i.type in _COMPARE for i in stack):
        return "comparisons cannot be chained: write 'a < b and b < c'"
    if kind == "CHOOSES":
        return "a choice line reads: PLAYER chooses VAR [DOMAIN]"
    if context == "chooses" and kind in ("WHEN", "IN", "GE", "GT", "LE", "LT"):
        return (
            f"unexpected {got}: a choice line reads PLAYER chooses VAR [DOMAIN] [when COND] "
            '[otherwise EXPR] ["description"], in that order'
        )
    if context == "param" and kind in ("LT", "LE", "GT", "GE", "IN") and "STRING" not in expected:
        return (
            f"unexpected {got}: a param line reads param NAME [= DEFAULT] [DOMAIN] "
            '["description"], in that order'
        )
    if isinstance(last, Token) and last.type == "AT":
        return f"expected a scenario name after '@', got {got}"
    if "NAME" in expected and not (expected & (_VALUE_START - {"NAME"})):
        return f"expected {_NAME_OF.get(context or '', 'a name')}, got {got}"
    if "CHOOSES" in expected and len(expected) <= 2:
        return (
            f"expected 'chooses' after the player name, got {got}",
            (
                "statements start with a keyword (param, let, stage, ...) or, in a "
                "stage, PLAYER chooses VAR"
            ),
        )
    if context in ("let", "report", "payoff", "fix", "set") and "_ASSIGN" in expected:
        return f"expected '=' after the name in '{context}', got {got}"
    if context == "def" and "LPAR" in expected and isinstance(last, Token):
        return SpecError(
            "expected '(' after the function name: def NAME(ARGS) = EXPR",
            Span(source.file, last.line, last.column),
        )
    if "RPAR" in expected and kind in ("_NL", "$END"):
        return "expected ')': a '(' is not closed on this line"
    if "RSQB" in expected and kind in ("_NL", "$END"):
        return "expected ']': a '[' is not closed on this line"
    if "ELSE" in expected and kind != "ELSE" and _count(stack, "IF") > _count(stack, "ELSE"):
        return f"expected 'else', got {got}: an 'if' reads if COND then X else Y"
    if value_expected:
        if isinstance(last, Token) and last.type in _OPERATORS:
            where = Span(source.file, last.line, last.column)
            return SpecError(f"expected a value after {last.value!r}", where)
        if kind in _BINARY:
            return f"expected a value before {token.value!r}"
        if kind in ("_NL", "$END"):
            return "unexpected end of line: expected a value"
    arithmetic = expected & {"PLUS", "MINUS", "STAR", "SLASH", "POW"}
    if kind in _VALUE_START - {"MINUS", "PLUS"} and arithmetic and _is_operand(last):
        return (
            f"missing operator between {_describe(last, source)} and {_describe(token, source)}",
            "write '*' for a product, e.g. 2*x",
        )
    if "_NL" in expected and kind == "STRING":
        return "unexpected string here (a description comes last on its line)"
    if value_expected and len(expected) > 4:
        return f"unexpected {got}: expected a value"
    if "_NL" in expected and len(expected) > 3:
        return f"unexpected {got}: expected the end of the statement"
    wanted = sorted(_thing(t) for t in expected)
    if len(wanted) == 1:
        return f"expected {wanted[0]}, got {got}"
    if 1 < len(wanted) <= 6:
        return f"unexpected {got}: expected {', '.join(wanted[:-1])} or {wanted[-1]}"
    return f"unexpected {got}"
