"""The worked examples of specs/lang (every construct of DESIGN §1) and the model-card specs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from gamedsl.language import check_text, load_game
from gamedsl.model.game import symbol

S = symbol
LANG = Path(__file__).resolve().parents[2] / "specs" / "lang"


def same(x, y) -> bool:
    return sympy.simplify(x - y) == 0


# The spec sections of the model cards (shared/models/*.md), copied so CI does not need them.
OPENNESS_REGULATION = """\
game "AI openness regulation (Qiu, Laufer, Kleinberg, Heidari 2025), reconstructed"

param alpha0 = 0.4 >= 0          "baseline performance of the generalist's model"
param delta = 0.5 in [0, 1]      "generalist's share of the fine-tuned product's revenue"
param beta = 1 >= 0              "closed-access revenue per unit of baseline performance"
param eps = 0.1 >= 0             "reputational benefit per unit of openness"
param kappa = 1 > 0              "operation cost curvature of openness"
param c0 = 0.9 >= 0              "production cost per unit of baseline performance"
param c1 = 0.5 > 0               "specialist's fine-tuning cost coefficient"
param gamma = 2 >= 0             "openness efficiency of fine-tuning"
param F = 0.35 >= 0              "specialist's integration (adoption) cost"
policy theta = 0.5 in [0, 1]     "open-source threshold"
policy p = 0.1 >= 0              "penalty for openness below the threshold"

player G "generalist (foundation-model developer)"
player D "specialist (fine-tuner)"

let production = c0*alpha0
let operation = kappa*omega^2/2
let compliance = p*[omega < theta]
let finetune_cost = c1*(alpha1 - alpha0)^2/(1 + gamma*omega)

stage enter:
  G chooses enter in {0, 1}                                     "bring the model to market"
stage adopt:
  D chooses adopt in {0, 1} when enter == 1 otherwise 0         "build on the generalist's model"
stage release:
  G chooses omega in [0, 1] when enter == 1 otherwise 0         "openness of the release"
stage finetune:
  D chooses alpha1 >= alpha0 when enter == 1 and adopt == 1 otherwise alpha0   "performance after fine-tuning"

payoff G = enter*(delta*adopt*alpha1 + beta*alpha0*(1 - omega) + eps*omega - production - operation - compliance)
payoff D = enter*adopt*((1 - delta)*alpha1 - finetune_cost - F)

report welfare = payoff(G) + payoff(D)
report penalty_paid = enter*p*[omega < theta]
report total_surplus = welfare + penalty_paid
report performance = alpha1
report complied = enter*[omega >= theta]

scenario no_regulation "no penalty":
  set p = 0
scenario strict "high threshold, small penalty: ignored, deadweight loss":
  set theta = 0.9
  set p = 0.1
scenario calibrated "threshold and penalty on the compliance side of the indifference curve":
  set theta = 0.5
  set p = 0.1
scenario mandate "regulator fixes openness at the threshold":
  fix omega = theta
scenario low_performance "hold-up: the specialist stays out without regulation":
  set alpha0 = 0.2
scenario high_performance "closed model, the threshold only transfers utility":
  set alpha0 = 1
  set theta = 0.8
  set p = 1
scenario integrated "developer and fine-tuner merge":
  merge G, D as GD
"""

AI_SUPPLY_CHAIN = """\
game "AI supply chain regulation (after Qian, Mehra, Liu), reconstructed"

param a = 1 > 0            "base demand"
param b = 1 > 0            "own-price sensitivity"
param lam = 2 >= 0         "market-expanding value of quality"
param h = 3 > 0            "curvature of fine-tuning cost"
param c = 0.1 >= 0         "provider marginal compute cost"
param k = 0.1 >= 0         "data preprocessing cost per unit of fine-tuning"
param r = 0.3 in [0, a/b)  "inference fee per unit of app output (provider margin)"
policy g = 0.2 >= 0        "price-competition intensity (cross-price sensitivity)"
policy theta = 0.25 >= 0   "sensitivity of demand to quality differences"
policy s = 0 >= 0          "compute subsidy per unit of fine-tuning compute"

