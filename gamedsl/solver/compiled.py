"""Cells of switching expressions, and the compiled play of a closed-form step.

A step that solves in closed form knows its `branches` (closed forms of its own and every later
choice, one per combination of candidates along the steps) and its `switches` (expressions of
the history whose signs decide which branch is played: bounds of the candidates, differences of
the deciders' payoffs between branches, the later steps' switches).  Between sign changes of the
switches the same branch is played — the property the numeric bisection over continuous
histories rests on.  So a batch of histories is played by

1. the switches, lambdified once into one numpy function: the sign pattern of each history (its
   *cell*: positive, zero to rounding, or undefined, per switch; with the values of the discrete
   earlier choices, which select conditional choices);
2. a play of the step (the exact play: every candidate, every later step) at up to three
   histories of each cell not seen before (nine where a switch is zero: ties are decided by
   rules that look at more than signs); the cell's branch, regime code and flags are kept when
   those plays agree on them and on the branch's closed forms, for this batch and the next;
3. the branch's closed forms, lambdified once per branch, at the cell's histories.

Histories within NEAR_TOL of a switch's zero (ties, boundaries: the play's tolerances decide
them) and cells whose plays disagree are played exactly.  `analysis/pieces.py` does the same at
the level of a whole game over its params.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from gamedsl.solver.budget import BudgetExceeded, time_budget
from gamedsl.solver.evaluate import MODULES, NUMPY_REJECTS, safe_names, shared_parts
from gamedsl.solver.outcome import Outcome, layers_of, merge_rows

NEAR_TOL = 1e-7  # a switch within NEAR_TOL*(1 + |inputs| + |switches| + |values|) of zero:
ZERO_TOL = 1e-11  # ... a tie, played; within ZERO_TOL of zero, the switch is zero (rounding)
CELL_PROBES = 3  # histories of a new cell at which the step is played (first, middle, last)
TIED_PROBES = 9  # ... of a cell where a switch is zero
AGREE_TOL = 1e-7  # closed forms and play agree within AGREE_TOL*(1+|value|)
COMPILE_BUDGET = 2.0  # seconds of sympy/lambdify for the compiled play of one step
GIVE_UP_ROWS = 2048  # a compiled play is dropped when, over this many histories, ...
GIVE_UP_SHARE = 0.5  # ... the share played exactly (new cells, ties) is above this and its own
#                      work (switches, cells, closed forms) took longer than exact plays of the
#                      histories it served would have (at the exact plays' mean cost per history)
LEARN_SHARE = 0.5  # when the probes of new cells exceed this share of a batch, all of it is
#                     played exactly (and the new cells learnt from that play)
CHUNK = 4_000_000  # switch values (switches x histories) evaluated at once
FACTOR_BUDGET = 1.0  # seconds of sympy to factor the switches of one compiled game or step


@dataclass(frozen=True)
class SwitchFactors:
    """The factors whose signs decide the signs of a list of switches.

    The sign of a switch is the product of its factors' signs, and it is zero or undefined where
    one of them is: cells of the factors' states are as fine as cells of the switches' (so one
    branch per cell still holds) and often far fewer expressions are evaluated: common factors
    are evaluated once, and a factor whose sign is the same everywhere (`constant`) decides
    nothing.  Such a factor is still evaluated when it can bring a switch near zero (a tie, played
    exactly): a switch c * f1**e1 * f2**e2 ... / (g1**k1 ...) is within tol of zero only where
    c * |fi|**(e1 + e2 + ...) <= tol for some numerator factor fi.  So each factor carries the
    (c, degree) of a switch it is in (the one that makes it near first), and its *measure*
    c * |f|**degree is compared with NEAR_TOL * scale as a switch's |value| is; a factor that
    only divides never brings a switch to zero (coefficient 0: no measure).  Where a factor that
    divides a switch is zero, that switch is undefined in a way its sign pattern does not tell
    (inf, or nan from inf - inf, depending on how it is written): such points count as near.
    """

    exprs: tuple[sympy.Expr, ...]  # the factors to evaluate
    in_cells: np.ndarray  # bool per factor: its state is part of the cell
    coeff: np.ndarray  # float per factor: c of its measure (0: never near)
    degree: np.ndarray  # int per factor: the degree of its measure
    divides: np.ndarray  # bool per factor: it divides a switch

    @classmethod
    def identity(cls, switches: Sequence[sympy.Expr]) -> SwitchFactors:
        """Each switch its own factor (what a failed factorisation falls back to)."""
        k = len(switches)
        return cls(tuple(switches), np.ones(k, bool), np.ones(k), np.ones(k, np.int64),
                   np.zeros(k, bool))


def _canonical(f: sympy.Expr) -> tuple[float, sympy.Expr]:
    """Return (|content|, primitive part) of a factor, the part's sign fixed (f and -f alike)."""
    content, prim = f.as_content_primitive()
    if prim.could_extract_minus_sign():  # true for exactly one of prim, -prim
        prim = -prim
    return float(abs(content)), prim


