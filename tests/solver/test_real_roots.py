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
    e = (x - sympy.Rational(1, 4)) * (x - sympy.Rational(3, 5)) / (x + 2) - sympy.Float(0.1) / (
        x + 2
    )
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
    monkeypatch.setattr(cands, "numeric_roots", lambda e, x: None)  # sympy's path
    e = x**6 - sympy.Float(1.5) * x**3 + sympy.Float(0.25) * x - sympy.Float(0.1)
    with pytest.raises(cands.Incomplete):
        cands.real_roots(e, x)


def test_numbers_only_roots_agree_with_exact_ones():
    # a product of known simple roots, expanded with float coefficients and split over a shared
    # denominator: the numeric roots are the exact ones to rounding (Newton-polished)
    roots = [
        sympy.Rational(-7, 3),
        sympy.Rational(1, 7),
        sympy.Rational(5, 11),
        sympy.Rational(13, 4),
        sympy.Rational(41, 10),
    ]
    poly = sympy.expand(sympy.Mul(*[(x - r) for r in roots]))
    terms = [sympy.Float(c) * x**k / (x**2 + 1) for (k,), c in sympy.Poly(poly, x).terms()]
    e = sympy.Add(*terms)
    got = cands.numeric_roots(e, x)
    assert len(got) == len(roots)
    for r in roots:
        assert min(abs(float(g) - float(r)) for g in got) < 1e-13 * (1 + abs(float(r)))


def test_numbers_only_double_roots_are_exact_clustered_ones_go_to_sympy():
    # a double root (a tangency) comes out of np.roots as a close pair, 1e-8 apart: it is the
    # derivative's simple root where the numerator vanishes to rounding, exact again
    double = (x - sympy.Rational(3, 10)) ** 2 * (x - 2) / (x - 5)
    got = sorted(float(g) for g in cands.numeric_roots(double, x))
    assert any(abs(g - 0.3) < 1e-15 for g in got) and any(abs(g - 2.0) < 1e-15 for g in got)
    assert not any(abs(g - 5.0) < 1e-6 for g in got)
    # simple roots closer than float64 can tell apart, or a triple root, are ill-conditioned:
    # sympy's exact arithmetic decides (and real_roots still finds them exactly)
    assert cands.numeric_roots((x - sympy.Rational(1, 7)) ** 3 * (x + 1), x) is None
    r = [sympy.Rational(1, 3) + k * sympy.Rational(1, 10**6) for k in range(3)]
    cluster = sympy.expand((x - r[0]) * (x - r[1]) * (x - r[2]))
    assert cands.numeric_roots(cluster, x) is None
    got = _real(cands.real_roots(cluster, x))
    for root in r:
        assert min(abs(g - float(root)) for g in got) < 1e-14
    wilkinson = sympy.expand(sympy.Mul(*[(x - k) for k in range(1, 21)]))
    assert cands.numeric_roots(wilkinson, x) is None
    # a pole shared with nothing, a simple root, no complex roots
    simple = (x - 2) * (x + sympy.Float(0.5)) / (x - 5)
    assert sorted(float(g) for g in cands.numeric_roots(simple, x)) == [-0.5, 2.0]
    assert cands.numeric_roots(x**2 + 1, x) == []


def test_numbers_only_roots_merge_with_the_fraction_they_round():
    # 0.49/0.7 is 0.7000000000000001 in floats: it is 7/10, as the same candidate found exactly
    # would be (structural duplicates merge; a few ulps apart they would not)
    assert 0.49 / 0.7 != 0.7
    assert cands.numeric_roots(sympy.Float(0.7) * x - sympy.Float(0.49), x) == [
        sympy.Rational(7, 10)
    ]
    assert cands.numeric_roots(3 * x - 1, x) == [sympy.Rational(1, 3)]
    # a root that is no simple fraction stays a float
    (r,) = [g for g in cands.numeric_roots(x**2 - 2, x) if g > 0]
    assert isinstance(r, sympy.Float) and abs(float(r) - 2**0.5) < 1e-15


def test_numbers_only_roots_outside_float64_go_to_sympy():
    # coefficients that overflow or underflow float64 are not rounded into wrong roots
    assert cands.numeric_roots(sympy.Float("1e-400") * x - sympy.Float("3e-400"), x) is None
    assert _real(cands.real_roots(sympy.Float("1e-400") * x - sympy.Float("3e-400"), x)) == [3.0]
    big = sum(1 / (10**6 * x - k) for k in range(1, 61))
    assert cands.numeric_roots(big, x) is None
    assert cands.numeric_roots((sympy.Float("1e200") * x + 1) ** 2 - 1, x) is None


def test_numbers_only_roots_decline_what_is_not_rational_in_the_choice():
    # x under a root or a function, or a complex number: sympy's path decides
    assert cands.numeric_roots(sympy.sqrt(x) - 1, x) is None
    assert cands.numeric_roots(sympy.exp(x) - 2, x) is None
    assert cands.numeric_roots(x - sympy.I, x) is None
    assert _real(cands.real_roots(sympy.sqrt(x) - sympy.Float(0.5), x)) == [0.25]


def test_the_exact_form_of_a_numeric_root_is_the_radical_it_rounds():
    # the plays use the float; the strategies report the root as sympy writes it exactly
    e = x**2 - sympy.Rational(2, 3) * x - sympy.Rational(1, 5)
    pos = max(cands.real_roots(e, x), key=float)
    assert isinstance(pos, sympy.Float)
    want = sympy.Rational(1, 3) + sympy.sqrt(sympy.Rational(14, 45))
    got = cands.exact_form(pos)
    assert not isinstance(got, sympy.Float)
    assert sympy.simplify(got - want) == 0
    assert cands.exact_form(sympy.Float(0.25)) == sympy.Float(0.25)  # not a root found: as it is
    assert cands.exact_form(x + 1) == x + 1
