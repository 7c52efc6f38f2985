"""Symbolic candidates for a step's equilibrium, as expressions of the history.

The maximiser of a piecewise-smooth payoff over an interval lies at a bound, at a breakpoint
(a boundary of a piece — an Iverson bracket, an `if`, a kink of min/max/abs, or a point where a
later stage's play switches) or at a stationary point of a piece.  We collect all of these as
sympy expressions of the earlier choices (and of the params when solving symbolically).  Extra
candidates are harmless — the solver evaluates the true payoff at each and keeps the best — so
the set only has to contain the maximiser.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction

import mpmath
import numpy as np
import sympy
from numpy.polynomial import polynomial as P
from sympy.core.relational import Relational
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.matrices.exceptions import NonInvertibleMatrixError
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.exceptions import DMError

from gamedsl.solver.budget import BudgetExceeded, time_budget

MAX_ROOTS_PER_EQUATION = 8


class Incomplete(Exception):
    """The symbolic step could not produce a complete candidate set."""


def make_piecewise(pairs: Sequence[tuple[sympy.Expr, sympy.Basic]]) -> sympy.Expr:
    """Return Piecewise(*pairs) without sympy's (slow) canonicalisation; decided pieces pruned."""
    kept = []
    for value, cond in pairs:
        if cond is sympy.false or cond == sympy.false:
            continue
        kept.append((value, cond))
        if cond is sympy.true or cond == sympy.true:
            break
    if not kept:
        return sympy.nan
    if kept[0][1] is sympy.true or kept[0][1] == sympy.true:
        return kept[0][0]
    if all(v == kept[0][0] for v, _ in kept) and (kept[-1][1] == sympy.true):
        return kept[0][0]
    # built directly: sympy's constructor rewrites conditions that contain a Piecewise (slow)
    pairs_ = [sympy.Tuple.__new__(ExprCondPair, v, c) for v, c in kept]
    return sympy.Basic.__new__(sympy.Piecewise, *pairs_)


def replace(expr: sympy.Basic, mapping: dict) -> sympy.Basic:
    """Return expr with symbols replaced (like xreplace), rebuilding Piecewise cheaply."""
    if not mapping or not isinstance(expr, sympy.Basic):
        return expr
    keys = set(mapping)
    memo: dict = {}

    def rec(e):
        if e in mapping:
            return mapping[e]
        if not e.args:
            return e
        key = id(e)
        if key in memo:
            return memo[key][1]
        if isinstance(e, sympy.Piecewise):
            pairs = [(rec(pair.expr), rec(pair.cond)) for pair in e.args]
            out = make_piecewise(pairs)
        else:
            args = [rec(a) for a in e.args]
            if all(a is b for a, b in zip(args, e.args)):
                out = e
            else:
                out = e.func(*args)
        memo[key] = (e, out)
        return out

    if all(isinstance(k, sympy.Symbol) for k in keys) and not (expr.free_symbols & keys):
        return expr
    return rec(expr)


def smooth_pieces(expr: sympy.Expr, limit: int = 256) -> list[sympy.Expr]:
    """Return the smooth pieces of a piecewise expression (min/max/abs rewritten as pieces).

    Each Piecewise is replaced by each of its branch values in turn (conditions are ignored:
    extra pieces only add candidates).
    """
    e = expr
    if e.has(sympy.Min, sympy.Max, sympy.Abs, sympy.Heaviside, sympy.sign):
        e = e.replace(lambda a: isinstance(a, (sympy.Min, sympy.Max, sympy.Abs, sympy.Heaviside, sympy.sign)),
                      _as_piecewise)
    out: list[sympy.Expr] = []
    todo = [e]
    while todo:
        cur = todo.pop()
        pws = [a for a in sympy.preorder_traversal(cur) if isinstance(a, sympy.Piecewise)]
        if not pws:
            out.append(cur)
        else:
            pw = pws[0]
            for pair in pw.args:
                todo.append(replace(cur, {pw: pair.expr}))
        if len(out) + len(todo) > limit:
            raise Incomplete("too many pieces")
    return unique(out)


