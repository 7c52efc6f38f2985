"""The oracle itself against answers derived by hand (textbook games), so that a disagreement
with gamedsl can be blamed on the right side."""

from __future__ import annotations

import numpy as np
import pytest

from tests.oracle import oracle
from tests.oracle.oracle import Choice, Finite, Game, Interval, Stage

TOL = 1e-6


def one(game: Game) -> oracle.Equilibrium:
    found = oracle.solve(game)
    assert found.exists
    return found.equilibria[0]


def test_stackelberg():
    # P = 10 - Q, cost 2: qF = (8 - qL)/2, the leader maximises qL*(8 - qL)/2: qL = 4, qF = 2
    def price(v):
        return 10 - v["qL"] - v["qF"]

    game = Game(
        (
            Stage("lead", (Choice("L", "qL", Interval(0, 20)),)),
            Stage("follow", (Choice("F", "qF", Interval(0, 20)),)),
        ),
        {"L": lambda v: (price(v) - 2) * v["qL"], "F": lambda v: (price(v) - 2) * v["qF"]},
    )
    eq = one(game)
    assert eq.path == pytest.approx({"qL": 4, "qF": 2}, abs=TOL)
    assert eq.payoffs == pytest.approx({"L": 8, "F": 4}, abs=TOL)


def test_cournot_three_firms_by_best_replies():
    # P = 12 - Q, no cost: q = 12/4 = 3 each
    def price(v):
        return 12 - v["q1"] - v["q2"] - v["q3"]

    def profit(q):
        return lambda v: price(v) * v[q]

    game = Game(
        (Stage("m", tuple(Choice(f"F{i}", f"q{i}", Interval(0, 12)) for i in (1, 2, 3))),),
        {f"F{i}": profit(f"q{i}") for i in (1, 2, 3)},
    )
    assert one(game).path == pytest.approx({"q1": 3, "q2": 3, "q3": 3}, abs=TOL)


def test_entry_deterrence_at_the_switching_point():
    # specs/entry_deterrence.game: a = 10, c = 1, F = 1: deterrence at q1 = 7, profit 14
    def price(v):
        return 10 - v["q1"] - v["q2"]

    game = Game(
        (
            Stage("commit", (Choice("I", "q1", Interval(0, 20)),)),
            Stage("entry", (Choice("E", "enter", Finite((0, 1))),)),
            Stage(
                "market",
                (Choice("E", "q2", Interval(0, 20), when=lambda v: v["enter"] == 1),),
            ),
        ),
        {
            "I": lambda v: (price(v) - 1) * v["q1"],
            "E": lambda v: v["enter"] * ((price(v) - 1) * v["q2"] - 1),
        },
    )
    eq = one(game)
    assert eq.path["enter"] == 0 and eq.path["q1"] == pytest.approx(7, abs=1e-5)
    assert eq.payoffs["I"] == pytest.approx(14, abs=1e-5)


def test_tullock_contest():
    # v1 = 2, v2 = 1: x1 = 4/9, x2 = 2/9
    def win(v):
        s = v["x1"] + v["x2"]
        return np.where(s > 0, v["x1"] / np.where(s > 0, s, 1), 0.5)

    game = Game(
        (Stage("c", (Choice("A", "x1", Interval(0, 10)), Choice("B", "x2", Interval(0, 10)))),),
        {"A": lambda v: 2 * win(v) - v["x1"], "B": lambda v: 1 - win(v) - v["x2"]},
    )
    assert one(game).path == pytest.approx({"x1": 4 / 9, "x2": 2 / 9}, abs=1e-6)


def test_threshold_compliance_at_the_threshold():
    # x - x^2 - 0.2*[x < 0.8]: complying at 0.8 (0.16) beats paying at 0.5 (0.05)
    game = Game(
        (Stage("act", (Choice("F", "x", Interval(0, 1)),)),),
        {"F": lambda v: v["x"] - v["x"] ** 2 - 0.2 * (v["x"] < 0.8)},
    )
    assert one(game).path["x"] == pytest.approx(0.8, abs=1e-6)