def _factors(e: sympy.Expr) -> tuple[float, list[tuple[sympy.Expr, int]]] | None:
    """Return (|coefficient|, [(factor, power: > 0 in the numerator, < 0 in the denominator)])
    of e, or None when e is a number (its sign never changes)."""
    e = sympy.factor(sympy.together(e))
    if e.is_number:
        return None
    num, den = e.as_numer_denom()
    coeff = 1.0
    parts: list[tuple[sympy.Expr, int]] = []
    for side, sign in ((num, 1), (den, -1)):
        for f in sympy.Mul.make_args(side):
            power = 1
            if f.is_Pow and f.exp.is_number and f.exp.is_real:
                # an integer power has its base's zeros; a root's base has the root's zeros and
                # its negative values where the root is undefined
                power = max(1, int(abs(f.exp))) if f.exp.is_Integer else 1
                f = f.base
            if f.is_number:
                if not f.is_real:
                    return None  # nan, zoo: an undefined switch stays undefined
                coeff *= float(abs(f)) ** (power * sign)
                continue
            content, f = _canonical(f)
            coeff *= content ** (power * sign)
            parts.append((f, sign * power))
    return coeff, parts


def factor_switches(
    switches: Sequence[sympy.Expr],
    constant: Callable[[sympy.Expr], bool] | None = None,
    budget: float = FACTOR_BUDGET,
) -> SwitchFactors:
    """Return the factors of `switches` (see `SwitchFactors`); `constant(f)` says that f has the
    same strict sign at every point that will be evaluated.  Each switch is its own factor when
    sympy cannot factor them all within `budget` seconds."""
    measure: dict[sympy.Expr, tuple[float, int]] = {}  # factor -> (c, degree) of its measure
    divides: set[sympy.Expr] = set()
    try:
        with time_budget(budget):
            for s in switches:
                found = _factors(sympy.sympify(s))
                if found is None:  # a number: its sign never changes
                    continue
                c, parts = found
                degree = sum(p for _, p in parts if p > 0)
                for f, p in parts:
                    if p < 0:
                        divides.add(f)
                    mine = (c, degree) if p > 0 and c > 0 else (0.0, 1)
                    old = measure.get(f)
                    # keep the measure that reaches NEAR_TOL first (the larger threshold)
                    if old is None or _threshold(*mine) > _threshold(*old):
                        measure[f] = mine
            exprs = list(measure)
            cells = [not (constant is not None and constant(f)) for f in exprs]
    except (BudgetExceeded, RecursionError, TypeError, ValueError, ZeroDivisionError,
            OverflowError, sympy.PolynomialError):
        return SwitchFactors.identity(switches)
    # a factor of constant sign that only divides is never zero: it is not evaluated at all
    keep = [i for i, f in enumerate(exprs) if cells[i] or measure[f][0] > 0]
    return SwitchFactors(
        tuple(exprs[i] for i in keep),
        np.array([cells[i] for i in keep], bool),
        np.array([measure[exprs[i]][0] for i in keep], float),
        np.array([measure[exprs[i]][1] for i in keep], np.int64),
        np.array([exprs[i] in divides for i in keep], bool),
    )


def _threshold(c: float, degree: int) -> float:
    """Return |f| at which c * |f|**degree reaches NEAR_TOL (0: never)."""
    return (NEAR_TOL / c) ** (1.0 / degree) if c > 0 else 0.0


