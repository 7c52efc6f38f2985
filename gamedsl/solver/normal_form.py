"""Mixed equilibria of a finite normal-form game (DESIGN §1b, mixed play).

A game is one payoff table per player, all of shape (k1, ..., kN): player i's payoff at each
profile of actions.  `mixed_equilibria` returns the game's equilibria in mixed strategies:

- two players: support enumeration (every pair of equal-size supports; each player's mix makes
  the other indifferent on its support and no action outside pays more), in exact rationals when
  every payoff is a simple fraction (a float within a few parts in 1e13 of p/q, q <= 10^6), in
  floats otherwise; all the equilibria of a nondegenerate game are found;
- more players: a numeric search (the sum of the squared gains of every pure deviation,
  minimised over the product of simplices from the uniform profile and seeded random starts with
  scipy, then each found support's indifference conditions solved with scipy's root finder);
  the equilibria found, each with the accuracy reached.

Each equilibrium is checked against its table before it is returned: no pure deviation of any
player gains more than MIXED_TOL (relative).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

MIXED_TOL = 1e-9  # a mixed equilibrium's pure deviations may gain at most this (relative)
MAX_SUPPORT_PAIRS = 50_000  # pairs of supports enumerated for two players (more: numeric)
SIMPLE_DENOMINATOR = 10**6  # payoffs within SIMPLE_REL of p/q with q at most this are p/q
SIMPLE_REL = 1e-13
NUMERIC_STARTS = 12  # starts of the numeric search (the uniform profile and seeded random ones)
NUMERIC_SEED = 20261207  # the random starts are the same on every run


@dataclass(frozen=True)
class MixedEquilibrium:
    """One equilibrium: per player, the probability of each action (exact fractions when
    `exact`), the expected payoffs, and the accuracy of the probabilities (0 when exact)."""

    strategies: tuple[tuple[float, ...], ...]
    payoffs: tuple[float, ...]
    exact: bool
    accuracy: float
    fractions: tuple[tuple[Fraction, ...], ...] | None = None

    def profile_weights(self) -> np.ndarray:
        """Return the probability of every profile, shape (k1, ..., kN)."""
        w = np.ones(())
        for s in self.strategies:
            w = np.multiply.outer(w, np.asarray(s, float))
        return w


def mixed_equilibria(tables: list[np.ndarray]) -> list[MixedEquilibrium]:
    """Return the mixed equilibria of the game with payoff `tables` (see the module)."""
    tables = [np.asarray(t, float) for t in tables]
    if len(tables) == 2:
        shape = tables[0].shape
        pairs = sum(math.comb(shape[0], s) * math.comb(shape[1], s) for s in range(1, min(shape) + 1))
        if pairs <= MAX_SUPPORT_PAIRS:
            fr = _as_fractions(tables)
            found = _support_enumeration_exact(*fr) if fr is not None else _support_enumeration(*tables)
            return [e for e in found if regret(tables, e.strategies) <= _tol(tables)]
    return _numeric(tables)


def regret(tables: list[np.ndarray], strategies) -> float:
    """Return the largest gain of a pure deviation from the mixed profile `strategies`."""
    worst = 0.0
    for i, t in enumerate(tables):
        payoff_of_action = _action_payoffs(t, strategies, i)
        own = float(np.dot(payoff_of_action, strategies[i]))
        worst = max(worst, float(np.max(payoff_of_action)) - own)
    return worst


def expected_payoffs(tables: list[np.ndarray], strategies) -> tuple[float, ...]:
    """Return each player's expected payoff at the mixed profile."""
    out = []
    for t in tables:
        u = t
        for s in strategies:
            u = np.tensordot(np.asarray(s, float), u, axes=(0, 0))
        out.append(float(u))
    return tuple(out)


def _tol(tables) -> float:
    scale = max((float(np.max(np.abs(t))) for t in tables), default=0.0)
    return MIXED_TOL * (1 + scale)


def _action_payoffs(table: np.ndarray, strategies, i: int) -> np.ndarray:
    """Return player i's expected payoff of each own action against the others' mixes."""
    u = np.moveaxis(table, i, 0)
    others = [np.asarray(s, float) for j, s in enumerate(strategies) if j != i]
    for s in others:
        u = np.tensordot(u, s, axes=(1, 0))
    return u


