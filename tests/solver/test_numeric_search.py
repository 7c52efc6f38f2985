"""The numeric search of a step without a closed form: grid, bisection at regime changes and
refinement of the grid's local maxima."""

from __future__ import annotations

import math

import pytest
from scipy.optimize import minimize_scalar

from gamedsl.checker import check_text
from gamedsl.solver import solve

# L's payoff is transcendental in x (no closed-form maximiser): the stage is searched
# numerically. F enters once x > 0.627; L loses 0.01 while F stays out, so L's best x is the
# interior maximiser of -(x - 0.6337)^2 - 0.001 e^x on the entry side, about 0.63276.  On the
# 161-point grid over [0, 1] the best point is 0.63125, whose left neighbour (0.625) is in the
# other regime: the maximum next to a regime change must still be refined.
SPEC = """
game "interior maximum next to a regime change"
player L "leader"
player F "follower"
stage lead:
  L chooses x in [0, 1]
stage follow:
  F chooses e in {0, 1}
payoff L = -(x - 0.6337)^2 - 0.001*exp(x) - 0.01*(1 - e)
payoff F = e*(x - 0.627)
"""


def test_an_interior_maximum_next_to_a_regime_change_is_refined():
    game = check_text(SPEC, "search.game")
    s = solve(game)
    want = minimize_scalar(lambda x: (x - 0.6337) ** 2 + 0.001 * math.exp(x),
                           bounds=(0.627, 1), method="bounded", options={"xatol": 1e-12}).x
    assert next(st.method for st in s.stages if st.name == "lead") == "numeric"
    assert s.verification.ok
    assert s.equilibrium["e"] == 1
    assert float(s.equilibrium["x"]) == pytest.approx(want, abs=1e-8)
    assert want == pytest.approx(0.63276, abs=1e-5)
