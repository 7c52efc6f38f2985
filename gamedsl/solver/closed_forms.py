"""Closed forms of the equilibrium path in the params only, piece by piece (`solve --symbolic`).

With the params kept as symbols, the first step's plan lists the game's *pieces* (`branches`:
one closed form of every choice per combination of candidates along the stages) and the
*switching expressions* whose signs decide which piece is played (`switches`).  The closed form
of a quantity on the path (a choice, `payoff(P)`, a report) is then a list of (value, condition)
pairs.  How they are found:

1. params are drawn over their domains (and `assume`s): SAMPLE_POINTS points, half of them near
   the values solved, half over the whole domain (a bound left open is taken at a few times the
   default's size);
2. the step plans play every point at once: the piece played there (or none: no equilibrium);
3. for each quantity, the pieces with one value (equal at every point) form one *group*; the
   conditions are built from the factors of the switches (an *atom* `f > 0`): the fewest atoms
   whose signs separate the groups at every point (greedy), then per group the shortest
   disjunction of sign patterns (`SOPform`, the patterns never met being don't-cares);
4. an atom `f > 0` is shown solved for a param when it is linear in one, with the factors of
   constant sign on the domain divided out; an atom of constant sign on the domain is implied by
   it and never shown.

So the conditions are those that separate the pieces found at the sampled points: a piece that
holds only in a region thinner than the sample can be missed (it then has no entry), and the
exact boundary (`>=` or `>`) is the side of a switch's zero the pieces' order puts it on.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy
from sympy.core.relational import Relational
from sympy.logic import SOPform

from gamedsl.model.game import Game
from gamedsl.model.solution import ClosedPiece

SAMPLE_POINTS = 1000  # points drawn over the param domain (cost: one vectorised play of the plans)
NEAR_SHARE = 0.3  # of them near the params solved (within a factor NEAR_SPREAD of each value)
NEAR_SPREAD = 3.0
OPEN_SCALE = 4.0  # an unbounded side of a domain is sampled up to this many times the default
SAME_TOL = 1e-9  # two values are one where they agree to this (relative) at every point
EXACT_ZERO = 1e-14  # within this (relative) an atom is zero: the point is on its boundary
ZERO_ATOM = 1e-9  # an atom this close to zero (relative) at a point says nothing about its side
MAX_PIECES = 12  # values of one quantity whose pairwise differences are atoms
SOP_ATOMS = 6  # up to this many atoms, the shortest disjunction (SOPform); a tree's beyond
MAX_ATOMS = 12  # more atoms than this to separate one quantity's pieces: no conditions given
NESTED_COST = 8  # count_ops a nested fraction counts as, choosing a value's form
REWRITE_OPS = 600  # larger values are shown as built (factoring them can take minutes)
SIMPLIFY_OPS = 120  # sympy.simplify is tried on values no larger than this (count_ops)
SEED = 20261207
PROBE_BASES = 24  # points moved next to each switch factor's zero, on both sides
PROBE_STEP = 0.02  # how far from the zero (relative)


def path_closed_forms(
    game: Game, plans: Sequence, params: Mapping[str, float]
) -> dict[str, tuple[ClosedPiece, ...]] | None:
    """Return the closed forms of the path's choices, `payoff(P)` and reports, in the params
    only; None when the plans have no complete list of pieces in the params."""
    top = plans[0] if plans else None
    if top is None or not top.complete or not top.branches:
        return None
    symbols = [game.params[n].symbol for n in game.params]
    switches = list(top.switches or [])
    free = set().union(*(s.free_symbols for s in switches)) if switches else set()
    for b in top.branches:
        for e in b.values():
            free |= getattr(e, "free_symbols", set())
    if not free <= set(symbols):
        return None
    points = sample_params(game, params, SAMPLE_POINTS)
    if points is None:
        return None
    names = list(game.params)
    probes = _boundary_points(game, switches, symbols, points)
    if probes is not None:
        points = {k: np.concatenate([points[k], probes[k]]) for k in names}
    n = len(points[names[0]])
    env = {game.params[k].symbol: v for k, v in points.items()}
    outcome = top.play(env, n)
    branch = np.asarray(outcome.branch if outcome.branch is not None else np.full(n, -1))
    # a point with an equilibrium but no piece (played exactly: a switch near zero) is left out;
    # a point with no equilibrium must be told apart from the pieces
    failed = ~np.asarray(outcome.ok, bool)
    ok = ~failed & (branch >= 0)
    if not ok.any():
        return None
    played = sorted(set(branch[ok].tolist()))
    args = [np.asarray(points[k], float) for k in names]
    quantities = _quantities(game, top.branches, played)
    deciding = [d for exprs in quantities.values() for e in exprs.values() for d in _deciding(e)]
    deciding += _differences(quantities)
    plain = []
    for f in switches + deciding:
        plain += [e for e, _ in _resolved(f, np.ones(n, bool), symbols, args)]
        plain += _deciding(f)
    atoms = _atoms(plain, symbols, args)
    out: dict[str, tuple[ClosedPiece, ...]] = {}
    for key, exprs in quantities.items():
        pieces = _pieces(exprs, branch, ok, failed, symbols, args, atoms, positive_symbols(game))
        if pieces:
            out[key] = pieces
    return out


def _differences(quantities: dict) -> list[sympy.Expr]:
    """Return the differences between a quantity's values in two pieces: a continuous best reply
    changes piece where two coincide, a discrete choice where a payoff does (the boundaries of
    the regimes when no switches are listed)."""
    out: dict[sympy.Expr, None] = {}
    for exprs in quantities.values():
        values = list(dict.fromkeys(e for e in exprs.values() if isinstance(e, sympy.Expr)))
        if len(values) > MAX_PIECES:
            continue
        for i in range(len(values)):
            for j in range(i + 1, len(values)):
                d = values[i] - values[j]
                if d.free_symbols and not d.has(sympy.nan):
                    out.setdefault(d, None)
    return list(out)


def _boundary_points(game: Game, switches, symbols, points) -> dict[str, np.ndarray] | None:
    """Return points on both sides of each switch factor's zero, near it (a factor linear in a
    param, solved for it at PROBE_BASES of the points drawn): regimes a draw over the whole domain
    would rarely meet."""
    names = list(game.params)
    n = len(points[names[0]])
    rng = np.random.default_rng(SEED + 1)
    rows: dict[str, list[np.ndarray]] = {k: [] for k in names}
    args = [np.asarray(points[k], float) for k in names]
    for f in _factors(switches):
        for i, p in enumerate(symbols):
            if p not in f.free_symbols:
                continue
            try:
                poly = sympy.Poly(f, p)
            except sympy.PolynomialError:
                continue
            if poly.degree() != 1:
                continue
            coeff, rest = poly.all_coeffs()
            base = rng.choice(n, min(PROBE_BASES, n), replace=False)
            root = _values_at(-rest / coeff, symbols, [a[base] for a in args])
            good = np.isfinite(root)
            if not good.any():
                continue
            scale = np.maximum(np.abs(root[good]), 1e-3)
            for side in (-1, 1):
                for k in names:
                    rows[k].append(np.asarray(points[k], float)[base][good])
                rows[names[i]][-1] = root[good] + side * PROBE_STEP * scale
            break
    if not rows[names[0]]:
        return None
    out = {k: np.concatenate(v) for k, v in rows.items()}
    keep = _inside(game, out)
    return {k: v[keep] for k, v in out.items()}


def _inside(game: Game, points: dict[str, np.ndarray]) -> np.ndarray:
    """Return where points satisfy the params' domains and the assumptions."""
    m = len(next(iter(points.values())))
    env = {game.params[k].symbol: v for k, v in points.items()}
    keep = np.all([np.isfinite(v) for v in points.values()], axis=0)
    for name, p in game.params.items():
        d = p.domain
        if d is None or d.is_finite:
            continue
        col = points[name]
        if d.lower is not None:
            lo = _bound(d.lower, env, m)
            keep &= (col > lo) if d.lower_strict else (col >= lo)
        if d.upper is not None:
            hi = _bound(d.upper, env, m)
            keep &= (col < hi) if d.upper_strict else (col <= hi)
    for a in game.assumptions:
        holds = _truth(a.condition, env, m)
        keep &= holds if holds is not None else False
    return keep


