"""A step whose symbolic build fails (its time budget ran out, e.g. on a loaded machine) is solved
numerically, and gives the same equilibrium: finite domains are enumerated, not searched."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamedsl.language import load_game
from gamedsl.solver import plan, solve
from gamedsl.solver.budget import BudgetExceeded

SPECS = Path(__file__).resolve().parents[2] / "specs"

CASES = [
    ("coordination", {}, "play"),  # both (1, 1) and (0, 0) are equilibria: Pareto picks (1, 1)
    ("invest_coordination", {}, "play"),
    ("invest_coordination", {}, "invest"),
    ("ultimatum", {"alpha": 0.125}, "propose"),  # a tie: offer 1 is exactly accepted
    ("ultimatum", {"alpha": 0.125}, "respond"),
    ("centipede", {}, "move1"),
    ("entry_deterrence", {}, "entry"),
    ("entry_deterrence", {}, "commit"),
    ("cournot_capacity", {"a": 12}, "market"),
]


@pytest.mark.parametrize(("name", "values", "stage"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_failed_symbolic_step_gives_the_same_equilibrium(monkeypatch, name, values, stage):
    game = load_game(str(SPECS / f"{name}.game"))
    want = solve(game, values)
    build = plan.StepPlan._build_symbolic

    def failing(self):
        if self.step.name == stage:
            raise BudgetExceeded()
        return build(self)

    monkeypatch.setattr(plan.StepPlan, "_build_symbolic", failing)
    got = solve(game, values)
    assert any(s.method == "numeric" for s in got.stages)
    for k, v in want.equilibrium.items():
        assert float(got.equilibrium[k]) == pytest.approx(float(v), abs=1e-6), k
    for k, v in want.payoffs.items():
        assert float(got.payoffs[k]) == pytest.approx(float(v), abs=1e-6), k