player P  "foundation-model provider"
player F1 "downstream firm 1"
player F2 "downstream firm 2"

let D1 = a + lam*q1 + theta*(q1 - q2) - b*p1 + g*(p2 - p1)
let D2 = a + lam*q2 + theta*(q2 - q1) - b*p2 + g*(p1 - p2)

stage pricing_compute:
  P chooses w >= 0          "fine-tuning compute price per unit"
stage fine_tuning:
  F1 chooses q1 >= 0        "fine-tuning level (compute units)"
  F2 chooses q2 >= 0        "fine-tuning level (compute units)"
stage retail:
  F1 chooses p1 >= 0        "app price"
  F2 chooses p2 >= 0        "app price"

payoff P  = (w - c)*(q1 + q2) + r*(D1 + D2)
payoff F1 = (p1 - r)*D1 - (w - s + k)*q1 - h*q1^2/2
payoff F2 = (p2 - r)*D2 - (w - s + k)*q2 - h*q2^2/2

report CS = ((b + g)*(D1^2 + D2^2) + 2*g*D1*D2) / (2*b*(b + 2*g))
report subsidy_outlay = s*(q1 + q2)
report welfare = CS + payoff(P) + payoff(F1) + payoff(F2) - subsidy_outlay

scenario price_policy "fiercer downstream price competition":
  set g = 0.25
scenario subsidy "compute subsidy":
  set s = 0.05
scenario quality_policy "demand more responsive to quality differences":
  set theta = 0.5
"""

FM_OPENNESS = """\
game "Foundation-model openness and the fine-tuning game"

param a = 1 > 0                  "base capability of the foundation model"
param k = 1 > 0                  "fine-tuning cost coefficient"
param g = 0.1 in [0, 1)          "openness cheapens fine-tuning"
param r = 0.3 in [0, a)          "licence fee per unit on the closed share"
param K = 0.05 > 0               "follower's adoption cost"
param gamma = 0.5 in (0, 1]      "substitutability of L and F"
policy tau = 0 in [0, 1]         "share of F's adoption cost waived by a free trial"
policy omega_bar = 0.5 in [0, 1] "mandated openness"
assume k*(1 - g) > 8/(4 - gamma^2)^2
assume k*(1 - g) > 1/2

player U "upstream foundation-model developer"
player L "leading deployer"
player F "follower deployer"

let fee = r*(1 - omega)
let qL = a + x
let qF = omega*(a + x)
let pL = qL - yL - gamma*yF
let pF = qF - yF - gamma*yL

stage openness:
  U chooses omega in [0, 1]      "openness"
stage finetune:
  L chooses x >= 0               "fine-tuning effort"
stage adopt:
  F chooses enter in {0, 1}      "adopt the model"
stage market:
  L chooses yL >= 0
  F chooses yF >= 0 when enter == 1 otherwise 0

payoff U = fee*(yL + yF)
payoff L = (pL - fee)*yL - k*(1 - g*omega)*x^2/2
payoff F = (pF - fee)*yF - (1 - tau)*K*enter
report CS = (yL^2 + yF^2 + 2*gamma*yL*yF)/2
report welfare = CS + payoff(U) + payoff(L) + payoff(F)

scenario mandate "regulator fixes openness":
  fix omega = omega_bar
scenario integrated "developer and leading deployer merge":
  merge U, L as UL
scenario integrated_at "merged, openness fixed":
  merge U, L as UL
  fix omega = omega_bar
scenario free_trial "free trial waives F's adoption cost":
  set tau = 1
scenario free_trial_at "free trial, openness fixed":
  set tau = 1
  fix omega = omega_bar
"""

FM_OPENNESS_DYNAMIC = """\
game "Foundation-model openness with a data flywheel (two periods)"

param a = 1 > 0                 "base quality of the deployer's product"
param alpha = 0.4 >= 0          "openness raises the deployer's period-1 value"
param phi = 0.8 in [0, 2)       "data-flywheel strength"
param aE = 0.4 >= 0             "entrant's stand-alone quality"
param beta = 0.6 >= 0           "knowledge spillover from openness to the entrant"
param gamma = 0.8 in (0, 1]     "substitutability of D's and E's products"
param F = 0.08 > 0              "entrant's entry cost"
policy sub = 0 >= 0             "adoption subsidy paid to the deployer"
policy o_bar = 1 in [0, 1]      "mandated openness"
assume phi^2 < 4