_DECIDING = (sympy.Piecewise, sympy.Abs, sympy.Min, sympy.Max)


def _deciding(e) -> list[sympy.Expr]:
    """Return the expressions whose signs decide the pieces of e's Piecewise, Abs, Min, Max."""
    out = []
    if not isinstance(e, sympy.Basic):
        return out
    for node in e.atoms(*_DECIDING):
        if not node.free_symbols:
            continue
        if isinstance(node, sympy.Piecewise):
            for _, cond in node.args:
                for rel in getattr(cond, "atoms", lambda *_: ())(Relational):
                    out.append(rel.lhs - rel.rhs)
        elif isinstance(node, sympy.Abs):
            out.append(node.args[0])
        else:
            a = node.args
            out += [a[i] - a[j] for i in range(len(a)) for j in range(i + 1, len(a))]
    return out


def _factors(exprs) -> list[sympy.Expr]:
    """Return the distinct non-constant factors of exprs' numerators and denominators."""
    seen: dict[sympy.Expr, None] = {}
    for s in exprs:
        try:
            num, den = sympy.fraction(sympy.together(s))
            for part in (num, den):
                _, factors = sympy.factor_list(part)
                for f, _ in factors:
                    if f.free_symbols:
                        seen.setdefault(_normal_sign(f), None)
        except (sympy.PolynomialError, TypeError, ValueError, NotImplementedError):
            seen.setdefault(_normal_sign(s), None)
    return list(seen)