def closeness(F: np.ndarray, factors: SwitchFactors, scale: np.ndarray) -> np.ndarray:
    """Return each point's smallest factor measure (c * |f|**degree) over the factors that are
    neither zero to rounding nor undefined (inf where none is), and 0 where a factor that divides
    is zero: a switch is near zero where this is within NEAR_TOL * scale, as a switch's |value|
    would be."""
    out = np.full(F.shape[1], np.inf)
    with np.errstate(invalid="ignore", over="ignore"):
        for i in np.nonzero((factors.coeff > 0) | factors.divides)[0]:
            a = np.abs(F[i])
            zero = ~(a > ZERO_TOL * scale)  # or nan
            if factors.coeff[i] > 0:
                c, d = factors.coeff[i], int(factors.degree[i])
                m = a if d == 1 else a**d
                if c != 1.0:
                    m = m * c
                np.minimum(out, np.where(zero, np.inf, m), out=out)  # zero or nan: no measure
            if factors.divides[i]:
                out[zero & ~np.isnan(a)] = 0.0
    return out


def lambdify(symbols: Sequence[sympy.Symbol], exprs: list) -> Callable:
    """Return one numpy function of `symbols` computing all `exprs` (common parts shared; no
    search for Python implementations of functions, which walks every tree)."""
    return sympy.lambdify(tuple(symbols), exprs, modules=MODULES, dummify=not safe_names(symbols),
                          cse=shared_parts, use_imps=False)


def as_columns(results: Any, k: int, n: int) -> np.ndarray:
    """Return the k results of a lambdified function as a float (k, n) array."""
    out = np.empty((k, n))
    for j, r in enumerate(results):
        a = np.asarray(r)
        if np.iscomplexobj(a):
            a = np.where(np.abs(a.imag) < 1e-12, a.real, np.nan)
        out[j] = a
    return out


