"""The checker: every error of DESIGN §1 (position and message) and the Game it builds."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy

from gamedsl.language import check_text, load_game, param_values, stdlib_dir
from gamedsl.model.errors import SpecError, SpecErrors
from gamedsl.model.game import symbol

S = symbol

BASE = """\
player L
player F
param a = 10 > 0
stage lead:
  L chooses qL >= 0
stage follow:
  F chooses qF >= 0
payoff L = (a - qL - qF)*qL
payoff F = (a - qL - qF)*qF
"""


def errors_of(text: str, scenario: str | None = None) -> list[SpecError]:
    """Return the errors of checking `text` (failing the test if there are none)."""
    with pytest.raises(SpecError) as info:
        check_text(text, "t.game", scenario=scenario)
    e = info.value
    return list(e.errors) if isinstance(e, SpecErrors) else [e]


# (name, text added to / replacing BASE, line, column, message substring)
ERRORS = [
    (
        "unknown name with suggestion",
        BASE.replace("(a - qL", "(aa - qL", 1),
        8,
        13,
        "unknown name 'aa' (did you mean 'a'?)",
    ),
    ("unknown name in a report", BASE + "report r = alpha\n", 10, 12, "unknown name 'alpha'"),
    (
        "duplicate across kinds",
        BASE + "param qL = 1\n",
        10,
        7,
        "'qL' is already declared as a choice variable",
    ),
    ("duplicate let", BASE + "let z = 1\nlet z = 2\n", 11, 5, "duplicate declaration"),
    (
        "duplicate stage",
        BASE + "stage lead:\n  L chooses z\n",
        10,
        7,
        "stage 'lead' is already declared",
    ),
    (
        "duplicate scenario",
        BASE + "scenario s:\n  set a = 1\nscenario s:\n  set a = 2\n",
        12,
        10,
        "scenario 's' is already declared",
    ),
    ("second payoff", BASE + "payoff L = 1\n", 10, 8, "a second payoff for 'L'"),
    (
        "choice by undeclared player",
        BASE + "stage x:\n  G chooses z\n",
        11,
        3,
        "choice by undeclared player 'G'",
    ),
    ("variable chosen twice", BASE + "stage x:\n  L chooses qF\n", 11, 13, "'qF' is chosen twice"),
    (
        "let cycle",
        BASE + "let u = w + 1\nlet w = u\nreport r = u\n",
        10,
        5,
        "let cycle: u -> w -> u",
    ),
    ("self-referencing let", BASE + "let u = u + 1\n", 10, 5, "let cycle: u -> u"),
    ("recursive def", BASE + "def f(x) = f(x) + 1\n", 10, 5, "recursive def: 'f' calls itself"),
    (
        "mutually recursive defs",
        BASE + "def f(x) = g(x)\ndef g(x) = f(x)\n",
        10,
        5,
        "recursive def: f -> g -> f",
    ),
    (
        "def arity",
        BASE + "def f(x) = x\nreport r = f(1, 2)\n",
        11,
        12,
        "f() takes 1 argument, got 2",
    ),
    ("builtin arity", BASE + "report r = sqrt(1, 2)\n", 10, 12, "sqrt() takes 1 argument"),
    (
        "def argument reuses a name",
        BASE + "def f(a) = a\n",
        10,
        7,
        "def argument 'a' reuses the name of a param",
    ),
    (
        "param default outside its domain",
        BASE + "param c = 12 in [0, a)\n",
        10,
        11,
        "the default of 'c' (12) is outside its domain in [0, a) (= [0, 10))",
    ),
    ("param default outside a set", BASE + "param n = 3 in {1, 2}\n", 10, 11, "outside its domain"),
    ("param default on a strict bound", BASE + "param k = 0 > 0\n", 10, 11, "outside its domain"),
    (
        "param default cycle",
        BASE + "param c = d\nparam d = c\n",
        10,
        11,
        "param default cycle: c -> d -> c",
    ),
    (
        "param default uses a choice",
        BASE + "param c = qL\n",
        10,
        11,
        "may use only numbers and params",
    ),
    ("param domain uses a choice", BASE + "param c = 1 <= qL\n", 10, 16, "may use only params"),
    (
        "bound uses a later stage",
        BASE.replace("qL >= 0", "qL >= 0, <= qF"),
        5,
        25,
        "uses 'qF', chosen in stage 'follow'",
    ),
    (
        "condition uses the same stage",
        BASE.replace("L chooses qL >= 0", "L chooses qL >= 0 when qL > 1 otherwise 0"),
        5,
        26,
        "uses 'qL', chosen in stage 'lead'",
    ),
    (
        "bound uses a let of a later choice",
        BASE.replace("qL >= 0", "qL <= Q") + "let Q = qF*2\n",
        5,
        19,
        "uses 'Q', which depends on 'qF'",
    ),
    (
        "stage condition uses a payoff",
        BASE + "stage x when payoff(L) > 0:\n  L chooses z otherwise 0\n",
        10,
        14,
        "cannot use payoff(L)",
    ),
    (
        "conditional choice without otherwise",
        BASE.replace("F chooses qF >= 0", "F chooses qF >= 0 when qL > 1"),
        7,
        13,
        "needs 'otherwise VALUE'",
    ),
    (
        "stage when without otherwise",
        BASE + "stage x when qL > 1:\n  F chooses z\n",
        11,
        13,
        "needs 'otherwise VALUE'",
    ),
    (
        "otherwise without when",
        BASE.replace("F chooses qF >= 0", "F chooses qF >= 0 otherwise 1"),
        7,
        31,
        "'otherwise' without 'when'",
    ),
    ("payoff for unknown player", BASE + "payoff G = 1\n", 10, 8, "payoff for unknown player 'G'"),
    ("player without payoff", BASE + "player G\n", 10, 8, "player 'G' has no payoff"),
    (
        "set of unknown param",
        BASE + "scenario s:\n  set zz = 1\n",
        11,
        7,
        "scenario 's' sets unknown param 'zz'",
    ),
    (
        "fix of unknown variable",
        BASE + "scenario s:\n  fix zz = 1\n",
        11,
        7,
        "fixes unknown variable 'zz'",
    ),
    ("fix of a param", BASE + "scenario s:\n  fix a = 1\n", 11, 7, "use 'set a = ...'"),
    ("set of a choice", BASE + "scenario s:\n  set qL = 1\n", 11, 7, "use 'fix qL = ...'"),
    (
        "merge of unknown player",
        BASE + "scenario s:\n  merge L, G as LG\n",
        11,
        12,
        "merges unknown player 'G'",
    ),
    (
        "merge into a taken name",
        BASE + "scenario s:\n  merge L, F as a\n",
        11,
        17,
        "the merged player needs a new name",
    ),
    ("scenario replaces a non-let", BASE + "scenario s:\n  let a = 2\n", 11, 7, "not a let"),
    (
        "scenario payoff of unknown player",
        BASE + "scenario s:\n  payoff G = 1\n",
        11,
        10,
        "replaces the payoff of unknown player 'G'",
    ),
    ("use of a missing file", 'use "nope.game"\n' + BASE, 1, 1, "cannot find 'nope.game'"),
    (
        "condition used as a number",
        BASE + "report r = 1 + (qL > 1)\n",
        10,
        16,
        "a condition is used as a number",
    ),
    (
        "report that is a condition",
        BASE + "report r = qL > 1\n",
        10,
        12,
        "a report must be a number",
    ),
    (
        "number used as a condition",
        BASE + "report r = [qL]\n",
        10,
        13,
        "a number is used as a condition",
    ),
    (
        "number as stage condition",
        BASE + "stage x when qL:\n  L chooses z otherwise 0\n",
        10,
        14,
        "a number is used as a condition",
    ),
    (
        "payoff depends on itself",
        BASE.replace("payoff F = (a - qL - qF)*qF", "payoff F = payoff(F)"),
        9,
        8,
        "the payoff of 'F' depends on itself",
    ),
    (
        "payoffs depend on each other",
        BASE.replace("payoff F = (a - qL - qF)*qF", "payoff F = payoff(L)").replace(
            "payoff L = (a - qL - qF)*qL", "payoff L = 1 + payoff(F)"
        ),
        8,
        8,
        "the payoff of 'L' depends on itself: payoff(L) -> payoff(F) -> payoff(L)",
    ),
    ("player used as a value", BASE + "report r = L\n", 10, 12, "'L' is a player, not a value"),
    ("not a function", BASE + "report r = a(1)\n", 10, 12, "'a' is not a function"),
    (
        "unknown function",
        BASE + "report r = sqr(a)\n",
        10,
        12,
        "unknown function 'sqr' (did you mean 'sqrt'?)",
    ),
    ("builtin used as a value", BASE + "report r = sqrt\n", 10, 12, "call it as sqrt(...)"),
    ("two lower bounds", BASE.replace("qL >= 0", "qL >= 0, > 1"), 5, 22, "two lower bounds"),
    ("two upper bounds", BASE.replace("qL >= 0", "qL <= 3, < 1"), 5, 22, "two upper bounds"),
    ("empty interval", BASE.replace("qL >= 0", "qL in [2, 1]"), 5, 16, "is empty"),
    ("empty range", BASE.replace("qL >= 0", "qL in {3..1}"), 5, 16, "is empty"),
    ("range too large", BASE.replace("qL >= 0", "qL in {0..1000000}"), 5, 16, "at most 100000"),
    (
        "range with fractional end",
        BASE.replace("qL >= 0", "qL in {0..2.5}"),
        5,
        23,
        "must be integers",
    ),
    ("duplicate set element", BASE.replace("qL >= 0", "qL in {0, 1, 1}"), 5, 26, "listed twice"),
    ("division by zero", BASE + "report r = qL/0\n", 10, 15, "division by zero"),
    ("undefined value", BASE + "report r = 1 + log(0)\n", 10, 12, "this expression is undefined"),
    (
        "undefined bound",
        BASE.replace("qL >= 0", "qL >= log(0)"),
        5,
        19,
        "this expression is undefined",
    ),
    ("huge power", BASE + "report r = 10^10^10\n", 10, 12, "power too large"),
    ("second title", 'game "a"\ngame "b"\n' + BASE, 2, 1, "a second game title"),
    ("extends not first", BASE + 'extends "x.game"\n', 10, 1, "must be the first statement"),
    (
        "set outside the domain",
        BASE + "param c = 1 in [0, 2]\nscenario s:\n  set c = 5\n",
        12,
        11,
        "gives 5, outside its domain",
    ),
]


@pytest.mark.parametrize("name, text, line, column, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_position_and_message(
    name: str, text: str, line: int, column: int, message: str
) -> None:
    scenario = "s" if name == "set outside the domain" else None
    errs = errors_of(text, scenario)
    first = errs[0]
    assert (first.span.file, first.span.line, first.span.column) == ("t.game", line, column), (
        "\n".join(str(e) for e in errs)
    )
    assert message in first.message, first.message


def test_all_errors_are_collected_in_one_pass_and_sorted() -> None:
    text = BASE + "report r1 = zz1\nreport r2 = zz2\nplayer G\nstage e:\n  Q chooses v\n"
    errs = errors_of(text)
    assert [(e.span.line, e.span.column) for e in errs] == [(10, 13), (11, 13), (12, 8), (14, 3)]
    assert "zz1" in errs[0].message and "zz2" in errs[1].message


def test_error_count_is_capped_at_twenty() -> None:
    text = BASE + "".join(f"report r{i} = unknown{i}\n" for i in range(50))
    errs = errors_of(text)
    assert len(errs) == 20


def test_suggestion_for_unknown_scenario() -> None:
    text = BASE + "scenario subsidy:\n  set a = 2\n"
    with pytest.raises(SpecError) as info:
        check_text(text, "t.game", scenario="subsidyy")
    assert "unknown scenario 'subsidyy' (the scenarios are: subsidy)" in info.value.message
    assert info.value.hint == "did you mean 'subsidy'?"


def test_errors_carry_the_sources_for_formatting() -> None:
    with pytest.raises(SpecError) as info:
        check_text(BASE + "report r = zz\n", "t.game")
    text = info.value.format(info.value.sources)
    assert text.splitlines() == [
        "t.game:10:12: error: unknown name 'zz'",
        "  report r = zz",
        "             ^",
    ]


# ---- the Game ---------------------------------------------------------------------------------

STACKELBERG = """\
game "Stackelberg duopoly"
param a = 10 > 0            "demand intercept"
param b = 1 > 0
param c = 2 in [0, a)       "marginal cost"
policy s = 0 >= 0           "per-unit subsidy"
assume a > c
player L "leader"
player F "follower"
let P = a - b*(qL + qF)
def cost(q) = (c - s)*q
stage lead:
  L chooses qL >= 0
