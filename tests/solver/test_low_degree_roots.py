"""Roots of polynomials of degree 1 and 2 in a choice with symbolic coefficients, found without
expanding the coefficients over the params (candidates._quadratic_roots): the roots must be the
exact ones, a double root written once, and anything the shortcut cannot vouch for left to the
exact polynomial."""

from __future__ import annotations

import itertools

import sympy

from gamedsl.solver import candidates as cands

x = sympy.Symbol("x", real=True)
a, b, c = sympy.symbols("a b c", positive=True)

POINTS = [{a: 1.3, b: 0.4, c: 2.2}, {a: 0.7, b: 1.9, c: 0.35}, {a: 2.6, b: 1.1, c: 1.7}]


def _values(roots, at):
    return sorted(complex(r.xreplace({k: sympy.Float(v) for k, v in at.items()}).evalf()).real for r in roots)


def test_degree_is_bounded_from_the_tree():
    assert cands._degree_bound((x + a) * (x - b) / (a + b), x) == 2
    assert cands._degree_bound((x + a) ** 2 * (c * x - 1), x) == 3
    assert cands._degree_bound(a * b + c, x) == 0
    assert cands._degree_bound(sympy.sqrt(x) + a, x) is None
    assert cands._degree_bound(1 / (x + a), x) is None


def test_quadratic_with_symbolic_coefficients_gives_both_roots():
    e = (c * x - a) * (x + b - 2 * c) * (a + b)  # an unexpanded product
    roots = cands._quadratic_roots(e, x)
    assert roots is not None and len(roots) == 2
    for at in POINTS:
        want = sorted([at[a] / at[c], 2 * at[c] - at[b]])
        got = _values(roots, at)
        assert all(abs(g - w) <= 1e-12 * (1 + abs(w)) for g, w in zip(got, want)), (got, want)


def test_linear_root_and_a_double_root_written_once():
    lin = cands._quadratic_roots((a + b) * (x - c) + b * (c - x) - a * c + a * x, x)
    assert lin is not None and len(lin) == 1
    for at in POINTS:
        assert abs(_values(lin, at)[0] - at[c]) < 1e-12
    double = cands._quadratic_roots(c * (x - a - b) ** 2, x)
    assert double is not None and len(double) == 1
    for at in POINTS:
        assert abs(_values(double, at)[0] - (at[a] + at[b])) < 1e-12


def test_a_leading_coefficient_zero_only_after_expansion_is_left_to_the_exact_polynomial():
    # (a + 1)^2 - a^2 - 2a - 1 = 0: the equation is linear, x = b
    e = ((a + 1) ** 2 - a**2 - 2 * a - 1) * x**2 + x - b
    assert cands._quadratic_roots(e, x) is None
    roots = cands.real_roots(e, x)
    assert roots == [b]


def test_zero_probe_never_calls_a_nonzero_expression_zero():
    assert cands._zero_at_random_points((a + 1) ** 2 - a**2 - 2 * a - 1)
    assert cands._zero_at_random_points(sympy.Integer(0))
    for e in [a - b, (a - b) ** 2 * 1e-12, a * b - c + 1, sympy.sqrt(a) - sympy.sqrt(b) + 1e-9]:
        assert not cands._zero_at_random_points(e), e


def test_real_roots_agree_with_sympy_solve_on_random_quadratics():
    # independent check: sympy.solve on the expanded polynomial, at several param points
    rng = iter(itertools.cycle([1, -2, 3, -1, 2, 5, -3, 4]))
    for _ in range(6):
        p, q, r = next(rng), next(rng), next(rng)
        e = (p * a + b) * x**2 + (q * b - c) * x + r * a * c - b
        got = cands.real_roots(e, x)
        want = sympy.solve(sympy.expand(e), x)
        for at in POINTS:
            gv = [complex(g.xreplace({k: sympy.Float(v) for k, v in at.items()}).evalf()) for g in got]
            wv = [complex(w.xreplace({k: sympy.Float(v) for k, v in at.items()}).evalf()) for w in want]
            gv = sorted(gv, key=lambda z: (round(z.real, 9), round(z.imag, 9)))
            wv = sorted(wv, key=lambda z: (round(z.real, 9), round(z.imag, 9)))
            assert len(gv) == len(wv)
            assert all(abs(g - w) <= 1e-9 * (1 + abs(w)) for g, w in zip(gv, wv)), (e, at, gv, wv)
