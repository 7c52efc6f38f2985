"""Switches reduced to their factors: the factors' signs decide every switch's sign (cells of
factors are as fine as cells of switches), a factor of constant sign decides nothing, and a
switch's nearness to zero is bounded by its factors' measures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy

from gamedsl.language import load_game
from gamedsl.solver import build_plans
from gamedsl.solver.compiled import (
    NEAR_TOL,
    SwitchFactors,
    closeness,
    factor_switches,
    lambdify,
    states,
)
from gamedsl.solver.problem import build_problem

SPECS = Path(__file__).resolve().parents[2] / "specs"
x, y, z = sympy.symbols("x y z", real=True)


def _by_expr(f: SwitchFactors) -> dict:
    return {
        e: (bool(c), float(k), int(d)) for e, c, k, d in zip(f.exprs, f.in_cells, f.coeff, f.degree)
    }


def test_common_factors_are_found_once_with_content_and_sign_removed():
    f = factor_switches([2 * x - 2 * y, (y - x) * z / 3, x**2 - 2 * x * y + y**2, sympy.Integer(4)])
    got = _by_expr(f)
    assert set(got) == {x - y, z} or set(got) == {y - x, z}  # one of f, -f (either sign)
    (xy,) = [e for e in got if e != z]
    # the measure of x - y is that of the switch that makes it near zero first: c*|f|^d with
    # (c, d) = (2, 1) from 2x - 2y, (1/3, 2) from (y - x) z / 3, (1, 2) from (x - y)^2; at
    # NEAR_TOL the thresholds are 5e-8, 5.5e-4, 3.2e-4: (1/3, 2)
    assert got[xy][1] == pytest.approx(1 / 3) and got[xy][2] == 2
    assert all(v[0] for v in got.values())  # no constant predicate: every factor in the cells


def test_constant_factors_leave_the_cells_but_still_bound_nearness():
    # z > 0 everywhere (say): it selects nothing; as a numerator factor it can still bring a
    # switch near zero, as a denominator only it cannot and is not evaluated at all
    f = factor_switches([x * z, y / z], constant=lambda e: e == z)
    got = _by_expr(f)
    assert got[z][0] is False and got[z][1] > 0
    assert got[x][0] and got[y][0]
    g = factor_switches([y / z], constant=lambda e: e == z)
    assert set(g.exprs) == {y}


def test_roots_and_identically_zero_switches():
    f = factor_switches([sympy.sqrt(x) - 0 * y, x - x])
    assert f.exprs == (x,)  # the root's zeros and undefined values are its argument's signs


def test_budget_exhausted_falls_back_to_the_switches_themselves(monkeypatch):
    from gamedsl.solver import compiled

    def expire(e):
        raise compiled.BudgetExceeded()

    monkeypatch.setattr(compiled, "_factors", expire)
    s = [x * y, x + y]
    f = factor_switches(s)
    assert f.exprs == tuple(s) and f.in_cells.all() and (f.coeff == 1).all()


def test_closeness_is_the_measure_of_the_nearest_factor_ignoring_zeros_and_nan():
    f = SwitchFactors(
        (x, y),
        np.array([True, True]),
        np.array([2.0, 0.5]),
        np.array([1, 2]),
        np.array([False, False]),
    )
    F = np.array([[1e-3, 0.0, np.nan, 3.0], [1e-2, 1.0, 2.0, np.nan]])
    got = closeness(F, f, np.ones(4))
    np.testing.assert_allclose(got, [min(2e-3, 0.5e-4), 0.5, 2.0, 6.0])
    # a zero divisor: the switch it divides is undefined there (inf or nan): near
    g = factor_switches([x / y])
    G = (
        np.array([[1.0, 1.0], [0.0, 2.0]])
        if g.exprs == (x, y)
        else np.array([[0.0, 2.0], [1.0, 1.0]])
    )
    np.testing.assert_allclose(closeness(G, g, np.ones(2)), [0.0, 1.0])


@pytest.mark.parametrize(
    "name",
    [
        "cournot_tax",
        "cournot_capacity",
        "threshold_penalty",
        "entry_deterrence",
        "invest_coordination",
        "stackelberg",
    ],
)
def test_cells_of_factors_refine_cells_of_switches(name):
    # the property the reduction rests on: two points with the same factor states have the
    # same switch states (so one piece per cell of factors still holds)
    game = load_game(str(SPECS / f"{name}.game"))
    plans = build_plans(build_problem(game, {}, symbolic=True))
    top = plans[0]
    assert top.switches, name
    syms = sorted(set().union(*(s.free_symbols for s in top.switches)), key=lambda s: s.name)
    f = factor_switches(top.switches)
    rng = np.random.default_rng(7)
    n = 4000
    # points on a coarse lattice hit zeros of the switches too (equalities, boundaries)
    args = [rng.integers(-6, 7, n) / 2.0 for _ in syms]
    # ... and half of them moved off by 1e-9 (switches near zero, not at it)
    args = [np.where(np.arange(n) % 2 == 0, a, a + 1e-9 * rng.choice([-1.0, 1.0], n)) for a in args]
    with np.errstate(all="ignore"):
        S = np.array(
            [
                np.broadcast_to(np.asarray(v, float), (n,))
                for v in lambdify(syms, top.switches)(*args)
            ]
        )
        F = np.array(
            [
                np.broadcast_to(np.asarray(v, float), (n,))
                for v in lambdify(syms, list(f.exprs))(*args)
            ]
        )
    scale = 1.0 + np.max(np.abs(np.array(args)), axis=0)
    sp, sz, _ = states(S, scale + np.nanmax(np.abs(S), axis=0, initial=0))
    fp, fz, _ = states(F, scale)
    cell_of = {}
    # points near a switch's zero (by the factors' measures) are played exactly, and so are
    # those where a divisor is zero (the switch is inf or nan as written): the others are
    # decided by their cell
    decided = closeness(F, f, scale) > NEAR_TOL * scale
    assert decided.sum() > n // 3, name
    for i in np.nonzero(decided)[0]:
        key = (fp[:, i].tobytes(), fz[:, i].tobytes())
        want = (sp[:, i].tobytes(), sz[:, i].tobytes())
        assert cell_of.setdefault(key, want) == want, (name, i)
    # and a switch near zero has a factor whose measure is near zero too (ties are played)
    near_switch = np.min(np.where(sz, np.inf, np.abs(S)), axis=0) <= NEAR_TOL * scale
    assert near_switch.sum() > 50, name
    assert (closeness(F, f, scale)[near_switch] <= NEAR_TOL * scale[near_switch]).all()