stage follow:
  F chooses qF >= 0
payoff L = P*qL - cost(qL)
payoff F = P*qF - cost(qF)
report CS = b*(qL + qF)^2/2
report welfare = CS + payoff(L) + payoff(F)
scenario subsidy:
  set s = 0.5
scenario cartel "merged":
  merge L, F as LF
scenario pinned:
  fix qL = a/4
scenario tough:
  payoff F = P*qF - 2*cost(qF)
  let P = a - 2*b*(qL + qF)
"""


def same(x, y) -> bool:
    return sympy.simplify(x - y) == 0


def test_game_structure_and_inlined_payoffs() -> None:
    g = check_text(STACKELBERG, "t.game")
    a, b, c, s, qL, qF = (S(n) for n in ("a", "b", "c", "s", "qL", "qF"))
    assert g.title == "Stackelberg duopoly" and g.path == "t.game" and not g.is_module
    assert list(g.players) == ["L", "F"] and g.players["L"].description == "leader"
    assert [st.name for st in g.stages] == ["lead", "follow"]
    assert [(ch.var, ch.player, ch.stage) for ch in g.choices] == [
        ("qL", "L", "lead"),
        ("qF", "F", "follow"),
    ]
    P = a - b * (qL + qF)
    assert same(g.payoffs["L"], P * qL - (c - s) * qL)
    assert same(g.payoffs["F"], P * qF - (c - s) * qF)
    assert same(g.reports["CS"], b * (qL + qF) ** 2 / 2)
    assert same(g.reports["welfare"], b * (qL + qF) ** 2 / 2 + P * (qL + qF) - (c - s) * (qL + qF))
    assert same(g.lets["P"], P)
    free = set().union(*(e.free_symbols for e in (*g.payoffs.values(), *g.reports.values())))
    assert free <= {a, b, c, s, qL, qF}
    assert (
        g.params["c"].default == sympy.Rational(2) and g.params["c"].description == "marginal cost"
    )
    assert g.params["s"].policy and not g.params["a"].policy
    assert g.assumptions[0].text == "a > c" and g.assumptions[0].condition == sympy.Gt(a, c)
    assert list(g.scenarios) == ["subsidy", "cartel", "pinned", "tough"]
    assert g.scenarios["cartel"].title == "merged" and g.scenario is None
    assert g.sources["t.game"].startswith('game "Stackelberg')
    assert g.payoff_spans["L"].line == 15 and g.report_spans["welfare"].line == 18


def test_domains_are_built_with_text_and_strictness() -> None:
    g = check_text(STACKELBERG, "t.game")
    d = g.params["c"].domain
    assert (d.lower, d.lower_strict, d.upper, d.upper_strict) == (0, False, S("a"), True)
    assert (d.lower_text, d.upper_text, d.text) == ("0", "a", "in [0, a)")
    q = g.choice("qF").domain
    assert (q.lower, q.upper, q.lower_text, q.text) == (0, None, "0", ">= 0")
    assert g.params["a"].domain.lower_strict


def test_numbers_are_exact() -> None:
    g = check_text(
        "param a = 0.1 >= 1e-3\nparam b = 2.5E2\nparam c = .5\nparam d = inf\n", "t.game"
    )
    assert g.params["a"].default == sympy.Rational(1, 10)
    assert g.params["a"].domain.lower == sympy.Rational(1, 1000)
    assert g.params["b"].default == 250 and g.params["c"].default == sympy.Rational(1, 2)
    assert g.params["d"].default == sympy.oo


def test_param_defaults_may_name_params_and_are_evaluated_in_order() -> None:
    g = check_text("param c = a/4 in [0, a)\nparam a = 2*b\nparam b = 5\n", "t.game")
    assert g.params["c"].default == S("a") / 4
    values = param_values(g.params)
    assert values == {"a": 10, "b": 5, "c": sympy.Rational(5, 2)}
    assert param_values(g.params, {"b": 1})["c"] == sympy.Rational(1, 2)


def test_every_domain_form() -> None:
    text = """\
