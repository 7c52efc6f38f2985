"""Textbook games in `specs/` solved by gamedsl, checked against closed forms derived by hand.

Every expected number comes from the closed form written next to it (derived independently of the
solver, from the cited source, and re-checked with first-order and second-order conditions and a
grid search over deviations in throwaway sympy/numpy scripts).  Each case is built by a small
function of the params that evaluates the textbook formula, so the formula is the test.

The closed forms are also compared with `solve(symbolic=True)`: `s.strategies[var]` is a
sympy-syntax string in the params (and earlier choices); it must agree with the textbook formula
at three random points of a region where that formula's regime holds (this accepts any
equivalent form, including a `Piecewise`, `Min` or `Max` whose active piece is the formula).
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sympy

import gamedsl

SPECS = Path(__file__).resolve().parents[2] / "specs"

ABS_TOL = 1e-6  # equilibrium values, payoffs and reports
REL_TOL = 1e-6
SYMBOLIC_TOL = 1e-9  # closed forms compared at sample points
SYMBOLIC_POINTS = 3
SEED = 20240611  # sample points are reproducible


@dataclass(frozen=True)
class Case:
    """One solve of one spec at one param point, with the values derived by hand.

    `binding` maps a stage name to the exact set of bounds that hold with equality there (as
    written in the spec); stages not listed are not checked.
    """

    spec: str
    label: str
    values: Mapping[str, float]
    equilibrium: Mapping[str, float]
    payoffs: Mapping[str, float]
    reports: Mapping[str, float] = field(default_factory=dict)
    binding: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SymbolicCase:
    """A closed-form strategy: `expected` (sympy syntax, in params and earlier choices) must equal
    gamedsl's `s.strategies[var]` on `region` (name -> (low, high)), a box inside the regime
    where the formula holds."""

    spec: str
    var: str
    expected: str
    region: Mapping[str, tuple[float, float]]
    values: Mapping[str, float] = field(default_factory=dict)


NONE: frozenset[str] = frozenset()


def bound(*texts: str) -> frozenset[str]:
    """Return the set of binding bounds, spelled as DESIGN §2 prints them."""
    return frozenset(texts)


# ---------------------------------------------------------------------------------------------
# Closed forms.  Each function evaluates the textbook answer at one param point.
# ---------------------------------------------------------------------------------------------


def cournot(label, a, b, c, values):
    # MWG §12.C / Gibbons §1.2.A: FOC a - 2b*qi - b*qj - c = 0 => qi = (a - c)/(3b);
    # P = (a + 2c)/3; profit_i = b*qi^2; CS = b*Q^2/2; welfare = CS + profits.
    q = (a - c) / (3 * b)
    price = a - 2 * b * q
    profit = (price - c) * q
    cs = b * (2 * q) ** 2 / 2
    return Case(
        "cournot",
        label,
        values,
        equilibrium={"q1": q, "q2": q},
        payoffs={"F1": profit, "F2": profit},
        reports={"price": price, "CS": cs, "welfare": cs + 2 * profit},
        binding={"market": NONE},
    )


def cournot3(label, a, b, c1, c2, c3, values):
    # n-firm Cournot with asymmetric costs (MWG §12.C): with the active set S (|S| = n),
    # qi = (a + sum_{j in S} cj - (n + 1)*ci)/((n + 1)*b); a firm whose formula gives qi <= 0
    # stays out (corner qi = 0: its marginal profit P - ci < 0 at qi = 0) and the rest is re-solved.
    costs = {"q1": c1, "q2": c2, "q3": c3}
    active = set(costs)
    while True:
        n = len(active)
        total = sum(costs[v] for v in active)
        q = {
            v: (a + total - (n + 1) * costs[v]) / ((n + 1) * b) if v in active else 0.0
            for v in costs
        }
        out = {v for v in active if q[v] <= 0}
        if not out:
            break
        active -= {max(out, key=lambda v: costs[v])}
    price = a - b * sum(q.values())
    profits = {f"F{i}": (price - costs[v]) * q[v] for i, v in enumerate(costs, start=1)}
    return Case(
        "cournot3",
        label,
        values,
        equilibrium=q,
        payoffs=profits,
        reports={"price": price, "CS": b * sum(q.values()) ** 2 / 2},
        binding={"market": bound(*(f"{v} >= 0" for v in costs if v not in active))},
    )


def stackelberg(label, a, b, c, s, values):
    # Gibbons §2.1.B with unit cost c - s: qF(qL) = (a - c + s - b*qL)/(2b);
    # qL = (a - c + s)/(2b), qF = (a - c + s)/(4b); welfare = CS + profits - s*Q.
    ql = (a - c + s) / (2 * b)
    qf = (a - c + s) / (4 * b)
    price = a - b * (ql + qf)
    pl, pf = (price - c + s) * ql, (price - c + s) * qf
    cs = b * (ql + qf) ** 2 / 2
    return Case(
        "stackelberg",
        label,
        values,
        equilibrium={"qL": ql, "qF": qf},
        payoffs={"L": pl, "F": pf},
        reports={"CS": cs, "welfare": cs + pl + pf - s * (ql + qf)},
        binding={"lead": NONE, "follow": NONE},
    )


def stackelberg_two_followers(label, a, b, c, values):
    # Followers: qi(qL) = (a - c - b*qL)/(3b); leader's residual price (a + 2c - b*qL)/3
    # => qL = (a - c)/(2b), qi = (a - c)/(6b), P - c = (a - c)/6.
    ql = (a - c) / (2 * b)
    qi = (a - c) / (6 * b)
    price = a - b * (ql + 2 * qi)
    pl, pi = (price - c) * ql, (price - c) * qi
    cs = b * (ql + 2 * qi) ** 2 / 2
    return Case(
        "stackelberg_two_followers",
        label,
        values,
        equilibrium={"qL": ql, "q1": qi, "q2": qi},
        payoffs={"L": pl, "F1": pi, "F2": pi},
        reports={"price": price, "CS": cs, "welfare": cs + pl + 2 * pi},
        binding={"lead": NONE, "follow": NONE},
    )


def bertrand_prices(a, b, d, c1, c2):
    """Return the simultaneous Bertrand prices: FOCs a - 2b*pi + d*pj + b*ci = 0."""
    den = 4 * b**2 - d**2
    p1 = (a * (2 * b + d) + 2 * b**2 * c1 + b * d * c2) / den
    p2 = (a * (2 * b + d) + 2 * b**2 * c2 + b * d * c1) / den
    return p1, p2


def bertrand_case(spec, label, a, b, d, c1, c2, p1, p2, values):
    q1 = a - b * p1 + d * p2
    q2 = a - b * p2 + d * p1
    pi1, pi2 = (p1 - c1) * q1, (p2 - c2) * q2
    stages = (
        {"prices": NONE} if spec == "bertrand_differentiated" else {"lead": NONE, "follow": NONE}
    )
    return Case(
        spec,
        label,
        values,
        equilibrium={"p1": p1, "p2": p2},
        payoffs={"F1": pi1, "F2": pi2},
        reports={"q1": q1, "q2": q2, "industry_profit": pi1 + pi2},
        binding=stages,
    )


def bertrand_differentiated(label, a, b, d, c1, c2, values):
    # Gibbons §1.2.B: p1 = (a(2b + d) + 2b^2 c1 + b d c2)/(4b^2 - d^2), symmetric for p2.
    p1, p2 = bertrand_prices(a, b, d, c1, c2)
    return bertrand_case("bertrand_differentiated", label, a, b, d, c1, c2, p1, p2, values)


def bertrand_sequential(label, a, b, d, c1, c2, values):
    # Gal-Or (1985): p2(p1) = (a + b*c2 + d*p1)/(2b); the leader maximises
    # (p1 - c1)(a - b*p1 + d*p2(p1)) => p1 = (a(2b + d) + 2b^2 c1 + b d c2 - d^2 c1)/(2(2b^2 - d^2)).
    p1 = (a * (2 * b + d) + 2 * b**2 * c1 + b * d * c2 - d**2 * c1) / (2 * (2 * b**2 - d**2))
    p2 = (a + b * c2 + d * p1) / (2 * b)
    return bertrand_case("bertrand_sequential", label, a, b, d, c1, c2, p1, p2, values)


def double_marginalisation(label, a, b, c, values):
    # Spengler (1950): p(w) = (a + w)/2; w = (a + c)/2, p = (3a + c)/4, q = (a - c)/(4b),
    # profit_M = (a - c)^2/(8b), profit_R = (a - c)^2/(16b).
    w = (a + c) / 2
    p = (3 * a + c) / 4
    q = (a - p) / b
    pm, pr = (w - c) * q, (p - w) * q
    cs = b * q**2 / 2
    return Case(
        "double_marginalisation",
        label,
        values,
        equilibrium={"w": w, "p": p},
        payoffs={"M": pm, "R": pr},
        reports={"quantity": q, "CS": cs, "welfare": cs + pm + pr},
        binding={"wholesale": NONE, "retail": NONE},
    )


def rd_cournot(label, a, b, A, beta, gamma, values):
    # d'Aspremont & Jacquemin (1988), noncooperative R&D:
    # x = 2(2 - beta)(a - A)/(9b*gamma - 2(2 - beta)(1 + beta)); q = (a - A + (1 + beta)x)/(3b);
    # unit cost A - (1 + beta)x; profit = b*q^2 - gamma*x^2/2.
    x = 2 * (2 - beta) * (a - A) / (9 * b * gamma - 2 * (2 - beta) * (1 + beta))
    q = (a - A + (1 + beta) * x) / (3 * b)
    cost = A - (1 + beta) * x
    price = a - 2 * b * q
    profit = (price - cost) * q - gamma * x**2 / 2
    cs = b * (2 * q) ** 2 / 2
    return Case(
        "rd_cournot",
        label,
        values,
        equilibrium={"x1": x, "x2": x, "q1": q, "q2": q},
        payoffs={"F1": profit, "F2": profit},
        reports={"unit_cost": cost, "price": price, "CS": cs, "welfare": cs + 2 * profit},
        binding={"research": NONE, "market": NONE},
    )


def hotelling(label, t, c, values):
    # d'Aspremont, Gabszewicz & Thisse (1979): reduced profit of firm 1 is
    # t(l2 - l1)(2 + l1 + l2)^2/18, decreasing in l1 on [0, 1/2] (and firm 2's increasing in l2):
    # l1 = 0, l2 = 1 (corners); p1 = p2 = c + t; profits t/2; marginal consumer 1/2;
    # transport cost 2 * integral_0^(1/2) t*x^2 dx = t/12.
    return Case(
        "hotelling",
        label,
        values,
        equilibrium={"l1": 0.0, "l2": 1.0, "p1": c + t, "p2": c + t},
        payoffs={"F1": t / 2, "F2": t / 2},
        reports={"marginal_consumer": 0.5, "transport_cost": t / 12},
        binding={"locate": bound("l1 >= 0", "l2 <= 1"), "price": NONE},
    )


def delegation(label, a, b, c, values):
    # Vickers (1985), Fershtman & Judd (1987): qi(k) = (a - c + 2ki - kj)/(3b);
    # owners' FOC => k = (a - c)/5, q = 2(a - c)/(5b), P = (a + 4c)/5,
    # profit = 2(a - c)^2/(25b), manager's objective profit + k*q = 4(a - c)^2/(25b).
    k = (a - c) / 5
    q = 2 * (a - c) / (5 * b)
    price = (a + 4 * c) / 5
    profit = (price - c) * q
    return Case(
        "delegation",
        label,
        values,
        equilibrium={"k1": k, "k2": k, "q1": q, "q2": q},
        payoffs={"O1": profit, "O2": profit, "M1": profit + k * q, "M2": profit + k * q},
        reports={"price": price, "CS": b * (2 * q) ** 2 / 2},
        binding={"contracts": NONE, "market": NONE},
    )


def vertical_quality(label, vmax, smax, cap, values):
    # Choi & Shin (1992): pL = vmax*sL(sH - sL)/(4sH - sL), pH = 2vmax*sH(sH - sL)/(4sH - sL);
    # L's reduced profit peaks at sL = 4sH/7, H's increases in sH: sH = smax,
    # sL = min(4/7, cap)*smax (the ceiling cap*smax binds when cap < 4/7).
    sh = smax
    sl = min(4 / 7, cap) * smax
    pl = vmax * sl * (sh - sl) / (4 * sh - sl)
    ph = 2 * vmax * sh * (sh - sl) / (4 * sh - sl)
    theta0 = pl / sl
    theta1 = (ph - pl) / (sh - sl)
    quality = bound("sH <= smax") | (bound("sL <= cap*smax") if cap < 4 / 7 else NONE)
    return Case(
        "vertical_quality",
        label,
        values,
        equilibrium={"sL": sl, "sH": sh, "pL": pl, "pH": ph},
        payoffs={"L": pl * (theta1 - theta0), "H": ph * (vmax - theta1)},
        reports={"demand_L": theta1 - theta0, "demand_H": vmax - theta1},
        binding={"quality": quality, "price": NONE},
    )


def cournot_tax(label, a, b, c, tmin, values):
    # Firms: qi(t) = (a - c - t)/(3b). Government: welfare(t) = 2(a - c - t)(2(a - c) + t)/(9b),
    # concave, peak at t = -(a - c)/2; with t >= tmin the answer is max(tmin, -(a - c)/2).
    t = max(tmin, -(a - c) / 2)
    q = (a - c - t) / (3 * b)
    price = a - 2 * b * q
    profit = (price - c - t) * q
    cs = b * (2 * q) ** 2 / 2
    revenue = t * 2 * q
    return Case(
        "cournot_tax",
        label,
        values,
        equilibrium={"t": t, "q1": q, "q2": q},
        payoffs={"F1": profit, "F2": profit, "G": cs + 2 * profit + revenue},
        reports={"CS": cs, "revenue": revenue, "price": price},
        binding={"tax": bound("t >= tmin") if tmin > -(a - c) / 2 else NONE, "market": NONE},
    )


def principal_agent(label, v, k, wmin, values):
    # Limited liability (Laffont & Martimort ch. 4): e(beta) = beta/k; the principal's
    # (v - beta)*beta/k - alpha is decreasing in alpha (alpha = wmin) and peaks at beta = v/2,
    # capped at 1.
    alpha = wmin
    beta = min(v / 2, 1.0)
    effort = beta / k
    binding = bound("alpha >= wmin") | (bound("beta <= 1") if v > 2 else NONE)
    return Case(
        "principal_agent",
        label,
        values,
        equilibrium={"alpha": alpha, "beta": beta, "effort": effort},
        payoffs={
            "P": v * effort - alpha - beta * effort,
            "A": alpha + beta * effort - k * effort**2 / 2,
        },
        reports={"surplus": v * effort - k * effort**2 / 2, "first_best_effort": v / k},
        binding={"contract": binding, "work": NONE},
    )


def cournot_capacity(label, a, b, c, K, values):
    # Kuhn-Tucker: q2 = min(K, (a - c - b*q1)/(2b)); if K < (a - c)/(3b) then q2 = K and
    # q1 = (a - c - b*K)/(2b), else the unconstrained Cournot (a - c)/(3b).
    if K < (a - c) / (3 * b):
        q2 = K
        q1 = (a - c - b * K) / (2 * b)
        binding = bound("q2 <= K")
    else:
        q1 = q2 = (a - c) / (3 * b)
        binding = NONE
    price = a - b * (q1 + q2)
    return Case(
        "cournot_capacity",
        label,
        values,
        equilibrium={"q1": q1, "q2": q2},
        payoffs={"F1": (price - c) * q1, "F2": (price - c) * q2},
        reports={"price": price, "CS": b * (q1 + q2) ** 2 / 2},
        binding={"market": binding},
    )


# ---------------------------------------------------------------------------------------------
# The table.  Values in the comments are the formulas evaluated (exact fractions where short).
# ---------------------------------------------------------------------------------------------

CASES = [
    # q = 3, P = 4, profits 9, CS 18, welfare 36
    cournot("defaults", a=10, b=1, c=1, values={}),
    # q = 1.5, P = 6, profits 4.5, CS 9, welfare 18
    cournot("a12-b2-c3", a=12, b=2, c=3, values={"a": 12, "b": 2, "c": 3}),
    # all active: q = (6, 4, 2), P = 8, profits (36, 16, 4)
    cournot3("defaults", a=20, b=1, c1=2, c2=4, c3=6, values={}),
    # all active: q = (3.75, 2.75, 3.25), P = 10.5
    cournot3(
        "a30-b2", a=30, b=2, c1=3, c2=5, c3=4, values={"a": 30, "b": 2, "c1": 3, "c2": 5, "c3": 4}
    ),
    # firm 3 out (interior formula gives q3 = -1): q = (20/3, 14/3, 0), P = 26/3 < c3 = 10
    cournot3("firm3-exits", a=20, b=1, c1=2, c2=4, c3=10, values={"c3": 10}),
    # qL = 4, qF = 2, profits 8 and 4, CS 18, welfare 30
    stackelberg("defaults", a=10, b=1, c=2, s=0, values={}),
    # qL = 11/2, qF = 11/4, profits 121/8 and 121/16, CS 1089/32
    stackelberg("subsidy", a=12, b=1, c=2, s=1, values={"a": 12, "s": 1}),
    # qL = 9/2, qi = 3/2, P = 5/2, profits 27/4 and 9/4
    stackelberg_two_followers("defaults", a=10, b=1, c=1, values={}),
    # qL = 12, qi = 4, P = 6, profits 24 and 8
    stackelberg_two_followers("a16-b05-c4", a=16, b=0.5, c=4, values={"a": 16, "b": 0.5, "c": 4}),
    # p = 4, q = 6, profits 18
    bertrand_differentiated("defaults", a=10, b=2, d=1, c1=1, c2=1, values={}),
    # p = (44/5, 46/5), q = (39/5, 36/5), profits (1521/25, 1296/25)
    bertrand_differentiated(
        "asymmetric", a=12, b=1, d=0.5, c1=1, c2=2, values={"a": 12, "b": 1, "d": 0.5, "c2": 2}
    ),
    # p1 = 59/14, p2 = 227/56, profits 2025/112 < 29241/1568 (second-mover advantage)
    bertrand_sequential("defaults", a=10, b=2, d=1, c1=1, c2=1, values={}),
    # p1 = 131/14, p2 = 523/56
    bertrand_sequential(
        "asymmetric", a=12, b=1, d=0.5, c1=1, c2=2, values={"a": 12, "b": 1, "d": 0.5, "c2": 2}
    ),
    # w = 6, p = 8, q = 2, profits 8 and 4, CS 2
    double_marginalisation("defaults", a=10, b=1, c=2, values={}),
    # w = 12, p = 16, q = 2, profits 16 and 8, CS 4
    double_marginalisation("a20-b2-c4", a=20, b=2, c=4, values={"a": 20, "b": 2, "c": 4}),
    # x = 4/3, q = 8/3, unit cost 2, P = 14/3, profit 16/3
    rd_cournot("defaults", a=10, b=1, A=4, beta=0.5, gamma=2, values={}),
    # no spillover: x = 12/7, q = 18/7, unit cost 16/7, profit 180/49
    rd_cournot("no-spillover", a=10, b=1, A=4, beta=0, gamma=2, values={"beta": 0}),
    # full spillover: x = 24/23, q = 108/23, profit 10800/529
    rd_cournot(
        "full-spillover",
        a=20,
        b=1,
        A=8,
        beta=1,
        gamma=3,
        values={"a": 20, "A": 8, "beta": 1, "gamma": 3},
    ),
    # l = (0, 1), p = 1, profits 1/2, transport 1/12
    hotelling("defaults", t=1, c=0, values={}),
    # p = 3, profits 1, transport 1/6
    hotelling("t2-c1", t=2, c=1, values={"t": 2, "c": 1}),
    # k = 9/5, q = 18/5, P = 14/5, profit 162/25, manager 324/25
    delegation("defaults", a=10, b=1, c=1, values={}),
    # k = 2, q = 2, P = 4, profit 4, manager 8
    delegation("a12-b2-c2", a=12, b=2, c=2, values={"a": 12, "b": 2, "c": 2}),
    # sL = 4/7, sH = 1, pL = 1/14, pH = 1/4, profits 1/48 and 7/48
    vertical_quality("defaults", vmax=1, smax=1, cap=0.75, values={}),
    # sL = 12/7, sH = 3, pL = 3/7, pH = 3/2, profits 1/4 and 7/4
    vertical_quality("vmax2-smax3", vmax=2, smax=3, cap=0.75, values={"vmax": 2, "smax": 3}),
    # L at its ceiling: sL = 1/2, pL = 1/14, pH = 2/7, profits 1/49 and 8/49
    vertical_quality("ceiling-binds", vmax=1, smax=1, cap=0.5, values={"cap": 0.5}),
    # t = -9/2, q = 9/2, P = 1 = c, profits 81/4, CS 81/2, revenue -81/2, welfare 81/2
    cournot_tax("defaults", a=10, b=1, c=1, tmin=-5, values={}),
    # subsidy cap binds: t = -2, q = 11/3, P = 8/3, welfare 352/9
    cournot_tax("cap-binds", a=10, b=1, c=1, tmin=-2, values={"tmin": -2}),
    # t = -8, q = 4, P = 4 = c, welfare 64
    cournot_tax(
        "a20-b2-c4", a=20, b=2, c=4, tmin=-10, values={"a": 20, "b": 2, "c": 4, "tmin": -10}
    ),
    # alpha = 0 (binds), beta = 1/2, e = 1/2, principal 1/4, agent 1/8
    principal_agent("defaults", v=1, k=1, wmin=0, values={}),
    # beta capped at 1 (v/2 = 3/2), alpha = 1/10: e = 1/2, principal 9/10, agent 7/20
    principal_agent("bonus-cap-binds", v=3, k=2, wmin=0.1, values={"v": 3, "k": 2, "wmin": 0.1}),
    # alpha = 1/5 (binds), beta = 3/4, e = 3/2: principal 37/40, agent 61/80
    principal_agent(
        "cheap-effort", v=1.5, k=0.5, wmin=0.2, values={"v": 1.5, "k": 0.5, "wmin": 0.2}
    ),
    # capacity binds: q2 = 2, q1 = 7/2, P = 9/2, profits 49/4 and 7
    cournot_capacity("defaults", a=10, b=1, c=1, K=2, values={}),
    # capacity slack: q = 3, profits 9
    cournot_capacity("slack", a=10, b=1, c=1, K=5, values={"K": 5}),
    # capacity binds: q2 = 1, q1 = 4, P = 10, profits 32 and 8
    cournot_capacity("a20-b2-c2-K1", a=20, b=2, c=2, K=1, values={"a": 20, "b": 2, "c": 2, "K": 1}),
]


def case_id(case: Case) -> str:
    return f"{case.spec}-{case.label}"


def spec_path(name: str) -> str:
    return str(SPECS / f"{name}.game")


def assert_close(got, expected, what: str) -> None:
    assert got == pytest.approx(expected, abs=ABS_TOL, rel=REL_TOL), (
        f"{what}: gamedsl {got!r}, derived {expected!r}"
    )


def check_case(case: Case, solution) -> None:
    """Assert everything the case derives: path values, payoffs, reports, bindings, verification."""
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


@pytest.mark.parametrize("case", [pytest.param(c, id=case_id(c)) for c in CASES])
def test_textbook_equilibrium(case: Case) -> None:
    solution = gamedsl.load(spec_path(case.spec)).solve(**case.values)
    check_case(case, solution)


# ---------------------------------------------------------------------------------------------
# Double marginalisation: the merged scenario.
# ---------------------------------------------------------------------------------------------

INTEGRATED_POINTS = [
    pytest.param(10, 1, 2, {}, id="defaults"),
    pytest.param(20, 2, 4, {"a": 20, "b": 2, "c": 4}, id="a20-b2-c4"),
]


@pytest.mark.parametrize("a, b, c, values", INTEGRATED_POINTS)
def test_double_marginalisation_integrated(a, b, c, values) -> None:
    # The merged MR maximises profit_M + profit_R = (p - c)*(a - p)/b (w cancels):
    # p = (a + c)/2, q = (a - c)/(2b), joint profit (a - c)^2/(4b) -- above the separate
    # 3(a - c)^2/(16b); CS = (a - c)^2/(8b).  Defaults: p = 6, q = 4, MR = 16, CS = 8.
    s = gamedsl.load(spec_path("double_marginalisation"), scenario="integrated").solve(**values)
    assert s.verification.ok is True, s.verification
    assert s.scenario == "integrated"
    p = (a + c) / 2
    q = (a - c) / (2 * b)
    joint = (a - c) ** 2 / (4 * b)
    assert_close(s.equilibrium["p"], p, "integrated price")
    assert_close(s.reports["quantity"], q, "integrated quantity")
    assert_close(s.reports["CS"], b * q**2 / 2, "integrated CS")
    assert_close(s.reports["welfare"], b * q**2 / 2 + joint, "integrated welfare")
    assert_close(s.payoffs["MR"], joint, "merged payoff")
    assert_close(s.payoffs["MR"], s.payoffs["M"] + s.payoffs["R"], "merged = sum of members")
    separate = gamedsl.load(spec_path("double_marginalisation")).solve(**values)
    assert s.payoffs["MR"] > separate.payoffs["M"] + separate.payoffs["R"]
    assert s.equilibrium["p"] < separate.equilibrium["p"]


def test_double_marginalisation_integrated_transfer_price_tie() -> None:
    # With M and R merged, w only moves money between the members: MR is indifferent over all of
    # w in [0, a].  DESIGN §1 tie rule: (1) no candidate is Pareto-better (MR's payoff is flat;
    # M's and R's move in opposite directions), (2) no earlier stage, (3) the first in domain
    # order, lower bound first: w = 0, with a warning naming the alternatives.  Then the members'
    # payoffs are M = (0 - c)*q = -8 and R = (p - 0)*q = 24 at the defaults (p = 6, q = 4).
    s = gamedsl.load(spec_path("double_marginalisation"), scenario="integrated").solve()
    assert_close(s.equilibrium["w"], 0.0, "transfer price at the tie")
    assert_close(s.payoffs["M"], -8.0, "manufacturer's share")
    assert_close(s.payoffs["R"], 24.0, "retailer's share")
    assert s.warnings, "a tie broken by domain order comes with a warning"


# ---------------------------------------------------------------------------------------------
# Closed forms (--symbolic): strategies as functions of params and earlier choices.
# ---------------------------------------------------------------------------------------------

DEMAND = {"a": (8.0, 14.0), "b": (0.5, 2.0), "c": (0.0, 3.0)}

SYMBOLIC_CASES = [
    # Cournot: qi = (a - c)/(3b)
    SymbolicCase("cournot", "q1", "(a - c)/(3*b)", DEMAND),
    SymbolicCase("cournot", "q2", "(a - c)/(3*b)", DEMAND),
    # three firms, all active (costs close together): qi = (a - 3ci + cj + ck)/(4b)
    *[
        SymbolicCase(
            "cournot3",
            f"q{i}",
            expr,
            {
                "a": (15.0, 25.0),
                "b": (0.5, 2.0),
                "c1": (1.0, 4.0),
                "c2": (1.0, 4.0),
                "c3": (1.0, 4.0),
            },
        )
        for i, expr in [
            (1, "(a - 3*c1 + c2 + c3)/(4*b)"),
            (2, "(a + c1 - 3*c2 + c3)/(4*b)"),
            (3, "(a + c1 + c2 - 3*c3)/(4*b)"),
        ]
    ],
    # Stackelberg: qL = (a - c + s)/(2b); follower's reply qF(qL) = (a - c + s - b*qL)/(2b)
    SymbolicCase("stackelberg", "qL", "(a - c + s)/(2*b)", {**DEMAND, "s": (0.0, 1.0)}),
    SymbolicCase(
        "stackelberg",
        "qF",
        "(a - c + s - b*qL)/(2*b)",
        {**DEMAND, "s": (0.0, 1.0), "qL": (0.0, 2.0)},
    ),
    # one leader, two followers: qL = (a - c)/(2b); qi(qL) = (a - c - b*qL)/(3b)
    SymbolicCase("stackelberg_two_followers", "qL", "(a - c)/(2*b)", DEMAND),
    SymbolicCase(
        "stackelberg_two_followers", "q1", "(a - c - b*qL)/(3*b)", {**DEMAND, "qL": (0.0, 2.0)}
    ),
    # Bertrand: p1 = (a(2b + d) + 2b^2 c1 + b d c2)/(4b^2 - d^2)
    SymbolicCase(
        "bertrand_differentiated",
        "p1",
        "(a*(2*b + d) + 2*b**2*c1 + b*d*c2)/(4*b**2 - d**2)",
        {"a": (8.0, 14.0), "b": (1.0, 3.0), "d": (0.0, 0.9), "c1": (0.0, 2.0), "c2": (0.0, 2.0)},
    ),
    # price leadership: p1 = (a(2b + d) + 2b^2 c1 + b d c2 - d^2 c1)/(2(2b^2 - d^2));
    # p2(p1) = (a + b*c2 + d*p1)/(2b)
    SymbolicCase(
        "bertrand_sequential",
        "p1",
        "(a*(2*b + d) + 2*b**2*c1 + b*d*c2 - d**2*c1)/(2*(2*b**2 - d**2))",
        {"a": (8.0, 14.0), "b": (1.0, 3.0), "d": (0.0, 0.9), "c1": (0.0, 2.0), "c2": (0.0, 2.0)},
    ),
    SymbolicCase(
        "bertrand_sequential",
        "p2",
        "(a + b*c2 + d*p1)/(2*b)",
        {
            "a": (8.0, 14.0),
            "b": (1.0, 3.0),
            "d": (0.0, 0.9),
            "c1": (0.0, 2.0),
            "c2": (0.0, 2.0),
            "p1": (2.0, 6.0),
        },
    ),
    # double marginalisation: w = (a + c)/2; retailer p(w) = (a + w)/2
    SymbolicCase("double_marginalisation", "w", "(a + c)/2", DEMAND),
    SymbolicCase("double_marginalisation", "p", "(a + w)/2", {**DEMAND, "w": (3.0, 7.0)}),
    # d'Aspremont-Jacquemin: x = 2(2 - beta)(a - A)/(9b*gamma - 2(2 - beta)(1 + beta));
    # q1(x1, x2) = (a - A + (2 - beta)x1 + (2beta - 1)x2)/(3b)
    SymbolicCase(
        "rd_cournot",
        "x1",
        "2*(2 - beta)*(a - A)/(9*b*gamma - 2*(2 - beta)*(1 + beta))",
        {
            "a": (8.0, 12.0),
            "b": (0.5, 2.0),
            "A": (2.0, 5.0),
            "beta": (0.0, 1.0),
            "gamma": (2.0, 4.0),
        },
    ),
    SymbolicCase(
        "rd_cournot",
        "q1",
        "(a - A + (2 - beta)*x1 + (2*beta - 1)*x2)/(3*b)",
        {
            "a": (8.0, 12.0),
            "b": (0.5, 2.0),
            "A": (2.0, 5.0),
            "beta": (0.0, 1.0),
            "gamma": (2.0, 4.0),
            "x1": (0.0, 1.5),
            "x2": (0.0, 1.5),
        },
    ),
    # Hotelling prices given locations: p1 = c + t(l2 - l1)(2 + l1 + l2)/3,
    # p2 = c + t(l2 - l1)(4 - l1 - l2)/3; locations at the bounds
    SymbolicCase(
        "hotelling",
        "p1",
        "c + t*(l2 - l1)*(2 + l1 + l2)/3",
        {"t": (0.5, 2.0), "c": (0.0, 1.0), "l1": (0.0, 0.45), "l2": (0.55, 1.0)},
    ),
    SymbolicCase(
        "hotelling",
        "p2",
        "c + t*(l2 - l1)*(4 - l1 - l2)/3",
        {"t": (0.5, 2.0), "c": (0.0, 1.0), "l1": (0.0, 0.45), "l2": (0.55, 1.0)},
    ),
    SymbolicCase("hotelling", "l1", "0", {"t": (0.5, 2.0), "c": (0.0, 1.0)}),
    SymbolicCase("hotelling", "l2", "1", {"t": (0.5, 2.0), "c": (0.0, 1.0)}),
    # delegation: k = (a - c)/5; managers q1(k1, k2) = (a - c + 2k1 - k2)/(3b)
    SymbolicCase("delegation", "k1", "(a - c)/5", DEMAND),
    SymbolicCase(
        "delegation",
        "q1",
        "(a - c + 2*k1 - k2)/(3*b)",
        {**DEMAND, "k1": (0.0, 1.5), "k2": (0.0, 1.5)},
    ),
    # Choi-Shin: sL = 4*smax/7 (cap >= 4/7), sH = smax; pL(sL, sH) = vmax*sL(sH - sL)/(4sH - sL)
    SymbolicCase(
        "vertical_quality",
        "sL",
        "4*smax/7",
        {"vmax": (0.5, 2.0), "smax": (0.5, 3.0), "cap": (0.6, 0.95)},
    ),
    SymbolicCase(
        "vertical_quality",
        "sH",
        "smax",
        {"vmax": (0.5, 2.0), "smax": (0.5, 3.0), "cap": (0.6, 0.95)},
    ),
    SymbolicCase(
        "vertical_quality",
        "pL",
        "vmax*sL*(sH - sL)/(4*sH - sL)",
        {"vmax": (0.5, 2.0), "sL": (0.1, 0.5), "sH": (0.6, 1.0)},
    ),
    SymbolicCase(
        "vertical_quality",
        "pH",
        "2*vmax*sH*(sH - sL)/(4*sH - sL)",
        {"vmax": (0.5, 2.0), "sL": (0.1, 0.5), "sH": (0.6, 1.0)},
    ),
    # optimal tax: t = -(a - c)/2 when the cap is slack; firms qi(t) = (a - c - t)/(3b)
    SymbolicCase("cournot_tax", "t", "-(a - c)/2", {**DEMAND, "tmin": (-20.0, -10.0)}),
    SymbolicCase("cournot_tax", "q1", "(a - c - t)/(3*b)", {**DEMAND, "t": (-3.0, 1.0)}),
    # principal-agent: alpha = wmin, beta = v/2 (v < 2), effort(beta) = beta/k
    SymbolicCase(
        "principal_agent", "alpha", "wmin", {"v": (0.2, 1.8), "k": (0.5, 2.0), "wmin": (0.0, 1.0)}
    ),
    SymbolicCase(
        "principal_agent", "beta", "v/2", {"v": (0.2, 1.8), "k": (0.5, 2.0), "wmin": (0.0, 1.0)}
    ),
    SymbolicCase(
        "principal_agent",
        "effort",
        "beta/k",
        {"k": (0.5, 2.0), "beta": (0.0, 1.0), "alpha": (0.0, 1.0)},
    ),
    # capacity: when K < (a - c)/(3b), q2 = K and q1 = (a - c - b*K)/(2b)
    SymbolicCase(
        "cournot_capacity",
        "q2",
        "K",
        {"a": (8.0, 14.0), "b": (0.5, 1.0), "c": (0.0, 2.0), "K": (0.1, 1.5)},
    ),
    SymbolicCase(
        "cournot_capacity",
        "q1",
        "(a - c - b*K)/(2*b)",
        {"a": (8.0, 14.0), "b": (0.5, 1.0), "c": (0.0, 2.0), "K": (0.1, 1.5)},
    ),
]


@functools.cache
def spec_names(spec: str) -> tuple[str, ...]:
    """Return the names a strategy string may mention: the spec's params and choices."""
    game = gamedsl.load(spec_path(spec)).game
    return (*game.params, *(choice.var for choice in game.choices))