def _as_piecewise(a: sympy.Basic) -> sympy.Basic:
    """Return min/max/abs/sign/Heaviside as an (unevaluated) Piecewise."""
    if isinstance(a, sympy.Abs):
        x = a.args[0]
        return make_piecewise([(x, x >= 0), (-x, sympy.true)])
    if isinstance(a, (sympy.Min, sympy.Max)):
        args = list(a.args)
        pairs = []
        for i, x in enumerate(args):
            others = [y for j, y in enumerate(args) if j != i]
            cmp = [(x <= y) if isinstance(a, sympy.Min) else (x >= y) for y in others]
            pairs.append((x, sympy.And(*cmp)))
        pairs[-1] = (pairs[-1][0], sympy.true)
        return make_piecewise(pairs)
    if isinstance(a, sympy.sign):
        x = a.args[0]
        return make_piecewise([(1, x > 0), (-1, x < 0), (0, sympy.true)])
    x = a.args[0]
    return make_piecewise([(1, x > 0), (0, sympy.true)])


def relational_boundaries(expr: sympy.Basic, x: sympy.Symbol) -> list[sympy.Expr]:
    """Return lhs - rhs for every comparison in `expr` that involves `x` (its breakpoints)."""
    e = expr
    if e.has(sympy.Min, sympy.Max, sympy.Abs, sympy.Heaviside, sympy.sign):
        e = e.replace(lambda a: isinstance(a, (sympy.Min, sympy.Max, sympy.Abs, sympy.Heaviside, sympy.sign)),
                      _as_piecewise)
    out = []
    for rel in e.atoms(Relational):
        if rel.has(x):
            out.append(rel.lhs - rel.rhs)
    return out


def real_roots(expr: sympy.Expr, x: sympy.Symbol, numeric: bool = True) -> list[sympy.Expr]:
    """Return the roots of expr = 0 in x as expressions (raise Incomplete if sympy cannot)."""
    if not expr.has(x):
        return []
    if expr.has(sympy.Piecewise, sympy.Min, sympy.Max, sympy.Abs):
        pieces = smooth_pieces(expr)
        if len(pieces) > 1 or pieces[0] != expr:
            out: list[sympy.Expr] = []
            for piece in pieces:
                out.extend(real_roots(piece, x, numeric))
            return unique(out)
    if numeric and expr.free_symbols == {x}:
        # numbers only (the first step at param values): numpy, not sympy's rational algebra
        # (the exact form of the root a step plays is found once it is known: `exact_form`)
        found = numeric_roots(expr, x)
        if found is not None:
            if len(_FOUND) > MAX_FOUND:
                _FOUND.clear()
            for r in found:
                if isinstance(r, sympy.Float):
                    _FOUND.setdefault(r, (expr, x))
            return found
    # linear in x (common for switching conditions): root = -f(0)/f' without simplification
    # (with numbers only, the polynomial below is as quick and the derivative is not)
    if expr.free_symbols != {x}:
        slope = sympy.diff(expr, x)
        if not slope.has(x):
            if slope == 0:
                return []
            return [-cands_replace_zero(expr, x) / slope]
    # the numerator from `together`, not the plain `as_numer_denom`: the latter's expanded
    # numerator loses the roots to rounding on large differences of payoffs (docs/solver.md,
    # "Symbolic candidates"; tests/stdlib/test_fm_openness_dynamic.py holds a case)
    num, _den = sympy.fraction(sympy.together(expr))
    if not num.has(x):
        return []
    poly_roots = _polynomial_roots(num, x)
    if poly_roots is not None:
        return poly_roots
    if not (num.free_symbols - {x}) and _transcendental_in(num, x):
        # numbers only: a root in closed form (LambertW, ...) would only be evaluated again;
        # sympy's transcendental solvers take seconds to say so, the numeric search far less
        raise Incomplete(f"{num} = 0 is transcendental in {x}: solved numerically")
    try:
        sols = sympy.solve(num, x, dict=False, rational=False)
    except BudgetExceeded:
        raise
    except Exception as exc:  # sympy raises many types for "cannot solve"
        raise Incomplete(f"cannot solve {num} = 0 for {x}: {exc}") from exc
    out = []
    for s in sols:
        if isinstance(s, (tuple, dict)):
            raise Incomplete("unexpected solution form")
        if s.has(sympy.RootOf, sympy.CRootOf) or s.has(sympy.Integral):
            raise Incomplete(f"no closed-form root of {num} in {x}")
        if s.is_real is False:
            continue
        out.append(s)
    if len(out) > MAX_ROOTS_PER_EQUATION:
        raise Incomplete("too many roots")
    return out