def states(S: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (positive, zero, closest) of switch values S (k, n) at points of size `scale`.

    A switch zero to rounding (on a boundary, or zero on a whole region) is a state of its own,
    and so is an undefined one (nan: a candidate that does not exist there, as the root of a
    negative number: both bits set).  `closest` is each point's smallest nonzero |switch|.
    """
    with np.errstate(invalid="ignore"):
        absS = np.abs(S)
        positive, zero = signs(S, absS <= ZERO_TOL * scale)
        closest = np.min(np.where(zero, np.inf, absS), axis=0) if len(S) else np.full(S.shape[1], np.inf)
    return positive, zero, closest


def signs(S: np.ndarray, small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the (positive, zero) bits of switch values S whose zeros to rounding are `small`:
    an undefined value (nan) has both bits set; a zero has no sign (its rounding sign would
    split cells for nothing)."""
    with np.errstate(invalid="ignore"):
        undefined = np.isnan(S)
        zero = small | undefined
        positive = ((S > 0) & ~zero) | undefined
    return positive, zero


def pack(positive: np.ndarray, zero: np.ndarray, extra: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Return each point's cell as a column of bytes: its switches' states and `extra` values."""
    parts = [np.packbits(positive, axis=0, bitorder="little"), np.packbits(zero, axis=0, bitorder="little")]
    n = positive.shape[1]
    for a in extra:
        parts.append(np.ascontiguousarray(np.asarray(a, float) + 0.0).view(np.uint8).reshape(n, 8).T)
    return np.concatenate(parts) if parts else np.zeros((0, n), np.uint8)


def codes(packed: np.ndarray) -> np.ndarray:
    """Return an int64 per point from its packed cell: exact up to 8 bytes, a hash beyond (the
    callers check a point's bytes against its cell's first point)."""
    n = packed.shape[1]
    out = np.zeros(n, np.uint64)
    for j in range(len(packed)):
        if j < 8:
            out |= packed[j].astype(np.uint64) << np.uint64(8 * j)
        else:  # fold further bytes in (multiply-xor hash)
            out = (out * np.uint64(0x100000001B3)) ^ packed[j].astype(np.uint64)
    return out.view(np.int64)


def group(packed: np.ndarray, rows: np.ndarray) -> tuple[list[bytes], list[np.ndarray], np.ndarray]:
    """Group the points `rows` by cell: return (cell keys, rows of each, rows whose bytes differ
    from their cell's first point: a hash collision, to be played)."""
    if not len(rows):
        return [], [], rows
    c = codes(packed[:, rows])
    if np.all(c == c[0]):
        groups = [rows]
        first = np.array([0])
        inverse = np.zeros(len(rows), np.int64)
    else:
        uniq, first, inverse = np.unique(c, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
        groups = [rows[order[bounds[g] : bounds[g + 1]]] for g in range(len(uniq))]
    if len(packed) > 8:
        rep = rows[first][inverse]
        differ = rows[np.any(packed[:, rows] != packed[:, rep], axis=0)]
    else:
        differ = rows[:0]
    keys = [packed[:, rows[first[g]]].tobytes() for g in range(len(groups))]
    return keys, groups, differ


def probe_rows(key: bytes, members: np.ndarray, switches: int) -> np.ndarray:
    """Return the points of a new cell at which it is played (spread over its points)."""
    zero_bytes = key[(switches + 7) // 8 : 2 * ((switches + 7) // 8)]
    k = TIED_PROBES if any(zero_bytes) else CELL_PROBES
    return np.unique(members[np.linspace(0, len(members) - 1, k).round().astype(int)])


class CompiledPlay:
    """The play of one closed-form step plan by cells of its switches (see the module)."""

    def __init__(self, plan) -> None:
        self.plan = plan
        self.vars = tuple(plan.vars)
        self.switches = list(plan.switches)
        self.branches = plan.branches
        problem = plan.problem
        allowed = set(plan.history)
        if problem.symbolic:
            allowed |= {problem.game.params[n].symbol for n in problem.values}
        free: set = set()
        for e in self.switches:
            free |= e.free_symbols
        for b in self.branches:
            for e in b.values():
                free |= sympy.sympify(e).free_symbols
        for u in plan.payoff_exprs:
            free |= sympy.sympify(u).free_symbols - set(self.vars)
        if not free <= allowed:
            raise ValueError("a closed form depends on more than the history")
        self.discrete = tuple(s for s in plan.history if plan._discrete_symbol(s))
        self.inputs = tuple(sorted(free | set(self.discrete), key=lambda s: s.name))
        with time_budget(COMPILE_BUDGET):
            self._switch_fn = lambdify(self.inputs, self.switches) if self.switches else None
            self._payoffs = [sympy.sympify(u) for u in plan.payoff_exprs]
        self._fns: dict[int, Callable | None] = {}
        self.cells: dict[bool, dict[bytes, tuple | None]] = {False: {}, True: {}}
        self.rows = 0  # histories asked for in the current window, of them served by cells,
        self.served = 0  # ... and the seconds of this play's own work (not its exact plays)
        self.overhead = 0.0
        self.exact_rows = 0  # histories played exactly through this play, and their seconds
        self.exact_seconds = 0.0
        self.worthwhile = True  # False once a window was mostly played exactly and its own work
        #                         cost more than it saved (cells rarely repeat: they then only
        #                         add to the cost, unless the exact play is dear)

    def restart(self) -> None:
        """Forget the current window and any verdict on it (see `_account`)."""
        self.rows = self.served = 0
        self.overhead = 0.0
        self.worthwhile = True

    def _exact(self, env: dict, n: int):
        """Return the exact play of the plan at n histories (timed, for `_account`)."""
        start = time.process_time()
        try:
            return self.plan._play_raw(env, n)
        finally:
            self.exact_rows += n
            self.exact_seconds += time.process_time() - start

    def _account(self, rows: int, served: int, seconds: float, exact_seconds: float) -> None:
        """Count a play of `rows` histories that took `seconds`, `exact_seconds` of them in exact
        plays, and served `served` histories from cells; at the end of a window, give up when
        most of its histories were played exactly and this play's own work cost more than exact
        plays of the served ones would have."""
        self.rows += rows
        self.served += served
        self.overhead += max(seconds - exact_seconds, 0.0)
        if self.rows >= GIVE_UP_ROWS:
            rows_all = self.exact_rows + self.plan._raw_rows
            if rows_all and self.served < (1 - GIVE_UP_SHARE) * self.rows:
                per_row = (self.exact_seconds + self.plan._raw_seconds) / rows_all
                if self.overhead > self.served * per_row:
                    self.worthwhile = False
            self.rows = self.served = 0
            self.overhead = 0.0

    # ------------------------------------------------------------------ closed forms
    def _fn(self, b: int) -> Callable | None:
        if b not in self._fns:
            branch = self.branches[b]
            exprs = [sympy.sympify(branch[s]) for s in self.vars]
            exprs += [u.xreplace(branch) for u in self._payoffs]
            try:
                with time_budget(COMPILE_BUDGET):
                    self._fns[b] = lambdify(self.inputs, exprs)
            except (BudgetExceeded, RecursionError, TypeError, ValueError, SyntaxError):
                self._fns[b] = None
        return self._fns[b]

    def values(self, b: int, args: list[np.ndarray], n: int) -> np.ndarray | None:
        """Return branch b's values (later vars, then payoffs) at the points: (k, n)."""
        fn = self._fn(b)
        if fn is None:
            return None
        with np.errstate(all="ignore"):
            try:
                return as_columns(fn(*args), len(self.vars) + len(self._payoffs), n)
            except NUMPY_REJECTS:  # played exactly instead
                return None

    # ------------------------------------------------------------------ cells
    def _args(self, env: dict, n: int) -> list[np.ndarray] | None:
        args = []
        for s in self.inputs:
            a = env.get(s)
            if a is None:
                return None
            args.append(np.broadcast_to(np.asarray(a, float), (n,)))
        return args

    def _cells(self, args: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Return (packed cells (bytes, n), closest |switch|, scale) at the points (None: numpy
        rejected a switch there; the histories are then played exactly)."""
        scale = 1.0 + (np.max(np.abs(np.stack(args)), axis=0) if args else np.zeros(n))
        scale = np.nan_to_num(scale, nan=np.inf)
        k = len(self.switches)
        if self._switch_fn is None:
            positive = zero = np.zeros((0, n), bool)
            closest = np.full(n, np.inf)
        else:
            with np.errstate(all="ignore"):
                step = max(1, CHUNK // max(k, 1))
                S = np.empty((k, n))
                for a in range(0, n, step):
                    part = [x[a : a + step] for x in args]
                    try:
                        S[:, a : a + step] = as_columns(self._switch_fn(*part), k, len(part[0]) if part else n)
                    except NUMPY_REJECTS:
                        return None
                scale = scale + np.fmax.reduce(np.abs(S), axis=0)
            positive, zero, closest = states(S, scale)
        extra = [args[self.inputs.index(s)] for s in self.discrete]
        return pack(positive, zero, extra), closest, scale

    def cell_codes(self, env: dict, n: int) -> np.ndarray | None:
        """Return an int64 per history that changes with its cell (None: inputs missing, or
        numpy rejected a switch)."""
        args = self._args(env, n)
        if args is None:
            return None
        cells = self._cells(args, n)
        return None if cells is None else codes(cells[0])

    # ------------------------------------------------------------------ play
    def play(self, env: dict, n: int):
        """Return the plan's Outcome at the n histories of env, or None (inputs missing, or numpy
        rejected a switch: the caller plays them exactly)."""
        start, exact_before = time.process_time(), self.exact_seconds
        out, served = self._play(env, n)
        if out is not None:
            self._account(n, served, time.process_time() - start, self.exact_seconds - exact_before)
        return out

    def _play(self, env: dict, n: int):
        """Return (`play`'s Outcome or None, the histories served by cells)."""
        args = self._args(env, n)
        found = None if args is None else self._cells(args, n)
        if found is None:
            return None, 0
        packed, closest, scale = found
        cells = self.cells[bool(self.plan.probe)]
        near = ~(closest > NEAR_TOL * scale)
        far = np.nonzero(~near)[0]
        keys, groups, differ = group(packed, far)
        played = near.copy()
        played[differ] = True
        new = [(key, members) for key, members in zip(keys, groups) if key not in cells]
        if new:
            picks, owner = _probes(new, len(self.switches))
            if n > CELL_PROBES and len(picks) + int(played.sum()) > LEARN_SHARE * n:
                # most histories would be played exactly anyway: play them all, learn from that
                out = self._exact(env, n)
                self._learn(new, picks, owner, _rows_of(out, picks), args, cells)
                return out, 0
            self._learn(new, picks, owner, self._exact(_rows(env, n, picks), len(picks)), args, cells)
        else:
            picks = np.zeros(0, np.int64)
        nv = len(self.vars)
        vals = np.full((nv + len(self._payoffs), n), np.nan)
        code = np.zeros(n, np.int64)
        ok = np.zeros(n, bool)
        unbounded = np.zeros(n, bool)
        branch = np.full(n, -1, np.int64)
        flags = np.zeros(n, np.int8)
        for key, members in zip(keys, groups):
            known = cells.get(key)
            if known is None:
                played[members] = True
                continue
            b, c, good, unb, fl = known
            members = members[~played[members]]
            if not len(members):
                continue
            v = self.values(b, [a[members] for a in args], len(members))
            if v is None:
                played[members] = True
                continue
            vals[:, members] = v
            code[members] = c
            ok[members] = good
            unbounded[members] = unb
            branch[members] = b
            flags[members] = fl
        # ties measured against the values and payoffs too: the play's tolerances are relative
        with np.errstate(invalid="ignore"):
            size = np.fmax.reduce(np.abs(vals), axis=0) if len(vals) else np.zeros(n)
            played |= closest <= NEAR_TOL * (scale + np.nan_to_num(size, nan=0.0))
        out_vals = {s: vals[j] for j, s in enumerate(self.vars)}
        if played.any():
            at = np.nonzero(played)[0]
            slow = self._exact(_rows(env, n, at), len(at))
            for s in self.vars:
                if s in slow.values:
                    out_vals[s][at] = slow.values[s]
            code[at] = slow.code
            ok[at] = slow.ok
            unbounded[at] = slow.unbounded
            branch[at] = slow.branch if slow.branch is not None else -1
            flags[at] = slow.flags_or_zeros()
        exact = played.copy()
        exact[picks] = True  # the probes of new cells were played exactly too
        result = Outcome(out_vals, code, ok, unbounded, branch, flags)
        if played.any() and slow.layers is not None:
            # a stage mixed at some of the histories played exactly: their lotteries
            mixing = np.nonzero(slow.layers.probs[:, 1:].sum(axis=1) > 0)[0] if (
                slow.layers.probs.shape[1] > 1) else np.zeros(0, np.int64)
            if len(mixing):
                result.layers = merge_rows(
                    layers_of(result), {int(at[j]): slow.layers.rows(np.array([j])) for j in mixing}
                )
        return result, n - int(exact.sum())

    def _learn(self, new: list[tuple[bytes, np.ndarray]], picks: np.ndarray, owner: np.ndarray,
               out, args, cells) -> None:
        """Keep each new cell's branch, code and flags when the exact plays at its probes (`out`,
        one row per pick) agree on them and on the branch's closed forms."""
        br = np.asarray(out.branch if out.branch is not None else np.full(len(picks), -1))
        for g, (key, _) in enumerate(new):
            r = np.nonzero(owner == g)[0]
            fl = out.flags_or_zeros()
            facts = {(int(br[i]), int(out.code[i]), bool(out.ok[i]), bool(out.unbounded[i]),
                      int(fl[i])) for i in r}
            fact = facts.pop() if len(facts) == 1 else None
            if fact is not None and fact[0] < 0:
                fact = None
            if fact is not None and fact[2]:
                mine = self.values(fact[0], [a[picks[r]] for a in args], len(r))
                if mine is None:
                    fact = None
                else:
                    for j, s in enumerate(self.vars):
                        theirs = np.asarray(out.values.get(s, np.full(len(picks), np.nan)), float)[r]
                        same = (np.abs(mine[j] - theirs) <= AGREE_TOL * (1 + np.abs(theirs))) | (
                            np.isnan(mine[j]) & np.isnan(theirs))
                        if not same.all():
                            fact = None
                            break
            cells[key] = fact


def _probes(new: list[tuple[bytes, np.ndarray]], switches: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the histories at which the new cells are played, and the cell of each."""
    picks, owner = [], []
    for g, (key, members) in enumerate(new):
        idx = probe_rows(key, members, switches)
        picks.extend(idx.tolist())
        owner.extend([g] * len(idx))
    return np.asarray(picks, np.int64), np.asarray(owner, np.int64)


def _rows_of(out, at: np.ndarray):
    """Return the outcome at the rows `at` (same type, fewer rows)."""
    return type(out)({s: a[at] for s, a in out.values.items()}, out.code[at], out.ok[at],
                     out.unbounded[at], None if out.branch is None else out.branch[at],
                     out.flags_or_zeros()[at])


def _rows(env: dict, n: int, at: np.ndarray) -> dict:
    return {s: np.broadcast_to(np.asarray(a, float), (n,))[at] for s, a in env.items()}

