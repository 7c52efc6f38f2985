"""Roots for a player's deviations (`candidates.deviation_roots`, `distinct_values`): evaluated,
never simplified, so they must hold every real root of the switch at every point, and
duplicates written differently are dropped only when they are the same function."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from gamedsl.solver import candidates as cands
from gamedsl.solver.evaluate import evaluate

x, a, b, c = sympy.symbols("x a b c", real=True)
RNG = np.random.default_rng(7)


def _roots_at(exprs, point) -> list[float]:
    env = {s: np.array([v]) for s, v in point.items()}
    vals = [float(v[0]) for v in evaluate(exprs, env, 1)]
    return [v for v in vals if np.isfinite(v)]


@pytest.mark.parametrize(
    "expr",
    [
        # a payoff difference between two later pieces: quadratic in x, unexpanded coefficients
        (a - b * x) * x / (1 + c**2) - ((a + c) * x - x**2 / 2) * (b - c) ** 2 + a * c,
        (x - a) * (x + b) * (1 + c**2),
        3 * x - a * (b + c),
        (x + a) ** 2 - x**2 - b,  # degree 2 as written, linear in fact: the root is (b - a^2)/(2a)
    ],
)
def test_every_real_root_is_among_the_deviation_roots(expr):
    roots = cands.deviation_roots(expr, x)
    for _ in range(25):
        point = {a: RNG.uniform(0.2, 3), b: RNG.uniform(0.2, 3), c: RNG.uniform(-2, 2)}
        poly = sympy.Poly(
            sympy.expand(expr.xreplace({s: sympy.Float(v) for s, v in point.items()})), x
        )
        want = [
            r.real for r in np.roots([float(k) for k in poly.all_coeffs()]) if abs(r.imag) < 1e-9
        ]
        got = _roots_at(roots, point)
        for r in want:
            assert any(abs(r - g) <= 1e-7 * (1 + abs(r)) for g in got), (expr, point, want, got)


def test_no_expansion_of_large_coefficients():
    # a quadratic whose coefficients are products of long sums: Poly would expand them; the
    # derivatives at 0 leave them as they are (the roots stay small trees)
    big = sympy.Mul(*[sum(sympy.Symbol(f"p{i}{j}") for j in range(6)) for i in range(6)])
    roots = cands.deviation_roots(big * x**2 - (a + b) * x - c, x)
    assert len(roots) == 2  # the leading coefficient is surely nonzero: no linear root
    assert all(sympy.count_ops(r) < 400 for r in roots)


def test_other_forms_fall_back_to_real_roots():
    assert cands.deviation_roots(x / (x + a) - b, x) == cands.real_roots(x / (x + a) - b, x)
    assert cands.deviation_roots(a + b, x) == []


def test_distinct_values_drops_the_same_function_written_twice():
    same = [(a + b) ** 2, a**2 + 2 * a * b + b**2, (a - b) ** 2, (a + b) * (b + a) + c - c]
    assert cands.distinct_values(same) == [(a + b) ** 2, (a - b) ** 2]
    # what cannot be probed (not finite at the probes) is kept, even twice
    assert cands.distinct_values([1 / (a - b + b - a), 1 / (c - c)]) == [
        1 / (a - b + b - a),
        1 / (c - c),
    ]
