"""The parser: precedence, numbers, strings, blocks, text handling, spans and syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamedsl.language import ast, parse
from gamedsl.model.errors import SpecError, SpecErrors


def expr_of(source: str) -> ast.Expr:
    """Return the expression of `let x = SOURCE`."""
    (stmt,) = parse(f"let x = {source}\n", "t.game").statements
    return stmt.expr


def shape(e: ast.Expr) -> str:
    """Return a fully parenthesised rendering of an expression tree."""
    t = type(e)
    if t is ast.Number:
        return e.text
    if t is ast.Name:
        return e.name
    if t is ast.Inf:
        return "inf"
    if t is ast.Neg:
        return f"(-{shape(e.operand)})"
    if t is ast.Not:
        return f"(not {shape(e.operand)})"
    if t is ast.Power:
        return f"({shape(e.base)}^{shape(e.exponent)})"
    if t is ast.Sum:
        parts = [shape(e.terms[0])] + [f"{s} {shape(x)}" for s, x in zip(e.signs[1:], e.terms[1:])]
        return "(" + " ".join(parts) + ")"
    if t is ast.Product:
        parts = [shape(e.factors[0])] + [
            f"{o} {shape(x)}" for o, x in zip(e.ops[1:], e.factors[1:])
        ]
        return "(" + " ".join(parts) + ")"
    if t is ast.Compare:
        return f"({shape(e.left)} {e.op} {shape(e.right)})"
    if t is ast.BoolOp:
        return "(" + f" {e.op} ".join(shape(x) for x in e.operands) + ")"
    if t is ast.Iverson:
        return f"[{shape(e.condition)}]"
    if t is ast.IfElse:
        return f"(if {shape(e.condition)} then {shape(e.then)} else {shape(e.otherwise)})"
    if t is ast.Call:
        return f"{e.func}(" + ", ".join(shape(a) for a in e.args) + ")"
    if t is ast.PayoffRef:
        return f"payoff({e.player})"
    raise AssertionError(t)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("-x^2", "(-(x^2))"),
        ("2^3^2", "(2^(3^2))"),
        ("2^-1", "(2^(-1))"),
        ("2^-3^2", "(2^(-(3^2)))"),
        ("2**3", "(2^3)"),
        ("a - -b", "(a - (-b))"),
        ("a*-b", "(a * (-b))"),
        ("-a*b", "((-a) * b)"),
        ("a + b*c - d/e", "(a + (b * c) - (d / e))"),
        ("a/b/c", "(a / b / c)"),
        ("(a + b)*c", "((a + b) * c)"),
        ("a + b < c*d", "((a + b) < (c * d))"),
        ("not a < b and c >= d or e == f", "(((not (a < b)) and (c >= d)) or (e == f))"),
        ("not not a != b", "(not (not (a != b)))"),
        ("if a > 1 then a else 1 + 2", "(if (a > 1) then a else (1 + 2))"),
        (
            "if a > 1 then if b > 1 then 1 else 2 else 3",
            "(if (a > 1) then (if (b > 1) then 1 else 2) else 3)",
        ),
        ("2 + (if x > 1 then x else 1)", "(2 + (if (x > 1) then x else 1))"),
        ("p*[omega < theta]", "(p * [(omega < theta)])"),
        ("min(a, b) + max(1, 2, 3) - abs(-x)", "(min(a, b) + max(1, 2, 3) - abs((-x)))"),
        ("sqrt(x)*exp(y)/log(z)", "(sqrt(x) * exp(y) / log(z))"),
        ("payoff(L) + payoff (F)", "(payoff(L) + payoff(F))"),
        ("f ( x , y )", "f(x, y)"),
        ("g()", "g()"),
        ("-inf", "(-inf)"),
    ],
)
def test_precedence_follows_design(source: str, expected: str) -> None:
    assert shape(expr_of(source)) == expected


@pytest.mark.parametrize("text", ["3", "0.25", ".5", "1e-3", "2.5E2", "10.", "7e+2"])
def test_numbers_are_kept_as_written(text: str) -> None:
    e = expr_of(text)
    assert isinstance(e, ast.Number) and e.text == text


def test_range_dots_are_not_a_decimal_point() -> None:
    module = parse("stage s:\n  L chooses n in {0..10}\n", "t.game")
    domain = module.statements[0].choices[0].domain
    assert domain.kind == "range"
    assert [e.text for e in domain.elements] == ["0", "10"]


def test_strings_take_escaped_quotes_and_backslashes() -> None:
    (p,) = parse('player L "the \\"leader\\" \\\\ first"\n', "t.game").statements
    assert p.description == 'the "leader" \\ first'


def test_domains_keep_their_text_and_strictness() -> None:
    m = parse(
        'param c = 2 in [0, a)  "cost"\nparam d in (lo, hi]\n'
        "param e = 1 <= K, > 0\nparam f = 3 in {1, 2, 5}\n",
        "t.game",
    )
    c, d, e, f = m.statements
    assert c.domain.kind == "interval" and c.domain.text == "in [0, a)"
    assert [(b.op, b.text) for b in c.domain.bounds] == [(">=", "0"), ("<", "a")]
    assert [(b.op, b.text) for b in d.domain.bounds] == [(">", "lo"), ("<=", "hi")]
    assert d.default is None
    assert [(b.op, b.text) for b in e.domain.bounds] == [("<=", "K"), (">", "0")]
    assert e.domain.text == "<= K, > 0"
    assert f.domain.kind == "set" and [x.text for x in f.domain.elements] == ["1", "2", "5"]
    assert c.description == "cost"


def test_bound_text_keeps_brackets() -> None:
    m = parse("stage s:\n  L chooses x >= (a + b)/2, <= max(a, b)\n", "t.game")
    bounds = m.statements[0].choices[0].domain.bounds
    assert [b.text for b in bounds] == ["(a + b)/2", "max(a, b)"]


def test_blocks_group_indented_lines_and_survive_blank_and_comment_lines() -> None:
    text = (
        "stage one:\n  L chooses x\n\n  # a comment\n\tF chooses y; F chooses z\n"
        'stage two when x > 0:\n  L chooses w >= 0 when y > 1 otherwise 0 "d"\n'
        'scenario s "t":\n  set a = 1; fix x = 2\n  merge L, F as LF\n'
        "  payoff L = 1\n  let q = 2\nreport r = 1\n"
    )
    one, two, sc, report = parse(text, "t.game").statements
    assert [c.var for c in one.choices] == ["x", "y", "z"]
    assert [c.player for c in one.choices] == ["L", "F", "F"]
    assert two.condition is not None and two.choices[0].otherwise is not None
    assert two.choices[0].description == "d"
    assert [type(s).__name__ for s in sc.statements] == [
        "SetParam",
        "Fix",
        "Merge",
        "PayoffDecl",
        "LetDecl",
    ]
    assert sc.title == "t"
    assert isinstance(report, ast.ReportDecl)


def test_semicolons_separate_statements_on_one_line() -> None:
    m = parse("player A; player B;; param a = 1 ;\n", "t.game")
    assert [type(s).__name__ for s in m.statements] == ["PlayerDecl", "PlayerDecl", "ParamDecl"]


def test_crlf_bom_and_tabs() -> None:
    text = '\ufeffgame "t"\r\nstage s:\r\n\tL chooses\tx >= 0\r\n'
    title, stage = parse(text, "t.game").statements
    assert title.text == "t"
    choice = stage.choices[0]
    # a tab counts as one column: "\tL" puts L in column 2, x after "chooses\t" in column 12
    assert (choice.player_span.line, choice.player_span.column) == (3, 2)
    assert (choice.var_span.line, choice.var_span.column) == (3, 12)


def test_lone_carriage_returns_are_line_breaks() -> None:
    m = parse("player A\rplayer B\r", "t.game")
    assert [s.span.line for s in m.statements] == [1, 2]


def test_spans_are_one_based_and_cover_the_text() -> None:
    (let,) = parse("let  total = a + b*c\n", "t.game").statements
    assert (let.name_span.line, let.name_span.column) == (1, 6)
    assert (let.expr.span.column, let.expr.span.end_column) == (14, 21)


def test_use_and_extends_targets() -> None:
    m = parse('extends "base.game"\nuse stdlib:lib/quadratic_cost\nuse "stdlib:x"\n', "t.game")
    assert [s.target for s in m.statements] == [
        "base.game",
        "stdlib:lib/quadratic_cost",
        "stdlib:x",
    ]


def test_builtin_names_are_ordinary_names() -> None:
    m = parse("let log = 2\nlet y = log*min\n", "t.game")
    assert m.statements[0].name == "log"


def test_def_arguments_and_empty_argument_list() -> None:
    f, g = parse("def f(a, b) = a*b\ndef g() = 1\n", "t.game").statements
    assert f.args == ("a", "b") and g.args == ()


def test_merge_of_three_players() -> None:
    (sc,) = parse("scenario s:\n  merge A, B, C as ABC\n", "t.game").statements
    assert sc.statements[0].players == ("A", "B", "C") and sc.statements[0].merged == "ABC"


def test_placement_in_stage_header() -> None:
    a, b = parse(
        "stage x after y when z == 1:\n  L chooses v when q > 0 otherwise 1\n"
        "stage w before x:\n  L chooses u\n",
        "t.game",
    ).statements
    assert (a.placement.where, a.placement.other) == ("after", "y")
    assert (b.placement.where, b.placement.other) == ("before", "x")


def test_empty_and_comment_only_files_parse() -> None:
    assert parse("", "t.game").statements == ()
    assert parse("# nothing\n\n   \n", "t.game").statements == ()


# ---- syntax errors: exact position and message --------------------------------------------------

SYNTAX_ERRORS = [
    ("stage s\n  L chooses x\n", 1, 8, "expected ':' after the stage name"),
    ("stage s when x > 1\n", 1, 19, "expected ':' after the stage name"),
    ("scenario s\n", 1, 11, "expected ':' after the scenario name"),
    ("let in = 3\n", 1, 5, "'in' is a reserved word"),
    ("let x = 2 + if a > 1 then 1 else 2\n", 1, 13, "needs parentheses"),
    ("assume a = 3\n", 1, 10, "use '=='"),
    ("assume 0 < a < 3\n", 1, 14, "comparisons cannot be chained"),
    ("let x = (a + 1\n", 1, 15, "'(' is not closed"),
    ("let x = [a > 1\n", 1, 15, "'[' is not closed"),
    ("let x = 2 a\n", 1, 11, "missing operator between '2' and 'a'"),
    ("let x = a +\n", 1, 11, "expected a value after '+'"),
    ("let x = * a\n", 1, 9, "expected a value before '*'"),
    ("let __import__ = 1\n", 1, 5, "names start with a letter"),
    ("let x = 1\x00\n", 1, 10, "NUL"),
    ('player G "abc\n', 1, 10, "unterminated string"),
    ('player G "a\\nb"\n', 1, 10, "unknown escape"),
    ("stage z:\n  L choose z\n", 2, 5, "expected 'chooses' after the player name"),
    ("let x 1\n", 1, 7, "expected '=' after the name in 'let'"),
    ("def f = 1\n", 1, 5, "expected '(' after the function name"),
    ("let x = a & b\n", 1, 11, "write 'and'"),
    ("let é = 1\n", 1, 5, "unexpected character 'é'"),
    ("param a = 1 > 0 < 3\n", 1, 17, "param has one domain"),
    ("let x = a + not b\n", 1, 13, "'not' applies to a whole condition"),
    ("player\n", 1, 7, "expected a player name"),
    ("stage 1st:\n", 1, 7, "expected a stage name"),
    ("stage s:\n  L chooses q >= 0 otherwise 0 when x > 1\n", 2, 32, "in that order"),
    ("param a 3\n", 1, 9, "expected '=' before the default"),
    ("let y = if x > 1 then 2\n", 1, 24, "expected 'else'"),
    ("scenario s:\n  merge G D as GD\n", 2, 11, "expected ','"),
    ("use demand.game\n", 1, 5, 'expected a "string" or stdlib:NAME'),
]


@pytest.mark.parametrize("text, line, column, message", SYNTAX_ERRORS)
def test_syntax_errors_say_where_and_what(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse(text, "t.game")
    e = info.value
    assert (e.span.file, e.span.line, e.span.column) == ("t.game", line, column), str(e)
    assert message in e.message


BLOCK_ERRORS = [
    ("stage e:\nreport r = 1\n", 1, 7, "stage 'e' has no choices"),
    ("  let x = 1\n", 1, 3, "unexpected indentation"),
    ("fix x = 1\n", 1, 1, "'fix' must be inside a scenario block"),
    ("L chooses x\n", 1, 1, "a choice line must be inside a stage block"),
    ("stage s:\n  L chooses x\n  let y = 1\n", 3, 3, "only choice lines"),
    ("scenario s:\n  player P\n", 2, 3, "only fix, set, merge, payoff and let"),
]


@pytest.mark.parametrize("text, line, column, message", BLOCK_ERRORS)
def test_lines_outside_their_block_are_errors(
    text: str, line: int, column: int, message: str
) -> None:
    with pytest.raises(SpecErrors) as info:
        parse(text, "t.game")
    e = info.value.errors[0]
    assert (e.span.line, e.span.column) == (line, column)
    assert message in e.message


def test_first_unindented_statement_ends_the_block() -> None:
    stage, player = parse("stage s:\n  L chooses x\nplayer L\n", "t.game").statements
    assert len(stage.choices) == 1 and isinstance(player, ast.PlayerDecl)


def test_runs_and_single_tokens_give_the_same_tree() -> None:
    # After '=' the lexer hands `a + b*c` over as one RUN token; inside a call it does not.
    direct = expr_of("a + b*c - 2^x")
    in_call = expr_of("max(a + b*c - 2^x)").args[0]
    assert shape(direct) == shape(in_call) == "(a + (b * c) - (2^x))"


# ---- the fast paths give the same trees as the full grammar ------------------------------------

from hypothesis import given, settings
from hypothesis import strategies as st

from gamedsl.language import fastpath

LANG = Path(__file__).resolve().parents[2] / "specs" / "lang"


def parse_both(text: str) -> tuple:
    fast = parse(text, "t.game")
    fastpath.ENABLED = False
    try:
        slow = parse(text, "t.game")
    finally:
        fastpath.ENABLED = True
    return fast, slow


@pytest.mark.parametrize("path", sorted(LANG.glob("*.game")), ids=lambda p: p.name)
def test_fast_statements_match_the_grammar_on_every_example(path: Path) -> None:
    fast, slow = parse_both(path.read_text(encoding="utf-8"))
    assert fast == slow


RUN_PIECES = [
    "a",
    "b1",
    "x_y",
    "inf",
    "0",
    "2",
    ".5",
    "1e-3",
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    " ",
    "  ",
    "\t",
]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(RUN_PIECES), min_size=1, max_size=14))
def test_fast_runs_match_the_general_resolver(pieces: list[str]) -> None:
    body = "".join(pieces).strip() or "a"
    text = f"let z = {body}\nreport r = ({body})\n"

    def outcome(fast: bool):
        fastpath.ENABLED = fast
        try:
            return parse(text, "t.game").statements
        except SpecError as e:
            return (e.message, e.span)
        finally:
            fastpath.ENABLED = True

    assert outcome(True) == outcome(False)


def test_the_fast_path_reads_plain_lines_and_leaves_the_rest() -> None:
    from gamedsl.language.source import Source

    text = (
        "let a = b + c*2\n  report r = -x^2 - y  # note\npayoff P = q\n"
        "let z = max(a, b)\nlet w = a; let v = b\nlet in = 1\n"
    )
    statements, rest = fastpath.take_lines(Source("t.game", text))
    assert [s.name if hasattr(s, "name") else s.player for s in statements] == ["a", "r", "P"]
    assert rest.splitlines() == [
        "",
        "",
        "",
        "let z = max(a, b)",
        "let w = a; let v = b",
        "let in = 1",
    ]


def test_ten_thousand_nested_brackets_are_refused_at_once() -> None:
    import time

    text = "player A\nstage s:\n  A chooses x >= 0\npayoff A = " + "(" * 10_000 + "x" + ")" * 10_000
    start = time.process_time()
    with pytest.raises(SpecError) as info:
        parse(text, "t.game")
    assert time.process_time() - start < 5  # a guard against a hang, not a speed test
    assert "nested too deeply" in info.value.message
    assert (info.value.span.line, info.value.span.column) == (4, 12 + 100)


def test_a_deep_chain_of_signs_is_refused_with_its_position() -> None:
    with pytest.raises(SpecError) as info:
        parse("let x = " + "-" * 10_000 + "1\n", "t.game")
    assert "nested too deeply" in info.value.message and info.value.span.line == 1


def test_command_line_expressions_use_the_same_grammar() -> None:
    from gamedsl.language import parse_expression

    e = parse_expression("welfare - welfare@base + payoff(G)@strict")
    assert shape(e.terms[0]) == "welfare" and isinstance(e.terms[1], ast.Column)
    assert (e.terms[2].name, e.terms[2].scenario, e.terms[2].payoff) == ("G", "strict", True)
    assert shape(parse_expression("-x^2 + [a < b]")) == "((-(x^2)) + [(a < b)])"


def test_a_column_at_a_scenario_is_refused_in_a_spec() -> None:
    from gamedsl.language import check_text

    with pytest.raises(SpecError) as info:
        check_text("player A\nstage s:\n  A chooses x in [0, 1]\npayoff A = x@s\n", "t.game")
    assert "command line" in info.value.message