player I "incumbent foundation-model developer"
player D "downstream deployer"
player E "entrant developer"

let A1 = a + alpha*o
let qD = a + phi*n1
let qE = aE + beta*o

stage open1:
  I chooses o in [0, 1]          "period-1 openness"
  I chooses p1                   "licence fee"
stage adoption:
  D chooses adopt in {1, 0}      "adopt the incumbent's model"
stage engage:
  D chooses n1 >= 0 when adopt == 1 otherwise 0   "period-1 engagement"
stage entry:
  E chooses enter in {0, 1}      "entrant developer enters"
stage royalty:
  I chooses w2 >= 0 when adopt == 1 otherwise 0   "period-2 royalty"
stage market2:
  D chooses y >= 0 when adopt == 1 otherwise 0
  E chooses z >= 0 when enter == 1 otherwise 0

payoff I = adopt*p1 + w2*y
payoff D = adopt*((A1 - n1)*n1 - p1 + sub) + (qD - y - gamma*z - w2)*y
payoff E = (qE - z - gamma*y)*z - F*enter
report CS = n1^2/2 + (y^2 + z^2 + 2*gamma*y*z)/2
report welfare = CS + payoff(I) + payoff(D) + payoff(E) - sub*adopt

scenario mandate "transparency mandate fixes openness":
  fix o = o_bar
scenario integrated "incumbent and deployer merge":
  merge I, D as ID
  fix p1 = 0
  fix w2 = 0
scenario subsidy "adoption subsidy":
  set sub = 0.1
