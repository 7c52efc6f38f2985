"""The numeric search of a step without a closed form: grid, bisection at regime changes and
refinement of the grid's local maxima."""

from __future__ import annotations

import math

import pytest
from scipy.optimize import minimize_scalar

from gamedsl.language import check_text
from gamedsl.solver import solve


def _leader_follower(title: str, payoff_l: str, payoff_f: str) -> str:
    """Return a spec: L chooses x in [0, 1], then F chooses whether to enter (e in {0, 1})."""
    return (
        f'game "{title}"\nplayer L "leader"\nplayer F "follower"\n'
        "stage lead:\n  L chooses x in [0, 1]\nstage follow:\n  F chooses e in {0, 1}\n"
        f"payoff L = {payoff_l}\npayoff F = {payoff_f}\n"
    )


# L's payoff is transcendental in x (no closed-form maximiser): the stage is searched
# numerically. F enters once x > 0.627; L loses 0.01 while F stays out, so L's best x is the
# interior maximiser of -(x - 0.6337)^2 - 0.001 e^x on the entry side, about 0.63276.  On the
# 161-point grid over [0, 1] the best point is 0.63125, whose left neighbour (0.625) is in the
# other regime: the maximum next to a regime change must still be refined.
SPEC = _leader_follower(
    "interior maximum next to a regime change",
    "-(x - 0.6337)^2 - 0.001*exp(x) - 0.01*(1 - e)",
    "e*(x - 0.627)",
)


def test_an_interior_maximum_next_to_a_regime_change_is_refined():
    game = check_text(SPEC, "search.game")
    s = solve(game)
    want = minimize_scalar(
        lambda x: (x - 0.6337) ** 2 + 0.001 * math.exp(x),
        bounds=(0.627, 1),
        method="bounded",
        options={"xatol": 1e-12},
    ).x
    assert next(st.method for st in s.stages if st.name == "lead") == "numeric"
    assert s.verification.ok
    assert s.equilibrium["e"] == 1
    assert float(s.equilibrium["x"]) == pytest.approx(want, abs=1e-8)
    assert want == pytest.approx(0.63276, abs=1e-5)


# L's payoff rises over [0, 0.6123] (its unconstrained maximiser, about 0.8995, lies where F
# enters and costs L 10), so L's best x is F's switching point 0.6123 itself (F, indifferent
# there, stays out: ties favour the leader).  The grid's best point 0.60625 is refined towards
# the switch, where every play is a tie; the zoom stops once its bracket straddles the regime
# change within ZOOM_KINK and bisects the change (F's payoffs within TIE_TOL are a tie: the point
# found is the far edge of that band, 1e-9 above 0.6123).
KINK = _leader_follower(
    "maximum at a regime change",
    "-(x - 0.9)^2 - 0.001*exp(x) - 10*e",
    "e*(x - 0.6123)",
)


def test_a_maximum_at_a_regime_change_is_the_switch_and_the_zoom_stops_short(monkeypatch):
    from gamedsl.solver import plan as plan_module

    levels = []
    refine, objective = plan_module.StepPlan._refine, plan_module.StepPlan._objective
    inside = []

    def counting_refine(self, *args, **kwargs):
        inside.append(0)
        best = refine(self, *args, **kwargs)
        levels.append((float(best[0]), inside.pop()))
        return best

    def counting_objective(self, env, n, v, xs, *args, **kwargs):
        if inside:
            inside[-1] += xs.size  # values of x played
        return objective(self, env, n, v, xs, *args, **kwargs)

    monkeypatch.setattr(plan_module.StepPlan, "_refine", counting_refine)
    monkeypatch.setattr(plan_module.StepPlan, "_objective", counting_objective)
    s = solve(check_text(KINK, "kink.game"))
    assert next(st.method for st in s.stages if st.name == "lead") == "numeric"
    assert s.verification.ok
    assert s.equilibrium["e"] == 0
    assert float(s.equilibrium["x"]) == pytest.approx(0.6123 + 1e-9, abs=1e-11)
    # the search's refinement towards the switch stops short and bisects the change instead:
    # fewer values played than the zoom's levels would (the maximum of the entry side, near
    # 0.8995, is refined through every level)
    at_switch = [k for x, k in levels if abs(x - 0.6123) < 1e-6]
    assert at_switch, levels
    assert max(at_switch) < plan_module.ZOOM_LEVELS * plan_module.ZOOM_POINTS, levels


# F enters only inside a band of width 0.001 around 0.501, narrower than the grid's spacing
# (1/160): no grid cell shows the change at its ends, so no bisection of the grid brackets it.
# L's unconstrained maximiser 0.5012 is inside the band, so L's best x is the band's right edge
# 0.5015 (F, indifferent there, stays out), on a steep payoff (K = 1e6): the zoom that stops at
# the change must still locate it (the point 4.5e-9 past it failed the verification).
BAND = _leader_follower(
    "a switch inside one grid cell",
    "-1000000*(x - 0.5012)^2 - 0.001*exp(x) - 10*e",
    "e*(1 - ((x - 0.501)/0.0005)^2)",
)


def test_a_switch_inside_one_grid_cell_is_located_where_the_zoom_stops():
    s = solve(check_text(BAND, "band.game"))
    assert next(st.method for st in s.stages if st.name == "lead") == "numeric"
    assert s.verification.ok, s.verification.max_gain
    assert s.equilibrium["e"] == 0
    assert float(s.equilibrium["x"]) == pytest.approx(0.5015, abs=1e-9)