def test_a_peak_hidden_before_a_drop_is_found():
    # the coarse grid steps over a peak at 2.43 followed by a drop of 0.06: the cell's two
    # ends are zoomed into (the leader's payoff when a follower switches there)
    game = Game(
        (Stage("s", (Choice("L", "x", Interval(0, 4)),)),),
        {"L": lambda v: -((v["x"] - 2.9) ** 2) + 0.3 - 0.3 * (v["x"] > 2.43)},
    )
    assert one(game).path["x"] == pytest.approx(2.43, abs=1e-6)


def test_ultimatum_accepts_the_zero_offer_by_pareto():
    game = Game(
        (
            Stage("propose", (Choice("P", "offer", Finite(tuple(range(11)))),)),
            Stage("respond", (Choice("R", "accept", Finite((0, 1))),)),
        ),
        {
            "P": lambda v: v["accept"] * (10 - v["offer"]),
            "R": lambda v: v["accept"] * v["offer"],
        },
    )
    assert one(game).path == {"offer": 0, "accept": 1}


def test_coordination_keeps_the_pareto_dominant_equilibrium_only():
    def stag(me, other):
        return lambda v: v[me] * v[other] * 4 + (1 - v[me]) * 3

    game = Game(
        (Stage("p", (Choice("P1", "a1", Finite((0, 1))), Choice("P2", "a2", Finite((0, 1))))),),
        {"P1": stag("a1", "a2"), "P2": stag("a2", "a1")},
    )
    found = oracle.solve(game)
    assert [e.path for e in found.equilibria] == [{"a1": 1, "a2": 1}]


def test_battle_of_the_sexes_lists_both_equilibria():
    def pay(big, small):
        return lambda v: (v["a1"] == v["a2"]) * np.where(v["a1"] == big, 2, 1)

    game = Game(
        (Stage("p", (Choice("P1", "a1", Finite((0, 1))), Choice("P2", "a2", Finite((0, 1))))),),
        {"P1": pay(0, 1), "P2": pay(1, 0)},
    )
    found = oracle.solve(game)
    assert [e.path for e in found.equilibria] == [{"a1": 0, "a2": 0}, {"a1": 1, "a2": 1}]
    assert found.ties == ("p",)


def test_matching_pennies_has_no_pure_equilibrium():
    game = Game(
        (Stage("p", (Choice("P1", "a1", Finite((0, 1))), Choice("P2", "a2", Finite((0, 1))))),),
        {
            "P1": lambda v: 2 * (v["a1"] == v["a2"]) - 1,
            "P2": lambda v: 1 - 2 * (v["a1"] == v["a2"]),
        },
    )
    assert not oracle.solve(game).exists


def test_merged_firm_indifferent_between_splits_is_a_tie():
    def price(v):
        return 100 - v["qL"] - v["qF"]

    game = Game(
        (Stage("m", (Choice("M", "qL", Interval(0, 100)), Choice("M", "qF", Interval(0, 100)))),),
        {
            "M": lambda v: (price(v) - 10) * (v["qL"] + v["qF"]),
            "L": lambda v: (price(v) - 10) * v["qL"],
            "F": lambda v: (price(v) - 10) * v["qF"],
        },
    )
    found = oracle.solve(game)
    assert found.ties == ("m",)
    assert found.equilibria[0].path == pytest.approx({"qL": 0, "qF": 45}, abs=1e-6)
    for e in found.equilibria:
        assert e.path["qL"] + e.path["qF"] == pytest.approx(45, abs=1e-5)
    assert oracle.deviation_gain(game, {"qL": 10, "qF": 35})[0] == pytest.approx(0, abs=1e-9)
    assert oracle.deviation_gain(game, {"qL": 10, "qF": 30})[0] == pytest.approx(25, abs=1e-6)