_FOUND: dict = {}  # a root numeric_roots found (a Float) -> (expression, x) it is a root of
MAX_FOUND = 100_000
EXACT_FORM_BUDGET = 1.0  # seconds of sympy for the exact form of one root


def exact_form(e: sympy.Expr) -> sympy.Expr:
    """Return the exact form of a root `numeric_roots` found — the root of the same expression
    by sympy's exact arithmetic that it approximates (a radical, a fraction) — or e itself (not
    such a root, or sympy has no closed form within EXACT_FORM_BUDGET).  For the reports: the
    plays use the float."""
    source = _FOUND.get(e) if isinstance(e, sympy.Float) else None
    if source is None:
        return e
    value = float(e)
    try:
        with time_budget(EXACT_FORM_BUDGET):
            for r in real_roots(*source, numeric=False):
                if isinstance(r, sympy.Float):
                    continue  # no closed form (a numeric root of a high degree)
                c = complex(r)
                if abs(c.imag) < 1e-12 and abs(c.real - value) <= 1e-9 * (1 + abs(value)):
                    return r
    except (Incomplete, BudgetExceeded, RecursionError, TypeError, ValueError, ZeroDivisionError):
        pass
    return e


NEAR_REAL = 1e-4  # roots of the numerator this close to the real line (relative) are checked:
ROOT_TOL = 1e-12  # ... each must be a simple real root known within ROOT_TOL (relative), else
#                   sympy decides (close or multiple roots are ill-conditioned in float64)
NEWTON_STEPS = 4  # polishing steps of each numeric root on the numerator
_EPS = float(np.finfo(float).eps)
_ROUNDING = 64 * _EPS  # bound of the rounding of the fraction's coefficients, relative to their
#                        magnitudes (the same sums and products of absolute values)


def numeric_roots(expr: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr] | None:
    """Return the real roots of an expression of numbers and x that is rational in x, or None
    (not rational in x — x under a function or a non-integer power —, a number that is not a
    finite float, or a root that float64 cannot pin down: then sympy decides).

    The expression is brought to one fraction in numpy (float64) term by term: terms over the
    same denominator are added before any is multiplied out, and numbers divide instead of
    multiplying the denominator, so the numerator's degree stays as low as `together` would leave
    it (an inflated one, as `as_numer_denom`'s, loses precision).  Its roots are those of the
    companion matrix (np.roots), polished by Newton steps on the numerator.  Every root near the
    real line must then be simple and well-conditioned: the rounding of the coefficients (bounded
    by the same arithmetic on their absolute values) moves it by less than ROOT_TOL; a multiple
    root (a tangency) or a cluster of close ones is left to sympy's exact arithmetic.  A root
    within rounding of a simple fraction is that fraction (so it merges with the same candidate
    found exactly).  Roots of the denominator that the numerator shares come along: extra
    candidates are harmless.
    """
    parts = _as_fraction(expr, x, {})
    if parts is None:
        return None
    num, mag = _poly_trim(parts[0])
    if len(num) <= 1:
        return []  # no x left (or identically zero): nowhere a sign change
    try:
        found = np.roots(num[::-1])
    except (np.linalg.LinAlgError, ValueError):
        return None
    near = found[np.abs(found.imag) <= NEAR_REAL * (1 + np.abs(found.real))].real
    if not len(near):
        return []
    d = P.polyder(num)
    real = near
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_STEPS):
            slope = P.polyval(real, d)
            step = np.where(slope != 0, P.polyval(real, num) / slope, 0.0)
            better = np.abs(P.polyval(real - step, num)) <= np.abs(P.polyval(real, num))
            real = np.where(np.isfinite(step) & better, real - step, real)
        # first-order bound of the root's move under the coefficients' rounding
        moved = _ROUNDING * P.polyval(np.abs(real), mag) / np.abs(P.polyval(real, d))
        loose = ~(moved <= ROOT_TOL * (1 + np.abs(real)))
        if loose.any():
            # a double root (a tangency: np.roots gives a close pair) is a simple root of the
            # derivative where the numerator vanishes to rounding
            z = _double_roots(num, mag, real[loose])
            if z is None:
                return None
            real = np.concatenate([real[~loose], z])
    if not np.all(np.isfinite(real)):
        return None
    return unique([_snap(float(r), expr, x) for r in real])