def _resolved(
    e: sympy.Expr, rows: np.ndarray, symbols, args
) -> list[tuple[sympy.Expr, np.ndarray]]:
    """Return e's plain forms (Piecewise, Abs, Min, Max resolved) with the rows where each holds."""
    nodes = [x for x in e.atoms(*_DECIDING) if x.free_symbols] if isinstance(e, sympy.Basic) else []
    if not nodes or not rows.any():
        return [(e, rows)]
    keys = np.zeros(len(rows), np.int64)
    for node in nodes:
        keys = keys * 16 + _active(node, symbols, args)
    out = []
    for k in sorted(set(keys[rows].tolist())):
        where = rows & (keys == k)
        r = int(np.nonzero(where)[0][0])
        at = {s: sympy.Float(a[r], 30) for s, a in zip(symbols, args)}
        out.append(
            (
                e.replace(
                    lambda x: isinstance(x, _DECIDING) and bool(x.free_symbols),
                    lambda x, at=at: _pick(x, at),
                ),
                where,
            )
        )
    return out


def _active(node, symbols, args) -> np.ndarray:
    """Return per point the index of node's active piece (argument, sign)."""
    n = len(args[0])
    if isinstance(node, sympy.Piecewise):
        idx = np.full(n, len(node.args) - 1)
        done = np.zeros(n, bool)
        for i, (_, cond) in enumerate(node.args):
            t = _values_at(sympy.Piecewise((1, cond), (0, True)), symbols, args) > 0.5
            idx = np.where(~done & t, i, idx)
            done |= t
        return idx
    if isinstance(node, sympy.Abs):
        return (_values_at(node.args[0], symbols, args) < 0).astype(int)
    vals = np.stack([_values_at(a, symbols, args) for a in node.args])
    vals = np.where(np.isfinite(vals), vals, np.inf if isinstance(node, sympy.Min) else -np.inf)
    return np.argmin(vals, 0) if isinstance(node, sympy.Min) else np.argmax(vals, 0)


def _pick(node, at: dict):
    """Return node's active piece at the point `at`."""
    if isinstance(node, sympy.Piecewise):
        for value, cond in node.args:
            if bool(cond.xreplace(at)):
                return value
        return node.args[-1][0]
    if isinstance(node, sympy.Abs):
        x = node.args[0]
        return -x if x.xreplace(at) < 0 else x
    vals = [a.xreplace(at) for a in node.args]
    best = (
        min(range(len(vals)), key=lambda i: vals[i])
        if isinstance(node, sympy.Min)
        else max(range(len(vals)), key=lambda i: vals[i])
    )
    return node.args[best]


