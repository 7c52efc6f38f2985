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

from gamedsl.analysis import intervals
from gamedsl.analysis.signs import domain_substitutions, on_domain
from gamedsl.model.game import Game
from gamedsl.solver import (
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
from gamedsl.solver import as_columns as _as_columns
from gamedsl.solver import lambdify as _lambdify

# the tolerances (NEAR_TOL, AGREE_TOL, ...), states, cells and probes: as for compiled step plays
PLAY_CHUNK = 4096  # points played at once by the step plans (ties, new cells)
ENCLOSURE_NODES = 2000  # interval enclosures of larger closed forms cost more than they save

Bounds = Mapping[str, tuple[float, float]]
_FLOAT = np.dtype(np.float64)

Play = Callable[[Mapping[str, np.ndarray]], tuple[Any, dict[str, np.ndarray]]]


def _abs_max(arrays) -> float:
    """Return the largest |value| in the arrays (or numbers), ignoring nan (0 for none; inf where
    infinite).  An array met twice (one column serving two names) is reduced once."""
    out = 0.0
    seen: list = []  # the arrays themselves (an id alone could be reused by a freed one)
    for a in arrays:
        if type(a) is float:
            if not math.isnan(a):
                out = max(out, abs(a))
            continue
        if not a.size or any(a is b for b in seen):
            continue
        seen.append(a)
        hi, lo = float(np.max(a)), float(np.min(a))
        if math.isnan(hi) or math.isnan(lo):  # a nan: the slower reductions that skip it
            with np.errstate(invalid="ignore"):
                if np.isnan(a).all():
                    continue
                hi, lo = float(np.nanmax(a)), float(np.nanmin(a))
        out = max(out, abs(hi), abs(lo))
    return out


def is_constant(a: np.ndarray) -> bool:
    """Return True for an array of one value repeated by stride 0 (`np.broadcast_to`), as the
    sweep passes the params it does not vary: constant by construction, no need to look."""
    return a.ndim == 1 and len(a) > 0 and a.strides[0] == 0


def _argument(a: np.ndarray) -> np.ndarray | float:
    """Return a param's values as the compiled functions take them: a constant (`is_constant`)
    as one number, so that numpy computes the parts that depend on constants only once."""
    return float(a[0]) if is_constant(a) else a


def _nonnegative(d) -> bool:
    """Return True when a param domain holds no negative value (a lower bound or elements that
    are numbers >= 0)."""
    if d is None:
        return False
    if d.elements is not None:
        return all(e.is_number and e >= 0 for e in d.elements)
    bound = d.int_range[0] if d.int_range is not None else d.lower
    return bound is not None and bool(bound.is_number) and bool(bound >= 0)


def _at(a: np.ndarray | float, rows: np.ndarray) -> np.ndarray | float:
    return a if type(a) is float else a[rows]


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
        self._switch_fn = (
            _lambdify(self.symbols, list(self.factors.exprs)) if self.factors.exprs else None
        )
        self.columns = [c.var for c in game.choices] + list(game.payoffs) + list(game.reports)
        self.payoff_names = list(game.payoffs)
        self._fns: dict[int, Callable] = {}
        # cell -> (piece, ok, unbounded, flags of the selection there)
        self.cells: dict[bytes, tuple[int, bool, bool, int]] = {}
        self._zero = np.zeros(len(self.cell_rows), bool)  # identically zero cell factors
        self._checked = np.zeros(len(self.cell_rows), bool)
        # params that are >= 0 on their domain (the sweep evaluates valid points only): their
        # largest |value| is their largest value, one reduction instead of two
        self._nonneg = [_nonnegative(game.params[n].domain) for n in self.names]
        # the factors that can bring a switch near zero: measured ones and divisors
        # (index, coefficient, degree) of each, as Python numbers (looked at once per grid)
        self._measured = [
            (i, float(self.factors.coeff[i]), int(self.factors.degree[i]))
            for i in np.nonzero((self.factors.coeff > 0) | self.factors.divides)[0].tolist()
        ]
        # interval enclosures of the factors and of each piece's payoffs over a box of params
        self._factor_box = self._enclosure(list(self.factors.exprs))
        self._payoff_boxes: dict[int, Callable | None] = {}

    def _enclosure(self, exprs: list) -> Callable | None:
        """Return the enclosure function of `exprs` over a box of the params (`intervals`), None
        when there is nothing to enclose or it would cost more than it saves."""
        if not exprs or intervals.size(exprs) > ENCLOSURE_NODES:
            return None
        return intervals.enclosure(exprs, self.symbols)

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
    def _exprs(self, b: int) -> list[sympy.Expr]:
        """Return piece b's closed forms: choices, payoffs and reports (the order of `columns`)."""
        branch = self.branches[b]
        values = {c.symbol: branch.get(c.symbol, sympy.nan) for c in self.game.choices}
        exprs = [values[c.symbol] for c in self.game.choices]
        exprs += [sympy.sympify(self.game.payoffs[p]).xreplace(values) for p in self.game.payoffs]
        exprs += [sympy.sympify(self.game.reports[r]).xreplace(values) for r in self.game.reports]
        return exprs

    def _fn(self, b: int) -> Callable:
        fn = self._fns.get(b)
        if fn is None:
            fn = self._fns[b] = _lambdify(self.symbols, self._exprs(b))
        return fn

    def _payoff_bound(self, b: int, box: list) -> float | None:
        """Return an upper bound of piece b's |payoffs| over the box, None when unknown."""
        if b not in self._payoff_boxes:
            k = len(self.game.choices)
            pays = self._exprs(b)[k : k + len(self.payoff_names)]
            self._payoff_boxes[b] = self._enclosure(pays)
        fn = self._payoff_boxes[b]
        if fn is None:
            return None if self.payoff_names else 0.0
        ivs = fn(box)
        if ivs is None:
            return None
        return max([max(-lo, hi) for lo, hi in ivs] + [0.0])

    def _value_list(self, b: int, args: list[np.ndarray], n: int) -> list[np.ndarray]:
        """Return piece b's columns as a list of n-arrays without copying them into one block
        (a column may be the same array as another: copy before writing into it).  Called with
        numpy's errors ignored (`evaluate`)."""
        out = []
        for r in self._fn(b)(*args):
            if type(r) is np.ndarray and r.dtype is _FLOAT and r.shape == (n,):
                out.append(r)
                continue
            a = np.asarray(r)
            if np.iscomplexobj(a):
                a = np.where(np.abs(a.imag) < 1e-12, a.real, np.nan)
            out.append(np.broadcast_to(a.astype(float, copy=False), (n,)))
        return out

    # ------------------------------------------------------------------ evaluation
    # (the helpers below run inside `evaluate`, with numpy's errors ignored)
    @staticmethod
    def _scale(args: list, F: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Return the size of the points `at`: 1 + their largest |param| and |factor|."""
        scale = np.ones(len(at))
        for a in args:
            scale = np.fmax(scale, 1.0 + np.abs(_at(a, at)))
        if len(F):
            scale = scale + np.fmax.reduce(np.abs(F[:, at]), axis=0)
        return scale

    def _near(
        self,
        factor_values: Callable[[], np.ndarray],
        ranges: tuple[np.ndarray, np.ndarray],
        args: list,
        bound: float,
        extra: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray | None:
        """Return the points where a switch is within NEAR_TOL * (scale + extra) of zero
        (`compiled.closeness`), None for none.  `bound` is at least scale + extra at every point:
        a factor whose range (`ranges`: an enclosure of each factor's values, nan where unknown)
        keeps beyond that bound's threshold brings no point near; where it does not, the factors'
        values (`factor_values()`, (k, n)) within the threshold are measured one by one."""
        near_zero = self._near_factors(ranges, bound)
        if not near_zero:
            return None
        F = factor_values()
        cand = None
        for i, thr in near_zero:
            c = (F[i] <= thr) & (F[i] >= -thr)  # nan: no measure
            cand = c if cand is None else (cand | c)
        if not cand.any():
            return None
        near = np.zeros(F.shape[1], bool)
        at = np.nonzero(cand)[0]
        scale = self._scale(args, F, at)
        if extra is not None:
            scale = scale + extra(at)
        near[at] = closeness(F[:, at], self.factors, scale) <= NEAR_TOL * scale
        return near

    def _near_factors(
        self, ranges: tuple[np.ndarray, np.ndarray], bound: float
    ) -> list[tuple[int, float]]:
        """Return the measured factors (index, threshold) whose range does not keep beyond the
        threshold below which a switch may be near zero at a point of scale `bound`."""
        lo, hi = ranges
        out = []
        for i, coeff, degree in self._measured:
            thr = ZERO_TOL * bound  # a zero divisor
            if coeff > 0:
                thr = max(thr, (NEAR_TOL * bound / coeff) ** (1.0 / degree))
            if not (lo[i] > thr or hi[i] < -thr):  # some point within it (a nan range: unknown)
                out.append((i, thr))
        return out

    def _cells_of(self, F: np.ndarray, args: list, bound: float) -> np.ndarray:
        """Return the points' cells, packed (`compiled.signs` and `pack` of the cell factors, as
        `compiled.states`; a point's scale is only computed where a factor is within ZERO_TOL of
        the bound)."""
        n = F.shape[1]
        if not len(self.cell_rows):
            return np.zeros((0, n), np.uint8)
        C = F[self.cell_rows]
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

    def _args_max(self, args: list) -> float:
        """Return the largest |param| over the points (valid points: in their domains)."""
        out = 0.0
        for a, nonneg in zip(args, self._nonneg):
            if nonneg and type(a) is not float and a.size:
                hi = float(np.max(a))
                out = max(out, hi if not math.isnan(hi) else _abs_max([a]))
            else:
                out = max(out, _abs_max([a]))
        return out

    def _factor_values(self, args: list, n: int) -> tuple[np.ndarray, tuple, float]:
        """Return the factors at the points (k, n), their ranges (min and max of each, nan where
        it has a nan) and the largest |factor| (ignoring nan)."""
        if self._switch_fn is None:
            return np.zeros((0, n)), (np.zeros(0), np.zeros(0)), 0.0
        F = _as_columns(self._switch_fn(*args), len(self.factors.exprs), n)
        lo, hi = F.min(axis=1), F.max(axis=1)
        top = 0.0
        for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
            if math.isnan(a) or math.isnan(b):
                top = max(top, _abs_max([F[i]]))
            else:
                top = max(top, -a, b)
        return F, (lo, hi), top

    def evaluate(
        self, params: Mapping[str, np.ndarray], play: Play, bounds: Bounds | None = None
    ) -> dict[str, np.ndarray]:
        """Return the value columns and the `__ok__`/`__unbounded__`/`__flags__` masks at the
        points.

        `play(params_subset)` plays the step plans at a subset of the points and returns
        (outcome of the first step, value columns as `_play_points` gives them).  A param whose
        array has stride 0 (constant) is passed to the compiled functions as one number.
        `bounds` (param name -> (lo, hi), optional) encloses each param's values at the points, as
        a sweep knows them from its grid: when the enclosures of the switches' factors over that
        box show every point in one cell, away from every switch, nothing is evaluated point by
        point but the piece's closed forms.
        """
        # numpy's floating-point errors are data here (nan, inf): ignored once for every step
        with np.errstate(all="ignore"):
            return self._evaluate(params, play, bounds)

    def _box(self, bounds: Bounds | None) -> list[tuple[float, float]] | None:
        """Return the params' enclosures in the order of `symbols`, None unless all are finite."""
        if bounds is None:
            return None
        box = []
        for name in self.names:
            lo, hi = bounds.get(name, (math.nan, math.nan))
            if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
                return None
            box.append((float(lo), float(hi)))
        return box

    def _one_cell(self, box: list) -> tuple[tuple[list, list], float, bytes] | None:
        """Return (factor ranges, scale bound, cell key) when the factors' enclosures over the
        box put every point of it in one cell with no switch near zero (as `_cells_of` and
        `_near` would find point by point), else None.  Plain Python: a few floats per factor."""
        top = max([max(-a, b) for a, b in box] + [0.0])
        if self._factor_box is None:
            if len(self.factors.exprs):
                return None  # too large to enclose
            return ([], []), 1.0 + top, b""
        ivs = self._factor_box(box)
        if ivs is None:
            return None
        lo = [a for a, _ in ivs]
        hi = [b for _, b in ivs]
        bound = 1.0 + top + max([max(-a, b) for a, b in ivs] + [0.0])
        tiny = ZERO_TOL * bound
        rows = [r for r, z in zip(self.cell_rows.tolist(), self._zero.tolist()) if not z]
        if any(lo[r] <= tiny and hi[r] >= -tiny for r in rows):
            return None  # a cell factor may change sign (or round to zero) in the box
        if self._near_factors((lo, hi), bound):
            return None  # a switch may be near zero in the box
        # the cell's key as `pack` gives it: the positive bits, then the zero bits (none)
        width = (len(rows) + 7) // 8
        positive = sum(1 << j for j, r in enumerate(rows) if lo[r] > 0)
        return (lo, hi), bound, positive.to_bytes(width, "little") + bytes(width)

    def _evaluate(
        self, params: Mapping[str, np.ndarray], play: Play, bounds: Bounds | None
    ) -> dict[str, np.ndarray]:
        arrays = [np.asarray(params[name], float) for name in self.names]
        n = len(arrays[0]) if arrays else 1
        args = [_argument(a) for a in arrays]
        box = self._box(bounds)
        known = self._one_cell(box) if box is not None else None
        F = None

        def factor_values() -> np.ndarray:
            nonlocal F
            if F is None:
                F = self._factor_values(args, n)[0]
            return F

        if known is not None:
            ranges, bound, key = known
            keys, groups, differ = [key], [None], None
        else:
            F, ranges, top = self._factor_values(args, n)
            # an upper bound of every point's scale (1 + |params| + |factors|): the tolerances
            # are first applied with it, then point by point where they might hold
            bound = 1.0 + self._args_max(args) + top
            # the cell of each point
            packed = self._cells_of(F, args, bound)
            if not len(packed):  # no cell factor: one cell, every point in it
                keys, groups, differ = [b""], [None], None
            else:
                keys, groups, differ = group(packed, np.arange(n))
        new = [g for g, key in enumerate(keys) if key not in self.cells]
        if new:
            near_args = (factor_values, ranges, args, bound)
            self._learn_new(new, keys, groups, n, near_args, params, play)
        cols, ok, unbounded, flags, played, only = self._by_cell(keys, groups, differ, args, n)
        # points where a switch is within NEAR_TOL of zero (ties, boundaries) are played; the
        # tolerance is relative to the payoffs too, as the plans' tie tolerance is
        if len(self.factors.exprs):
            # the largest |payoff|: from the enclosure of the one piece's payoffs over the box
            top = self._payoff_bound(only, box) if known is not None and only is not None else None
            near = self._near_ties(cols, top, factor_values, ranges, args, bound)
            if near is not None:
                played = near if played is None else (played | near)
        if played is not None and played.any():
            cols = self._played(cols, ok, unbounded, flags, np.nonzero(played)[0], params, play)
        result = dict(zip(self.columns, cols))
        result["__ok__"] = ok
        result["__unbounded__"] = unbounded
        result["__flags__"] = flags
        return result

    def _learn_new(self, new: list[int], keys, groups, n: int, near_args: tuple, params, play):
        """Learn the pieces of the new cells (indices `new` into keys and groups) from plays at
        their points away from ties: where a switch is within NEAR_TOL of zero, the point is
        played (all points near a switch are played by `_evaluate` in any case).  `near_args`
        are `_near`'s arguments."""
        near = self._near(*near_args)
        learn = []
        for g in new:
            members = np.arange(n) if groups[g] is None else groups[g]
            if near is not None:
                members = members[~near[members]]
            if len(members):
                learn.append((keys[g], members))
        if learn:
            self._learn(learn, params, play)

    def _by_cell(self, keys, groups, differ, args: list, n: int) -> tuple:
        """Return (columns, ok, unbounded, flags, played, only): each point's values from its
        cell's piece; `played` marks the points of unknown cells (and hash collisions), None when
        every point is in one known cell (whose piece is `only`; its columns are used as they
        come, no gather)."""
        one = len(keys) == 1 and (groups[0] is None or len(groups[0]) == n)
        if one and (differ is None or not len(differ)) and self.cells.get(keys[0], (-1,))[0] >= 0:
            b, good, unb, fl = self.cells[keys[0]]
            values = self._value_list(b, args, n)
            return values, np.full(n, good), np.full(n, unb), np.full(n, fl, np.int8), None, b
        piece = np.full(n, -1, dtype=np.int64)
        ok = np.zeros(n, bool)
        unbounded = np.zeros(n, bool)
        flags = np.zeros(n, np.int8)
        played = np.zeros(n, bool)  # points whose values come from a play of the step plans
        if differ is not None:
            played[differ] = True  # a hash collision: its signs differ from its cell's
        for key, members in zip(keys, groups):
            members = slice(None) if members is None else members
            b, good, unb, fl = self.cells.get(key, (-1, False, False, 0))
            if b < 0:
                played[members] = True
                continue
            piece[members] = b
            ok[members] = good
            unbounded[members] = unb
            flags[members] = fl
        use = (piece >= 0) & ~played
        cols = [np.full(n, np.nan) for _ in self.columns]
        for b in np.unique(piece[use]):
            at = np.nonzero(use & (piece == b))[0]
            for j, v in enumerate(self._value_list(int(b), [_at(a, at) for a in args], len(at))):
                cols[j][at] = v
        return cols, ok, unbounded, flags, played, None

    def _near_ties(self, cols, top, factor_values, ranges, args, bound) -> np.ndarray | None:
        """Return the points where a switch is within NEAR_TOL of zero relative to the point's
        scale and payoffs (`top`: a bound of the |payoffs|, None to measure it), None for none."""
        k = len(self.columns) - len(self.payoff_names) - len(self.game.reports)
        pays = cols[k : k + len(self.payoff_names)]

        def pay(at: np.ndarray) -> np.ndarray:
            if not pays:
                return np.zeros(len(at))
            return np.nan_to_num(np.fmax.reduce([np.abs(c[at]) for c in pays]), nan=0.0)

        if top is None:
            top = _abs_max(pays)
        return self._near(factor_values, ranges, args, bound + top, pay)

    def _played(self, cols, ok, unbounded, flags, at: np.ndarray, params, play: Play) -> list:
        """Return the columns with the points `at` played by the step plans (ok, unbounded and
        flags updated in place)."""
        cols = [np.array(c) for c in cols]  # writable and distinct
        for a0 in range(0, len(at), PLAY_CHUNK):
            part = at[a0 : a0 + PLAY_CHUNK]
            _, out = play({k: np.asarray(v)[part] for k, v in params.items()})
            for j, c in enumerate(self.columns):
                cols[j][part] = out[c]
            ok[part] = out["__ok__"]
            unbounded[part] = out["__unbounded__"]
            flags[part] = out["__flags__"]
        return cols

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
        branch = np.asarray(
            outcome.branch if outcome.branch is not None else np.full(len(picks), -1)
        )
        args = [np.asarray(sub[name], float) for name in self.names]
        for g, (key, _) in enumerate(cells):
            rows = np.nonzero(owner == g)[0]
            bs = set(branch[rows].tolist())
            oks = set(np.asarray(out["__ok__"])[rows].tolist())
            unbs = set(np.asarray(out["__unbounded__"])[rows].tolist())
            fls = set(np.asarray(out["__flags__"])[rows].tolist())
            if len(bs) != 1 or len(oks) != 1 or len(unbs) != 1 or len(fls) != 1 or min(bs) < 0:
                self.cells[key] = (-1, False, False, 0)
                continue
            b = bs.pop()
            good = oks.pop()
            if good:
                mine = np.stack(self._value_list(b, [a[rows] for a in args], len(rows)))
                theirs = np.stack([np.asarray(out[c], float)[rows] for c in self.columns])
                same = np.abs(mine - theirs) <= AGREE_TOL * (1 + np.abs(theirs))
                same |= np.isnan(mine) & np.isnan(theirs)
                if not same.all():
                    self.cells[key] = (-1, False, False, 0)
                    continue
            self.cells[key] = (b, bool(good), bool(unbs.pop()), int(fls.pop()))
