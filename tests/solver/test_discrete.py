"""Discrete choices, pieces and multiple equilibria (specs/*.game), against hand derivations.

Every expected number is the formula in the comment next to it, derived independently of the
solver and re-checked by brute force (grid search / enumeration) in throwaway scripts.  These
games exercise DESIGN §1's "Meaning of a solution": enumeration of finite domains, switching
points of later stages (entry, acceptance), pieces of `[..]` payoffs with the boundary
candidate `x = theta`, the tie rule, and non-existence as an answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import gamedsl

SPECS = Path(__file__).resolve().parents[2] / "specs"

ABS_TOL = 1e-6  # equilibrium values, payoffs and reports
REL_TOL = 1e-6
EXACT_TOL = 1e-9  # a choice that must sit exactly on a switching point (x == theta)


@dataclass(frozen=True)
class Case:
    """One solve of one spec at one param point, with the values derived by hand.

    `binding` maps a stage name to the exact set of bounds that bind there; `methods` maps a
    stage name to the method DESIGN §2 prescribes (`skipped` for a stage whose `when` is false
    on the path); stages not listed are not checked.  `exact` lists path values that must hold
    to EXACT_TOL (a choice sitting exactly on a switching point).
    """

    spec: str
    label: str
    values: Mapping[str, float]
    equilibrium: Mapping[str, float]
    payoffs: Mapping[str, float]
    reports: Mapping[str, float] = field(default_factory=dict)
    binding: Mapping[str, frozenset[str]] = field(default_factory=dict)
    methods: Mapping[str, str] = field(default_factory=dict)
    exact: Mapping[str, float] = field(default_factory=dict)


NONE: frozenset[str] = frozenset()


def spec_path(name: str) -> str:
    return str(SPECS / f"{name}.game")


def assert_close(got, expected, what: str) -> None:
    assert got == pytest.approx(expected, abs=ABS_TOL, rel=REL_TOL), (
        f"{what}: gamedsl {got!r}, derived {expected!r}"
    )


def check_case(case: Case, solution) -> None:
    """Assert the derived path values, payoffs, reports, bindings, methods and verification."""
    assert solution.verification.ok is True, solution.verification
    for var, expected in case.equilibrium.items():
        assert_close(solution.equilibrium[var], expected, f"equilibrium[{var}]")
    for player, expected in case.payoffs.items():
        assert_close(solution.payoffs[player], expected, f"payoffs[{player}]")
    for name, expected in case.reports.items():
        assert_close(solution.reports[name], expected, f"reports[{name}]")
    stages = {stage.name: stage for stage in solution.stages}
    for stage_name, expected in case.binding.items():
        assert set(stages[stage_name].binding) == set(expected), (
            f"stage {stage_name}: binding {stages[stage_name].binding}, derived {sorted(expected)}"
        )
    for stage_name, method in case.methods.items():
        assert stages[stage_name].method == method, (stage_name, stages[stage_name].method)
    for var, expected in case.exact.items():
        assert abs(solution.equilibrium[var] - expected) <= EXACT_TOL, (
            var,
            solution.equilibrium[var],
        )


def solve(case: Case):
    return gamedsl.load(spec_path(case.spec)).solve(**case.values)


# ---------------------------------------------------------------------------------------------
# Entry deterrence (Dixit 1979; Tirole ch. 8), A = a - c.
# ---------------------------------------------------------------------------------------------


def entry_deterrence(label, a, b, c, F, values):
    # Entrant after entry: q2(q1) = (A - b*q1)/(2b), profit (A - b*q1)^2/(4b) - F; it stays out
    # iff q1 >= qd = (A - 2*sqrt(b*F))/b (indifferent at qd: the tie rule -- the leader's
    # preference -- keeps it out, which is what lets the incumbent's optimum exist).
    # Blockaded iff F >= A^2/(16b) (monopoly output A/(2b) suffices); otherwise deter iff
    # 2*sqrt(bF)*(A - 2*sqrt(bF))/b > A^2/(8b) (Stackelberg accommodation),
    # i.e. F > F* = A^2 (3 - 2*sqrt(2))/(32b).
    A = a - c
    qd = (A - 2 * math.sqrt(b * F)) / b
    if F >= A**2 / (16 * b):
        q1, enter, q2 = A / (2 * b), 0, 0.0
    elif 2 * math.sqrt(b * F) * (A - 2 * math.sqrt(b * F)) / b > A**2 / (8 * b):
        q1, enter, q2 = qd, 0, 0.0
    else:
        q1, enter, q2 = A / (2 * b), 1, A / (4 * b)
    price = a - b * (q1 + q2)
    return Case(
        "entry_deterrence",
        label,
        values,
        equilibrium={"q1": q1, "enter": enter, "q2": q2},
        payoffs={"I": (price - c) * q1, "E": enter * ((price - c) * q2 - F)},
        reports={"price": price, "deterrence_output": qd},
        binding={"commit": NONE},
        methods={"market": "skipped"} if enter == 0 else {},
    )


# F* = A^2 (3 - 2*sqrt(2))/(32b) = 0.43429... at a=10, b=1, c=1; blockade from 81/16 = 5.0625.
ENTRY_CASES = [
    # F = 1 > F*: deterred. qd = 9 - 2 = 7, profit_I = 2*7 = 14 (> 10.125), entrant 0.
    entry_deterrence("defaults-deterred", a=10, b=1, c=1, F=1, values={}),
    # F = 0.25 < F*: accommodated. q1 = 4.5, q2 = 2.25, P = 3.25, profits 10.125 and 4.8125.
    entry_deterrence("accommodated", a=10, b=1, c=1, F=0.25, values={"F": 0.25}),
    # F = 0.4 just below F* = 0.434: still accommodated (deterring at qd = 9 - 2*sqrt(0.4)
    # would give 2*sqrt(0.4)*(9 - 2*sqrt(0.4)) = 9.78 < 10.125).
    entry_deterrence("just-below-threshold", a=10, b=1, c=1, F=0.4, values={"F": 0.4}),
    # F = 0.5 just above F*: deterred at qd = 9 - 2*sqrt(0.5) = 7.5858, profit 10.728 > 10.125.
    entry_deterrence("just-above-threshold", a=10, b=1, c=1, F=0.5, values={"F": 0.5}),
    # F = 6 >= 81/16: blockaded. Monopoly q1 = 4.5, profit 20.25; entry would earn 5.0625 - 6 < 0.
    entry_deterrence("blockaded", a=10, b=1, c=1, F=6, values={"F": 6}),
    # a=20, b=2, c=2, F=2: F* = 324*0.1716/64 = 0.869 < 2 < 324/32: qd = (18 - 4)/2 = 7, profit 28.
    entry_deterrence("a20-b2-c2-F2", a=20, b=2, c=2, F=2, values={"a": 20, "b": 2, "c": 2, "F": 2}),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in ENTRY_CASES])
def test_entry_deterrence(case: Case) -> None:
    check_case(case, solve(case))


# ---------------------------------------------------------------------------------------------
# Two-part tariff (Oi 1971): the seller's optimum sits on the buyer's acceptance switch.
# ---------------------------------------------------------------------------------------------


def two_part_tariff(label, a, b, c, Tmax, values):
    # Buyer: x(p) = (a - p)/b, net surplus (a - p)^2/(2b) - T, accepts iff >= 0 (tie: accept,
    # which the seller strictly prefers -- rule 1 Pareto / rule 2 leader).
    # Seller: Tmax >= (a - c)^2/(2b): p = c, T = (a - c)^2/(2b) (full extraction);
    #         Tmax <= (a - c)^2/(8b): T = Tmax, p = (a + c)/2 (participation slack);
    #         otherwise T = Tmax, p = a - sqrt(2b*Tmax) (participation binds).
    if Tmax >= (a - c) ** 2 / (2 * b):
        p, T = c, (a - c) ** 2 / (2 * b)
    elif Tmax <= (a - c) ** 2 / (8 * b):
        p, T = (a + c) / 2, Tmax
    else:
        p, T = a - math.sqrt(2 * b * Tmax), Tmax
    x = (a - p) / b
    seller = T + (p - c) * x
    buyer = a * x - b * x**2 / 2 - p * x - T
    fee_binds = frozenset({"T <= Tmax"}) if T == Tmax else NONE
    return Case(
        "two_part_tariff",
        label,
        values,
        equilibrium={"T": T, "p": p, "accept": 1, "x": x},
        payoffs={"S": seller, "B": buyer},
        reports={"welfare": seller + buyer},
        binding={"offer": fee_binds, "buy": NONE},
    )


TARIFF_CASES = [
    # p = c = 2, T = 64/2 = 32, x = 8, seller 32, buyer 0 (indifferent, accepts)
    two_part_tariff("defaults", a=10, b=1, c=2, Tmax=100, values={}),
    # Tmax = 5 <= 64/8: T = 5, p = 6, x = 4, seller 5 + 16 = 21, buyer 8 - 5 = 3
    two_part_tariff("fee-cap-low", a=10, b=1, c=2, Tmax=5, values={"Tmax": 5}),
    # 8 < Tmax = 20 < 32: T = 20, p = 10 - sqrt(40) = 3.675, x = sqrt(40), seller 8*sqrt(40) - 20
    two_part_tariff("fee-cap-mid", a=10, b=1, c=2, Tmax=20, values={"Tmax": 20}),
    # a=20, b=2, c=4: p = 4, T = 256/4 = 64, x = 8, seller 64
    two_part_tariff("a20-b2-c4", a=20, b=2, c=4, Tmax=100, values={"a": 20, "b": 2, "c": 4}),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in TARIFF_CASES])
def test_two_part_tariff(case: Case) -> None:
    check_case(case, solve(case))


# ---------------------------------------------------------------------------------------------
# Threshold penalty: the candidate x = theta on the boundary of the [x < theta] piece.
# ---------------------------------------------------------------------------------------------


def threshold_penalty(label, g, k, theta, p, values):
    # x0 = g/(2k); if theta > x0 the firm complies (x = theta exactly) iff
    # g*theta - k*theta^2 > g*x0 - k*x0^2 - p, i.e. p > k*(theta - x0)^2 (switching condition);
    # otherwise x = x0 and it pays p.  If theta <= x0 the penalty never bites.
    x0 = g / (2 * k)
    switch = k * (theta - x0) ** 2 if theta > x0 else 0.0
    complies = theta > x0 and p > switch
    x = theta if complies else x0
    penalty = p if x < theta else 0.0
    return Case(
        "threshold_penalty",
        label,
        values,
        equilibrium={"x": x},
        payoffs={"F": g * x - k * x**2 - penalty},
        reports={"penalty_paid": penalty, "switching_penalty": switch},
        # complying means exactly x = theta, the boundary of the [x < theta] piece
        exact={"x": theta} if complies else {},
    )


PENALTY_CASES = [
    # switch at p* = (0.8 - 0.5)^2 = 0.09 < 0.2: complies, x = 0.8, payoff 0.8 - 0.64 = 0.16
    threshold_penalty("defaults-complies", g=1, k=1, theta=0.8, p=0.2, values={}),
    # p = 0.05 < 0.09: pays, x = 0.5, payoff 0.25 - 0.05 = 0.2
    threshold_penalty("pays", g=1, k=1, theta=0.8, p=0.05, values={"p": 0.05}),
    # just below the switch: p = 0.0899 -> pays (0.1601 > 0.16)
    threshold_penalty("just-below-switch", g=1, k=1, theta=0.8, p=0.0899, values={"p": 0.0899}),
    # just above the switch: p = 0.0901 -> complies (0.16 > 0.1599)
    threshold_penalty("just-above-switch", g=1, k=1, theta=0.8, p=0.0901, values={"p": 0.0901}),
    # theta = 0.3 <= x0 = 0.5: the penalty never bites, x = 0.5, payoff 0.25
    threshold_penalty("slack-threshold", g=1, k=1, theta=0.3, p=0.2, values={"theta": 0.3}),
    # g = k = 2: x0 = 0.5, switch at 2*(0.9 - 0.5)^2 = 0.32 < 0.4: complies, x = 0.9, payoff 0.18
    threshold_penalty(
        "g2-k2-complies",
        g=2,
        k=2,
        theta=0.9,
        p=0.4,
        values={"g": 2, "k": 2, "theta": 0.9, "p": 0.4},
    ),
    # same with p = 0.3 < 0.32: pays, x = 0.5, payoff 0.5 - 0.3 = 0.2
    threshold_penalty(
        "g2-k2-pays", g=2, k=2, theta=0.9, p=0.3, values={"g": 2, "k": 2, "theta": 0.9, "p": 0.3}
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in PENALTY_CASES])
def test_threshold_penalty(case: Case) -> None:
    solution = solve(case)
    check_case(case, solution)
    # the domain [0, 1] never binds here: x is x0 = g/(2k) inside it, or theta (a piece boundary)
    stage = next(st for st in solution.stages if st.name == "act")
    assert "x >= 0" not in stage.binding and "x <= 1" not in stage.binding


# ---------------------------------------------------------------------------------------------
# Coordination (stag hunt): two pure equilibria, the Pareto-dominant one selected.
# ---------------------------------------------------------------------------------------------

COORDINATION_POINTS = [
    # (1,1) pays (h, h) = (4, 4), (0,0) pays (s, s) = (3, 3); (0,0) is risk-dominant here
    # (s - z = 3 > h - s = 1) but DESIGN's rule 1 (Pareto) selects (1,1).
    pytest.param(4, 3, 0, {}, id="defaults"),
    # h = 5, s = 1, z = -1: (1,1) with (5, 5), (0,0) with (1, 1)
    pytest.param(5, 1, -1, {"h": 5, "s": 1, "z": -1}, id="h5-s1-zm1"),
]


@pytest.mark.parametrize("h, s, z, values", COORDINATION_POINTS)
def test_coordination_two_equilibria_pareto_selected(h, s, z, values) -> None:
    # Best replies: to a2 = 1, 1 pays h > s; to a2 = 0, 0 pays s > z: equilibria (0,0), (1,1);
    # (1,0)/(0,1) are not (the lone stag hunter gets z < s).
    solution = gamedsl.load(spec_path("coordination")).solve(**values)
    assert solution.verification.ok is True
    found = {
        (round(e.equilibrium["a1"]), round(e.equilibrium["a2"])): e for e in solution.equilibria
    }
    assert set(found) == {(0, 0), (1, 1)}
    assert len(solution.equilibria) == 2
    for profile, value in [((0, 0), s), ((1, 1), h)]:
        assert_close(found[profile].payoffs["P1"], value, f"{profile} payoff of P1")
        assert_close(found[profile].payoffs["P2"], value, f"{profile} payoff of P2")
    selected = [e for e in solution.equilibria if e.selected]
    assert len(selected) == 1 and selected[0] is found[(1, 1)]
    assert dict(solution.equilibrium) == pytest.approx(dict(selected[0].equilibrium))
    assert_close(solution.equilibrium["a1"], 1, "a1")
    assert_close(solution.equilibrium["a2"], 1, "a2")
    assert_close(solution.payoffs["P1"], h, "P1")
    assert_close(solution.payoffs["P2"], h, "P2")


# ---------------------------------------------------------------------------------------------
# Ultimatum: the responder's tie.
# ---------------------------------------------------------------------------------------------


def ultimatum(label, alpha, values):
    # Responder accepts o iff o - alpha*max(10 - 2o, 0) >= 0, i.e. o >= 10*alpha/(1 + 2*alpha).
    # At equality (o = 0 when alpha = 0) she is indifferent.  DESIGN's tie rule, in order:
    # (1) Pareto over all players: accept gives (10 - o, 0), reject (0, 0) -- accept is weakly
    # better for both and strictly for the proposer, so it is selected (rule 2, the leader's
    # preference, would pick it too).  Hence the SPE: the proposer offers the smallest accepted
    # integer o = ceil(10*alpha/(1 + 2*alpha)) and it is accepted.  For alpha = 0: offer 0,
    # accept 1, payoffs (10, 0) -- not the other SPE (offer 1, 0 rejected).
    threshold = 10 * alpha / (1 + 2 * alpha)
    offer = math.ceil(threshold - 1e-12)
    return Case(
        "ultimatum",
        label,
        values,
        equilibrium={"offer": offer, "accept": 1},
        payoffs={"P": 10 - offer, "R": offer - alpha * max(10 - 2 * offer, 0)},
    )


ULTIMATUM_CASES = [
    # alpha = 0: threshold 0, the tie at offer 0 -> accept; offer 0, payoffs (10, 0)
    ultimatum("defaults-selfish", alpha=0, values={}),
    # alpha = 0.5: threshold 2.5 -> offer 3, responder 3 - 0.5*4 = 1 > 0, payoffs (7, 1)
    ultimatum("alpha-0.5", alpha=0.5, values={"alpha": 0.5}),
    # alpha = 0.75: threshold 7.5/2.5 = 3 exactly -> tie at offer 3 (3 - 0.75*4 = 0), accepted;
    # payoffs (7, 0)
    ultimatum("alpha-0.75-tie", alpha=0.75, values={"alpha": 0.75}),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in ULTIMATUM_CASES])
def test_ultimatum(case: Case) -> None:
    solution = solve(case)
    check_case(case, solution)
    assert solution.equilibrium["offer"] == case.equilibrium["offer"]  # an integer value


# ---------------------------------------------------------------------------------------------
# Centipede: backward induction through conditional stages.
# ---------------------------------------------------------------------------------------------

LATER_MOVES = ("move2", "move3", "move4")

CENTIPEDE_CASES = [
    # big = 4 > small*g = 2: the last mover takes (32 > 16), so does everyone before
    # (16 > 8, 8 > 4, 4 > 2): t1 = 1 and the game ends; payoffs (big, small) = (4, 1);
    # moves 2-4 are not reached: their choices take the `otherwise` value 0, stages skipped.
    Case(
        "centipede",
        "defaults-take-at-once",
        {},
        equilibrium={"t1": 1, "t2": 0, "t3": 0, "t4": 0},
        payoffs={"P1": 4, "P2": 1},
        methods={stage: "skipped" for stage in LATER_MOVES},
    ),
    # big = 3, small = 1, g = 2: 3 > 2, take at once; payoffs (3, 1)
    Case(
        "centipede",
        "big3-take-at-once",
        {"big": 3},
        equilibrium={"t1": 1, "t2": 0, "t3": 0, "t4": 0},
        payoffs={"P1": 3, "P2": 1},
        methods={stage: "skipped" for stage in LATER_MOVES},
    ),
    # big = small = 1, g = 2: big < small*g, the last mover passes (16 > 8), and so does everyone
    # (16 > 4, 16 > 2, 16 > 1): nobody takes, payoffs (big*g^4, small*g^4) = (16, 16).
    Case(
        "centipede",
        "equal-piles-pass",
        {"big": 1, "small": 1},
        equilibrium={"t1": 0, "t2": 0, "t3": 0, "t4": 0},
        payoffs={"P1": 16, "P2": 16},
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in CENTIPEDE_CASES])
def test_centipede(case: Case) -> None:
    check_case(case, solve(case))


# ---------------------------------------------------------------------------------------------
# Matching pennies: no pure equilibrium is an answer, not a crash.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values", [pytest.param({}, id="defaults"), pytest.param({"stake": 2}, id="stake-2")]
)
def test_matching_pennies_has_no_pure_equilibrium(values) -> None:
    # Each profile gives one player a profitable deviation (the loser switches), so there is no
    # pure Nash equilibrium: --pure fails; without it the stage mixes 1/2-1/2 (DESIGN §1b), each
    # player's expected payoff 0 whatever the stake.
    model = gamedsl.load(spec_path("matching_pennies"))
    with pytest.raises(gamedsl.SolveError):
        model.solve(pure=True, **values)
    sol = model.solve(**values)
    assert dict(sol.mixed) == {"h1": ((0, 0.5), (1, 0.5)), "h2": ((0, 0.5), (1, 0.5))}
    assert sol.payoffs["P1"] == pytest.approx(0, abs=1e-12)
    assert sol.payoffs["P2"] == pytest.approx(0, abs=1e-12)