def sample_params(game: Game, params: Mapping[str, float], n: int) -> dict[str, np.ndarray] | None:
    """Return n points of the params drawn over their domains and assumptions (the first is the
    params given); None when no point but the given one satisfies them."""
    rng = np.random.default_rng(SEED)
    m = 4 * n
    near = rng.random(m) < NEAR_SHARE
    drawn: dict[str, np.ndarray] = {}
    env: dict[sympy.Symbol, np.ndarray] = {}
    for name, p in game.params.items():
        x0 = float(params[name])
        d = p.domain
        if d is not None and d.is_finite:
            elems = [float(e) for e in d.elements or () if e.is_number]
            col = rng.choice(elems, m) if elems else np.full(m, x0)
        else:
            lo = _bound(d.lower if d else None, env, m)
            hi = _bound(d.upper if d else None, env, m)
            scale = max(abs(x0), 1.0)
            lo_w = np.where(np.isfinite(lo), lo, x0 - OPEN_SCALE * scale)
            hi_w = np.where(np.isfinite(hi), hi, x0 + OPEN_SCALE * scale)
            wide = lo_w + (hi_w - lo_w) * rng.random(m)
            if x0 == 0:
                close = x0 + scale * (rng.random(m) - 0.5)
            else:
                close = x0 * np.exp(np.log(NEAR_SPREAD) * (2 * rng.random(m) - 1))
            col = np.where(near, close, wide)
            inside = np.ones(m, bool)
            if d is not None and d.lower is not None:
                inside &= (col > lo) if d.lower_strict else (col >= lo)
            if d is not None and d.upper is not None:
                inside &= (col < hi) if d.upper_strict else (col <= hi)
            col = np.where(inside, col, np.nan)
        col[0] = x0
        drawn[name] = col
        env[p.symbol] = col
    valid = np.all([np.isfinite(c) for c in drawn.values()], axis=0)
    for a in game.assumptions:
        holds = _truth(a.condition, env, m)
        if holds is None:
            return None
        valid &= holds
    valid[0] = True
    rows = np.nonzero(valid)[0][:n]
    if len(rows) < 2:
        return None
    return {k: v[rows] for k, v in drawn.items()}


def _bound(e, env: dict, m: int) -> np.ndarray:
    """Return a domain bound at the points drawn (inf where there is none)."""
    if e is None:
        return np.full(m, np.nan)
    fn = sympy.lambdify(list(env), e, "numpy")
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(fn(*env.values()), float), (m,)).copy()


def _truth(cond, env: dict, m: int) -> np.ndarray | None:
    """Return where an assumption holds at the points drawn (None when it cannot be evaluated)."""
    try:
        fn = sympy.lambdify(list(env), cond, "numpy")
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(fn(*env.values()), bool), (m,)).copy()
    except (TypeError, ValueError, NameError):
        return None


def _quantities(game: Game, branches: list[dict], played: list[int]) -> dict[str, dict]:
    """Return, per quantity on the path, its closed form in each piece played."""
    out: dict[str, dict[int, sympy.Expr]] = {}
    for b in played:
        values = {c.symbol: _factored(branches[b].get(c.symbol, sympy.nan)) for c in game.choices}
        for c in game.choices:
            out.setdefault(c.var, {})[b] = values[c.symbol]
        for p, e in game.payoffs.items():
            out.setdefault(f"payoff({p})", {})[b] = sympy.sympify(e).xreplace(values)
        for r, e in game.reports.items():
            out.setdefault(r, {})[b] = sympy.sympify(e).xreplace(values)
    return out


def _factored(e):
    """Return e factored where that makes it smaller (the form substituted into payoffs)."""
    if not isinstance(e, sympy.Expr) or e.is_number:
        return e
    try:
        f = sympy.factor(e)
    except (sympy.PolynomialError, TypeError, ValueError, NotImplementedError):
        return e
    return f if sympy.count_ops(f) <= sympy.count_ops(e) else e


def _values_at(expr, symbols, args) -> np.ndarray:
    """Return expr at the points (nan where it is not a finite real)."""
    n = len(args[0])
    try:
        fn = sympy.lambdify(symbols, expr, "numpy")
        with np.errstate(all="ignore"):
            v = np.asarray(fn(*args))
    except (TypeError, ValueError, NameError, KeyError, ZeroDivisionError, AttributeError):
        return np.full(n, np.nan)
    if np.iscomplexobj(v):
        v = np.where(np.abs(v.imag) <= 1e-12 * (1 + np.abs(v.real)), v.real, np.nan)
    return np.broadcast_to(v.astype(float), (n,)).copy()


