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

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy

from gamedsl.game import Game
from gamedsl.solver.compiled import (
    AGREE_TOL,
    NEAR_TOL,
    group,
    pack,
    probe_rows,
    states,
)
from gamedsl.solver.compiled import as_columns as _as_columns
from gamedsl.solver.compiled import lambdify as _lambdify

# the tolerances (NEAR_TOL, AGREE_TOL, ...), states, cells and probes: as for compiled step plays
PLAY_CHUNK = 4096  # points played at once by the step plans (ties, new cells)

Play = Callable[[Mapping[str, np.ndarray]], tuple[Any, dict[str, np.ndarray]]]


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
        self._switch_fn = _lambdify(self.symbols, self.switches) if self.switches else None
        self.columns = [c.var for c in game.choices] + list(game.payoffs) + list(game.reports)
        self.payoff_names = list(game.payoffs)
        self._fns: dict[int, Callable] = {}
        self.cells: dict[bytes, tuple[int, bool, bool]] = {}  # cell -> (piece, ok, unbounded)
        self._zero = np.zeros(len(self.switches), bool)  # identically zero switches
        self._checked = np.zeros(len(self.switches), bool)

    def _drop_zeros(self, small: np.ndarray) -> None:
        """Mark the switches that are zero at every point and identically zero symbolically (a
        deviation to the candidate itself, a difference sympy left unsimplified): their sign
        selects nothing."""
        for i in np.nonzero(small.all(axis=1) & ~self._checked)[0]:
            self._checked[i] = True
            s = self.switches[i]
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

    def values(self, b: int, args: list[np.ndarray]) -> np.ndarray:
        """Return piece b's columns (choices, payoffs, reports) at the points: (columns, n)."""
        n = len(args[0]) if args else 1
        with np.errstate(all="ignore"):
            return _as_columns(self._fn(b)(*args), len(self.columns), n)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, params: Mapping[str, np.ndarray], play: Play) -> dict[str, np.ndarray]:
        """Return the value columns and the `__ok__`/`__unbounded__` masks at the points.

        `play(params_subset)` plays the step plans at a subset of the points and returns
        (outcome of the first step, value columns as `_play_points` gives them).
        """
        args = [np.asarray(params[name], float) for name in self.names]
        n = len(args[0]) if args else 1
        scale = 1.0 + (np.max(np.abs(np.stack(args)), axis=0) if len(args) > 1 else np.abs(args[0]))
        if self._switch_fn is not None:
            with np.errstate(all="ignore"):
                S = _as_columns(self._switch_fn(*args), len(self.switches), n)
                if not self._checked.all():
                    self._drop_zeros(~(np.abs(S) > NEAR_TOL * scale))  # nan counts as small
                S = S[~self._zero]
                if len(S):
                    scale = scale + np.fmax.reduce(np.abs(S), axis=0)
            # the cell of each point: its switches' states (`compiled.states`); within NEAR_TOL
            # of a zero otherwise, the point is played
            positive, zero, closest = states(S, scale)
            near = ~(closest > NEAR_TOL * scale)
            packed = pack(positive, zero)
        else:
            closest = None
            near = np.zeros(n, bool)
            packed = np.zeros((0, n), np.uint8)
        piece = np.full(n, -1, dtype=np.int64)
        ok = np.zeros(n, bool)
        unbounded = np.zeros(n, bool)
        played = near  # points whose values come from a play of the step plans
        keys, groups, differ = group(packed, np.nonzero(~near)[0])
        played[differ] = True  # a hash collision: its signs differ from its cell's
        if keys:
            new = [g for g, key in enumerate(keys) if key not in self.cells]
            if new:
                self._learn([(keys[g], groups[g]) for g in new], params, play)
            for key, members in zip(keys, groups):
                b, good, unb = self.cells.get(key, (-1, False, False))
                if b < 0:
                    played[members] = True
                    continue
                piece[members] = b
                if good:
                    ok[members] = True
                if unb:
                    unbounded[members] = True
        use = (piece >= 0) & ~played
        all_use = bool(use.all())
        present = np.unique(piece[use]) if not all_use else (
            piece[:1] if np.all(piece == piece[0]) else np.unique(piece))
        if len(present) == 1 and all_use:
            cols = self.values(int(present[0]), args)
        else:
            cols = np.full((len(self.columns), n), np.nan)
            for b in present:
                at = np.nonzero(use & (piece == b))[0]
                cols[:, at] = self.values(int(b), [a[at] for a in args])
        # ties measured against the payoffs too: the plans' tie tolerance is relative to them
        if closest is not None and self.payoff_names:
            k = len(self.columns) - len(self.payoff_names) - len(self.game.reports)
            with np.errstate(invalid="ignore"):
                pay = np.fmax.reduce(np.abs(cols[k : k + len(self.payoff_names)]), axis=0)
                played |= closest <= NEAR_TOL * (scale + np.nan_to_num(pay, nan=0.0))
        if played.any():
            at = np.nonzero(played)[0]
            for a0 in range(0, len(at), PLAY_CHUNK):
                part = at[a0 : a0 + PLAY_CHUNK]
                _, out = play({k: np.asarray(v)[part] for k, v in params.items()})
                for j, c in enumerate(self.columns):
                    cols[j, part] = out[c]
                ok[part] = out["__ok__"]
                unbounded[part] = out["__unbounded__"]
        result = {c: cols[j] for j, c in enumerate(self.columns)}
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
                mine = self.values(b, [a[rows] for a in args])
                theirs = np.stack([np.asarray(out[c], float)[rows] for c in self.columns])
                same = np.abs(mine - theirs) <= AGREE_TOL * (1 + np.abs(theirs))
                same |= np.isnan(mine) & np.isnan(theirs)
                if not same.all():
                    self.cells[key] = (-1, False, False)
                    continue
            self.cells[key] = (b, bool(good), bool(unbs.pop()))