param n = 3
player P
stage s:
  P chooses a1 in [0, 1]
  P chooses a2 in (0, 1)
  P chooses a3 in [0, 1)
  P chooses a4 in (0, 1]
  P chooses a5 >= 1
  P chooses a6 > 1
  P chooses a7 <= 2
  P chooses a8 < 2
  P chooses a9 >= 0, <= n
  P chooses b1 < n, > 0
  P chooses b2 in {0, 1}
  P chooses b3 in {1, 2, 5}
  P chooses b4 in {0..10}
  P chooses b5 in {0, n/2, n}
  P chooses b6 in {1..n}
  P chooses b7 in [0, inf)
  P chooses b8 > -inf
  P chooses b9
payoff P = 0
"""
    g = check_text(text, "t.game")
    d = {c.var: c.domain for c in g.choices}
    n = S("n")

    def interval(v):
        x = d[v]
        return (x.lower, x.lower_strict, x.upper, x.upper_strict)

    assert interval("a1") == (0, False, 1, False)
    assert interval("a2") == (0, True, 1, True)
    assert interval("a3") == (0, False, 1, True)
    assert interval("a4") == (0, True, 1, False)
    assert interval("a5") == (1, False, None, False)
    assert interval("a6") == (1, True, None, False)
    assert interval("a7") == (None, False, 2, False)
    assert interval("a8") == (None, False, 2, True)
    assert interval("a9") == (0, False, n, False)
    assert interval("b1") == (0, True, n, True)
    assert (d["b1"].lower_text, d["b1"].upper_text) == ("0", "n")
    assert d["b2"].elements == (0, 1) and d["b2"].is_finite
    assert d["b3"].elements == (1, 2, 5)
    assert d["b4"].elements == tuple(range(11))
    assert d["b5"].elements == (0, n / 2, n)
    assert d["b6"].elements is None and d["b6"].int_range == (1, n) and d["b6"].is_finite
    assert interval("b7") == (0, False, None, False)
    assert interval("b8") == (None, False, None, False)
    assert d["b9"] is None


def test_set_elements_keep_written_order() -> None:
    g = check_text("player P\nstage s:\n  P chooses x in {1, 0}\npayoff P = x\n", "t.game")
    assert g.choice("x").domain.elements == (1, 0)


def test_conditional_choices_and_stages() -> None:
    text = """\
