"""The closed-form solution of a game compiled once, its pieces selected by their conditions.

When every step solves in closed form with the params kept as symbols, the first step's plan
lists the game's *pieces* (`StepPlan.branches`: one closed form of every choice per combination of
candidates along the stages) and its *switching expressions* (`StepPlan.switches`: the
expressions in the params whose signs decide which candidate each step plays: bounds of the
candidates, differences of the deciders' payoffs between pieces, the later steps' switches).
Between sign changes of the switches the same piece is played; this is the property the solver's
own bisection over continuous histories rests on.

So a grid is evaluated by

1. the switches, lambdified once into one numpy function: a sign pattern (a *cell*) per point;
2. one play of the step plans per cell not seen before, at up to three of its points: the piece it
   plays (and whether there is an equilibrium, or an unbounded payoff) is kept for the cell, for
   this grid and the next; the points must agree, or the cell's points are all played;
3. the piece's closed forms of choices, payoffs and reports, lambdified once per piece (with
   common subexpressions shared), evaluated at the cell's points.

Points where a switch is zero within tolerance (ties, regime boundaries) are played by the step
plans one by one as in `solve`, since the tie rules there look at more than signs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy

from gamedsl.analysis.signs import domain_substitutions, on_domain
from gamedsl.game import Game
from gamedsl.solver.compiled import (
    AGREE_TOL,
    NEAR_TOL,
    ZERO_TOL,
    closeness,
    factor_switches,
    group,
    pack,
    probe_rows,
    signs,
)
from gamedsl.solver.compiled import as_columns as _as_columns
from gamedsl.solver.compiled import lambdify as _lambdify

# the tolerances (NEAR_TOL, AGREE_TOL, ...), states, cells and probes: as for compiled step plays
PLAY_CHUNK = 4096  # points played at once by the step plans (ties, new cells)

Play = Callable[[Mapping[str, np.ndarray]], tuple[Any, dict[str, np.ndarray]]]


def _abs_max(arrays) -> float:
    """Return the largest |value| in the arrays, ignoring nan (0 for none; inf where infinite)."""
    out = 0.0
    for a in arrays:
        if not len(a):
            continue
        hi, lo = float(np.max(a)), float(np.min(a))
        if math.isnan(hi) or math.isnan(lo):  # a nan: the slower reductions that skip it
            with np.errstate(invalid="ignore"):
                if np.isnan(a).all():
                    continue
                hi, lo = float(np.nanmax(a)), float(np.nanmin(a))
        out = max(out, abs(hi), abs(lo))
    return out


def _constant_sign(f: sympy.Expr, subs: list) -> bool:
    """Return True when sympy shows that f is strictly positive or strictly negative for every
    param value the domains and assumptions allow (no simplification: f is a factor already)."""
    g = on_domain(f, subs)
    return bool(g.is_positive) or bool(g.is_negative)


class Pieces:
    """The pieces of a game in closed form and the switches that select them (see the module)."""

    def __init__(self, game: Game, plans: list) -> None:
        top = plans[0]
        if top.branches is None or top.switches is None or not top.complete:
            raise ValueError("the first step has no complete list of pieces")
        self.game = game
        self.names = list(game.params)
        self.symbols = tuple(game.params[n].symbol for n in self.names)
        free = set().union(*(s.free_symbols for s in top.switches)) if top.switches else set()
        if not free <= set(self.symbols):
            raise ValueError("a switching expression depends on more than the params")
        self.branches = top.branches
        self.switches = list(top.switches)
        # the switches' factors; one of constant sign on the domain decides nothing
        subs = domain_substitutions(game)
        self.factors = factor_switches(self.switches, lambda f: _constant_sign(f, subs))
        self.cell_rows = np.nonzero(self.factors.in_cells)[0]
        self._switch_fn = _lambdify(self.symbols, list(self.factors.exprs)) if self.factors.exprs else None
        self.columns = [c.var for c in game.choices] + list(game.payoffs) + list(game.reports)
        self.payoff_names = list(game.payoffs)
        self._fns: dict[int, Callable] = {}
        self.cells: dict[bytes, tuple[int, bool, bool]] = {}  # cell -> (piece, ok, unbounded)
        self._zero = np.zeros(len(self.cell_rows), bool)  # identically zero cell factors
        self._checked = np.zeros(len(self.cell_rows), bool)

    def _drop_zeros(self, small: np.ndarray) -> None:
        """Mark the switches that are zero at every point and identically zero symbolically (a
        deviation to the candidate itself, a difference sympy left unsimplified): their sign
        selects nothing."""
        for i in np.nonzero(small.all(axis=1) & ~self._checked)[0]:
            self._checked[i] = True
            s = self.factors.exprs[self.cell_rows[i]]
            try:
                zero = sympy.cancel(sympy.expand(s)) == 0
            except (TypeError, ValueError, sympy.PolynomialError):  # pragma: no cover - defensive
                zero = False
            self._zero[i] = bool(zero)

    # ------------------------------------------------------------------ closed forms
    def _fn(self, b: int) -> Callable:
        fn = self._fns.get(b)
        if fn is None:
            branch = self.branches[b]
            values = {c.symbol: branch.get(c.symbol, sympy.nan) for c in self.game.choices}
            exprs = [values[c.symbol] for c in self.game.choices]
            exprs += [sympy.sympify(self.game.payoffs[p]).xreplace(values) for p in self.game.payoffs]
            exprs += [sympy.sympify(self.game.reports[r]).xreplace(values) for r in self.game.reports]
            fn = self._fns[b] = _lambdify(self.symbols, exprs)
        return fn

    def _value_list(self, b: int, args: list[np.ndarray], n: int) -> list[np.ndarray]:
        """Return piece b's columns as a list of n-arrays without copying them into one block
        (a column may be the same array as another: copy before writing into it)."""
        with np.errstate(all="ignore"):
            out = []
            for r in self._fn(b)(*args):
                if type(r) is np.ndarray and r.dtype == np.float64 and r.shape == (n,):
                    out.append(r)
                    continue
                a = np.asarray(r)
                if np.iscomplexobj(a):
                    a = np.where(np.abs(a.imag) < 1e-12, a.real, np.nan)
                out.append(np.broadcast_to(a.astype(float, copy=False), (n,)))
            return out

    # ------------------------------------------------------------------ evaluation
    @staticmethod
    def _scale(args: list[np.ndarray], F: np.ndarray | None, at: np.ndarray) -> np.ndarray:
        """Return the size of the points `at`: 1 + their largest |param| and |factor|."""
        scale = np.ones(len(at))
        with np.errstate(invalid="ignore"):
            for a in args:
                scale = np.fmax(scale, 1.0 + np.abs(a[at]))
            if F is not None and len(F):
                scale = scale + np.fmax.reduce(np.abs(F[:, at]), axis=0)
        return scale

    def _near(
        self,
        F: np.ndarray,
        args: list[np.ndarray],
        bound: float,
        extra: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """Return the points where a switch is within NEAR_TOL * (scale + extra) of zero
        (`compiled.closeness`); `bound` is at least scale + extra at every point, so that only
        the points where some factor is within that bound's tolerance are measured one by one."""
        n = F.shape[1]
        fac = self.factors
        cand = np.zeros(n, bool)
        with np.errstate(invalid="ignore", over="ignore"):
            for i in np.nonzero((fac.coeff > 0) | fac.divides)[0]:
                thr = ZERO_TOL * bound  # a zero divisor
                if fac.coeff[i] > 0:
                    thr = max(thr, (NEAR_TOL * bound / fac.coeff[i]) ** (1.0 / int(fac.degree[i])))
                cand |= (F[i] <= thr) & (F[i] >= -thr)  # nan: no measure
        near = np.zeros(n, bool)
        if cand.any():
            at = np.nonzero(cand)[0]
            scale = self._scale(args, F, at)
            if extra is not None:
                scale = scale + extra(at)
            near[at] = closeness(F[:, at], fac, scale) <= NEAR_TOL * scale
        return near

    def _cells_of(self, F: np.ndarray, args: list[np.ndarray], bound: float) -> np.ndarray:
        """Return the points' cells, packed (`compiled.signs` and `pack` of the cell factors, as
        `compiled.states`; a point's scale is only computed where a factor is within ZERO_TOL of
        the bound)."""
        n = F.shape[1]
        C = F[self.cell_rows]
        with np.errstate(invalid="ignore"):
            if not self._checked.all():
                self._drop_zeros(~(np.abs(C) > NEAR_TOL * bound))  # nan counts as small
            C = C[~self._zero]
            if not len(C):
                return np.zeros((0, n), np.uint8)
            absC = np.abs(C)
            small = absC <= ZERO_TOL * bound
            at = np.nonzero(small.any(axis=0))[0]
            if len(at):
                small[:, at] &= absC[:, at] <= ZERO_TOL * self._scale(args, F, at)
        return pack(*signs(C, small))

    def evaluate(self, params: Mapping[str, np.ndarray], play: Play) -> dict[str, np.ndarray]:
        """Return the value columns and the `__ok__`/`__unbounded__` masks at the points.

        `play(params_subset)` plays the step plans at a subset of the points and returns
        (outcome of the first step, value columns as `_play_points` gives them).
        """
        args = [np.asarray(params[name], float) for name in self.names]
        n = len(args[0]) if args else 1
        if self._switch_fn is not None:
            with np.errstate(all="ignore"):
                F = _as_columns(self._switch_fn(*args), len(self.factors.exprs), n)
        else:
            F = np.zeros((0, n))
        # an upper bound of every point's scale (1 + |params| + |factors|): the tolerances are
        # first applied with it, then point by point where they might hold
        bound = 1.0 + _abs_max(args) + _abs_max(F)
        # the cell of each point
        packed = self._cells_of(F, args, bound)
        piece = np.full(n, -1, dtype=np.int64)
        ok = np.zeros(n, bool)
        unbounded = np.zeros(n, bool)
        played = np.zeros(n, bool)  # points whose values come from a play of the step plans
        if not len(packed):  # no cell factor: one cell, every point in it
            keys, groups = [b""], [np.arange(n)]
        else:
            keys, groups, differ = group(packed, np.arange(n))
            played[differ] = True  # a hash collision: its signs differ from its cell's
        new = [g for g, key in enumerate(keys) if key not in self.cells]
        if new:
            # learnt away from ties: where a switch is within NEAR_TOL of zero, the point is
            # played (all points near a switch are played below in any case)
            near = self._near(F, args, bound)
            learn = [(keys[g], groups[g][~near[groups[g]]]) for g in new]
            learn = [(key, members) for key, members in learn if len(members)]
            if learn:
                self._learn(learn, params, play)
        for key, members in zip(keys, groups):
            b, good, unb = self.cells.get(key, (-1, False, False))
            if b < 0:
                played[members] = True
                continue
            if len(members) == n:  # every point
                piece.fill(b)
                ok.fill(good)
                unbounded.fill(unb)
                continue
            piece[members] = b
            if good:
                ok[members] = True
            if unb:
                unbounded[members] = True
        use = (piece >= 0) & ~played
        if len(keys) == 1 and len(groups[0]) == n and bool(use.all()):
            # one piece everywhere (the common case on a small grid): its columns as they come
            cols = self._value_list(int(piece[0]), args, n)
        else:
            cols = [np.full(n, np.nan) for _ in self.columns]
            for b in np.unique(piece[use]):
                at = np.nonzero(use & (piece == b))[0]
                for j, v in enumerate(self._value_list(int(b), [a[at] for a in args], len(at))):
                    cols[j][at] = v
        # points where a switch is within NEAR_TOL of zero (ties, boundaries) are played; the
        # tolerance is relative to the payoffs too, as the plans' tie tolerance is
        if len(F):
            k = len(self.columns) - len(self.payoff_names) - len(self.game.reports)
            pays = cols[k : k + len(self.payoff_names)]

            def pay(at: np.ndarray) -> np.ndarray:
                if not pays:
                    return np.zeros(len(at))
                with np.errstate(invalid="ignore"):
                    return np.nan_to_num(np.fmax.reduce([np.abs(c[at]) for c in pays]), nan=0.0)

            played |= self._near(F, args, bound + _abs_max(pays), pay)
        if played.any():
            cols = [np.array(c) for c in cols]  # writable and distinct
            at = np.nonzero(played)[0]
            for a0 in range(0, len(at), PLAY_CHUNK):
                part = at[a0 : a0 + PLAY_CHUNK]
                _, out = play({k: np.asarray(v)[part] for k, v in params.items()})
                for j, c in enumerate(self.columns):
                    cols[j][part] = out[c]
                ok[part] = out["__ok__"]
                unbounded[part] = out["__unbounded__"]
        result = dict(zip(self.columns, cols))
        result["__ok__"] = ok
        result["__unbounded__"] = unbounded
        return result

    def _learn(self, cells: list[tuple[bytes, np.ndarray]], params, play: Play) -> None:
        """Play the step plans at up to CELL_PROBES (TIED_PROBES) points of each new cell (key, its
        points), spread over its points; keep its piece when they agree on it and on its closed
        forms."""
        picks = []
        owner = []
        for g, (key, members) in enumerate(cells):
            idx = probe_rows(key, members, int(np.count_nonzero(~self._zero)))
            picks.extend(idx.tolist())
            owner.extend([g] * len(idx))
        picks = np.asarray(picks)
        owner = np.asarray(owner)
        sub = {k: np.asarray(v)[picks] for k, v in params.items()}
        outcome, out = play(sub)
        branch = np.asarray(outcome.branch if outcome.branch is not None else np.full(len(picks), -1))
        args = [np.asarray(sub[name], float) for name in self.names]
        for g, (key, _) in enumerate(cells):
            rows = np.nonzero(owner == g)[0]
            bs = set(branch[rows].tolist())
            oks = set(np.asarray(out["__ok__"])[rows].tolist())
            unbs = set(np.asarray(out["__unbounded__"])[rows].tolist())
            if len(bs) != 1 or len(oks) != 1 or len(unbs) != 1 or min(bs) < 0:
                self.cells[key] = (-1, False, False)
                continue
            b = bs.pop()
            good = oks.pop()
            if good:
                mine = np.stack(self._value_list(b, [a[rows] for a in args], len(rows)))
                theirs = np.stack([np.asarray(out[c], float)[rows] for c in self.columns])
                same = np.abs(mine - theirs) <= AGREE_TOL * (1 + np.abs(theirs))
                same |= np.isnan(mine) & np.isnan(theirs)
                if not same.all():
                    self.cells[key] = (-1, False, False)
                    continue
            self.cells[key] = (b, bool(good), bool(unbs.pop()))