def _double_roots(num: np.ndarray, mag: np.ndarray, start: np.ndarray) -> np.ndarray | None:
    """Return the double roots of num near `start` (each a well-conditioned root of num' where
    num is zero to rounding), or None where one is not (close simple roots, a triple root)."""
    d, dd = P.polyder(num), P.polyder(num, 2)
    dmag = P.polyder(mag)  # magnitudes of the derivative's coefficients
    z = start.copy()
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_STEPS + 2):
            curve = P.polyval(z, dd)
            z = np.where(curve != 0, z - P.polyval(z, d) / curve, z)
        size = P.polyval(np.abs(z), mag)
        flat = np.abs(P.polyval(z, num)) <= 4 * _ROUNDING * size
        sure = _ROUNDING * P.polyval(np.abs(z), dmag) / np.abs(P.polyval(z, dd)) <= ROOT_TOL * (1 + np.abs(z))
    if not np.all(flat & sure & np.isfinite(z)):
        return None
    return z


def _snap(r: float, expr: sympy.Expr | None = None, x: sympy.Symbol | None = None) -> sympy.Expr:
    """Return r as a sympy number: the simple fraction it rounds (a few ulps); else the
    fraction (denominator up to 10^9) that is an exact root of `expr` in x (a threshold
    written as 0.61123: a breakpoint must sit exactly on it, not a float beside it); else a
    Float."""
    q = Fraction(r).limit_denominator(1000)
    if abs(float(q) - r) <= 4 * _EPS * max(abs(r), 1e-300):
        return sympy.Rational(q.numerator, q.denominator)
    if expr is not None and x is not None and math.isfinite(r):
        q = Fraction(r).limit_denominator(10**9)
        if abs(float(q) - r) <= 1e-12 * (1 + abs(r)):
            exact = sympy.Rational(q.numerator, q.denominator)
            try:
                if expr.xreplace({x: exact}) == 0:
                    return exact
            except (TypeError, ValueError, ArithmeticError):
                pass
    return sympy.Float(r, 17)


def _trim(c: np.ndarray) -> np.ndarray:
    """Return polynomial coefficients (low to high) without zero leading ones."""
    nz = np.nonzero(c)[0]
    return c[: nz[-1] + 1] if len(nz) else c[:1] * 0


# A polynomial is (coefficients, magnitudes), low to high: the magnitudes are the same arithmetic
# on absolute values, a bound of what the coefficients' rounding is relative to.  (Plain numpy:
# numpy.polynomial's checks cost more than the arithmetic at these sizes.)
def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) < len(b):
        a, b = b, a
    out = a.copy()
    out[: len(b)] += b
    return out


def _poly_add(a, b):
    return _add(a[0], b[0]), _add(a[1], b[1])


def _poly_mul(a, b):
    return np.convolve(a[0], b[0]), np.convolve(a[1], b[1])


def _poly_pow(a, k: int):
    out = _ONE
    for _ in range(k):
        out = _poly_mul(out, a)
    return out


_ZERO = (np.array([0.0]), np.array([0.0]))
_ONE = (np.array([1.0]), np.array([1.0]))


