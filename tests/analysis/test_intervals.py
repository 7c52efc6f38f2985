"""Interval enclosures of closed forms (`analysis/intervals.py`): every value an expression takes
at a point of the box lies in its enclosure; unknown where an expression is undefined somewhere
in the box or holds an operation the enclosures do not cover."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gamedsl.analysis.intervals import enclosure, size

a, b, c = sympy.symbols("a b c", real=True)
SYMBOLS = (a, b, c)

# expressions of the kinds closed forms hold: polynomials, quotients, roots, exp/log, min/max
EXPRS = [
    a - c,
    (a - c) ** 2 / (9 * b),
    (a / 3 - c / 3) * (a - c) / (3 * b),
    a * b - b * a + c,  # sympy folds it to c
    (a - b) * (a + b) - c**3,
    sympy.sqrt(b) * a - 1 / b**2,
    b ** sympy.Rational(3, 2) + b**-0.5,
    sympy.exp(a - c) - sympy.log(b),
    sympy.Abs(a - c) + sympy.Min(a, c) - sympy.Max(b, 2 * c),
    -(a**3) / 7 + sympy.Rational(1, 3) * c,
]

interval = st.tuples(st.floats(-50, 50, allow_nan=False), st.floats(0, 40, allow_nan=False)).map(
    lambda t: (t[0], t[0] + t[1])
)
positive = st.tuples(st.floats(0.01, 20), st.floats(0, 20)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=150, deadline=None)
@given(
    box=st.tuples(interval, positive, interval),
    where=st.lists(st.floats(0, 1), min_size=9, max_size=9),
)
# values below the normal floats (a - c squared at 1e-155): rounding there is not relative
@example(
    box=((0.0, 0.0), (0.03125, 0.03125), (5.701330393202794e-156, 5.701330393202794e-156)),
    where=[0.0] * 9,
)
def test_every_value_at_a_point_of_the_box_lies_in_the_enclosure(box, where):
    ivs = enclosure(EXPRS, SYMBOLS)(box)
    assert ivs is not None  # every expression is defined and finite on such boxes
    # the corners, the middle and random points of the box
    ts = [
        (0, 0, 0),
        (1, 1, 1),
        (0, 1, 0),
        (1, 0, 1),
        (0.5, 0.5, 0.5),
        tuple(where[0:3]),
        tuple(where[3:6]),
        tuple(where[6:9]),
    ]
    for t in ts:
        point = {s: lo + ti * (hi - lo) for s, (lo, hi), ti in zip(SYMBOLS, box, t)}
        for e, (lo, hi) in zip(EXPRS, ivs):
            v = float(e.xreplace({s: sympy.Float(x, 30) for s, x in point.items()}).evalf(30))
            assert lo <= v <= hi, (e, box, point, v, (lo, hi))


def test_a_point_box_encloses_the_exact_value_tightly():
    ivs = enclosure([(a - c) ** 2 / (9 * b), a - a * 1.0], SYMBOLS)([(10, 10), (1, 1), (1, 1)])
    (lo, hi), (zlo, zhi) = ivs
    assert lo <= 9 <= hi and hi - lo < 1e-12
    assert zlo <= 0 <= zhi and zhi - zlo < 1e-12


def test_a_variable_met_twice_counts_twice():
    # x*(x - 1) + x = x^2 over [0, 1] is in [0, 1]; plain interval arithmetic treats the three
    # x as independent: [0, 1]*[-1, 0] + [0, 1] = [-1, 1], an upper bound, not a tight one
    x = sympy.Symbol("x")
    ((lo, hi),) = enclosure([x * (x - 1) + x], [x])([(0.0, 1.0)])
    assert lo < -0.9 and hi >= 1


@pytest.mark.parametrize(
    ("expr", "box"),
    [
        (1 / b, [(0, 0), (-1, 1), (0, 0)]),  # a division by an interval holding 0
        (sympy.sqrt(b), [(0, 0), (-1, 1), (0, 0)]),  # a root of a negative number
        (sympy.log(b), [(0, 0), (0, 1), (0, 0)]),  # log 0
        (sympy.exp(a), [(0, 1000), (1, 1), (0, 0)]),  # an overflow
        (a**400 * b**400, [(1e3, 1e3), (1e3, 1e3), (0, 0)]),  # an overflow in a product
        (sympy.Piecewise((a, a > 0), (b, True)), [(0, 1), (0, 1), (0, 0)]),  # pieces
        (b**a, [(1, 2), (1, 2), (0, 0)]),  # a symbolic exponent
        (sympy.sin(a), [(0, 1), (0, 1), (0, 0)]),  # a function not covered
        (a + sympy.Symbol("elsewhere"), [(0, 1), (0, 1), (0, 0)]),  # a symbol not in the box
    ],
)
def test_unknown_enclosures(expr, box):
    assert enclosure([c, expr], SYMBOLS)(box) is None


def test_the_generated_code_holds_nothing_from_the_spec():
    # a symbol's name never enters the generated program (positions in the box do)
    odd = sympy.Symbol("__import__('os').system('exit 3')")
    ((lo, hi),) = enclosure([2 * odd + 1], [odd])([(1.0, 2.0)])
    assert lo <= 3 and hi >= 5 and hi - lo < 2 + 1e-9


def test_size_counts_distinct_nodes():
    assert size([a - c, (a - c) ** 2]) == size([(a - c) ** 2])
    assert size([a]) == 1
    assert math.isfinite(size(EXPRS))
    assert np.all(np.array([size([e]) for e in EXPRS]) > 0)