param k = 1
player I
player E
stage entry:
  E chooses enter in {0, 1}
stage market when enter == 1:
  I chooses q >= 0 otherwise 0
  E chooses y >= 0 when k < 5 otherwise 1
stage after_market:
  I chooses z >= 0 when enter == 0 or q > 1 otherwise q
payoff I = q - q^2 - z^2
payoff E = y - y^2
"""
    g = check_text(text, "t.game")
    enter, q = S("enter"), S("q")
    market = g.stages[1]
    assert market.condition == sympy.Eq(enter, 1)
    assert g.choice("q").condition == sympy.Eq(enter, 1) and g.choice("q").otherwise == 0
    assert g.choice("y").condition == sympy.And(sympy.Eq(enter, 1), S("k") < 5)
    assert g.choice("z").condition == sympy.Or(sympy.Eq(enter, 0), q > 1)
    assert g.choice("z").otherwise == q
    assert g.choice("enter").condition is None and g.stages[0].condition is None


def test_expressions_become_sympy() -> None:
    text = """\
player P
stage s:
  P chooses x in [0, 1]
  P chooses y in [0, 1]
payoff P = [x < y] + (if x >= y then x else -y^2) + min(x, y) + max(x, 2) + abs(x - y) + sqrt(x) + exp(y) + log(1 + x) + 2**-1 + [not (x == y) and x != 0 or x <= 0 and y > 0]
"""
    g = check_text(text, "t.game")
    x, y = S("x"), S("y")
    expected = (
        sympy.Piecewise((1, x < y), (0, True))
        + sympy.Piecewise((x, x >= y), (-(y**2), True))
        + sympy.Min(x, y)
        + sympy.Max(x, 2)
        + sympy.Abs(x - y)
        + sympy.sqrt(x)
        + sympy.exp(y)
        + sympy.log(1 + x)
        + sympy.Rational(1, 2)
        + sympy.Piecewise(
            (
                1,
                sympy.Or(
                    sympy.And(sympy.Not(sympy.Eq(x, y)), sympy.Ne(x, 0)), sympy.And(x <= 0, y > 0)
                ),
            ),
            (0, True),
        )
    )
    assert g.payoffs["P"] == expected


def test_declared_name_shadows_builtin() -> None:
    g = check_text(
        "param log = 3\ndef max(u, v) = u - v\nplayer P\nstage s:\n  P chooses x\n"
        "payoff P = log*x + max(x, 1)\n",
        "t.game",
    )
    assert same(g.payoffs["P"], 3 * S("x") + S("x") - 1 - 3 * S("x") + S("log") * S("x"))


def test_lets_defs_reports_are_inlined_in_any_order() -> None:
    text = """\
