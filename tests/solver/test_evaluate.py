"""Vectorised evaluation: closed forms that repeat their parts are computed with the parts shared
(sympy's cse), with the values of the plain tree."""

import importlib
import inspect

import numpy as np
import sympy

from gamedsl.solver.evaluate import evaluate

ev = importlib.import_module("gamedsl.solver.evaluate")

a, b, x = sympy.symbols("a b x")


def _composed(depth: int) -> sympy.Expr:
    """A best response substituted into itself: the tree doubles at each level."""
    e = (a - x) / (2 * b)
    for _ in range(depth):
        e = (a - e) / (2 * b) + sympy.sqrt(1 + e**2) - e * a
    return e


def test_sizes_counts_tree_and_distinct_nodes():
    e = _composed(4)
    tree, distinct = ev.tree_sizes((e,))
    assert tree == sum(1 for _ in sympy.preorder_traversal(e))
    assert tree > ev.CSE_ABOVE and distinct < tree / 4  # the repeats that make sharing worthwhile


def test_shared_parts_give_the_plain_values():
    e = _composed(4)
    exprs = (e, e**2 - a, sympy.Piecewise((e, x > 0.5), (-e, True)))
    rng = np.random.default_rng(1)
    env = {a: rng.uniform(0.5, 2, 200), b: rng.uniform(0.5, 2, 200), x: rng.uniform(0, 1, 200)}
    got = evaluate(exprs, env, 200)
    plain = sympy.lambdify((a, b, x), list(exprs), modules=["numpy"])(env[a], env[b], env[x])
    for g, p in zip(got, plain):
        np.testing.assert_allclose(g, p, rtol=1e-12)
    # and at one point, against sympy's own evaluation
    i = 7
    sub = {a: env[a][i], b: env[b][i], x: env[x][i]}
    for g, e_ in zip(got, exprs):
        assert abs(g[i] - float(e_.evalf(subs=sub))) <= 1e-9 * (1 + abs(g[i]))


def _shares(exprs) -> bool:
    """Return True when the compiled function computes common parts first (cse0 = ...)."""
    syms = tuple(sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name))
    return "cse0 = " in inspect.getsource(ev._compile(tuple(exprs), syms))


def test_large_repeated_trees_are_shared_small_ones_are_not():
    assert _shares((_composed(4),))
    assert not _shares((a * x + b, (a - x) ** 2))
    assert (
        evaluate([a * x + b], {a: np.array([2.0]), b: np.array([1.0]), x: np.array([3.0])}, 1)[0][0]
        == 7.0
    )


def test_select_is_numpys_select():
    # the first true condition's choice, the default where none holds; literal True/False
    # conditions (a Piecewise's otherwise) and scalar choices broadcast as numpy's do
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=50), rng.normal(size=50)
    conds = [u > 0, v > 0, u > v]
    choices = [u, 2 * v, 3.0]
    np.testing.assert_array_equal(
        ev.select(conds, choices, default=np.nan), np.select(conds, choices, default=np.nan)
    )
    np.testing.assert_array_equal(
        ev.select([u > 0, True], [u, 0], default=np.nan),
        np.select([u > 0, True], [u, 0], default=np.nan),
    )
    np.testing.assert_array_equal(
        ev.select([False, v > 0], [u, v], default=-1.0),
        np.select([np.zeros(50, bool), v > 0], [u, v], default=-1.0),
    )
    # and inside a lambdified Piecewise with overlapping pieces
    e = sympy.Piecewise((x, x > 0.5), (2 * x, x > 0.25), (-x, True))
    xs = rng.uniform(0, 1, 40)
    got = evaluate([e], {x: xs}, 40)[0]
    np.testing.assert_allclose(got, np.where(xs > 0.5, xs, np.where(xs > 0.25, 2 * xs, -xs)))