def _pieces(
    exprs: dict, branch, ok, failed, symbols, args, atoms, positive=None
) -> tuple[ClosedPiece, ...]:
    """Return one quantity's pieces: its distinct values and where each holds."""
    groups: list[tuple[sympy.Expr, np.ndarray]] = []  # (value, its values at the points)
    label = np.where(failed, -1, -2)  # -1: no equilibrium; -2: left out
    variants = []
    for b, e in exprs.items():
        if e is sympy.nan or getattr(e, "has", lambda *_: False)(sympy.nan):
            continue
        variants += _resolved(e, ok & (branch == b), symbols, args)
    for e, where in variants:
        at = _values_at(e, symbols, args)
        for gi, (_, other) in enumerate(groups):
            both = np.isfinite(at) & np.isfinite(other)
            if (
                both.any()
                and np.all(np.abs(at[both] - other[both]) <= SAME_TOL * (1 + np.abs(other[both])))
                and np.array_equal(np.isfinite(at), np.isfinite(other))
            ):
                break
        else:
            gi = len(groups)
            groups.append((e, at))
        label[where] = gi
    if not groups:
        return ()
    values = [simplest(e, positive) for e, _ in groups]
    used = sorted(set(label[label >= 0].tolist()))
    if len(used) == 1 and np.all((label == used[0]) | (label == -2)):
        return (ClosedPiece(values[used[0]], sympy.true),)
    conds = _separate(label, atoms)
    if conds is None:
        return ()
    return tuple(ClosedPiece(values[g], conds[g]) for g in used)


@dataclass(eq=False)
class _Atom:
    """A factor `expr` whose sign separates pieces: the sides `expr > 0` and `expr <= 0`."""

    expr: sympy.Expr
    signs: np.ndarray  # +1, -1 (<= 0), or 0 where too close to zero to tell
    size: int
    symbols: list
    args: list
    shown: tuple | None = None

    def side(self, positive: bool) -> sympy.Basic:
        """Return the relation of one side as a person writes it (computed once)."""
        if self.shown is None:
            self.shown = _relations(self.expr, self.symbols, self.args)
        return self.shown[0] if positive else self.shown[1]


def _atoms(exprs, symbols, args) -> list[_Atom]:
    """Return the distinct factors of exprs that change sign over the points."""
    out = []
    for f in _factors(exprs):
        v = _values_at(f, symbols, args)
        if not np.isfinite(v).any():
            continue
        scale = 1 + np.nanmax(np.abs(v))
        # sides `f > 0` and `f <= 0`: an exact zero (a point on a boundary) is on the second;
        # a value too close to zero to trust its sign says nothing
        sign = np.where(v > 0, 1, -1)
        sign[(np.abs(v) <= ZERO_ATOM * scale) & (np.abs(v) > EXACT_ZERO * scale)] = 0
        sign[~np.isfinite(v)] = 0
        if (sign > 0).any() and (sign < 0).any():
            out.append(_Atom(f, sign, int(sympy.count_ops(f)), symbols, args))
    out.sort(key=lambda a: a.size)
    return out


def _normal_sign(f: sympy.Expr) -> sympy.Expr:
    """Return f or -f, whichever sympy writes with a leading plus (one atom per factor)."""
    return -f if f.could_extract_minus_sign() else f


def _separate(label: np.ndarray, atoms: list[_Atom]) -> dict[int, sympy.Basic] | None:
    """Return per group the condition under which it holds: the fewest atoms separating the
    groups at the points (greedy), then the shortest disjunction of their sign patterns."""
    rows = label >= -1  # -2: a point left out
    chosen: list[_Atom] = []
    keys = np.zeros(len(label), np.int64)
    conflicts = _conflicts(keys, label, rows)
    while conflicts:
        if len(chosen) >= MAX_ATOMS:
            return None
        best = None
        for a in atoms:
            if a in chosen:
                continue
            k = keys * 3 + (a.signs + 1)
            c = _conflicts(k, label, rows & (a.signs != 0))
            if best is None or c < best[0]:
                best = (c, a, k)
        if best is None or best[0] >= conflicts:
            return None
        conflicts, a, keys = best
        chosen.append(a)
        rows = rows & (a.signs != 0)
    if len(chosen) > SOP_ATOMS:
        return _tree_conditions(label, rows, chosen)
    bits = sympy.symbols(f"s0:{len(chosen)}")
    patterns: dict[int, set[tuple[int, ...]]] = {}
    seen: set[tuple[int, ...]] = set()
    for i in np.nonzero(rows)[0]:
        pat = tuple(int(a.signs[i] > 0) for a in chosen)
        seen.add(pat)
        patterns.setdefault(int(label[i]), set()).add(pat)
    every = {tuple((j >> t) & 1 for t in range(len(chosen))) for j in range(2 ** len(chosen))}
    dont = [list(p) for p in every - seen]
    out = {}
    for g, pats in patterns.items():
        if g < 0:
            continue
        form = SOPform(bits, [list(p) for p in sorted(pats)], dont) if chosen else sympy.true
        out[g] = _as_relations(form, dict(zip(bits, chosen)))
    return out