"""


MODEL_CARDS = {
    "openness_regulation": (
        OPENNESS_REGULATION,
        ["G", "D"],
        [
            ("enter", [("G", "enter")]),
            ("adopt", [("D", "adopt")]),
            ("release", [("G", "omega")]),
            ("finetune", [("D", "alpha1")]),
        ],
    ),
    "ai_supply_chain": (
        AI_SUPPLY_CHAIN,
        ["P", "F1", "F2"],
        [
            ("pricing_compute", [("P", "w")]),
            ("fine_tuning", [("F1", "q1"), ("F2", "q2")]),
            ("retail", [("F1", "p1"), ("F2", "p2")]),
        ],
    ),
    "fm_openness": (
        FM_OPENNESS,
        ["U", "L", "F"],
        [
            ("openness", [("U", "omega")]),
            ("finetune", [("L", "x")]),
            ("adopt", [("F", "enter")]),
            ("market", [("L", "yL"), ("F", "yF")]),
        ],
    ),
    "fm_openness_dynamic": (
        FM_OPENNESS_DYNAMIC,
        ["I", "D", "E"],
        [
            ("open1", [("I", "o"), ("I", "p1")]),
            ("adoption", [("D", "adopt")]),
            ("engage", [("D", "n1")]),
            ("entry", [("E", "enter")]),
            ("royalty", [("I", "w2")]),
            ("market2", [("D", "y"), ("E", "z")]),
        ],
    ),
}


@pytest.mark.parametrize("name", list(MODEL_CARDS))
def test_model_card_specs_check_cleanly(name: str) -> None:
    text, players, stages = MODEL_CARDS[name]
    g = check_text(text, f"{name}.game")
    assert list(g.players) == players
    assert [(s.name, [(c.player, c.var) for c in s.choices]) for s in g.stages] == stages
    assert set(g.payoffs) == set(players)
    for scenario in g.scenarios:
        check_text(text, f"{name}.game", scenario=scenario)


def test_openness_regulation_card_details() -> None:
    g = check_text(OPENNESS_REGULATION, "o.game")
    enter, adopt, omega, alpha0, theta, p = (
        S(n) for n in ("enter", "adopt", "omega", "alpha0", "theta", "p")
    )
    assert g.choice("alpha1").condition == sympy.And(sympy.Eq(enter, 1), sympy.Eq(adopt, 1))
    assert g.choice("alpha1").otherwise == alpha0
    assert g.choice("alpha1").domain.lower == alpha0
    assert g.choice("alpha1").domain.lower_text == "alpha0"
    assert g.choice("enter").domain.elements == (0, 1)
    assert same(
        g.reports["penalty_paid"], enter * p * sympy.Piecewise((1, omega < theta), (0, True))
    )
    assert same(g.reports["welfare"], g.payoffs["G"] + g.payoffs["D"])
    assert g.params["F"].default == sympy.Rational(7, 20)
    assert [n for n, p_ in g.params.items() if p_.policy] == ["theta", "p"]
    m = check_text(OPENNESS_REGULATION, "o.game", scenario="mandate")
    assert m.choice("omega").fixed == theta
    i = check_text(OPENNESS_REGULATION, "o.game", scenario="integrated")
    assert {c.player for c in i.choices} == {"GD"}
    assert same(i.payoffs["GD"], g.payoffs["G"] + g.payoffs["D"])
    h = check_text(OPENNESS_REGULATION, "o.game", scenario="high_performance")
    assert (h.params["alpha0"].default, h.params["theta"].default, h.params["p"].default) == (
        1,
        sympy.Rational(4, 5),
        1,
    )


def test_ai_supply_chain_card_details() -> None:
    g = check_text(AI_SUPPLY_CHAIN, "a.game")
    assert g.params["r"].domain.upper == S("a") / S("b") and g.params["r"].domain.upper_strict
    D1 = (
        S("a")
        + S("lam") * S("q1")
        + S("theta") * (S("q1") - S("q2"))
        - S("b") * S("p1")
        + S("g") * (S("p2") - S("p1"))
    )
    assert same(
        g.payoffs["F1"],
        (S("p1") - S("r")) * D1 - (S("w") - S("s") + S("k")) * S("q1") - S("h") * S("q1") ** 2 / 2,
    )
    assert check_text(AI_SUPPLY_CHAIN, "a.game", "subsidy").params["s"].default == sympy.Rational(
        1, 20
    )


def test_fm_openness_dynamic_card_details() -> None:
    g = check_text(FM_OPENNESS_DYNAMIC, "f.game")
    assert g.choice("p1").domain is None
    assert g.choice("adopt").domain.elements == (1, 0)
    assert g.assumptions[0].condition == (S("phi") ** 2 < 4)
    i = check_text(FM_OPENNESS_DYNAMIC, "f.game", "integrated")
    assert (i.choice("p1").fixed, i.choice("w2").fixed) == (0, 0)
    assert i.players["ID"].members == ("I", "D") and i.choice("z").player == "E"


# ---- specs/lang ---------------------------------------------------------------------------------

LANG_FILES = sorted(p.name for p in LANG.glob("*.game"))


def test_there_are_at_least_eight_examples() -> None:
    assert len(LANG_FILES) >= 8


@pytest.mark.parametrize("name", LANG_FILES)
def test_every_example_and_its_scenarios_check(name: str) -> None:
    g = load_game(str(LANG / name))
    assert not g.is_module and g.stages
    for scenario in g.scenarios:
        assert load_game(str(LANG / name), scenario).scenario == scenario


def test_stackelberg_is_the_design_example() -> None:
    g = load_game(str(LANG / "stackelberg.game"))
    a, b, c, s, qL, qF = (S(n) for n in ("a", "b", "c", "s", "qL", "qF"))
    P = a - b * (qL + qF)
    assert same(g.payoffs["L"], P * qL - (c - s) * qL)
    assert same(g.payoffs["F"], P * qF - (c - s) * qF)
    assert same(g.reports["welfare"], b * (qL + qF) ** 2 / 2 + P * (qL + qF) - (c - s) * (qL + qF))
    # the closed form of the card: with these payoffs the follower's best response and the
    # leader's optimum are qF = (a - c + s - b*qL)/(2b), qL = (a - c + s)/(2b)
    qF_br = sympy.solve(sympy.diff(g.payoffs["F"], qF), qF)[0]
    lead = g.payoffs["L"].subs(qF, qF_br)
    assert same(sympy.solve(sympy.diff(lead, qL), qL)[0], (a - c + s) / (2 * b))
    assert g.choice("qF").domain.lower_text == "0"


def test_entry_capacity() -> None:
    g = load_game(str(LANG / "entry_capacity.game"))
    assert [(s.name, s.players) for s in g.stages] == [
        ("capacity", ("I",)),
        ("entry", ("E",)),
        ("market", ("I", "E")),
    ]
    enter, k, q, y = S("enter"), S("k"), S("q"), S("y")
    assert g.choice("y").condition == sympy.Eq(enter, 1) and g.choice("y").otherwise == 0
    assert g.choice("q").domain.upper == k and g.choice("q").domain.upper_text == "k"
    price = sympy.Max(S("a") - q - y, 0)
    assert same(
        g.payoffs["E"], sympy.Piecewise((1, sympy.Eq(enter, 1)), (0, True)) * (price * y - S("f"))
    )
    assert same(g.reports["market_structure"], sympy.Piecewise((1, sympy.Ne(enter, 1)), (2, True)))


def test_threshold_regulation_stage_condition() -> None:
    g = load_game(str(LANG / "threshold_regulation.game"))
    comply = g.stages[1]
    assert comply.condition == sympy.Eq(S("in_market"), 1)
    assert all(c.condition == comply.condition for c in comply.choices)
    assert [c.otherwise for c in comply.choices] == [0, 1]
    e = g.choice("e").domain
    assert (e.lower, e.lower_strict, e.upper, e.upper_strict) == (0, True, 1, False)
    m = load_game(str(LANG / "threshold_regulation.game"), "mandate")
    assert m.choice("omega").fixed == S("theta")


def test_price_grid_discrete_domains() -> None:
    g = load_game(str(LANG / "price_grid.game"))
    v = S("v")
    assert g.choice("tier").domain.elements == (0, v / 2, v)
    assert g.choice("pa").domain.elements == tuple(range(11))
    assert g.choice("pb").domain.elements == (1, 2, 5)
    assert g.params["n"].domain.elements == (2, 5, 10)
    c = g.params["c"].domain
    assert (c.lower, c.upper, c.upper_strict) == (0, v, True)


def test_public_good_scenarios() -> None:
    path = str(LANG / "public_good.game")
    g = load_game(path)
    g1, g2, g3, w, m, d = (S(n) for n in ("g1", "g2", "g3", "w", "m", "d"))
    G = (1 - d) * (g1 + g2 + g3)
    assert same(g.payoffs["N1"], m / 3 * G + sympy.log(1 + w - g1))
    assert same(g.reports["shortfall"], -((3 * w - G) ** 2) / 2)
    d_dom = g.params["d"].domain
    assert (d_dom.lower, d_dom.upper) == (0, 1)
    merged = load_game(path, "merged")
    assert merged.players["Town"].members == ("N1", "N2", "N3")
    assert same(merged.payoffs["Town"], sum(g.payoffs[p] for p in ("N1", "N2", "N3")))
    durable = load_game(path, "durable")
    G2 = g1 + g2 + g3
    assert same(durable.payoffs["N1"], m / 3 * G2 + sympy.log(1 + w - g1))
    assert same(durable.payoffs["N3"], 2 * m / 3 * G2 + sympy.log(1 + w - g3))


def test_cournot_modules_resolves_local_and_stdlib_modules() -> None:
    g = load_game(str(LANG / "cournot_modules.game"))
    q1, q2, alpha, beta, tau, k = (S(n) for n in ("q1", "q2", "alpha", "beta", "tau", "k"))
    assert same(g.payoffs["F1"], (alpha - beta * (q1 + q2) - tau) * q1 - k * q1**2 / 2)
    assert same(g.reports["cs_if_differentiated"], (q1**2 + q2**2 + 2 * q1 * q2) / 2)
    assert g.params["tau"].policy and "max_surplus" in g.reports
    assert len(g.sources) == 4


def test_stackelberg_entry_extends_and_places_stages() -> None:
    g = load_game(str(LANG / "stackelberg_entry.game"))
    assert g.title == "Stackelberg duopoly with licensing and a windfall tax"
    assert [s.name for s in g.stages] == ["license", "lead", "follow", "tax"]
    assert g.params["a"].default == 12
    assert list(g.players) == ["L", "F", "R"]
    assert list(g.scenarios) == ["subsidy", "cartel", "no_tax"]
    P = sympy.Max(S("a") - S("b") * (S("qL") + S("qF")), 0)
    assert same(g.lets["P"], P)
    assert same(g.payoffs["F"], P * S("qF") - (S("c") - S("s")) * S("qF") + S("fee"))


def test_crlf_tabs_file_really_has_them() -> None:
    raw = (LANG / "crlf_tabs.game").read_bytes()
    assert b"\r\n" in raw and b"\t" in raw and b";" in raw
    g = load_game(str(LANG / "crlf_tabs.game"))
    assert [c.var for c in g.choices] == ["r", "c", "bet"]


CONSTRUCTS = {
    "title": r'^game "',
    "param": r"^param ",
    "policy": r"^policy ",
    "assume": r"^assume ",
    "player": r"^player ",
    "let": r"^let ",
    "def": r"^def ",
    "description": r'\w "[^"]+"',
    "closed interval": r"in \[[^\]]+\]",
    "open interval": r"in \([^)]+\)",
    "half-open interval": r"in \[[^)\]]+\)",
    "half-open left": r"in \([^)\]]+\]",
    "bound >=": r">= \w",
    "bound >": r"[^>=]> \w",
    "bound <=": r"<= \w",
    "bound <": r"[^<]< \w",
    "two bounds": r"[<>]=? [\w.]+, [<>]",
    "set domain": r"in \{\d, \d",
    "range": r"\{0\.\.10\}",
    "set of params": r"in \{0, v/2, v\}",
    "conditional choice": r"when .* otherwise",
    "conditional stage": r"^stage \w+ when .*:",
    "^": r"\^",
    "**": r"\*\*",
    "unary minus": r"= -",
    "min": r"min\(",
    "max": r"max\(",
    "abs": r"abs\(",
    "sqrt": r"sqrt\(",
    "exp": r"exp\(",
    "log": r"log\(",
    "if/then/else": r"if .* then .* else",
    "iverson": r"\[[^\]]*[<>=]",
    "and": r" and ",
    "or": r" or ",
    "not": r"not ",
    "==": "==",
    "!=": "!=",
    "payoff(P) in report": r"^report .*payoff\(",
    "payoff(P) in payoff": r"^payoff .*payoff\(",
    "report using report": r"^report \w+ = .*\b(CS|welfare|surplus|producer_surplus)\b",
    "scenario": r"^scenario ",
    "fix": r"^\s+fix ",
    "scenario set": r"^\s+set ",
    "merge": r"^\s+merge ",
    "merge of three": r"merge \w+, \w+, \w+ as",
    "scenario payoff": r"^\s+payoff ",
    "scenario let": r"^\s+let ",
    "use file": r'^use "lib/',
    "use stdlib bare": r"^use stdlib:",
    "use stdlib quoted": r'^use "stdlib:',
    "extends": r"^extends ",
    "stage after": r"^stage \w+ after ",
    "stage before": r"^stage \w+ before ",
    "comment": r"#",
    "semicolon": r";",
    "tab": "\t",
    "crlf": "\r\n",
}


def test_the_examples_together_use_every_construct() -> None:
    texts = [p.read_bytes().decode("utf-8") for p in sorted(LANG.glob("*.game"))]
    missing = [
        name
        for name, pattern in CONSTRUCTS.items()
        if not any(re.search(pattern, t, re.MULTILINE) for t in texts)
    ]
    assert missing == []


DOCS = Path(__file__).resolve().parents[2] / "docs" / "language.md"


def test_every_example_in_the_language_reference_parses() -> None:
    import textwrap

    from gamedsl.language import parse

    blocks = re.findall(r"```game\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 15
    for block in blocks:
        parse(textwrap.dedent(block), "language.md")


def test_the_first_example_of_the_reference_checks() -> None:
    block = re.findall(r"```game\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)[0]
    g = check_text(block, "language.md")
    assert [s.name for s in g.stages] == ["lead", "follow"]
