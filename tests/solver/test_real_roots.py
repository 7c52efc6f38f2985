"""Roots of switching expressions with numbers only (a first step at param values)."""

import mpmath
import pytest
import sympy

from gamedsl.solver import candidates as cands

x = sympy.Symbol("x")


def _real(values):
    return sorted(float(v) for v in values if sympy.sympify(v).is_real is not False)


def test_numbers_only_rational_expression_roots():
    # ((x - 1/4)(x - 3/5) - 1/10) / (x + 2): roots of x^2 - 0.85x + 0.05 (hand: 0.85/2 +- sqrt(0.5225)/2); the pole
    # x = -2 is not a root
    e = (x - sympy.Rational(1, 4)) * (x - sympy.Rational(3, 5)) / (x + 2) - sympy.Float(0.1) / (x + 2)
    got = _real(cands.real_roots(e, x))
    for r in (0.425 + 0.5225**0.5 / 2, 0.425 - 0.5225**0.5 / 2):
        assert any(abs(g - r) < 1e-12 for g in got)
    assert not any(abs(g + 2) < 1e-9 for g in got)


def test_numbers_only_sum_of_fractions_linear():
    # 1/(2*(1 + 0.5)) - x/3 = 0  ->  x = 1
    e = 1 / (2 * (1 + sympy.Float(0.5))) - x / 3
    got = _real(cands.real_roots(e, x))
    assert any(abs(g - 1.0) < 1e-12 for g in got)


def test_many_fractions_over_common_factors():
    # the cancelled numerator (together) is linear: one root, no root of the denominator
    e = sum((x - k) / (x + 3) ** 2 for k in range(1, 6)) / (x + 3) ** 3
    got = _real(cands.real_roots(e, x))
    assert any(abs(g - 3.0) < 1e-9 for g in got)
    assert not any(abs(g + 3.0) < 1e-6 for g in got)


def test_numeric_roots_that_do_not_converge_hand_over(monkeypatch):
    def fail(self, *a, **k):
        raise mpmath.libmp.libhyper.NoConvergence("no")

    monkeypatch.setattr(sympy.Poly, "nroots", fail)
    e = x**6 - sympy.Float(1.5) * x**3 + sympy.Float(0.25) * x - sympy.Float(0.1)
    with pytest.raises(cands.Incomplete):
        cands.real_roots(e, x)