def _tree_conditions(label: np.ndarray, rows: np.ndarray, atoms: list[_Atom]) -> dict:
    """Return per group the disjunction of the leaves of a decision tree on the atoms' signs
    (the split that leaves the fewest mixed pairs first)."""
    out: dict[int, list] = {}

    def grow(where: np.ndarray, path: list) -> None:
        groups = set(label[where].tolist())
        if len(groups) <= 1:
            for g in groups:
                if g >= 0:
                    out.setdefault(g, []).append(sympy.And(*path))
            return
        best = None
        for a in atoms:
            pos, neg = where & (a.signs > 0), where & (a.signs < 0)
            if not pos.any() or not neg.any():
                continue
            c = _mixed(label[pos]) + _mixed(label[neg])
            if best is None or c < best[0]:
                best = (c, a, pos, neg)
        if best is None:
            return
        _, a, pos, neg = best
        grow(pos, path + [a.side(True)])
        grow(neg, path + [a.side(False)])

    grow(rows.copy(), [])
    return {g: sympy.Or(*leaves) for g, leaves in out.items()}


def _mixed(labels: np.ndarray) -> int:
    """Return the pairs of points with different labels."""
    _, counts = np.unique(labels, return_counts=True)
    n = len(labels)
    return (n * n - int(np.sum(counts.astype(np.int64) ** 2))) // 2


def _conflicts(keys: np.ndarray, label: np.ndarray, rows: np.ndarray) -> int:
    """Return the pairs of points in different groups that the keys do not tell apart."""
    if not rows.any():
        return 0
    k = keys[rows]
    g = label[rows]
    total = 0
    order = np.lexsort((g, k))
    k, g = k[order], g[order]
    starts = np.r_[0, np.nonzero(np.diff(k))[0] + 1, len(k)]
    for s, e in itertools.pairwise(starts):
        if e - s < 2:
            continue
        _, counts = np.unique(g[s:e], return_counts=True)
        total += ((e - s) ** 2 - int(np.sum(counts.astype(np.int64) ** 2))) // 2
    return total


def _as_relations(form, atom_of: dict) -> sympy.Basic:
    """Return the boolean form with each bit replaced by its atom's relation."""
    if form in (sympy.true, sympy.false):
        return form
    if isinstance(form, sympy.Symbol):
        return atom_of[form].side(True)
    if isinstance(form, sympy.Not):
        return atom_of[form.args[0]].side(False)
    return form.func(*[_as_relations(a, atom_of) for a in form.args])


def _relations(f: sympy.Expr, symbols, args) -> tuple[sympy.Basic, sympy.Basic]:
    """Return `f > 0` and `f <= 0` as a person writes them: factors of constant sign on the
    domain divided out, solved for a param when linear in one."""
    sign = 1
    try:
        num, den = sympy.fraction(sympy.factor(f))
        kept = []
        for part, is_den in ((num, False), (den, True)):
            coeff, factors = sympy.factor_list(part)
            if coeff < 0:
                sign = -sign
            for g, k in factors:
                s = _constant_sign(g**k, symbols, args)
                if s:
                    sign *= s
                else:
                    kept.append(g**k)
        g = sympy.Mul(*kept) if kept else f
    except (sympy.PolynomialError, TypeError, ValueError, NotImplementedError):
        g = f
    if not kept:
        g, sign = f, 1
    solved = _solved(g, symbols, args)
    if solved is not None:
        p, rhs, coeff_sign = solved
        s = sign * coeff_sign
        if s > 0:
            return sympy.Gt(p, rhs, evaluate=False), sympy.Le(p, rhs, evaluate=False)
        return sympy.Lt(p, rhs, evaluate=False), sympy.Ge(p, rhs, evaluate=False)
    g = sympy.expand(g) if sympy.count_ops(sympy.expand(g)) <= sympy.count_ops(g) else g
    if sign > 0:
        return sympy.Gt(g, 0, evaluate=False), sympy.Le(g, 0, evaluate=False)
    return sympy.Lt(g, 0, evaluate=False), sympy.Ge(g, 0, evaluate=False)