def _as_fraction(e: sympy.Basic, x: sympy.Symbol, memo: dict):
    """Return (numerator, denominator) polynomials (coefficients and magnitudes, see above
    `_add`) of e in x, or None."""
    key = id(e)
    if key in memo:
        return memo[key][1]
    out = None
    if e is x:
        out = ((np.array([0.0, 1.0]), np.array([0.0, 1.0])), _ONE)
    elif isinstance(e, (sympy.Add, sympy.Mul)):
        out = (_ZERO, _ONE) if isinstance(e, sympy.Add) else (_ONE, _ONE)
        groups: dict[bytes, list] = {}
        for a in e.args:
            f = _as_fraction(a, x, memo)
            if f is None:
                out = None
                break
            if isinstance(e, sympy.Add):  # terms over one denominator are added first
                g = groups.setdefault(f[1][0].tobytes(), [_ZERO, f[1]])
                g[0] = _poly_add(g[0], f[0])
            else:
                out = _normal(_poly_mul(out[0], f[0]), _poly_mul(out[1], f[1]))
                if out is None:
                    break
        for num, den in groups.values():
            if out is None:
                break
            out = _normal(_poly_add(_poly_mul(out[0], den), _poly_mul(num, out[1])), _poly_mul(out[1], den))
    elif isinstance(e, sympy.Pow) and e.exp.is_Integer and abs(int(e.exp)) <= 64:
        f = _as_fraction(e.base, x, memo)
        k = int(e.exp)
        if f is not None and k >= 0:
            out = _normal(_poly_pow(f[0], k), _poly_pow(f[1], k))
        elif f is not None and np.any(f[0][0]):
            out = _normal(_poly_pow(f[1], -k), _poly_pow(f[0], -k))
    elif not isinstance(e, sympy.Symbol) and not e.has(x):
        try:
            v = complex(e)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            v = complex("nan")
        # a number float64 holds (not nan or infinite, not one that underflowed to zero)
        if v.imag == 0 and math.isfinite(v.real) and (v.real != 0 or e.is_zero):
            out = ((np.array([v.real]), np.array([abs(v.real)])), _ONE)
    memo[key] = (e, out)
    return out


def _normal(num, den):
    """Return the fraction with a number denominator divided into the numerator (None where a
    coefficient is not a finite float)."""
    num, den = _poly_trim(num), _poly_trim(den)
    if len(den[0]) == 1:
        if den[0][0] == 0:
            return None
        num, den = (num[0] / den[0][0], num[1] / abs(den[0][0])), _ONE
    if not all(np.all(np.isfinite(a)) for a in (*num, *den)):
        return None
    return num, den


def _poly_trim(p):
    """Return a polynomial (coefficients and magnitudes) without zero leading coefficients."""
    keep = len(_trim(p[0]))
    return p[0][:keep], p[1][:keep]


def deviation_roots(expr: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr]:
    """Return expressions that hold the roots of expr = 0 in x, to be evaluated, not simplified.

    For a player's deviations in a simultaneous stage (the points where the later play switches):
    they are only evaluated at each profile, and an extra candidate only adds a deviation that is
    played and compared, so a root need not be exact in form.  A polynomial of degree <= 2 in x
    (degree bounded from the expression tree) gets its roots from coefficients taken as
    derivatives at x = 0, with no expansion over the other symbols (seconds for the large
    differences of payoffs between later pieces); the linear root joins the two quadratic ones
    unless a probe shows the leading coefficient nonzero.  Anything else: `real_roots`.
    """
    if not expr.has(x):
        return []
    if expr.has(sympy.Piecewise, sympy.Min, sympy.Max, sympy.Abs):
        return real_roots(expr, x)
    degree = _tree_degree(expr, x, {})
    if degree is None or degree > 2:
        return real_roots(expr, x)
    zero = {x: sympy.Integer(0)}
    d1 = sympy.diff(expr, x)
    c0, c1 = replace(expr, zero), replace(d1, zero)
    linear = [] if c1 == 0 else [-c0 / c1]
    if degree == 1:
        return linear
    c2 = replace(sympy.diff(d1, x), zero) / 2
    if c2 == 0:
        return linear
    r = sympy.sqrt(c1**2 - 4 * c2 * c0)
    quadratic = [(-c1 + r) / (2 * c2), (-c1 - r) / (2 * c2)]
    return quadratic if _surely_nonzero(c2) else linear + quadratic