report total = half + payoff(P)
report half = twice(x)/4
def twice(u) = 2*u + k
let k = a*2
param a = 1
player P
stage s:
  P chooses x
payoff P = -x^2 + twice(k)
"""
    g = check_text(text, "t.game")
    x, a = S("x"), S("a")
    assert same(g.payoffs["P"], -(x**2) + 6 * a)
    assert same(g.reports["half"], (2 * x + 2 * a) / 4)
    assert same(g.reports["total"], (2 * x + 2 * a) / 4 - x**2 + 6 * a)
    assert same(g.lets["k"], 2 * a)


def test_lets_are_inlined_lazily() -> None:
    text = BASE + "".join(f"let u{i} = u{i - 1} + 1\n" for i in range(1, 2000)) + "let u0 = a\n"
    g = check_text(text, "t.game")
    assert len(g.lets) == 2000 and next(iter(g.lets)) == "u1"
    assert same(g.lets["u1999"], S("a") + 1999)


def test_bounds_may_use_earlier_choices_and_lets_of_them() -> None:
    text = """\
player L
stage one:
  L chooses k in [0, 5]
stage two:
  L chooses q >= half, <= cap when k > 0 otherwise k
let half = k/2
let cap = 2*k + a
param a = 1
payoff L = q - k
"""
    g = check_text(text, "t.game")
    d = g.choice("q").domain
    assert d.lower == S("k") / 2 and d.upper == 2 * S("k") + S("a")
    assert (d.lower_text, d.upper_text) == ("half", "cap")


# ---- scenarios --------------------------------------------------------------------------------


def test_scenario_set_replaces_the_default() -> None:
    g = check_text(STACKELBERG, "t.game", scenario="subsidy")
    assert g.scenario == "subsidy" and g.params["s"].default == sympy.Rational(1, 2)
    assert list(g.scenarios) == ["subsidy", "cartel", "pinned", "tough"]


def test_scenario_fix_pins_the_choice() -> None:
    g = check_text(STACKELBERG, "t.game", scenario="pinned")
    assert g.choice("qL").fixed == S("a") / 4 and g.choice("qF").fixed is None


def test_scenario_merge_builds_the_merged_player() -> None:
    g = check_text(STACKELBERG, "t.game", scenario="cartel")
    assert list(g.players) == ["L", "F", "LF"]
    assert g.players["LF"].members == ("L", "F")
    assert g.players["L"].merged_into == "LF" and g.players["F"].merged_into == "LF"
    assert [c.player for c in g.choices] == ["LF", "LF"]
    assert g.decision_players == ("LF",)
    assert same(g.payoffs["LF"], g.payoffs["L"] + g.payoffs["F"])
    base = check_text(STACKELBERG, "t.game")
    assert same(g.payoffs["L"], base.payoffs["L"])


def test_scenario_replaces_payoff_and_let_before_inlining() -> None:
    g = check_text(STACKELBERG, "t.game", scenario="tough")
    a, b, c, s, qL, qF = (S(n) for n in ("a", "b", "c", "s", "qL", "qF"))
    P = a - 2 * b * (qL + qF)
    assert same(g.payoffs["F"], P * qF - 2 * (c - s) * qF)
    assert same(g.payoffs["L"], P * qL - (c - s) * qL)
    assert same(
        g.reports["welfare"],
        b * (qL + qF) ** 2 / 2 + P * (qL + qF) - 3 * (c - s) * qF + (c - s) * qF - (c - s) * qL,
    )


def test_merge_of_three_players() -> None:
    text = (
        "player A\nplayer B\nplayer C\nstage s:\n  A chooses x\n  B chooses y\n"
        "  C chooses z\npayoff A = x\npayoff B = y\npayoff C = z\n"
        "scenario all:\n  merge A, B, C as ABC\n"
    )
    g = check_text(text, "t.game", scenario="all")
    assert g.players["ABC"].members == ("A", "B", "C")
    assert g.payoffs["ABC"] == S("x") + S("y") + S("z")


# ---- modules ----------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_use_brings_in_declarations_relative_to_the_using_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "lib/demand.game",
        "param a = 10 > 0\ndef price(Q) = a - Q\nreport top = a\nplayer L\nassume a > 1\n",
    )
    main = write(
        tmp_path,
        "models/m.game",
        'use "../lib/demand.game"\nstage s:\n  L chooses q >= 0\npayoff L = price(q)*q\n',
    )
    g = load_game(str(main))
    assert same(g.payoffs["L"], (S("a") - S("q")) * S("q"))
    assert "top" in g.reports and "a" in g.params and g.assumptions[0].text == "a > 1"
    assert (
        set(g.sources) == {str(main), str(tmp_path / "models/../lib/demand.game")}
        or len(g.sources) == 2
    )


def test_use_of_a_game_says_extends(tmp_path: Path) -> None:
    write(tmp_path, "game.game", "player L\nstage s:\n  L chooses q\npayoff L = q\n")
    main = write(tmp_path, "m.game", 'use "game.game"\n')
    with pytest.raises(SpecError) as info:
        load_game(str(main))
    assert (info.value.span.line, info.value.span.column) == (1, 1)
    assert "declares stages and payoffs" in info.value.message
    assert "extends" in info.value.hint


def test_errors_inside_a_used_file_point_into_it(tmp_path: Path) -> None:
    lib = write(tmp_path, "lib.game", "param a = 1\nlet b = a + zz\n")
    main = write(tmp_path, "m.game", 'use "lib.game"\n')
    with pytest.raises(SpecError) as info:
        load_game(str(main))
    e = info.value
    assert e.span.file.endswith("lib.game") and (e.span.line, e.span.column) == (2, 13)
    assert str(lib) in e.sources or any(k.endswith("lib.game") for k in e.sources)
    assert "unknown name 'zz'" in e.format(e.sources)
    assert "let b = a + zz" in e.format(e.sources)


def test_syntax_error_inside_a_used_file(tmp_path: Path) -> None:
    write(tmp_path, "lib.game", "param a = \n")
    main = write(tmp_path, "m.game", 'use "lib.game"\n')
    with pytest.raises(SpecError) as info:
        load_game(str(main))
    assert info.value.span.file.endswith("lib.game") and info.value.span.line == 1


def test_use_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.game", 'use "b.game"\nparam x = 1\n')
    write(tmp_path, "b.game", 'use "a.game"\nparam y = 1\n')
    with pytest.raises(SpecError) as info:
        load_game(str(tmp_path / "a.game"))
    assert "use cycle: a.game -> b.game -> a.game" in info.value.message


def test_a_module_reached_twice_is_included_once(tmp_path: Path) -> None:
    write(tmp_path, "base.game", "param a = 1\n")
    write(tmp_path, "x.game", 'use "base.game"\nlet ax = a\n')
    write(tmp_path, "y.game", 'use "base.game"\nlet ay = a\n')
    main = write(tmp_path, "m.game", 'use "x.game"\nuse "y.game"\n')
    g = load_game(str(main))
    assert list(g.params) == ["a"] and set(g.lets) == {"ax", "ay"} and g.is_module


def test_use_clash_is_a_duplicate(tmp_path: Path) -> None:
    write(tmp_path, "lib.game", "param a = 1\n")
    main = write(tmp_path, "m.game", 'use "lib.game"\nparam a = 2\n')
    with pytest.raises(SpecError) as info:
        load_game(str(main))
    assert "duplicate declaration" in info.value.message and info.value.span.line == 2


PARENT = """\
game "parent"
param a = 10 > 0
player L
player F
let P = a - qL - qF
stage lead:
  L chooses qL >= 0