# --------------------------------------------------------------------------- exact, two players
def _simple(x: float) -> Fraction | None:
    if not math.isfinite(x):
        return None
    f = Fraction(x).limit_denominator(SIMPLE_DENOMINATOR)
    return f if abs(float(f) - x) <= SIMPLE_REL * (1 + abs(x)) else None


def _as_fractions(tables) -> list[list[list[Fraction]]] | None:
    """Return the tables in fractions when every payoff is a simple fraction (else None)."""
    out = []
    for t in tables:
        rows = []
        for row in t:
            fr = [_simple(float(x)) for x in row]
            if any(f is None for f in fr):
                return None
            rows.append(fr)
        out.append(rows)
    return out


def _solve_fractions(m: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Return the unique solution of m x = b (Gaussian elimination in fractions), else None."""
    n = len(m)
    a = [row[:] + [bi] for row, bi in zip(m, b)]
    for c in range(n):
        p = next((r for r in range(c, n) if a[r][c] != 0), None)
        if p is None:
            return None
        a[c], a[p] = a[p], a[c]
        for r in range(n):
            if r != c and a[r][c] != 0:
                f = a[r][c] / a[c][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
    return [a[i][n] / a[i][i] for i in range(n)]


def _indifference_fractions(payoff, own: tuple, theirs: tuple, transpose: bool):
    """Return (the mix over `theirs` that makes the owner indifferent over `own`, the value)."""
    s = len(own)
    rows = []
    for i in own:
        row = [payoff[j][i] if transpose else payoff[i][j] for j in theirs]
        rows.append(row + [Fraction(-1)])
    rows.append([Fraction(1)] * s + [Fraction(0)])
    sol = _solve_fractions(rows, [Fraction(0)] * s + [Fraction(1)])
    if sol is None or any(p < 0 for p in sol[:s]):
        return None
    return sol[:s], sol[s]


def _support_enumeration_exact(a, b) -> list[MixedEquilibrium]:
    k1, k2 = len(a), len(a[0])
    found: list[MixedEquilibrium] = []
    seen = set()
    for s in range(1, min(k1, k2) + 1):
        for s1 in itertools.combinations(range(k1), s):
            for s2 in itertools.combinations(range(k2), s):
                ys = _indifference_fractions(a, s1, s2, transpose=False)
                if ys is None:
                    continue
                xs = _indifference_fractions(b, s2, s1, transpose=True)
                if xs is None:
                    continue
                x = [Fraction(0)] * k1
                y = [Fraction(0)] * k2
                for i, p in zip(s1, xs[0]):
                    x[i] = p
                for j, p in zip(s2, ys[0]):
                    y[j] = p
                if any(sum(a[i][j] * y[j] for j in range(k2)) > ys[1] for i in range(k1)):
                    continue
                if any(sum(b[i][j] * x[i] for i in range(k1)) > xs[1] for j in range(k2)):
                    continue
                key = (tuple(x), tuple(y))
                if key in seen:
                    continue
                seen.add(key)
                found.append(
                    MixedEquilibrium(
                        (tuple(float(p) for p in x), tuple(float(p) for p in y)),
                        (float(ys[1]), float(xs[1])),
                        exact=True,
                        accuracy=0.0,
                        fractions=(tuple(x), tuple(y)),
                    )
                )
    return found


# --------------------------------------------------------------------------- floats, two players
def _indifference(payoff: np.ndarray, own: tuple, theirs: tuple):
    s = len(own)
    m = np.zeros((s + 1, s + 1))
    m[:s, :s] = payoff[np.ix_(own, theirs)]
    m[:s, s] = -1.0
    m[s, :s] = 1.0
    rhs = np.zeros(s + 1)
    rhs[s] = 1.0
    try:
        if np.linalg.cond(m) > 1e12:
            return None
        sol = np.linalg.solve(m, rhs)
    except np.linalg.LinAlgError:
        return None
    p = sol[:s]
    if np.any(p < -1e-12):
        return None
    return np.clip(p, 0.0, None) / np.sum(np.clip(p, 0.0, None)), float(sol[s])


def _support_enumeration(a: np.ndarray, b: np.ndarray) -> list[MixedEquilibrium]:
    k1, k2 = a.shape
    tol = _tol([a, b])
    found: list[MixedEquilibrium] = []
    for s in range(1, min(k1, k2) + 1):
        for s1 in itertools.combinations(range(k1), s):
            for s2 in itertools.combinations(range(k2), s):
                ys = _indifference(a, s1, s2)
                xs = _indifference(b.T, s2, s1) if ys is not None else None
                if xs is None:
                    continue
                x = np.zeros(k1)
                y = np.zeros(k2)
                x[list(s1)] = xs[0]
                y[list(s2)] = ys[0]
                if np.max(a @ y) > ys[1] + tol or np.max(x @ b) > xs[1] + tol:
                    continue
                if any(np.allclose(x, e.strategies[0], atol=1e-9)
                       and np.allclose(y, e.strategies[1], atol=1e-9) for e in found):
                    continue
                found.append(
                    MixedEquilibrium(
                        (tuple(float(p) for p in x), tuple(float(p) for p in y)),
                        expected_payoffs([a, b], (x, y)),
                        exact=False,
                        accuracy=_accuracy([a, b], (x, y)),
                    )
                )
    return found


def _accuracy(tables, strategies) -> float:
    """Return a bound on the probabilities' error: the largest gain of a pure deviation
    relative to the payoffs' spread (about 1e-15 for a well-conditioned solve), at least 1e-12."""
    spread = max(float(np.ptp(t)) for t in tables) or 1.0
    return max(regret(tables, strategies) / spread, 1e-12)


# --------------------------------------------------------------------------- numeric, N players
def _numeric(tables: list[np.ndarray]) -> list[MixedEquilibrium]:
    from scipy.optimize import minimize, root

    shape = tables[0].shape
    sizes = list(shape)
    cuts = np.cumsum([0, *sizes])
    tol = _tol(tables)
    scale = max(float(np.max(np.abs(t))) for t in tables) or 1.0

    def split(z):
        out = []
        for i in range(len(sizes)):
            e = np.exp(z[cuts[i]: cuts[i + 1]] - np.max(z[cuts[i]: cuts[i + 1]]))
            out.append(e / e.sum())
        return out

    def lyapunov(z):
        sts = split(z)
        total = 0.0
        for i, t in enumerate(tables):
            pa = _action_payoffs(t, sts, i)
            gain = np.maximum(pa - float(np.dot(pa, sts[i])), 0.0) / scale
            total += float(np.sum(gain**2))
        return total

    rng = np.random.default_rng(NUMERIC_SEED)
    starts = [np.zeros(cuts[-1])] + [rng.normal(0, 2, cuts[-1]) for _ in range(NUMERIC_STARTS - 1)]
    found: list[MixedEquilibrium] = []
    for z0 in starts:
        res = minimize(lyapunov, z0, method="BFGS", options={"gtol": 1e-12, "maxiter": 2000})
        sts = _polish(tables, split(res.x), root)
        if sts is None or regret(tables, sts) > tol:
            continue
        if any(all(np.allclose(p, q, atol=1e-7) for p, q in zip(sts, e.strategies)) for e in found):
            continue
        found.append(
            MixedEquilibrium(
                tuple(tuple(float(x) for x in s) for s in sts),
                expected_payoffs(tables, sts),
                exact=False,
                accuracy=_accuracy(tables, sts),
            )
        )
    return found


def _polish(tables, sts, root):
    """Return the profile with its support's indifference conditions solved to full precision
    (scipy's root finder), or the profile itself when that fails."""
    supports = [np.nonzero(s > 1e-6)[0] for s in sts]
    sizes = [len(s) for s in supports]

    def full(p):
        out, k = [], 0
        for i, sup in enumerate(supports):
            s = np.zeros(len(sts[i]))
            s[sup] = p[k: k + sizes[i]]
            out.append(s)
            k += sizes[i]
        return out

    def equations(p):
        st = full(p)
        eqs = []
        for i, t in enumerate(tables):
            pa = _action_payoffs(t, st, i)[supports[i]]
            eqs.extend(pa[1:] - pa[0])
            eqs.append(np.sum(st[i]) - 1.0)
        return np.asarray(eqs)

    p0 = np.concatenate([s[sup] for s, sup in zip(sts, supports)])
    if len(equations(p0)) != len(p0):
        return sts
    try:
        sol = root(equations, p0, method="hybr", options={"xtol": 1e-14})
    except (ValueError, np.linalg.LinAlgError):
        return sts
    if not sol.success or np.any(sol.x < -1e-12):
        return sts
    polished = [np.clip(s, 0.0, None) / np.sum(np.clip(s, 0.0, None)) for s in full(sol.x)]
    return polished if regret(tables, polished) <= regret(tables, sts) else sts