def _tree_degree(e: sympy.Expr, x: sympy.Symbol, memo: dict) -> int | None:
    """Return an upper bound of e's degree in x read from its tree (None: not a polynomial in x
    as written: x under a function, a division or a non-integer power)."""
    if e in memo:
        return memo[e]
    if not e.has(x):
        out: int | None = 0
    elif e == x:
        out = 1
    elif isinstance(e, (sympy.Add, sympy.Mul)):
        parts = [_tree_degree(a, x, memo) for a in e.args]
        if any(p is None for p in parts):
            out = None
        else:
            out = max(parts) if isinstance(e, sympy.Add) else sum(parts)
    elif isinstance(e, sympy.Pow) and e.exp.is_Integer and int(e.exp) >= 0:
        base = _tree_degree(e.base, x, memo)
        out = None if base is None else base * int(e.exp)
    else:
        out = None
    memo[e] = out
    return out


PROBE_POINTS = ((0.6180339887, 1.4142135624), (1.7320508076, 0.5772156649))  # (first, step)


def _probe(e: sympy.Expr, symbols: Sequence[sympy.Symbol]) -> tuple[complex, ...] | None:
    """Return e's values (30 digits) at the PROBE_POINTS of `symbols` (the k-th symbol at
    first + k*step), None where it cannot be evaluated there."""
    out = []
    for first, step in PROBE_POINTS:
        point = {s: sympy.Float(first + k * step, 30) for k, s in enumerate(symbols)}
        try:
            out.append(complex(e.xreplace(point).evalf(30)))
        except (TypeError, ValueError, ZeroDivisionError):
            return None
    return tuple(out)


def _surely_nonzero(e: sympy.Expr) -> bool:
    """Return True when e is clearly nonzero at two irrational-looking points of its symbols
    (then it vanishes on a set of measure zero at most); False when it may be zero."""
    values = _probe(e, sorted(e.free_symbols, key=lambda s: s.name))
    return values is not None and all(abs(v) > 1e-12 for v in values)


def distinct_values(exprs: Sequence[sympy.Expr]) -> list[sympy.Expr]:
    """Return the expressions without those equal to an earlier one at both probe points (the
    same function written twice, as unsimplified roots often are); an expression that cannot be
    probed, or is not finite there, is kept."""
    symbols = sorted(set().union(*(e.free_symbols for e in exprs)) if exprs else (), key=lambda s: s.name)
    kept: list[sympy.Expr] = []
    seen: list[tuple[complex, ...]] = []
    for e in exprs:
        values = _probe(e, symbols)
        if values is None or not all(math.isfinite(abs(v)) for v in values):
            kept.append(e)
            continue
        if any(all(abs(v - w) <= 1e-15 * (1 + abs(w)) for v, w in zip(values, other)) for other in seen):
            continue
        seen.append(values)
        kept.append(e)
    return kept


_TRANSCENDENTAL = (sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tan, sympy.LambertW)


def _transcendental_in(e: sympy.Expr, x: sympy.Symbol) -> bool:
    """Return True when x appears inside exp, log, a trigonometric function or an exponent."""
    for a in e.atoms(*_TRANSCENDENTAL):
        if a.has(x):
            return True
    return any(p.exp.has(x) for p in e.atoms(sympy.Pow))


def cands_replace_zero(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """Return expr at x = 0."""
    return replace(expr, {x: sympy.Integer(0)})


def _polynomial_roots(num: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr] | None:
    """Return the roots of a polynomial in x (degree <= 4) quickly, or None if not polynomial."""
    try:
        poly = sympy.Poly(num, x)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded, ValueError):
        return None
    if any(g != x for g in poly.gens):
        return None
    coeffs = poly.all_coeffs()
    if any(c.has(x) for c in coeffs):
        return None
    deg = poly.degree()
    if deg <= 0:
        return []
    if deg == 1:
        return [sympy.cancel(-coeffs[1] / coeffs[0])]
    if deg == 2:
        a, b, c = coeffs
        disc = sympy.expand(b**2 - 4 * a * c)
        if disc.is_number and disc < 0:
            return []
        r = sympy.sqrt(disc)
        return unique([sympy.cancel(-b / (2 * a)) if disc == 0 else (-b + r) / (2 * a),
                       (-b - r) / (2 * a)] if disc != 0 else [sympy.cancel(-b / (2 * a))])
    if deg > 4:
        if not poly.free_symbols - {x}:
            # numeric coefficients: the real roots as exact algebraic numbers are not needed
            return [sympy.Float(complex(r).real, 17) for r in _nroots(sympy.Poly(num, x))
                    if abs(complex(r).imag) < 1e-12]
        return None
    try:
        rs = sympy.roots(poly, multiple=True)
    except Exception:  # noqa: BLE001 - fall back to solve
        return None
    if len(rs) != deg and poly.free_symbols - {x}:
        return None
    out = []
    for r in rs:
        if r.is_real is False:
            continue
        out.append(r)
    if not (poly.free_symbols - {x}) and len(rs) != deg:
        out = [sympy.Float(complex(r).real, 17) for r in _nroots(poly) if abs(complex(r).imag) < 1e-12]
    return unique(out)