stage follow:
  F chooses qF >= 0
payoff L = P*qL
payoff F = P*qF
report R = P
scenario s:
  set a = 5
"""


def test_extends_inherits_and_redeclares(tmp_path: Path) -> None:
    write(tmp_path, "parent.game", PARENT)
    child = write(
        tmp_path,
        "child.game",
        """\
extends "parent.game"
game "child"
param a = 12 > 1
param t = 1
let P = a - 2*(qL + qF)
payoff F = P*qF - t
report R = P + 1
player G
stage first before lead:
  G chooses g in {0, 1}
stage middle after lead:
  G chooses h >= 0
stage last:
  G chooses k in [0, 1]
stage between after lead:
  G chooses m in [0, 1]
payoff G = g + h + k + m
scenario s2:
  fix qL = 1
""",
    )
    g = load_game(str(child))
    assert g.title == "child"
    assert [s.name for s in g.stages] == ["first", "lead", "middle", "between", "follow", "last"]
    assert g.params["a"].default == 12 and g.params["a"].domain.lower == 1
    P = S("a") - 2 * (S("qL") + S("qF"))
    assert same(g.payoffs["L"], P * S("qL")) and same(g.payoffs["F"], P * S("qF") - S("t"))
    assert same(g.reports["R"], P + 1)
    assert list(g.scenarios) == ["s", "s2"]
    assert load_game(str(child), "s").params["a"].default == 5


def test_extends_refuses_redeclaring_players_and_bad_placement(tmp_path: Path) -> None:
    write(tmp_path, "parent.game", PARENT)
    child = write(
        tmp_path,
        "child.game",
        'extends "parent.game"\nplayer L\nstage x after nowhere:\n  L chooses z\n',
    )
    errs = errors_of_path(child)
    assert "duplicate declaration" in errs[0].message and errs[0].span.line == 2
    assert "unknown stage 'nowhere'" in errs[1].message and errs[1].span.line == 3


def errors_of_path(path: Path) -> list[SpecError]:
    with pytest.raises(SpecError) as info:
        load_game(str(path))
    e = info.value
    return list(e.errors) if isinstance(e, SpecErrors) else [e]


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.game", 'extends "b.game"\n')
    write(tmp_path, "b.game", 'extends "a.game"\n')
    with pytest.raises(SpecError) as info:
        load_game(str(tmp_path / "a.game"))
    assert "extends cycle" in info.value.message


def test_stdlib_references_resolve_inside_the_stdlib_only(tmp_path: Path) -> None:
    assert stdlib_dir().name == "stdlib" and (stdlib_dir() / "__init__.py").exists()
    for bad in ("stdlib:../pyproject", "stdlib:/etc/passwd", "stdlib:a/../../x"):
        main = write(tmp_path, "m.game", f'use "{bad}"\n')
        with pytest.raises(SpecError) as info:
            load_game(str(main))
        assert "standard-library" in info.value.message or "stdlib" in info.value.message
    with pytest.raises(SpecError) as info:
        load_game("stdlib:no_such_model")
    assert "no standard-library model stdlib:no_such_model" in info.value.message


def test_stdlib_symlink_escape_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "stdlib"
    fake.mkdir()
    outside = write(tmp_path, "secret.game", "param a = 1\n")
    (fake / "evil.game").symlink_to(outside)
    write(tmp_path, "stdlib/good.game", "param b = 1\n")
    monkeypatch.setattr("gamedsl.language.files.stdlib_dir", lambda: fake)
    assert "b" in load_game("stdlib:good").params
    assert "b" in load_game("stdlib:good.game").params
    with pytest.raises(SpecError) as info:
        load_game("stdlib:evil")
    assert "outside the standard library" in info.value.message


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_game(str(tmp_path / "missing.game"))
    assert info.value.span.line == 1 and "cannot find" in info.value.message
    with pytest.raises(SpecError) as info:
        load_game(str(tmp_path))
    assert "is a directory" in info.value.message
    bad = tmp_path / "latin1.game"
    bad.write_bytes(b"player L\nlet x = 1 # caf\xe9\n")
    with pytest.raises(SpecError) as info:
        load_game(str(bad))
    assert "not UTF-8" in info.value.message
    assert (info.value.span.line, info.value.span.column) == (2, 16)


def test_module_without_stages_is_accepted_and_marked() -> None:
    g = check_text("param a = 1\nlet b = a*2\nplayer P\n", "t.game")
    assert g.is_module and g.stages == () and g.payoffs == {}


def test_stages_may_be_placed_relative_to_placed_stages() -> None:
    g = check_text(
        "player L\nstage x before y:\n  L chooses a\nstage lead:\n  L chooses b\n"
        "stage y after lead:\n  L chooses c\nstage z after x:\n  L chooses d\npayoff L = a\n",
        "t.game",
    )
    assert [s.name for s in g.stages] == ["lead", "x", "z", "y"]
