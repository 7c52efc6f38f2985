"""stdlib:fm_openness solved by the engine, against its model card.

The card (fm_openness.md: §2 equilibrium by backward induction, §3 findings 1-3) was derived
independently of the engine.  Every expected value below is the card's, or is derived by hand
from the card's §2 closed forms in a comment; none comes from running the solver.

Card §2 at the defaults (a = 1, k = 1, g = .1, r = .3, K = .05, gamma = .5, tau = 0):
    fee = .3*(1 - omega), kc = 1 - .1*omega, D = 3.75, s = sqrt(K) = 0.223607,
    BL = 2(1 - fee) - .5(omega - fee), CL = 2 - .5*omega, BF = 2(omega - fee) - .5(1 - fee),
    CF = 2*omega - .5, x_m = (1 - fee)/(2*kc - 1), x_d = 2*BL*CL/D^2 / (kc - 2*CL^2/D^2);
    F enters iff BF + CF*x > s*D (a tie keeps F out).
Scenario `mandate` fixes omega = omega_bar; the findings compare scenarios at the same omega_bar.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from stdlib_helpers import EXACT_TOL, card_tol, eq, pay, rep, solver

MODEL = "stdlib:fm_openness"

ZERO_TOL = 1e-6  # effects that vanish identically (fee = 0 at omega = 1)
SEED = 2024_0510
RANDOM_POINTS = 20
RANDOM_POINTS_IN_DEFAULT_RUN = 3

slow = pytest.mark.slow


TOL2, TOL3 = card_tol(2), card_tol(3)


solve = solver(MODEL)


def at(scenario: str, omega: float):
    """Return the solution of a scenario that fixes omega = omega_bar, at omega_bar = `omega`."""
    return solve(scenario, omega_bar=omega)


# --- The baseline and the regimes of §2 -------------------------------------------------------------


def test_baseline_developer_stays_closed():
    # Card §2: at the defaults U picks omega* = 0 (closed).  By hand at omega = 0: fee = .3,
    # kc = 1, x_m = .7/(2 - 1) = .7, yL = (1 - .3 + .7)/2 = .7; BF + CF*x = -.95 - .5x < 0, so F
    # never enters (blockade).  U = .3*.7 = .21, L = .7^2 - .7^2/2 = .245, CS = .245, W = .7.
    s = solve()
    assert eq(s, "omega") == pytest.approx(0.0, abs=EXACT_TOL)
    assert eq(s, "x") == pytest.approx(0.7, abs=EXACT_TOL)
    assert eq(s, "enter") == 0
    assert eq(s, "yL") == pytest.approx(0.7, abs=EXACT_TOL)
    assert eq(s, "yF") == pytest.approx(0.0, abs=EXACT_TOL)
    assert pay(s, "U") == pytest.approx(0.21, abs=EXACT_TOL)
    assert pay(s, "L") == pytest.approx(0.245, abs=EXACT_TOL)
    assert pay(s, "F") == pytest.approx(0.0, abs=EXACT_TOL)
    assert rep(s, "CS") == pytest.approx(0.245, abs=EXACT_TOL)
    assert rep(s, "welfare") == pytest.approx(0.7, abs=EXACT_TOL)


def test_integrated_developer_opens_to_about_0_52():
    # Card §2: the merged UL picks omega* ~= 0.52.  (A finer derivation from §2's closed forms:
    # 0.5184, the top of UL's deter_under piece, which starts at omega = 0.5167; F stays out.)
    s = solve("integrated")
    assert eq(s, "omega") == pytest.approx(0.52, abs=TOL2)
    assert eq(s, "enter") == 0


def test_regime_blockade_at_0_5():
    # Card §2: blockade for omega < 0.52.  By hand at .5: fee = .15, kc = .95,
    # x = x_m = .85/.9 = 0.944444; F out.
    s = at("mandate", 0.5)
    assert eq(s, "enter") == 0
    assert eq(s, "x") == pytest.approx(0.85 / 0.9, abs=EXACT_TOL)


def test_regime_deter_under_at_0_6():
    # Card §2: deter_under for 0.52 <= omega < 0.662: L caps x at F's entry threshold.  By hand at
    # .6: fee = .12, BF = 2*.48 - .5*.88 = .52, CF = .7, x = (s*D - BF)/CF
    # = (0.223607*3.75 - .52)/.7 = 0.455036 < x_m = .88/(2*.94 - 1) = 1.0; F stays out (a tie).
    s = at("mandate", 0.6)
    assert eq(s, "enter") == 0
    assert eq(s, "x") == pytest.approx((math.sqrt(0.05) * 3.75 - 0.52) / 0.7, abs=EXACT_TOL)
    assert eq(s, "x") < 1.0


def test_regime_accommodate_at_0_7():
    # Card §2: accommodate above 0.662.  By hand at .7: fee = .09, kc = .93, BL = 1.82 - .305
    # = 1.515, CL = 1.65, x_d = (2*1.515*1.65/14.0625)/(.93 - 2*1.65^2/14.0625) = 0.654973.
    s = at("mandate", 0.7)
    x_d = (2 * 1.515 * 1.65 / 14.0625) / (0.93 - 2 * 1.65**2 / 14.0625)
    assert eq(s, "enter") == 1
    assert eq(s, "x") == pytest.approx(x_d, abs=EXACT_TOL)
    assert eq(s, "yF") > 0


# --- Finding 1: the openness trap --------------------------------------------------------------------


def test_F1_openness_trap():
    # Card F1: W(0) = 0.700; W(0.625) = 0.582 < W(0); x = 0.34 at 0.625 vs 0.70 at 0; regime
    # deter_under (F kept out, x below L's monopoly optimum x_m = .8875/.875 = 1.0143 by hand);
    # CS and U's revenue also fall.  W(0.3) > W(0) and W(1) = 1.161.
    closed, trap = at("mandate", 0.0), at("mandate", 0.625)
    assert rep(closed, "welfare") == pytest.approx(0.700, abs=TOL3)
    assert rep(trap, "welfare") == pytest.approx(0.582, abs=TOL3)
    assert rep(trap, "welfare") < rep(closed, "welfare")
    assert eq(trap, "x") == pytest.approx(0.34, abs=TOL2)
    assert eq(closed, "x") == pytest.approx(0.70, abs=TOL2)
    assert eq(trap, "enter") == 0
    assert eq(trap, "x") < 0.8875 / 0.875
    assert rep(trap, "CS") < rep(closed, "CS")
    assert pay(trap, "U") < pay(closed, "U")
    assert rep(at("mandate", 0.3), "welfare") > rep(closed, "welfare")
    assert rep(at("mandate", 1.0), "welfare") == pytest.approx(1.161, abs=TOL3)


@pytest.mark.parametrize("omega", [0.59, 0.66])
def test_F1_trap_ends(omega):
    # Card F1: the trap is omega in [0.59, 0.66] on a 0.01 grid (both ends inside).
    assert rep(at("mandate", omega), "welfare") < rep(at("mandate", 0.0), "welfare")


@slow
def test_F1_trap_on_the_grid():
    # Card F1: with openness mandated, W(omega) < W(0) exactly for omega in [0.59, 0.66] (step .01).
    w0 = rep(at("mandate", 0.0), "welfare")
    for i in range(101):
        omega = round(0.01 * i, 2)
        in_trap = 0.59 <= omega <= 0.66
        assert (rep(at("mandate", omega), "welfare") < w0) == in_trap, omega


def test_F1_developer_never_chooses_the_trap():
    # Card F1: U never chooses openness in the trap (it picks omega* = 0).
    omega = eq(solve(), "omega")
    assert not 0.59 <= omega <= 0.66


# --- Finding 2: vertical integration works when openness is limited ---------------------------------

F2_POINTS = [
    # omega, welfare gain of merging U and L (card)
    pytest.param(0.0, 0.300, id="omega0"),
    pytest.param(0.4, 0.195, id="omega0.4"),
    pytest.param(0.7, 0.126, id="omega0.7"),
    pytest.param(0.9, 0.053, id="omega0.9", marks=slow),
    pytest.param(0.99, 0.006, id="omega0.99", marks=slow),
    pytest.param(1.0, 0.0, id="omega1"),
]


@pytest.mark.parametrize("omega, gain", F2_POINTS)
def test_F2_integration_welfare_gain(omega, gain):
    merged, separate = at("integrated_at", omega), at("mandate", omega)
    delta = rep(merged, "welfare") - rep(separate, "welfare")
    if gain == 0.0:
        # At omega = 1 the fee r*(1 - omega) is 0: there is no double margin to remove.
        assert delta == pytest.approx(0.0, abs=ZERO_TOL)
    else:
        assert delta == pytest.approx(gain, abs=TOL3)
        assert delta > 0


def test_F2_joint_profit_gain():
    # Card F2: joint U + L profit gain +0.045 at omega = 0, ~0 at 1 (exactly 0: no fee at omega = 1).
    for omega, gain, tol in ((0.0, 0.045, TOL3), (1.0, 0.0, ZERO_TOL)):
        merged, separate = at("integrated_at", omega), at("mandate", omega)
        assert pay(merged, "UL") - (pay(separate, "U") + pay(separate, "L")) == pytest.approx(
            gain, abs=tol
        )
        assert pay(merged, "UL") == pytest.approx(
            pay(merged, "U") + pay(merged, "L"), abs=EXACT_TOL
        )


def test_F2_gain_shrinks_as_the_model_opens():
    gains = [
        rep(at("integrated_at", w), "welfare") - rep(at("mandate", w), "welfare")
        for w in (0.0, 0.4, 0.7, 1.0)
    ]
    assert all(a > b for a, b in itertools.pairwise(gains))


# --- Finding 3: free trial ------------------------------------------------------------------------


def test_F3_free_trial_in_the_trap():
    # Card F3 at omega = 0.625: L 0.323 -> 0.289 (hurt), F 0 -> 0.085, U 0.069 -> 0.113,
    # CS 0.189 -> 0.401, welfare up: the trial makes deterrence impossible, so L accommodates and
    # invests more.
    before, after = at("mandate", 0.625), at("free_trial_at", 0.625)
    assert pay(before, "L") == pytest.approx(0.323, abs=TOL3)
    assert pay(after, "L") == pytest.approx(0.289, abs=TOL3)
    assert pay(before, "F") == pytest.approx(0.0, abs=TOL3)
    assert pay(after, "F") == pytest.approx(0.085, abs=TOL3)
    assert pay(before, "U") == pytest.approx(0.069, abs=TOL3)
    assert pay(after, "U") == pytest.approx(0.113, abs=TOL3)
    assert rep(before, "CS") == pytest.approx(0.189, abs=TOL3)
    assert rep(after, "CS") == pytest.approx(0.401, abs=TOL3)
    assert rep(after, "welfare") > rep(before, "welfare")
    assert eq(before, "enter") == 0 and eq(after, "enter") == 1
    assert eq(after, "x") > eq(before, "x")


def test_F3_free_trial_changes_nothing_at_0_2():
    # Card F3: at omega = 0.2 nothing changes (F not viable even for free).
    before, after = at("mandate", 0.2), at("free_trial_at", 0.2)
    assert eq(after, "enter") == 0
    for player in ("U", "L", "F"):
        assert pay(after, player) == pytest.approx(pay(before, player), abs=EXACT_TOL)
    assert rep(after, "welfare") == pytest.approx(rep(before, "welfare"), abs=EXACT_TOL)


def test_F3_free_trial_leaves_L_unaffected_at_0_9():
    # Card F3: at omega = 0.9 L is unaffected.  By hand: F enters either way, the market is the
    # same, and F saves its adoption cost K = 0.05.
    before, after = at("mandate", 0.9), at("free_trial_at", 0.9)
    assert pay(after, "L") == pytest.approx(pay(before, "L"), abs=EXACT_TOL)
    assert pay(after, "F") - pay(before, "F") == pytest.approx(0.05, abs=EXACT_TOL)


def test_F3_free_trial_hurts_L_at_0_4():
    # Card F3: L is hurt for omega in [0.34, 0.66].
    assert pay(at("free_trial_at", 0.4), "L") < pay(at("mandate", 0.4), "L")


@slow
def test_F3_free_trial_hurts_L_exactly_on_0_34_to_0_66():
    for i in range(101):
        omega = round(0.01 * i, 2)
        hurt = pay(at("free_trial_at", omega), "L") < pay(at("mandate", omega), "L") - EXACT_TOL
        assert hurt == (0.34 <= omega <= 0.66), omega


@pytest.mark.parametrize("omega", [pytest.param(0.36, marks=slow), 0.45])
def test_F3_lower_part_lowers_CS(omega):
    # Card F3: in the lower part (0.34-0.52, where F was blockaded) the trial lowers CS.
    assert rep(at("free_trial_at", omega), "CS") < rep(at("mandate", omega), "CS")


@slow
def test_F3_lower_part_lowers_U_revenue_near_0_34():
    # Card F3: ... and U's revenue.  This holds at the bottom of the range: at .36, by §2, U
    # goes .161154 -> .158987.
    assert pay(at("free_trial_at", 0.36), "U") < pay(at("mandate", 0.36), "U")


def test_F3_upper_lower_part_raises_U_revenue():
    # Card says the trial lowers U's revenue on all of 0.34-0.52; derivation gives a fall only
    # for omega up to ~0.40 and a rise above, because by §2 at omega = .45:
    #   without the trial (blockade): fee = .165, kc = .955, x_m = .835/.91 = .917582,
    #     yL = (.835 + .917582)/2 = .876291, U = .165*.876291 = .144588;
    #   with the trial (s = 0): BF = .57 - .4175 = .1525 > 0 and CF = .4 > 0, so F enters at
    #     every x (deterrence impossible); x_d = (2*1.5275*1.775/14.0625)/(.955 - 2*1.775^2/14.0625)
    #     = .760697, yL = (1.5275 + 1.775*x_d)/3.75 = .767398, yF = (.1525 + .4*x_d)/3.75 = .121808,
    #     U = .165*(yL + yF) = .146719 > .144588.
    # The volume F adds outweighs L's lower output there.  CS still falls (tested above).
    before, after = at("mandate", 0.45), at("free_trial_at", 0.45)
    assert pay(before, "U") == pytest.approx(0.144588, abs=EXACT_TOL)
    assert pay(after, "U") == pytest.approx(0.146719, abs=EXACT_TOL)


# --- Random points: the solution is verified ---------------------------------------------------------


def _random_points() -> list[dict[str, float]]:
    """Return RANDOM_POINTS points inside the domains that satisfy the card's assumptions."""
    rng = np.random.default_rng(SEED)
    out: list[dict[str, float]] = []
    while len(out) < RANDOM_POINTS:
        v = {
            "a": rng.uniform(0.5, 1.5),
            "k": rng.uniform(0.8, 2.0),
            "g": rng.uniform(0.0, 0.3),
            "K": rng.uniform(0.01, 0.1),
            "gamma": rng.uniform(0.2, 1.0),
            "tau": rng.uniform(0.0, 1.0),
        }
        v["r"] = rng.uniform(0.0, 0.5) * v["a"]
        v = {n: round(float(x), 4) for n, x in v.items()}
        kg = v["k"] * (1 - v["g"])
        if kg > 8 / (4 - v["gamma"] ** 2) ** 2 + 0.02 and kg > 0.52:
            out.append(v)
    return out


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(v, id=f"random{i}", marks=() if i < RANDOM_POINTS_IN_DEFAULT_RUN else slow)
        for i, v in enumerate(_random_points())
    ],
)
def test_random_points_are_verified(values):
    s = solve(**values)
    assert s.verification.ok, (values, s.verification)