def _nroots(poly: sympy.Poly) -> list:
    """Return the numeric roots of a polynomial with number coefficients (Incomplete when
    mpmath's iteration does not converge: the numeric search takes over)."""
    try:
        return poly.nroots(n=17)
    except (mpmath.libmp.libhyper.NoConvergence, ValueError) as exc:
        raise Incomplete(f"the roots of a polynomial of degree {poly.degree()} did not converge") from exc


def stationary_points(payoff: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr]:
    """Return the stationary points in x of every smooth piece of `payoff`."""
    out: list[sympy.Expr] = []
    for piece in smooth_pieces(payoff):
        if not piece.has(x):
            continue
        d = sympy.diff(piece, x)
        out.extend(real_roots(d, x))
    return out


def breakpoints(payoff: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr]:
    """Return the points in x where `payoff` switches piece."""
    out: list[sympy.Expr] = []
    for b in relational_boundaries(payoff, x):
        out.extend(real_roots(b, x))
    return out


def condition_equalities(cond: sympy.Basic | None) -> dict[sympy.Symbol, sympy.Expr]:
    """Return {symbol: value} for the `symbol == value` conjuncts of a condition."""
    if cond is None or cond is sympy.true:
        return {}
    conjuncts = cond.args if isinstance(cond, sympy.And) else (cond,)
    out = {}
    for c in conjuncts:
        if isinstance(c, sympy.Eq):
            if isinstance(c.lhs, sympy.Symbol) and not c.rhs.free_symbols:
                out[c.lhs] = c.rhs
            elif isinstance(c.rhs, sympy.Symbol) and not c.lhs.free_symbols:
                out[c.rhs] = c.lhs
    return out


def unique(exprs: Iterable[sympy.Expr]) -> list[sympy.Expr]:
    """Return the expressions without structural duplicates, in first-seen order."""
    seen = set()
    out = []
    for e in exprs:
        if e in seen:
            continue
        seen.add(e)
        out.append(e)
    return out


MAX_KKT_SYSTEMS = 96  # active sets solved per list of payoffs (interior first; see kkt_profiles)


def kkt_profiles(
    payoffs: Sequence[sympy.Expr],
    xs: Sequence[sympy.Symbol],
    lowers: Sequence[sympy.Expr | None],
    uppers: Sequence[sympy.Expr | None],
) -> tuple[list[dict[sympy.Symbol, sympy.Expr]], bool]:
    """Return the solutions of the KKT systems of a simultaneous stage, and whether every active
    set was solved.

    `payoffs[i]` is the payoff of the player who chooses `xs[i]` (a player may choose several).
    Each variable is interior (its own first-order condition holds), at its lower bound or at its
    upper bound; the active sets are solved jointly, fewest variables at a bound first, up to
    MAX_KKT_SYSTEMS of them (3^n sets would not end for 20 firms): the interior solution and the
    corners near it come first, and a history where none of them is an equilibrium is searched
    numerically by the caller.  First-order conditions linear in the variables (quadratic
    payoffs) are one matrix, each active set a block of it solved exactly.
    """
    derivatives = [sympy.diff(u, x) for u, x in zip(payoffs, xs)]
    linear = _LinearConditions.of(derivatives, xs)
    profiles: list[dict] = []
    solved = 0
    for active in _active_sets(lowers, uppers):
        solved += 1
        if solved > MAX_KKT_SYSTEMS:
            return profiles, False
        fixed = {xs[i]: bound for i, bound in active.items()}
        free = [x for x in xs if x not in fixed]
        if not free:
            profiles.append(dict(fixed))
            continue
        if linear is not None:
            solutions = linear.solve(active)
        else:
            eqs = [d for d, x in zip(derivatives, xs) if x not in fixed]
            solutions = _first_order_solutions(eqs, free, fixed)
        for sol in solutions:
            prof = dict(fixed)
            prof.update({x: sol[x].xreplace(fixed) for x in free})
            prof = {x: v.xreplace(prof) if v.has(*xs) else v for x, v in prof.items()}
            profiles.append(prof)
    return profiles, True