@functools.cache
def symbolic_solution(spec: str, values: tuple[tuple[str, float], ...]):
    """Return the closed-form solve of `spec` (one solve shared by the cases of its variables)."""
    return gamedsl.load(spec_path(spec)).solve(symbolic=True, **dict(values))


def parse_strategy(text: str, names: tuple[str, ...]) -> sympy.Expr:
    """Return gamedsl's strategy string as a sympy expression over real symbols named as in the spec."""
    return sympy.sympify(text, locals={name: sympy.Symbol(name, real=True) for name in names})


def sample_points(case: SymbolicCase, count: int) -> list[dict[str, float]]:
    """Return `count` reproducible random points of the case's region."""
    rng = random.Random(f"{SEED}-{case.spec}-{case.var}")
    return [
        {name: rng.uniform(lo, hi) for name, (lo, hi) in case.region.items()} for _ in range(count)
    ]


def evaluate(expr: sympy.Expr, point: Mapping[str, float]) -> float:
    """Return `expr` at `point` (a float; fails if a symbol outside the point is left)."""
    value = expr.subs({sympy.Symbol(k, real=True): sympy.Float(v, 30) for k, v in point.items()})
    return float(sympy.N(value, 20))


# hotelling's symbolic solve spends its 15 s budget on the joint location KKT system before the
# location stage falls back to the numeric search: its cases run with `-m slow` (the prices and
# locations are checked at two param points by test_textbook_equilibrium in the default run)
SLOW_SYMBOLIC = {"hotelling"}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c, id=f"{c.spec}-{c.var}", marks=pytest.mark.slow if c.spec in SLOW_SYMBOLIC else ()
        )
        for c in SYMBOLIC_CASES
    ],
)
def test_symbolic_strategy(case: SymbolicCase) -> None:
    solution = symbolic_solution(case.spec, tuple(sorted(case.values.items())))
    assert case.var in solution.strategies, f"no closed form for {case.var}: {solution.strategies}"
    names = spec_names(case.spec)
    got = parse_strategy(solution.strategies[case.var], names)
    expected = parse_strategy(case.expected, names)
    if sympy.simplify(got - expected) == 0:
        return
    for point in sample_points(case, SYMBOLIC_POINTS):
        assert evaluate(got, point) == pytest.approx(
            evaluate(expected, point), abs=SYMBOLIC_TOL, rel=SYMBOLIC_TOL
        ), (
            f"{case.var} = {solution.strategies[case.var]} differs from {case.expected} at {point}"
            f" (warnings: {solution.warnings})"
        )


def test_symbolic_solve_keeps_the_numbers() -> None:
    # The closed-form solve reports the same path as the numeric one: Stackelberg defaults
    # qL = 4, qF = 2 (a=10, b=1, c=2, s=0), methods all symbolic.
    s = gamedsl.load(spec_path("stackelberg")).solve(symbolic=True)
    assert_close(s.equilibrium["qL"], 4.0, "qL")
    assert_close(s.equilibrium["qF"], 2.0, "qF")
    assert [stage.method for stage in s.stages] == ["symbolic", "symbolic"]
    assert math.isclose(s.payoffs["L"], 8.0, abs_tol=ABS_TOL)
