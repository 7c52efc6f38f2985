"""Which earlier choices the later stages depend on (plan.relevant_symbols), and that playing the
later stages once per distinct relevant history changes no answer."""

from __future__ import annotations

import pytest

import gamedsl
from gamedsl.solver import build_plans
from gamedsl.solver.problem import build_problem

FEE_THEN_QUALITY = """\
game "Fee, then quality"
param a = 1 > 0
player I
player D
stage fee:
  I chooses p in [0, 1]
stage quality:
  D chooses q in [0, 2]
payoff I = p
payoff D = (a - q)*q - p{penalty}
"""


def _relevant(text: str, tmp_path):
    path = tmp_path / "m.game"
    path.write_text(text, encoding="utf-8")
    problem = build_problem(gamedsl.load(str(path)).game, {})
    plans = build_plans(problem)
    return {s.name for s in plans[1].relevant}, plans


def test_a_sunk_fee_is_irrelevant_to_the_later_stage(tmp_path):
    # D's choice of q maximises (a - q)*q whatever the fee p already paid
    relevant, _ = _relevant(FEE_THEN_QUALITY.format(penalty=""), tmp_path)
    assert relevant == set()


@pytest.mark.parametrize(
    "penalty, why",
    [
        (" - p*q", "p multiplies q"),
        (" - [q < p]", "p sits in a piece of the payoff"),
    ],
)
def test_a_fee_that_moves_the_choice_is_relevant(tmp_path, penalty, why):
    relevant, _ = _relevant(FEE_THEN_QUALITY.format(penalty=penalty), tmp_path)
    assert relevant == {"p"}, why


def test_a_bound_makes_a_choice_relevant(tmp_path):
    text = FEE_THEN_QUALITY.format(penalty="").replace("q in [0, 2]", "q in [0, p]")
    relevant, _ = _relevant(text, tmp_path)
    assert relevant == {"p"}


@pytest.mark.parametrize("penalty, q", [("", 0.5), (" - p*q", 0.0), (" - 0.1*[q < p]", 0.5)])
def test_answers_with_and_without_dedup_agree(tmp_path, monkeypatch, penalty, q):
    # I's payoff is p whatever D does, so p = 1.  D at a = 1: q = a/2 = 0.5 without a penalty;
    # with -p*q, q = (a - p)/2 = 0; with -0.1*[q < p], q = 0.5 pays 0.1 (0.25 - 0.1 = 0.15) and
    # beats complying at q = p = 1 ((1 - 1)*1 = 0).
    path = tmp_path / "m.game"
    path.write_text(FEE_THEN_QUALITY.format(penalty=penalty), encoding="utf-8")
    model = gamedsl.load(str(path))
    with_dedup = model.solve()
    monkeypatch.setattr("gamedsl.solver.plan.DEDUP_MIN", 10**12)
    without = model.solve()
    assert with_dedup.equilibrium == pytest.approx(without.equilibrium, abs=1e-9)
    assert with_dedup.equilibrium["q"] == pytest.approx(q, abs=1e-9)
    assert with_dedup.equilibrium["p"] == pytest.approx(1.0, abs=1e-9)