class _LinearConditions:
    """First-order conditions A x = b, linear in the variables x: an active set's free block
    A_FF x_F = b_F - A_FS bounds_S is solved exactly (sympy's DomainMatrix over the rationals,
    or over the rational functions of the history and params where they appear)."""

    def __init__(self, matrix: sympy.Matrix, rhs: sympy.Matrix, xs: Sequence[sympy.Symbol]):
        self.matrix, self.rhs, self.xs = matrix, rhs, list(xs)

    @classmethod
    def of(cls, derivatives, xs) -> _LinearConditions | None:
        if any(d.has(sympy.Piecewise) for d in derivatives):
            raise Incomplete("piecewise first-order conditions")
        try:
            matrix, rhs = sympy.linear_eq_to_matrix(derivatives, list(xs))
        except (sympy.polys.polyerrors.PolynomialError, ValueError, TypeError):
            return None
        if any(x in e.free_symbols for e in matrix for x in xs):
            return None
        return cls(matrix, rhs, xs)

    def solve(self, active: dict[int, sympy.Expr]) -> list[dict]:
        """Return the one solution of the free block ([] when it is singular)."""
        free = [i for i in range(len(self.xs)) if i not in active]
        block = self.matrix.extract(free, free)
        rhs = self.rhs.extract(free, [0])
        for j, bound in active.items():
            rhs = rhs - self.matrix.extract(free, [j]) * bound
        try:
            dm = DomainMatrix.from_Matrix(block)
            b = DomainMatrix.from_Matrix(rhs)
            domain = dm.domain.unify(b.domain).get_field()
            solution = dm.convert_to(domain).lu_solve(b.convert_to(domain))
        except (ValueError, ZeroDivisionError, NonInvertibleMatrixError, TypeError, DMError):
            return []
        values = [v if v.is_number else sympy.cancel(v) for v in solution.to_Matrix()]
        if any(v.has(sympy.nan, sympy.zoo) for v in values):
            return []
        return [{self.xs[i]: v for i, v in zip(free, values)}]


def _active_sets(lowers, uppers):
    """Yield {variable index: its bound} for the variables at a bound: none first, then one,
    two, ... (each variable at each of its finite bounds)."""
    n = len(lowers)
    sides = [[b for b in (lowers[i], uppers[i]) if b is not None] for i in range(n)]
    for k in range(n + 1):
        for which in itertools.combinations(range(n), k):
            if any(not sides[i] for i in which):
                continue
            for bounds in itertools.product(*[sides[i] for i in which]):
                yield dict(zip(which, bounds))


def _first_order_solutions(eqs, free, fixed) -> list[dict]:
    """Return the isolated solutions of first-order conditions (none for a continuum: the
    payoffs are flat in some variable along this branch, which decides nothing there)."""
    eqs = [sympy.fraction(sympy.together(e.xreplace(fixed)))[0] for e in eqs]
    if any(e.has(sympy.Piecewise) for e in eqs):
        raise Incomplete("piecewise first-order conditions")
    try:
        sols = sympy.solve(eqs, free, dict=True)
    except BudgetExceeded:
        raise
    except Exception as exc:
        raise Incomplete(f"cannot solve the first-order conditions: {exc}") from exc
    out = []
    for s in sols:
        if any(x not in s for x in free):
            continue
        if any(v.has(sympy.RootOf, sympy.CRootOf) for v in s.values()):
            raise Incomplete("no closed-form root")
        out.append(s)
    return out
