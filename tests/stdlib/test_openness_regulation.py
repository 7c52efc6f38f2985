"""stdlib:openness_regulation solved by the engine, against its model card.

The card (openness_regulation.md: §4 the equilibrium by hand, §5 findings F1-F6, §6 expected engine
answers) was derived independently of the engine.  Every expected value below is the card's, or is
derived by hand from the card's §4 formulas in a comment; none comes from running the solver.

At the card's defaults (delta = .5, beta = 1, eps = .1, kappa = 1, c0 = .9, c1 = .5, gamma = 2,
F = .35), §4 gives:
    m_1 = 0.6 - alpha0,  m_0 = 0.1 - alpha0,  K_1 = 0.6*alpha0 + 0.25,  K_0 = 0.1*alpha0,
    R_a(omega) = K_a + m_a*omega - omega^2/2,        V_D(omega) = 0.5*alpha0 + 0.25*omega - 0.225,
    alpha1 = alpha0 + 0.5*(1 + 2*omega) (if D adopts), unregulated omega_a = clip(m_a, 0, 1),
    L(theta) = (theta - omega_u)^2/2 (interior omega_u) or (alpha0 - 0.6)*theta + theta^2/2 (closed).

The default run checks every finding at representative points; `-m slow` adds the full check sets
and grids.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from stdlib_helpers import EXACT_TOL, eq, pay, rep, solver

import gamedsl

MODEL = "stdlib:openness_regulation"

# The card's values for this model are exact (closed forms of rational numbers); EXACT_TOL
# (stdlib_helpers) leaves room for a numeric optimiser.
SEED = 20250714
RANDOM_POINTS = 20
RANDOM_POINTS_IN_DEFAULT_RUN = 3

slow = pytest.mark.slow
solve = solver(MODEL)


def close(actual: float, expected: float, tol: float = EXACT_TOL) -> bool:
    return abs(actual - expected) <= tol


DEFAULTS = {
    "alpha0": 0.4,
    "delta": 0.5,
    "beta": 1.0,
    "eps": 0.1,
    "kappa": 1.0,
    "c0": 0.9,
    "c1": 0.5,
    "gamma": 2.0,
    "F": 0.35,
    "theta": 0.5,
    "p": 0.1,
}


def card_equilibrium(**values: float) -> dict[str, float]:
    """Return the card's §4 equilibrium (backward induction by hand) at the given values.

    Ties go the card's way: comply when p = L, adopt when V_D = 0, enter when U_G = 0.
    """
    v = {**DEFAULTS, **values}
    a0, d, b, e, k = v["alpha0"], v["delta"], v["beta"], v["eps"], v["kappa"]
    c0, c1, g, F, th, p = v["c0"], v["c1"], v["gamma"], v["F"], v["theta"], v["p"]
    tie = 1e-12

    def R(a: int, w: float) -> float:
        K = a * d * (a0 + (1 - d) / (2 * c1)) + b * a0 - c0 * a0
        m = e - b * a0 + a * d * (1 - d) * g / (2 * c1)
        return K + m * w - k * w * w / 2

    def release(a: int) -> tuple[float, float]:
        m = e - b * a0 + a * d * (1 - d) * g / (2 * c1)
        wu = min(max(m / k, 0.0), 1.0)
        if th <= wu:
            return wu, R(a, wu)
        if R(a, th) >= R(a, wu) - p - tie:  # p >= L_a(theta): comply at omega = theta
            return th, R(a, th)
        return wu, R(a, wu) - p

    w1, u1 = release(1)
    vd = (1 - d) * a0 + (1 - d) ** 2 * (1 + g * w1) / (4 * c1) - F
    if vd >= -tie:
        out = {
            "adopt": 1,
            "omega": w1,
            "G": u1,
            "D": vd,
            "alpha1": a0 + (1 - d) * (1 + g * w1) / (2 * c1),
        }
    else:
        w0, u0 = release(0)
        out = {"adopt": 0, "omega": w0, "G": u0, "D": 0.0, "alpha1": a0}
    if out["G"] < -tie:
        out = {"adopt": 0, "omega": 0.0, "G": 0.0, "D": 0.0, "alpha1": a0, "enter": 0}
    else:
        out["enter"] = 1
    out["penalty_paid"] = out["enter"] * p * (out["omega"] < th - tie)
    return out


def card_L(alpha0: float, theta: float) -> float:
    """Return the indifference curve L_1(theta) of card §4 at the default other params."""
    omega_u = max(0.6 - alpha0, 0.0)
    if theta <= omega_u:
        return 0.0
    if omega_u > 0:
        return (theta - omega_u) ** 2 / 2
    return (alpha0 - 0.6) * theta + theta**2 / 2


def test_card_curve_formula_matches_the_card_examples():
    # Card F3: L(0.7) = 0.525 at alpha0 = 1 and 0.10125 at alpha0 = 0.35; F4: L(0.8) = 0.64 and
    # L(1) = 1.4 at alpha0 = 1.5; F5: L = 0.02 at alpha0 = .2, theta = .6.  (No solve: this pins
    # the helper the F3 points are built from.)
    assert math.isclose(card_L(1, 0.7), 0.525)
    assert math.isclose(card_L(0.35, 0.7), 0.10125)
    assert math.isclose(card_L(1, 0.8), 0.64)
    assert math.isclose(card_L(1.5, 1.0), 1.4)
    assert math.isclose(card_L(0.2, 0.6), 0.02)


# --- §6 Expected engine answers, row by row ------------------------------------------------------

# fmt: off
EXPECTED_ROWS = [
    # scenario, overrides, omega, adopt, U_G, U_D, penalty paid, complied (= [omega >= theta])
    pytest.param(None, {}, 0.5, 1, 0.465, 0.10, 0.0, 1, id="defaults"),
    pytest.param("no_regulation", {}, 0.2, 1, 0.51, 0.025, 0.0, 0, id="no_regulation"),
    pytest.param("strict", {}, 0.2, 1, 0.41, 0.025, 0.1, 0, id="strict"),
    # D is exactly indifferent (V_D(.5) = 0): the tie is broken toward adopting.
    pytest.param("low_performance", {}, 0.5, 1, 0.445, 0.0, 0.0, 1, id="low_performance"),
    pytest.param("low_performance", {"theta": 0.6}, 0.6, 1, 0.43, 0.025, 0.0, 1,
                 id="low_performance-theta0.6"),
    pytest.param("high_performance", {}, 0.8, 1, 0.21, 0.475, 0.0, 1, id="high_performance"),
    # calibrated sets the default policy (theta = .5, p = .1): the defaults' answer.
    pytest.param("calibrated", {}, 0.5, 1, 0.465, 0.10, 0.0, 1, id="calibrated"),
    # Card engine notes: "Compare with mandate (omega = theta = .5): U_G = .465, U_D = .10."
    pytest.param("mandate", {}, 0.5, 1, 0.465, 0.10, 0.0, 1, id="mandate"),
]
# fmt: on


@pytest.mark.parametrize(
    "scenario, overrides, omega, adopt, UG, UD, penalty, complied", EXPECTED_ROWS
)
def test_expected_engine_answers(scenario, overrides, omega, adopt, UG, UD, penalty, complied):
    s = solve(scenario, **overrides)
    assert eq(s, "enter") == 1
    assert eq(s, "adopt") == adopt
    assert close(eq(s, "omega"), omega)
    assert close(pay(s, "G"), UG)
    assert close(pay(s, "D"), UD)
    assert close(rep(s, "penalty_paid"), penalty)
    # Reports as the card defines them.
    assert close(rep(s, "welfare"), UG + UD)
    assert close(rep(s, "total_surplus"), UG + UD + penalty)
    assert close(rep(s, "performance"), eq(s, "alpha1"))
    assert rep(s, "complied") == complied


def test_high_performance_fine_tuning_and_reports():
    # alpha0 = 1, theta = .8, p = 1: omega = .8, alpha1 = 1.5 + .8 = 2.3 (card F6 formula),
    # welfare = 1.125 - .15*.8 - .32 = 0.685.
    s = solve("high_performance")
    assert close(eq(s, "alpha1"), 2.3)
    assert close(rep(s, "performance"), 2.3)
    assert close(rep(s, "welfare"), 0.685)
    assert rep(s, "complied") == 1


def test_integrated_joint_optimum():
    # Card engine notes: joint FOCs alpha1 = alpha0 + (1 + gamma*omega)/(2*c1) and
    # omega = clip((gamma/(4*c1) + eps - beta*alpha0)/kappa, 0, 1) = .7 >= theta; alpha1 = 2.8,
    # U_GD = .835.  By hand, the members: U_G = .5*2.8 + .4*.3 + .1*.7 - .36 - .245 = .985,
    # U_D = .5*2.8 - .5*2.4^2/2.4 - .35 = -.15 (sum .835).
    s = solve("integrated")
    assert eq(s, "enter") == 1 and eq(s, "adopt") == 1
    assert close(eq(s, "omega"), 0.7)
    assert close(eq(s, "alpha1"), 2.8)
    assert close(pay(s, "GD"), 0.835)
    assert close(pay(s, "G"), 0.985)
    assert close(pay(s, "D"), -0.15)
    assert close(rep(s, "penalty_paid"), 0.0)
    # Against the mandate at omega = theta = .5 (U_G + U_D = .565): merging opens further.
    m = solve("mandate")
    assert pay(s, "GD") > pay(m, "G") + pay(m, "D")


# --- F1: high alpha0 -> closed ------------------------------------------------------------------


@pytest.mark.parametrize("alpha0", [pytest.param(0.7, marks=slow), 1.0, 1.5])
def test_F1_high_performance_model_stays_closed(alpha0):
    # Card F1: with p = 0 and alpha0 >= 0.6, omega = 0 and D adopts.
    # By hand: alpha1 = alpha0 + 0.5, U_G = K_1 = 0.6*alpha0 + 0.25, U_D = V_D(0) = 0.5*alpha0 - 0.225.
    s = solve("no_regulation", alpha0=alpha0)
    assert eq(s, "omega") == pytest.approx(0.0, abs=EXACT_TOL)
    assert eq(s, "adopt") == 1
    assert close(pay(s, "G"), 0.6 * alpha0 + 0.25)
    assert close(pay(s, "D"), 0.5 * alpha0 - 0.225)
    assert close(eq(s, "alpha1"), alpha0 + 0.5)


def test_F1_example_alpha0_1():
    # Card F1: alpha0 = 1, p = 0: omega = 0, alpha1 = 1.5, U_G = 0.85, U_D = 0.275.
    s = solve("no_regulation", alpha0=1.0)
    assert close(eq(s, "omega"), 0.0)
    assert close(eq(s, "alpha1"), 1.5)
    assert close(pay(s, "G"), 0.85)
    assert close(pay(s, "D"), 0.275)


def test_F1_threshold_is_0_6():
    # Card F1: alpha_bar_1 = 0.6: alpha0 = 0.601 gives omega = 0 (D adopts), 0.599 gives omega > 0
    # (by hand omega = m_1 = 0.001).
    above = solve("no_regulation", alpha0=0.601)
    below = solve("no_regulation", alpha0=0.599)
    assert close(eq(above, "omega"), 0.0)
    assert eq(above, "adopt") == 1
    assert eq(below, "omega") > 0
    assert close(eq(below, "omega"), 0.001)


# --- F2: low alpha0 -> intermediate openness ------------------------------------------------------


@pytest.mark.parametrize(
    "alpha0", [pytest.param(0.05, marks=slow), 0.2, pytest.param(0.35, marks=slow), 0.5]
)
def test_F2_intermediate_openness(alpha0):
    # Card F2: p = 0, F = 0.1 (D always adopts): omega = 0.6 - alpha0 in (0, 1).
    # By hand: U_G = K_1 + m_1^2/2, U_D = 0.5*alpha0 + 0.25*omega - 0.225 + 0.25 (F = .1).
    s = solve("no_regulation", alpha0=alpha0, F=0.1)
    omega = 0.6 - alpha0
    assert eq(s, "adopt") == 1
    assert close(eq(s, "omega"), omega)
    assert 0 < eq(s, "omega") < 1
    assert close(pay(s, "G"), 0.6 * alpha0 + 0.25 + omega**2 / 2)
    assert close(pay(s, "D"), 0.5 * alpha0 + 0.25 * omega + 0.025)


def test_F2_openness_falls_in_alpha0_and_rises_in_eps():
    # Card F2: omega falls in alpha0 and rises in eps.  By hand (m_1 = eps + 0.5 - alpha0):
    # alpha0 = .2 -> .4, alpha0 = .5 -> .1 (eps = .1); alpha0 = .2, eps = .2 -> .5.
    low = solve("no_regulation", alpha0=0.2, F=0.1)
    high = solve("no_regulation", alpha0=0.5, F=0.1)
    more_eps = solve("no_regulation", alpha0=0.2, F=0.1, eps=0.2)
    assert eq(low, "omega") > eq(high, "omega")
    assert eq(more_eps, "omega") > eq(low, "omega")
    assert close(eq(more_eps, "omega"), 0.5)


def test_F2_fully_open_corner():
    # Card F2: alpha0 = 0.05 with eps = 0.6 gives omega = 1 (m_1 = 1.05 >= kappa).
    # By hand: K_1 = .5*(.05 + .5) + .05 - .045 = .28, U_G = .28 + 1.05 - .5 = .83,
    # U_D = .025 + .25*3/2 - .1 = .3, alpha1 = .05 + .5*3 = 1.55; binding bound omega <= 1.
    s = solve("no_regulation", alpha0=0.05, eps=0.6, F=0.1)
    assert close(eq(s, "omega"), 1.0)
    assert close(pay(s, "G"), 0.83)
    assert close(pay(s, "D"), 0.3)
    assert close(eq(s, "alpha1"), 1.55)
    release = next(st for st in s.stages if st.name == "release")
    assert any("omega" in b and "1" in b for b in release.binding)


def test_F2_check_point_at_default_F():
    # Card F2: alpha0 = 0.35 at the default F: omega = 0.25, U_G = 0.49125, U_D = 0.0125.
    s = solve("no_regulation", alpha0=0.35)
    assert close(eq(s, "omega"), 0.25)
    assert close(pay(s, "G"), 0.49125)
    assert close(pay(s, "D"), 0.0125)


# --- F3: the indifference curve p = L(theta) -----------------------------------------------------

F3_POINTS = [
    pytest.param(
        alpha0,
        theta,
        factor,
        marks=() if theta == 0.7 else slow,
        id=f"a{alpha0}-t{theta}-x{factor}",
    )
    for alpha0 in (0.35, 1.0)
    for theta in (0.4, 0.7, 0.9)
    for factor in (1.02, 0.98)
]


@pytest.mark.parametrize("alpha0, theta, factor", F3_POINTS)
def test_F3_comply_iff_penalty_reaches_the_curve(alpha0, theta, factor):
    # Card F3: for theta > omega_u, G complies (omega = theta, no penalty) iff p >= L_1(theta),
    # and pays and keeps omega_u iff p < L_1(theta).  Checked at p = 1.02L and p = 0.98L.
    L = card_L(alpha0, theta)
    p = factor * L
    omega_u = max(0.6 - alpha0, 0.0)
    s = solve(alpha0=alpha0, theta=theta, p=p)
    want = card_equilibrium(alpha0=alpha0, theta=theta, p=p)
    if factor > 1:
        assert close(eq(s, "omega"), theta)
        assert close(rep(s, "penalty_paid"), 0.0)
        assert rep(s, "complied") == 1
    else:
        assert close(eq(s, "omega"), omega_u)
        assert close(rep(s, "penalty_paid"), p)
        assert rep(s, "complied") == 0
    assert eq(s, "adopt") == want["adopt"] == 1
    assert close(pay(s, "G"), want["G"])
    assert close(pay(s, "D"), want["D"])


F3_THETAS = np.round(np.arange(0.05, 0.951, 0.05), 2)
F3_PENALTIES = np.linspace(0.0, 1.5, 601)  # the curve is read to a quarter of a hundredth
F3_STEP = float(F3_PENALTIES[1] - F3_PENALTIES[0])


def engine_curve(alpha0: float) -> dict[float, float]:
    """Return the engine's indifference curve at `alpha0`: for each threshold of F3_THETAS above
    G's unregulated openness, the smallest penalty of F3_PENALTIES at which the solved G
    complies (a region map of the (theta, p) plane by `complied`, solved at every cell)."""
    rmap = gamedsl.load(MODEL).regions(
        ("theta", F3_THETAS),
        ("p", F3_PENALTIES),
        by="complied",
        fixed={"alpha0": alpha0},
        workers=1,
    )
    omega_u = eq(solve("no_regulation", alpha0=alpha0), "omega")
    curve = {}
    for i, theta in enumerate(F3_THETAS):
        column = rmap.values[:, i]  # complied along p at this theta
        switches = np.flatnonzero(np.diff(column) != 0)
        if theta <= omega_u + EXACT_TOL:
            assert (column == 1).all(), theta  # the threshold is met without a penalty
            continue
        # below the curve G pays (0), from it on G complies (1): one switch along p
        assert column[0] == 0 and column[-1] == 1 and len(switches) == 1, (alpha0, theta)
        curve[float(theta)] = float(F3_PENALTIES[switches[0] + 1])
    return curve


def test_F3_engine_curve_rises_in_theta_and_alpha0():
    # Card F3: L is increasing in theta and larger for larger alpha0.  The curve is the engine's:
    # where the solved G switches from paying to complying along p, at each theta.
    low, high = engine_curve(0.35), engine_curve(1.0)
    assert len(high) == len(F3_THETAS)  # alpha0 = 1: closed unregulated, a curve from theta > 0
    assert min(low) == 0.3  # alpha0 = .35: unregulated openness .25 meets theta <= .25
    for curve in (low, high):
        thetas = sorted(curve)
        assert all(curve[a] < curve[b] for a, b in itertools.pairwise(thetas))
    for theta in low:
        assert low[theta] < high[theta]
    # the card's values, to the grid's resolution: L(.7) = .525 at alpha0 = 1, .10125 at .35
    assert 0 <= high[0.7] - 0.525 < F3_STEP + EXACT_TOL
    assert 0 <= low[0.7] - 0.10125 < F3_STEP + EXACT_TOL


def _complies(alpha0: float, theta: float, p: float) -> bool:
    return rep(solve(alpha0=alpha0, theta=theta, p=p), "complied") == 1


def engine_curve_point(alpha0: float, theta: float, tol: float = 1e-7) -> float:
    """Return the smallest penalty at which the solved G complies at (alpha0, theta), by
    bisection over p on solves."""
    lo, hi = 0.0, 2.0
    assert not _complies(alpha0, theta, lo) and _complies(alpha0, theta, hi)
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if _complies(alpha0, theta, mid):
            hi = mid
        else:
            lo = mid
    return hi


@pytest.mark.parametrize(
    "alpha0, theta, L",
    [
        pytest.param(1.0, 0.7, 0.525, id="a1-t0.7", marks=slow),
        pytest.param(0.35, 0.7, 0.10125, id="a0.35-t0.7", marks=slow),
        pytest.param(1.0, 0.4, 0.24, id="a1-t0.4", marks=slow),
        pytest.param(1.0, 0.9, 0.765, id="a1-t0.9", marks=slow),
    ],
)
def test_F3_engine_curve_point_by_bisection(alpha0, theta, L):
    # Card F3 (L(.7) = .525 at alpha0 = 1, .10125 at .35) and §4's L(theta) = .4 theta + theta^2/2
    # for the closed model (alpha0 = 1): L(.4) = .24, L(.9) = .765.  The tie p = L complies.
    assert engine_curve_point(alpha0, theta) == pytest.approx(L, abs=2e-7)


# --- F4: deadweight loss and withdrawal ---------------------------------------------------------


def test_F4_deadweight_loss():
    # Card F4: alpha0 = 1, theta = .8, p = .3 < L(.8) = .64: G pays .3 and stays closed; D is
    # unchanged (.275) and U_G falls from .85 to .55.  The penalty is a pure transfer, so
    # total_surplus equals the unregulated welfare 1.125 (by hand: .55 + .275 + .3).
    s = solve(alpha0=1.0, theta=0.8, p=0.3)
    u = solve("no_regulation", alpha0=1.0)
    assert close(eq(s, "omega"), 0.0)
    assert eq(s, "adopt") == 1
    assert close(rep(s, "penalty_paid"), 0.3)
    assert close(pay(s, "G"), 0.55)
    assert close(pay(s, "D"), 0.275)
    assert close(pay(u, "G"), 0.85)
    assert close(pay(s, "D"), pay(u, "D"))
    assert close(eq(s, "alpha1"), eq(u, "alpha1"))  # no behaviour changes
    assert close(rep(s, "total_surplus"), rep(u, "welfare"))
    assert close(rep(s, "total_surplus"), 1.125)
    assert pay(s, "G") < pay(u, "G")  # nobody gains


def test_F4_withdrawal():
    # Card F4: alpha0 = 1.5, theta = 1, p = 1.3, U_G^unreg = 1.15 < p < L(1) = 1.4: G withdraws and
    # both lose: U_G 1.15 -> 0 and U_D 0.525 -> 0.
    s = solve(alpha0=1.5, theta=1.0, p=1.3)
    u = solve("no_regulation", alpha0=1.5)
    assert eq(s, "enter") == 0
    assert eq(s, "adopt") == 0
    assert close(pay(s, "G"), 0.0)
    assert close(pay(s, "D"), 0.0)
    assert close(rep(s, "penalty_paid"), 0.0)
    assert close(pay(u, "G"), 1.15)
    assert close(pay(u, "D"), 0.525)


# --- F5: Pareto improvement at low alpha0 --------------------------------------------------------


def test_F5_unregulated_hold_up():
    # Card F5: alpha0 = .2, p = 0: D would face omega = .4 and V_D = -.025 < 0, so it does not
    # adopt; G then stays closed: U_G = .02, U_D = 0.
    s = solve("no_regulation", alpha0=0.2)
    assert eq(s, "enter") == 1
    assert eq(s, "adopt") == 0
    assert close(eq(s, "omega"), 0.0)
    assert close(pay(s, "G"), 0.02)
    assert close(pay(s, "D"), 0.0)


def test_F5_threshold_is_a_pareto_improvement():
    # Card F5: theta = .6, p = .1 (>= L = .02): G complies at .6, D adopts, U_G = .43, U_D = .025;
    # both strictly better off than unregulated (.02, 0) and no penalty is paid.
    s = solve(alpha0=0.2, theta=0.6, p=0.1)
    u = solve("no_regulation", alpha0=0.2)
    assert close(eq(s, "omega"), 0.6)
    assert eq(s, "adopt") == 1
    assert close(pay(s, "G"), 0.43)
    assert close(pay(s, "D"), 0.025)
    assert close(rep(s, "penalty_paid"), 0.0)
    assert pay(s, "G") > pay(u, "G") and pay(s, "D") > pay(u, "D")


F5_REGION = [
    # (theta, p) inside the card's region theta in (0.5, 1], p >= (theta - 0.4)^2/2 at alpha0 = .2.
    # By hand: U_G = R_1(theta) = .37 + .4*theta - theta^2/2, U_D = V_D(theta) = .25*theta - .125.
    pytest.param(0.8, 0.1, id="theta0.8-p0.1"),
    pytest.param(1.0, 0.2, id="theta1-p0.2", marks=slow),
    pytest.param(0.55, 0.05, id="theta0.55-p0.05", marks=slow),
    pytest.param(0.7, 0.045, id="theta0.7-p0.045", marks=slow),  # p = L: the tie goes to compliance
]


@pytest.mark.parametrize("theta, p", F5_REGION)
def test_F5_pareto_region(theta, p):
    s = solve(alpha0=0.2, theta=theta, p=p)
    assert close(eq(s, "omega"), theta)
    assert eq(s, "adopt") == 1
    assert close(pay(s, "G"), 0.37 + 0.4 * theta - theta**2 / 2)
    assert close(pay(s, "D"), 0.25 * theta - 0.125)
    assert pay(s, "G") > 0.02 and pay(s, "D") > 0.0


def test_F5_outside_the_region_theta_0_45():
    # Card F5: theta = 0.45: D still stays out (G would comply at .45: V_D(.45) = -.0125 < 0).
    # By hand the card's "stays out" goes further: without D, omega_0 = 0 and
    # L_0(.45) = .1*.45 + .45^2/2 = .14625 > p = .1, so G would pay: .02 - .1 < 0 and G withdraws.
    s = solve(alpha0=0.2, theta=0.45, p=0.1)
    assert eq(s, "adopt") == 0
    assert eq(s, "enter") == 0
    assert close(pay(s, "G"), 0.0) and close(pay(s, "D"), 0.0)


def test_F5_outside_the_region_theta_0_9():
    # Card F5: theta = 0.9, p = 0.1 < L = 0.125: no compliance, so D stays out; G is fined and
    # withdraws.
    s = solve(alpha0=0.2, theta=0.9, p=0.1)
    assert eq(s, "adopt") == 0
    assert eq(s, "enter") == 0
    assert close(pay(s, "G"), 0.0) and close(pay(s, "D"), 0.0)


def test_F5_region_boundary_theta_0_5_is_not_strict():
    # theta = .5 is the region's open end: V_D(.5) = 0, so D adopts (tie) but gains nothing:
    # U_D = 0 = unregulated U_D (the card's low_performance row).
    s = solve(alpha0=0.2, theta=0.5, p=0.1)
    assert eq(s, "adopt") == 1
    assert close(pay(s, "D"), 0.0)


# The card's 20 x 21 (theta, p) grid at alpha0 = 1 (the card does not list it; this is
# theta = 0.05, 0.10, ..., 1.00 and p = 0, 0.1, ..., 2.0).  Unregulated: U_G = .85, U_D = .275.
F5_GRID = [(round(0.05 * i, 2), round(0.1 * j, 1)) for i in range(1, 21) for j in range(21)]
F5_GRID_DEFAULT_RUN = [(0.2, 0.1), (0.8, 0.3), (0.5, 1.0)]  # on the curve (tie), pay, comply


def _assert_no_pareto_improvement_at_alpha0_1(theta: float, p: float) -> None:
    s = solve(alpha0=1.0, theta=theta, p=p)
    want = card_equilibrium(alpha0=1.0, theta=theta, p=p)
    UG, UD = pay(s, "G"), pay(s, "D")
    assert close(UG, want["G"]) and close(UD, want["D"])
    weakly_better = UG >= 0.85 - EXACT_TOL and UD >= 0.275 - EXACT_TOL
    strictly = UG > 0.85 + EXACT_TOL or UD > 0.275 + EXACT_TOL
    assert not (weakly_better and strictly), (theta, p, UG, UD)


@pytest.mark.parametrize("theta, p", F5_GRID_DEFAULT_RUN)
def test_F5_no_pareto_improvement_at_high_alpha0_sample(theta, p):
    # Card F5: for alpha0 = 1 no (theta, p) is Pareto-improving (no hold-up to cure, so the
    # penalty only shrinks G's options).  (0.2, 0.1) sits exactly on the curve: L(.2) = .1.
    _assert_no_pareto_improvement_at_alpha0_1(theta, p)


@slow
def test_F5_no_pareto_improvement_at_high_alpha0_grid():
    for theta, p in F5_GRID:
        _assert_no_pareto_improvement_at_alpha0_1(theta, p)


# --- F6: the threshold as a transfer (below the curve) -------------------------------------------

F6_THETAS = [
    pytest.param(t, marks=() if t in (0.1, 0.5, 0.9) else slow, id=f"theta{t}")
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
]


@pytest.mark.parametrize("theta", F6_THETAS)
def test_F6_threshold_transfers_utility(theta):
    # Card F6: alpha0 = 1, p = 1 >= L(theta): omega = theta, U_G = .85 - .4*theta - theta^2/2,
    # U_D = .275 + .25*theta, alpha1 = 1.5 + theta, welfare = 1.125 - .15*theta - theta^2/2.
    s = solve(alpha0=1.0, p=1.0, theta=theta)
    assert close(eq(s, "omega"), theta)
    assert close(pay(s, "G"), 0.85 - 0.4 * theta - theta**2 / 2)
    assert close(pay(s, "D"), 0.275 + 0.25 * theta)
    assert close(eq(s, "alpha1"), 1.5 + theta)
    assert close(rep(s, "welfare"), 1.125 - 0.15 * theta - theta**2 / 2)
    assert close(rep(s, "penalty_paid"), 0.0)


def test_F6_directions():
    # Card F6: along theta, U_G falls, U_D and alpha1 rise, welfare falls (the transfer has a cost).
    ss = [solve(alpha0=1.0, p=1.0, theta=t) for t in (0.1, 0.5, 0.9)]
    for a, b in itertools.pairwise(ss):
        assert pay(b, "G") < pay(a, "G")
        assert pay(b, "D") > pay(a, "D")
        assert eq(b, "alpha1") > eq(a, "alpha1")
        assert rep(b, "welfare") < rep(a, "welfare")


# --- Other check points the card lists -----------------------------------------------------------


def test_tie_on_the_curve_goes_to_compliance():
    # Card: tie on the curve alpha0 = .6, theta = .3, p = .045 = L.  By hand: omega_u = 0,
    # comply: U_G = R_1(.3) = .61 - .045 = .565 = R_1(0) - p (indifferent), U_D = V_D(.3) = .15
    # (against .075 if G paid): the Pareto-dominant choice is to comply.
    s = solve(alpha0=0.6, theta=0.3, p=0.045)
    assert close(eq(s, "omega"), 0.3)
    assert close(pay(s, "G"), 0.565)
    assert close(pay(s, "D"), 0.15)
    assert close(rep(s, "penalty_paid"), 0.0)
    assert rep(s, "complied") == 1


def test_delta_1_no_fine_tuning_no_adoption():
    # Card: delta = 1 (no fine-tuning, no adoption).  By hand, p = 0: V_D = -F < 0, so D stays
    # out; m_0 = .1 - .4 < 0, omega = 0; U_G = K_0 = (1 - .9)*.4 = .04; alpha1 = alpha0 = .4.
    s = solve("no_regulation", delta=1.0)
    assert eq(s, "enter") == 1
    assert eq(s, "adopt") == 0
    assert close(eq(s, "omega"), 0.0)
    assert close(eq(s, "alpha1"), 0.4)
    assert close(pay(s, "G"), 0.04)
    assert close(pay(s, "D"), 0.0)


def test_delta_1_with_the_default_policy_exits():
    # By hand: as above, but theta = .5, p = .1: L_0(.5) = .3*.5 + .125 = .275 > p, so G pays:
    # .04 - .1 < 0 and G does not enter.
    s = solve(delta=1.0)
    assert eq(s, "enter") == 0
    assert close(pay(s, "G"), 0.0) and close(pay(s, "D"), 0.0)


def test_pay_penalty_without_adoption():
    # By hand: alpha0 = .2, theta = .9, p = .01.  With D, G would keep omega_u = .4 (L_1(.9) = .125
    # > p): V_D(.4) = -.025, D stays out.  Without D: omega_0 = 0, L_0(.9) = .09 + .405 > p, G pays:
    # U_G = K_0 - p = .02 - .01 = .01 >= 0, G enters.
    s = solve(alpha0=0.2, theta=0.9, p=0.01)
    assert eq(s, "enter") == 1
    assert eq(s, "adopt") == 0
    assert close(eq(s, "omega"), 0.0)
    assert close(pay(s, "G"), 0.01)
    assert close(pay(s, "D"), 0.0)
    assert close(rep(s, "penalty_paid"), 0.01)


def test_threshold_already_met():
    # By hand: alpha0 = .35, theta = .2 <= omega_u = .25: no penalty, the unregulated answer
    # (card F2 check point): omega = .25, U_G = .49125, U_D = .0125, complied.
    s = solve(alpha0=0.35, theta=0.2, p=0.1)
    assert close(eq(s, "omega"), 0.25)
    assert close(pay(s, "G"), 0.49125)
    assert close(pay(s, "D"), 0.0125)
    assert close(rep(s, "penalty_paid"), 0.0)
    assert rep(s, "complied") == 1


# --- Random points: the solution is verified --------------------------------------------------------


def _random_points() -> list[dict[str, float]]:
    rng = np.random.default_rng(SEED)
    ranges = {
        "alpha0": (0.0, 1.5),
        "delta": (0.0, 1.0),
        "beta": (0.5, 1.5),
        "eps": (0.0, 0.5),
        "kappa": (0.5, 2.0),
        "c0": (0.0, 1.0),
        "c1": (0.2, 1.0),
        "gamma": (0.0, 3.0),
        "F": (0.0, 0.5),
        "theta": (0.0, 1.0),
        "p": (0.0, 0.5),
    }
    return [
        {name: round(float(rng.uniform(lo, hi)), 4) for name, (lo, hi) in ranges.items()}
        for _ in range(RANDOM_POINTS)
    ]


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