def _constant_sign(e: sympy.Expr, symbols, args) -> int:
    """Return +1 or -1 if e has that sign at every point (0 otherwise)."""
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    v = _values_at(e, symbols, args)
    v = v[np.isfinite(v)]
    if len(v) and np.all(v > 0):
        return 1
    if len(v) and np.all(v < 0):
        return -1
    return 0


def _solved(g: sympy.Expr, symbols, args):
    """Return (param, rhs, sign of its coefficient) for `g = coeff*param + rest` linear in a param
    whose coefficient has a constant sign: the simplest such, else None."""
    best = None
    for p in symbols:
        if p not in g.free_symbols:
            continue
        try:
            poly = sympy.Poly(g, p)
        except sympy.PolynomialError:
            continue
        if poly.degree() != 1:
            continue
        coeff, rest = poly.all_coeffs()
        s = _constant_sign(coeff, symbols, args)
        if not s:
            continue
        rhs = simplest(-rest / coeff)
        size = sympy.count_ops(rhs)
        if best is None or size <= best[0]:
            best = (size, p, rhs, s)
    return None if best is None else best[1:]


def simplest(e: sympy.Expr, positive: Mapping | None = None) -> sympy.Expr:
    """Return e as a person writes it: the smallest (count_ops) of its factored, cancelled and
    combined forms, and of sympy.simplify's where e is small; an even power of a difference
    written with its leading term positive."""
    if not isinstance(e, sympy.Expr) or e.is_number or sympy.count_ops(e) > REWRITE_OPS:
        return e
    if isinstance(e, sympy.Piecewise):
        return sympy.Piecewise(*[(simplest(v, positive), c) for v, c in e.args])
    if positive:
        back = {d: s for s, d in positive.items()}
        return _even_powers(_smallest(e.xreplace(dict(positive))).xreplace(back))
    return _even_powers(_smallest(e))


def positive_symbols(game: Game) -> dict[sympy.Symbol, sympy.Symbol]:
    """Return, for each param whose domain lies above zero, a positive symbol of its name (so
    that sympy simplifies sqrt(F*b**3) to b*sqrt(F*b))."""
    out = {}
    for name, p in game.params.items():
        d = p.domain
        lo = d.lower if d is not None and not d.is_finite else None
        if lo is not None and lo.is_number and (lo > 0 or (lo == 0 and d.lower_strict)):
            out[p.symbol] = sympy.Symbol(name, positive=True)
    return out


def _even_powers(e: sympy.Expr) -> sympy.Expr:
    """Return e with (-x + y)^2 written (x - y)^2 where sympy would lead with a minus."""

    def flip(p):
        if p.exp.is_even and p.base.could_extract_minus_sign():
            return sympy.Pow(-p.base, p.exp)
        return p

    return e.replace(lambda x: isinstance(x, sympy.Pow) and x.exp.is_even, flip)


def _smallest(e: sympy.Expr) -> sympy.Expr:
    """Return the smallest of e's factored, cancelled, combined and simplified forms."""
    forms = [e]
    for f in (sympy.factor, sympy.cancel, sympy.together):
        try:
            forms.append(f(e))
        except (sympy.PolynomialError, TypeError, ValueError, NotImplementedError):
            pass
    if isinstance(e, sympy.Add):
        forms.append(sympy.Add(*[_smallest(t) for t in e.args]))
    if sympy.count_ops(e) <= SIMPLIFY_OPS:
        try:
            forms.append(sympy.simplify(e))
        except (TypeError, ValueError, NotImplementedError, RecursionError):
            pass
    for f in (lambda x: sympy.factor(sympy.cancel(x)), sympy.expand):
        try:
            forms.append(f(e))
        except (sympy.PolynomialError, TypeError, ValueError, NotImplementedError):
            pass
    return min(forms, key=lambda x: (sympy.count_ops(x) + NESTED_COST * _nested(x), len(str(x))))


def _nested(x: sympy.Expr) -> bool:
    """Return True for a fraction within a fraction (what a person would not write)."""
    num, den = sympy.fraction(x)
    return any(
        isinstance(p, sympy.Pow) and p.exp.is_negative
        for part in (num, den)
        for p in sympy.preorder_traversal(part)
    )
