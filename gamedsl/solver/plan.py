"""Backward induction: one `StepPlan` per step, built last step first.

A plan knows how its step is played at any batch of histories (`play`, vectorised over numpy
arrays): it evaluates candidate profiles — symbolic ones (expressions of the history, found once
by `candidates.py`) and, where the symbolic step is incomplete or the history is small, numeric
ones (a grid over the domain, bisection at every point where the later play switches, and a
golden-section refinement of every local maximum) — plays the later steps at each candidate,
and keeps the best (one player) or the Nash profiles (several players), breaking ties by the
selection rule.  The `branches` (closed-form plays of this and the later steps) and `switches`
(expressions that vanish where the play switches) let the step before solve symbolically too.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import sympy
from sympy.core.relational import Relational

from gamedsl.model.errors import GamedslError
from gamedsl.solver import candidates as cands
from gamedsl.solver.budget import BudgetExceeded, time_budget
from gamedsl.solver.columns import HASH_MOD, SAME_TOL, all_same, clusters, combine_codes, compact
from gamedsl.solver.compiled import CompiledPlay
from gamedsl.solver.evaluate import evaluate, tree_sizes
from gamedsl.solver.outcome import (
    Layers,
    Outcome,
    StepRecord,
    combine_layers,
    expected_evaluate,
    replace_rows,
    rule_flags,
)
from gamedsl.solver.problem import Problem, Step, Var
from gamedsl.solver.select import TIE_TOL, select
from gamedsl.solver.simultaneous import SimultaneousStep

FEAS_TOL = 1e-9  # a value within FEAS_TOL*(1+|bound|) of a bound satisfies it
GRID_POINTS = 161  # grid over a continuous domain when the history is small
INNER_GRID_POINTS = 41  # grid when the step is solved numerically at many histories
BISECTION_STEPS = 46
BISECTION_TOL = 1e-12  # ... or until every bracket is this narrow (relative to its ends and
#                        the segment bisected)
MAX_SWITCHES_PER_CELL = 3
MAX_CELL_CHANGES = 12  # ... when bisecting the cells of a compiled later step
GOLDEN_STEPS = 44
ZOOM_POINTS = 33  # grid zoom (small batches): each level shrinks the interval 16-fold
ZOOM_LEVELS = 9
ZOOM_KINK = 1e-7  # ... a bracket across a change of regime stops zooming this narrow (relative
#                    to its first ends and width; the change is then bisected)
ZOOM_MAX_ROWS = 1024
MAX_BRANCHES = 200
MAX_SWITCHES = 300
DISCRETE_HISTORY_BUDGET = 0.5  # seconds, for steps whose history has no continuous choice
PRUNE_ABOVE = 16  # with more later branches than this, keep only those played at samples
PRUNE_SAMPLES = 256
PRUNE_SECTIONS = 3  # points per segment and iteration between samples of different regimes
PRUNE_ITERATIONS = 11  # each shrinks the segment 4-fold: 11 locate a boundary to 2.4e-7 of it
PRUNE_ROUNDS = 3  # boundaries looked for between two such samples
UNBOUNDED_PROBE = 1e6
FAR_OUT = 100  # a best candidate this many param scales from its bounds is far out
# (every time that decides what is compiled or given up is CPU time of the process, as the
# budgets are: a loaded machine does not change how a game is played.  Some kernels count it in
# clock ticks, 4 ms on the machines measured, so one short play measures 0 or a tick: unbiased
# on average over the many plays these decisions sum)
COMPILE_AFTER = 0.3  # seconds of exact plays of a closed-form step before it is compiled (about
#                      what compiling a large one costs: the cheap steps of small games never are)
COMPILE_BASE = 0.025  # seconds: compiling a step's play costs about this plus COMPILE_PER_NODE
COMPILE_PER_NODE = 8e-6  # ... per node of its switches' expression trees (measured)
DEDUP_MIN = 32  # batches of at least this many histories are played once per distinct one
DEDUP_KEEP = 0.9  # ... unless fewer than 10% of them repeat


def _one_hot(sel: np.ndarray, n: int, m: int) -> np.ndarray:
    """Return weights (n, m): 1 at each point's selected column."""
    w = np.zeros((n, m))
    w[np.arange(n), sel] = 1.0
    return w


# errors sympy raises on expressions it cannot handle (not bugs of ours: the step is searched)
SYMPY_FAILURES = (
    ValueError,
    TypeError,
    ArithmeticError,
    NotImplementedError,
    sympy.polys.polyerrors.BasePolynomialError,
)


class Terminal:
    """The end of the game: nothing left to play."""

    vars: tuple[sympy.Symbol, ...] = ()
    branches: ClassVar[list[dict]] = [{}]
    switches: ClassVar[list[sympy.Expr]] = []
    complete = True

    relevant: frozenset = frozenset()

    def play(self, env, n, record=None) -> Outcome:
        return Outcome(
            {},
            np.zeros(n, dtype=np.int64),
            np.ones(n, bool),
            np.zeros(n, bool),
            np.zeros(n, dtype=np.int64),
        )


_OPAQUE = (
    sympy.Piecewise,
    Relational,
    sympy.Min,
    sympy.Max,
    sympy.Abs,
    sympy.Function,
    sympy.logic.boolalg.BooleanFunction,
)


def relevant_symbols(problem: Problem, steps: Sequence[Step]) -> frozenset:
    """Return the symbols outside `steps` that can change how `steps` are played.

    A symbol is irrelevant when it enters no bound, condition or fixed value of these steps and
    every payoff only through a term that none of their variables touches (d payoff / d symbol
    free of them): then it shifts every alternative's payoff by the same amount and no choice,
    comparison or tie depends on it.  Symbols inside a piece, a min/max or a function are kept.
    """
    own = {v.symbol for s in steps for v in s.vars}
    out: set = set()
    for s in steps:
        for v in s.vars:
            for e in (v.lower, v.upper, v.condition, v.otherwise, v.fixed, *(v.elements or ())):
                if e is not None:
                    out |= e.free_symbols
    for u in problem.payoffs.values():
        outside = u.free_symbols - own - out
        if not outside or not (u.free_symbols & own):
            continue
        opaque: set = set()
        for node in sympy.preorder_traversal(u):
            if isinstance(node, _OPAQUE):
                opaque |= node.free_symbols
        for sym in outside:
            if sym in opaque or sympy.diff(u, sym).free_symbols & own:
                out.add(sym)
    return frozenset(out - own)


def _moving_part(u: sympy.Expr, later: set) -> sympy.Expr:
    """Return u without its additive terms that contain none of the `later` variables."""
    if not isinstance(u, sympy.Add):
        return u
    kept = [t for t in u.args if t.free_symbols & later]
    return sympy.Add(*kept) if len(kept) < len(u.args) else u


def _unique_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (index of the first of each distinct row, inverse map) of a float matrix."""
    k = np.ascontiguousarray(keys + 0.0)  # -0.0 and 0.0 alike
    view = k.view(np.dtype((np.void, k.dtype.itemsize * k.shape[1]))).ravel()
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _bisect(
    regime, a: np.ndarray, ca: np.ndarray, right_end: np.ndarray, c_right: np.ndarray, rounds: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Return the brackets (a, b) of the changes of `regime` (a function of values per row, None
    where unknown) on [a, right_end], ca the code at a and c_right at right_end: each round
    bisects from the last change found to the next one (nan once a row has none left); and the
    rows with changes left after the last round."""
    found = []
    active = np.ones(len(a), bool)
    for _round in range(rounds):
        b = right_end.copy()
        with np.errstate(invalid="ignore"):
            tol = BISECTION_TOL * (np.abs(a) + np.abs(b) + (b - a))
        for _ in range(BISECTION_STEPS):
            with np.errstate(invalid="ignore"):
                if np.all(~(b - a > tol)):
                    break  # as close as rounding of the values lets them be told apart
            mid = (a + b) / 2
            left = regime(mid) == ca
            a = np.where(left, mid, a)
            b = np.where(left, b, mid)
        found.append((np.where(active, a, np.nan), np.where(active, b, np.nan)))
        cb = regime(b)
        active &= (cb != c_right) & (b < right_end)
        if not active.any():
            break
        a, ca = b.copy(), cb.copy()
    return found, active


class StepPlan(SimultaneousStep):
    """How one step is played, given how every later step is played."""

    INNER_GRID_POINTS = INNER_GRID_POINTS

    def __init__(
        self,
        problem: Problem,
        step: Step,
        next_plan,
        budget: float | None,
        numeric_only: bool = False,
        select_mode: str = "pareto",
        force_rank: int | None = None,
        pure: bool = False,
    ):
        self.problem = problem
        self.select_mode = select_mode
        self.force_rank = force_rank  # select "all": the equilibrium carried, by domain order
        self.step = step
        self.next = next_plan
        self.vars = tuple(v.symbol for v in step.vars) + tuple(next_plan.vars)
        earlier = [v for s in problem.steps[: step.index] for v in s.vars]
        self.history = tuple(v.symbol for v in earlier)
        self._var_of = {v.symbol: v for v in earlier}
        self.continuous_history = any(not v.discrete for v in earlier)
        self.deciders = step.players
        self.all_players = tuple(problem.decision_players)
        # a stage of finite choices only, of several players, is solved in mixed strategies
        # where it has no pure equilibrium (DESIGN §1b; not with `--pure`)
        own = [v for v in step.vars if v.fixed is None]
        self.pure_only = pure and len(self.deciders) > 1 and all(v.discrete for v in own)
        self.may_mix = (
            not pure and len(self.deciders) > 1 and bool(own) and all(v.discrete for v in own)
        )
        self.later_may_mix = getattr(next_plan, "may_mix", False) or getattr(
            next_plan, "later_may_mix", False
        )
        stage_players = [problem.stage_players(i) for i in range(step.stage_index)]
        self.leader_groups = [g for g in reversed(stage_players)]
        later = {v.symbol for st in problem.steps[step.index :] for v in st.vars}
        # payoffs without the terms no choice from here on touches: they are sunk, shift every
        # alternative alike, and would only widen the relative tie tolerance
        self.payoff_exprs = [_moving_part(problem.payoffs[p], later) for p in self.all_players]
        self.candidates: list[dict[sympy.Symbol, sympy.Expr]] = []
        self.origins: list | None = None
        self.partial: list | None = None  # exact candidates of an incomplete symbolic step
        self.kkt_sufficient = False
        self.kkt_truncated = False  # more active sets than were solved (simultaneous.py)
        self._origin: dict = {}
        # per variable of a simultaneous stage: its own alternatives (simultaneous.py)
        self.deviations: dict[sympy.Symbol, list[dict[sympy.Symbol, sympy.Expr]]] = {}
        self.complete = False
        self.branches: list[dict] | None = None  # (entries None at a first step at param values)
        self._branch_keys: list = []
        self._branch_table = None
        self.switches: list[sympy.Expr] | None = None
        self.relevant = relevant_symbols(problem, problem.steps[step.index :])
        self.scale = 1.0 + max(
            [abs(float(v)) for v in problem.values.values() if v.is_finite is not False] or [0.0]
        )
        self.failure: str | None = None
        # a grid beside complete exact candidates at small discrete histories: solve() turns it
        # on when verification of the exact play finds a gain
        self.safety_net = False
        # probes far out in an unbounded domain flag an unbounded payoff: solve() probes each
        # step once, at the path; the sweep's vectorised play probes at every point
        self.probe = False
        # the full grid at every history when no earlier choice is continuous: a sweep plays
        # such steps at many param points, each of which solve() searches with the full grid
        self.full_grid = False
        # compiled play (`compiled.py`) only once every plan is built (build_plans sets it):
        # while building, the histories sampled differ in every dimension and cells rarely repeat
        self.compile_ok = False
        self.prev = None  # the plan of the step before (set by build_plans)
        self._compiled = None  # CompiledPlay, False (cannot be), None (not yet)
        # a compiled play given up (mostly played exactly): its cells still show where the play
        # can change, for the bisections of the step before
        self._given_up = None
        self._raw_seconds = 0.0  # spent in exact plays asked for by play()
        self._raw_rows = 0  # histories of those plays
        self._own_seconds = 0.0  # spent in every exact play of this step, not in the later steps'
        self._nested_seconds = 0.0  # ... spent in the later steps' plays
        self._price: float | None = None
        if (
            budget
            and not problem.symbolic
            and not self.continuous_history
            and len(self.deciders) <= 1
        ):
            # the numeric search is complete and cheap here: do not wait long for sympy
            budget = min(budget, DISCRETE_HISTORY_BUDGET)
        if not numeric_only:
            clock = None
            try:
                with time_budget(budget) as clock:
                    self._build_symbolic()
                    self._build_branches()
            except Exception as exc:
                # an expiry that a library caught and re-raised as its own error is one too;
                # sympy failing on an expression (a candidate at infinity that Min cannot
                # compare, a polynomial it cannot factor) leaves the step to the numeric search
                if isinstance(exc, GamedslError):
                    raise
                if not isinstance(exc, (cands.Incomplete, BudgetExceeded, RecursionError)):
                    if clock is not None and clock.expired:
                        exc = BudgetExceeded()
                    elif not isinstance(exc, SYMPY_FAILURES):
                        raise
                self.failure = str(exc) or type(exc).__name__
                self.complete = False
                self.branches = None
                self.switches = None
        # the exact plays of this step's own prune do not count towards compiling it
        self._own_seconds = self._nested_seconds = 0.0
        if (
            self.complete
            and self.later_may_mix
            and len(self.deciders) > 1
            and any(not v.discrete for v in own)
        ):
            # the closed forms assume the later play pure: where a later stage mixes, the
            # expected payoff's optimum is none of them, so this step is searched numerically
            self.complete = False
            self.branches = None
            self.switches = None
        self.method = "symbolic" if self.complete else "numeric"
        if all(v.fixed is not None for v in step.vars):
            self.method = "fixed"

    # ------------------------------------------------------------------ symbolic build
    def _active(self) -> list[Var]:
        return [v for v in self.step.vars if v.fixed is None]

    def _build_symbolic(self) -> None:
        active = self._active()
        if not active:
            self.candidates = [{v.symbol: v.fixed for v in self.step.vars}]
            self.complete = True
            return
        fixed = {v.symbol: v.fixed for v in self.step.vars if v.fixed is not None}
        if len(self.deciders) == 1:
            if len(active) != 1:
                raise cands.Incomplete("several variables of one player in one step")
            v = active[0]
            values = self._single_candidates(v, fixed)
            self.candidates = [{**fixed, v.symbol: self._conditional(v, e)} for e in values]
            self.origins = [self._origin.get(e) for e in values]
        else:
            self._build_simultaneous(active, fixed)
        self.complete = True

    def _conditional(self, v: Var, e: sympy.Expr) -> sympy.Expr:
        if v.condition is None:
            return e
        return cands.make_piecewise([(e, v.condition), (v.otherwise, sympy.true)])

    def _branch_payoffs(self, player: str, extra: dict | None = None) -> list[sympy.Expr]:
        """Return the player's payoff along every later branch (exprs of history and this step)."""
        if self.next.branches is None:
            raise cands.Incomplete("the later stages have no closed form")
        u = self.problem.payoffs[player]
        out = []
        for b in self.next.branches:
            e = cands.replace(u, b)
            if extra:
                e = cands.replace(e, extra)
            out.append(e)
        return out

    def _single_candidates(self, v: Var, fixed: dict) -> list[sympy.Expr]:
        """Return candidate values of one player's single variable."""
        if v.discrete:
            return list(v.elements)
        x = v.symbol
        given = cands.condition_equalities(v.condition)
        given.update(fixed)
        points: list[sympy.Expr] = []
        # a stationary point of the payoff along one later branch is composed with that branch
        # only (elsewhere it is not a maximiser); other candidates with every branch
        origin: dict = {}
        anywhere: set = set()
        for k, u in enumerate(self._branch_payoffs(v.player, given)):
            stationary = cands.stationary_points(u, x)
            bps = cands.breakpoints(u, x)
            for e in stationary:
                origin.setdefault(e, set()).add(k)
                points.append(e)
            anywhere.update(bps)
            points += bps
        if self.next.switches is None:
            # the stationary points are exact; the switching points will be found numerically
            self.partial = [
                {**fixed, v.symbol: self._conditional(v, e)}
                for e in cands.unique(points + [b for b in (v.lower, v.upper) if b is not None])
            ]
            raise cands.Incomplete("the later stages' switching points are unknown")
        for s in self.next.switches:
            if s.has(x):
                points += cands.real_roots(cands.replace(s, given), x)
        for b, strict in ((v.lower, v.lower_strict), (v.upper, v.upper_strict)):
            if b is not None:
                points.append(b)
        points = cands.unique(points)
        self._origin = {
            e: origin[e]
            for e in points
            if e in origin and e not in anywhere and e not in (v.lower, v.upper)
        }
        return points

    def _set_branches(self, branches: list[dict], keys: list[tuple[int, int]]) -> None:
        self.branches = branches
        self._branch_keys = keys
        self._branch_table = None

    def _branch_of(self, cand: np.ndarray, down_branch: np.ndarray | None) -> np.ndarray:
        """Return the index of branch (candidate, later branch) per point (-1 when not listed)."""
        n = len(cand)
        if self.branches is None or down_branch is None:
            return np.full(n, -1, dtype=np.int64)
        table = self._branch_table
        if table is None:
            nc = max([k[0] for k in self._branch_keys] + [0]) + 1
            nb = max([k[1] for k in self._branch_keys] + [0]) + 1
            table = np.full((nc, nb), -1, dtype=np.int64)
            for i, (c, b) in enumerate(self._branch_keys):
                table[c, b] = i
            self._branch_table = table
        c = np.asarray(cand, dtype=np.int64)
        b = np.asarray(down_branch, dtype=np.int64)
        ok = (c >= 0) & (c < table.shape[0]) & (b >= 0) & (b < table.shape[1])
        out = np.full(n, -1, dtype=np.int64)
        out[ok] = table[c[ok], b[ok]]
        return out

    def _sample_histories(self, n: int) -> dict:
        """Return n random histories: every earlier choice drawn from its domain."""
        rng = np.random.default_rng(12345)
        env: dict = {}
        if self.problem.symbolic:
            for name, v in self.problem.values.items():
                env[self.problem.game.params[name].symbol] = np.full(n, float(v))
        for step in self.problem.steps[: self.step.index]:
            for v in step.vars:
                if v.fixed is not None:
                    val = evaluate([v.fixed], env, n)[0]
                elif v.discrete:
                    vals = np.array(
                        [float(e) for e in evaluate(list(v.elements), env, 1) for e in [e[0]]]
                    )
                    val = rng.choice(vals, size=n)
                else:
                    lo, hi = self._bounds(v, env, n)
                    lo_ = np.where(
                        np.isfinite(lo),
                        lo,
                        np.where(np.isfinite(hi), hi - 4 * self.scale, -4 * self.scale),
                    )
                    hi_ = np.where(np.isfinite(hi), hi, lo_ + 4 * self.scale)
                    val = lo_ + rng.random(n) * (hi_ - lo_)
                    # also the bounds themselves, where corners often sit
                    k = n // 8
                    val[:k] = lo_[:k]
                    val[k : 2 * k] = hi_[k : 2 * k]
                if v.condition is not None:
                    cond = evaluate([v.condition], env, n)[0] > 0.5
                    other = evaluate([v.otherwise], env, n)[0]
                    val = np.where(cond, val, other)
                env[v.symbol] = val
        return env

    def _prune_branches(self) -> None:
        """Keep only the branches played at some sampled history (a large list otherwise slows
        every earlier step down and hides its switching points)."""
        env = self._sample_histories(PRUNE_SAMPLES)
        out = self.play(env, PRUNE_SAMPLES)
        seen = {int(b) for b in out.branch[out.ok] if b >= 0}
        seen |= self._branches_between(env, out)
        seen = sorted(seen)
        if not seen:
            return
        self._set_branches([self.branches[i] for i in seen], [self._branch_keys[i] for i in seen])

    def _branches_between(self, env: dict, out: Outcome) -> set:
        """Return the branches played between neighbouring samples whose branches differ.

        A regime narrower than the sample spacing, sandwiched between two sampled ones, is found
        by searching the segment between the two samples (PRUNE_SECTIONS points per iteration, up
        to PRUNE_ROUNDS boundaries each): every search ends next to a boundary, with a point of
        each adjacent regime played.
        """
        continuous = [s for s in self.history if s in env and not self._discrete_symbol(s)]
        if not continuous:
            return set()
        discrete = [s for s in self.history if s in env and self._discrete_symbol(s)]
        order = np.lexsort(
            [env[s] for s in reversed(continuous)] + [env[s] for s in reversed(discrete)]
        )
        i, j = order[:-1], order[1:]
        same_slice = np.ones(len(i), bool)
        for s in discrete:
            same_slice &= env[s][i] == env[s][j]
        br = np.where(out.ok, out.branch, -1)
        pick = same_slice & (br[i] != br[j])
        i, j = i[pick], j[pick]
        if not len(i):
            return set()
        seen: set = set()
        a = np.zeros(len(i))
        br_a, end_b = br[i].copy(), br[j].copy()

        def at(t: np.ndarray) -> np.ndarray:
            reps = len(t) // len(i)
            ii, jj = np.tile(i, reps), np.tile(j, reps)
            point = {
                s: env[s][ii] + t * (env[s][jj] - env[s][ii]) if s in continuous else env[s][ii]
                for s in env
            }
            o = self.play(point, len(t))
            got = np.where(o.ok, o.branch, -1)
            seen.update(int(x) for x in got if x >= 0)
            return got

        active = np.ones(len(i), bool)
        k = PRUNE_SECTIONS
        frac = np.arange(1, k + 1) / (k + 1)
        rows = np.arange(len(i))
        for _round in range(PRUNE_ROUNDS):
            lo, hi, blo = a.copy(), np.ones(len(i)), br_a.copy()
            for _ in range(PRUNE_ITERATIONS):
                # k interior points per segment, one play for all; keep the first cell whose
                # right end is in another regime than its left end
                t = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
                bt = at(t.T.reshape(-1)).reshape(k, len(i)).T
                differs = bt != blo[:, None]
                first = np.where(differs.any(axis=1), np.argmax(differs, axis=1), k)
                new_lo = np.where(first > 0, t[rows, np.maximum(first - 1, 0)], lo)
                new_hi = np.where(first < k, t[rows, np.minimum(first, k - 1)], hi)
                lo, hi = new_lo, new_hi
            bh = at(hi)
            active &= (bh != end_b) & (hi < 1)
            if not active.any():
                break
            a, br_a = hi, bh
        return seen

    def _discrete_symbol(self, s: sympy.Symbol) -> bool:
        var = self._var_of.get(s)
        return var is None or var.discrete or var.fixed is not None

    def _smooth_after(self) -> bool:
        """Return True when no later step has discrete or conditional choices or pieces."""
        for step in self.problem.steps[self.step.index + 1 :]:
            for v in step.vars:
                if v.discrete or v.condition is not None:
                    return False
        for p in self.all_players:
            if self.problem.payoffs[p].has(sympy.Piecewise, sympy.Min, sympy.Max, sympy.Abs):
                return False
        return True

    def _build_branches(self) -> None:
        """Compose this step's candidates with the later branches; collect switching exprs."""
        if self.next.branches is None:
            self.branches = None
            self.switches = None
            return
        branches = []
        keys = []
        origins = getattr(self, "origins", None) or [None] * len(self.candidates)
        # the first step at param values: no earlier step composes with its branches or needs
        # its switches (they hold numbers only), so only their keys are kept
        first_at_values = not self.history and not self.problem.symbolic
        for ci, c in enumerate(self.candidates):
            for bi, b in enumerate(self.next.branches):
                if origins[ci] is not None and bi not in origins[ci]:
                    continue
                keys.append((ci, bi))
                if first_at_values:
                    branches.append(None)
                else:
                    merged = dict(c)
                    merged.update({k: cands.replace(e, c) for k, e in b.items()})
                    branches.append(merged)
                if len(branches) > MAX_BRANCHES:
                    self.branches = None
                    self.switches = None
                    return
        self._set_branches(branches, keys)
        if first_at_values:
            self.switches = []
            return
        if len(branches) > PRUNE_ABOVE and self.continuous_history:
            self._prune_branches()
        branches = self.branches
        owner = [k[0] for k in self._branch_keys]
        if self.next.switches is None:
            self.switches = None
            return
        switches: list[sympy.Expr] = []
        used = sorted(set(owner))
        for c in [self.candidates[i] for i in used]:
            for v in self.step.vars:
                e = c.get(v.symbol)
                if e is None or v.fixed is not None:
                    continue
                for b in (v.lower, v.upper):
                    if b is not None:
                        switches.append(e - b)
            for s in self.next.switches:
                switches.append(cands.replace(s, c))
        for p in self.deciders:
            us = [cands.replace(self.problem.payoffs[p], b) for b in branches]
            for u in us:
                for rel in u.atoms(Relational):
                    switches.append(rel.lhs - rel.rhs)
            pairs = [
                (a, b) for a, b in itertools.combinations(range(len(us)), 2) if owner[a] != owner[b]
            ]
            if len(pairs) > MAX_SWITCHES:
                self.switches = None
                return
            for a, b in pairs:
                switches.append(us[a] - us[b])
        if len(self.deciders) > 1:
            count = (
                len(used) * sum(len(d) for d in self.deviations.values()) * len(self.next.branches)
            )
            if count + len(switches) > MAX_SWITCHES:
                self.switches = None
                return
            owner = {v.symbol: v.player for v in self.step.vars}
            for c in [self.candidates[i] for i in used]:
                for x_dev, devs in self.deviations.items():
                    p = owner[x_dev]
                    for d in devs:
                        ((x_i, d_expr),) = d.items()
                        alt = {**c, x_i: cands.replace(d_expr, c)}
                        for b in self.next.branches:
                            u_c = cands.replace(
                                self.problem.payoffs[p],
                                {**c, **{k: cands.replace(e, c) for k, e in b.items()}},
                            )
                            u_d = cands.replace(
                                self.problem.payoffs[p],
                                {**alt, **{k: cands.replace(e, alt) for k, e in b.items()}},
                            )
                            switches.append(u_c - u_d)
        history = set(self.history)
        out = []
        for s in cands.unique(switches):
            if s.free_symbols & history or (self.problem.symbolic and s.free_symbols):
                out.append(s)
        if len(out) > MAX_SWITCHES:
            self.switches = None
            return
        self.switches = out

    # ------------------------------------------------------------------ numeric play
    def _payoffs_at(self, env: dict, n: int) -> dict[str, np.ndarray]:
        arrays = evaluate(self.payoff_exprs, env, n)
        return {p: np.where(np.isfinite(a), a, np.nan) for p, a in zip(self.all_players, arrays)}

    def _play_columns(self, env: dict, n: int, columns: dict[sympy.Symbol, np.ndarray]):
        """Play the later steps at each candidate column; return (down outcome, payoffs, big env).

        `columns[var]` has shape (n, M): M candidate profiles at each of n histories.
        """
        m = next(iter(columns.values())).shape[1]
        big = {s: np.tile(np.asarray(a, float), m) for s, a in env.items()}
        for s, a in columns.items():
            big[s] = a.T.reshape(-1)
        down = self._play_next(big, n * m)
        arrays = expected_evaluate(self.payoff_exprs, big, down, n * m)
        pay = {p: np.where(np.isfinite(a), a, np.nan) for p, a in zip(self.all_players, arrays)}
        return down, {p: a.reshape(m, n) for p, a in pay.items()}, big

    def _play_next(self, big: dict, size: int) -> Outcome:
        """Play the later steps at `size` histories, once per distinct relevant history."""
        if isinstance(self.next, Terminal) or size < DEDUP_MIN:
            return self._play_later(big, size)
        keys = [s for s in sorted(self.next.relevant, key=str) if s in big]
        # representative of each group: the row whose irrelevant values are smallest (they shift
        # payoffs by a constant, but the relative tie tolerance still grows with them)
        rest = [
            np.abs(np.broadcast_to(np.asarray(a, float), (size,)))
            for s, a in big.items()
            if s not in self.next.relevant
        ]
        order = (
            np.argsort(np.nan_to_num(np.sum(rest, axis=0), nan=np.inf), kind="stable")
            if rest
            else np.arange(size)
        )
        if keys:
            first, inverse = _unique_rows(
                np.stack(
                    [np.broadcast_to(np.asarray(big[s], float), (size,))[order] for s in keys],
                    axis=1,
                )
            )
            first = order[first]
            inverse_orig = np.empty(size, dtype=np.int64)
            inverse_orig[order] = inverse
            inverse = inverse_orig
        else:
            first, inverse = order[:1], np.zeros(size, dtype=np.int64)
        if len(first) > DEDUP_KEEP * size:
            return self._play_later(big, size)
        sub = {s: np.broadcast_to(np.asarray(a, float), (size,))[first] for s, a in big.items()}
        d = self._play_later(sub, len(first))
        return Outcome(
            {s: a[inverse] for s, a in d.values.items()},
            d.code[inverse],
            d.ok[inverse],
            d.unbounded[inverse],
            None if d.branch is None else d.branch[inverse],
            d.flags_or_zeros()[inverse],
            None if d.layers is None else d.layers.rows(inverse),
        )

    def _bounds(self, v: Var, env: dict, n: int) -> tuple[np.ndarray, np.ndarray]:
        lo = evaluate([v.lower], env, n)[0] if v.lower is not None else np.full(n, -np.inf)
        hi = evaluate([v.upper], env, n)[0] if v.upper is not None else np.full(n, np.inf)
        return lo, hi

    def _feasible(self, v: Var, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Return the mask of values x (n, M) inside the domain (lo, hi of shape (n,))."""
        lo_, hi_ = lo[:, None], hi[:, None]
        tol_lo = FEAS_TOL * (1 + np.abs(np.where(np.isfinite(lo_), lo_, 0)))
        tol_hi = FEAS_TOL * (1 + np.abs(np.where(np.isfinite(hi_), hi_, 0)))
        ok = np.isfinite(x)
        with np.errstate(invalid="ignore"):
            ok &= (x > lo_) if v.lower_strict else (x >= lo_ - tol_lo)
            ok &= (x < hi_) if v.upper_strict else (x <= hi_ + tol_hi)
        return ok

    def _snap(self, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Clip values that are within tolerance of a bound onto the bound."""
        lo_, hi_ = lo[:, None], hi[:, None]
        tol_lo = FEAS_TOL * (1 + np.abs(np.where(np.isfinite(lo_), lo_, 0)))
        tol_hi = FEAS_TOL * (1 + np.abs(np.where(np.isfinite(hi_), hi_, 0)))
        with np.errstate(invalid="ignore"):
            x = np.where(np.isfinite(lo_) & (x < lo_) & (x >= lo_ - tol_lo), lo_, x)
            x = np.where(np.isfinite(hi_) & (x > hi_) & (x <= hi_ + tol_hi), hi_, x)
        return x

    def _grid(self, lo: np.ndarray, hi: np.ndarray, points: int) -> np.ndarray:
        """Return a grid (n, points) over each history's domain (mapped when unbounded)."""
        t = np.linspace(0.0, 1.0, points)[None, :]
        s = self.scale
        lo_, hi_ = lo[:, None], hi[:, None]
        both = np.isfinite(lo_) & np.isfinite(hi_)
        tt = np.clip(t, 0, 0.995)
        up = lo_ + s * 4 * tt / (1 - tt)
        down = hi_ - s * 4 * tt[:, ::-1] / (1 - tt[:, ::-1])
        free = s * 4 * np.tan(np.pi * (t - 0.5) * 0.99)
        with np.errstate(invalid="ignore"):
            g = np.where(
                both,
                lo_ + t * (hi_ - lo_),
                np.where(np.isfinite(lo_), up, np.where(np.isfinite(hi_), down, free)),
            )
        return g

    def _objective(self, env: dict, n: int, v: Var, xs: np.ndarray, others: dict | None = None):
        """Return (payoff of v's player, regime code) at values xs (n, M) of v."""
        cols = {v.symbol: xs}
        m = xs.shape[1]
        for s, a in (others or {}).items():
            cols[s] = np.repeat(np.asarray(a, float)[:, None], m, axis=1)
        down, pay, big = self._play_columns(env, n, cols)
        u = pay[v.player]
        code = down.code.reshape(m, n).T
        sig = self._signature(big, down, n * m, v.player).reshape(m, n).T
        code = combine_codes(code, sig)
        u = u.T.copy()
        u[~down.ok.reshape(m, n).T] = np.nan
        return u, code

    def _signature(self, big: dict, down: Outcome, size: int, player: str) -> np.ndarray:
        """Return a code of which pieces of the player's payoff hold at each point."""
        atoms = sorted(self.problem.payoffs[player].atoms(Relational), key=str)
        if not atoms:
            return np.zeros(size, dtype=np.int64)
        full = dict(big)
        full.update(down.values)
        vals = evaluate(atoms, full, size)
        code = np.zeros(size, dtype=np.int64)
        for k, a in enumerate(vals):
            code = (code * 2 + (a > 0.5).astype(np.int64)) % HASH_MOD
        return code

    def _numeric_columns(
        self,
        env: dict,
        n: int,
        v: Var,
        lo: np.ndarray,
        hi: np.ndarray,
        others: dict | None = None,
        light: bool = False,
        points: int | None = None,
        refine: bool = True,
    ) -> np.ndarray:
        """Return numeric candidate values (n, K): grid best, switch points, refined maxima.

        `light` keeps only the best grid point (a safety net beside complete symbolic candidates).
        """
        full = n <= 8 or (self.full_grid and not self.continuous_history)
        points = points or (GRID_POINTS if full else INNER_GRID_POINTS)
        X = self._grid(lo, hi, points)
        U, code = self._objective(env, n, v, X, others)
        Uf = np.where(np.isfinite(U), U, -np.inf)
        cols = [X[np.arange(n), np.argmax(Uf, axis=1)]]
        if light:
            return np.stack(cols, axis=1)
        # switches between neighbouring grid points
        change = (code[:, 1:] != code[:, :-1]) & np.isfinite(X[:, 1:]) & np.isfinite(X[:, :-1])
        idx_i, idx_j = np.nonzero(change)
        known = None  # the ends of the bisections' brackets, per history
        if len(idx_i):
            # several switches may share a grid cell: after each bisection, bisect the rest of
            # the cell again while its ends still differ
            left_end = X[idx_i, idx_j].copy()
            right_end = X[idx_i, idx_j + 1].copy()
            c_right = code[idx_i, idx_j + 1].copy()
            ca = code[idx_i, idx_j].copy()
            k = len(idx_i)
            # where the cells of the compiled next step change across a grid cell, bisect the
            # cells (no play; a cell may hold sign changes that change no play, so up to
            # MAX_CELL_CHANGES of them); the play where the cells do not show the change (a tie
            # decided differently, say) or change more often than that
            by_play = np.ones(k, bool)
            found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (rows, a, b)
            cells = self._cell_regime(v, env, others, idx_i)
            ends = None if cells is None else (cells(left_end), cells(right_end))
            if ends is not None and ends[0] is not None and ends[1] is not None:
                rows = np.nonzero(ends[0] != ends[1])[0]
                if len(rows):
                    brackets, left = _bisect(
                        self._cell_regime(v, env, others, idx_i[rows]),
                        left_end[rows],
                        ends[0][rows],
                        right_end[rows],
                        ends[1][rows],
                        MAX_CELL_CHANGES,
                    )
                    found += [(rows, fa, fb) for fa, fb in brackets]
                    by_play[rows[~left]] = False
            rows = np.nonzero(by_play)[0]
            if len(rows):
                brackets, _ = _bisect(
                    self._play_regime(v, env, others, idx_i[rows]),
                    left_end[rows],
                    ca[rows],
                    right_end[rows],
                    c_right[rows],
                    MAX_SWITCHES_PER_CELL,
                )
                found += [(rows, fa, fb) for fa, fb in brackets]
            width = sum(2 * np.bincount(idx_i[at], minlength=n) for at, _, _ in found)
            extra = np.full((n, int(np.max(width))), np.nan)
            fill = np.zeros(n, dtype=int)
            for at, fa, fb in found:
                for r, j in enumerate(at):
                    i = idx_i[j]
                    extra[i, fill[i]] = fa[r]
                    extra[i, fill[i] + 1] = fb[r]
                    fill[i] += 2
            cols.extend(extra.T)
            known = extra
        if not refine:
            return np.stack(cols, axis=1)
        # refine local maxima of the grid with the same regime on at least one side (a maximum
        # next to a switch may still be interior: between the switch and the next grid point);
        # a grid point whose both neighbours are in other regimes is covered by the bisections
        interior = np.zeros_like(Uf, dtype=bool)
        interior[:, 1:-1] = (
            (Uf[:, 1:-1] >= Uf[:, :-2])
            & (Uf[:, 1:-1] >= Uf[:, 2:])
            & ((code[:, 1:-1] == code[:, :-2]) | (code[:, 1:-1] == code[:, 2:]))
            & np.isfinite(Uf[:, 1:-1])
        )
        ranked = np.where(interior, Uf, -np.inf)
        top = np.argsort(-ranked, axis=1)[:, :3]
        for r in range(top.shape[1]):
            j = top[:, r]
            valid = np.isfinite(ranked[np.arange(n), j])
            if not valid.any():
                continue
            a = X[np.arange(n), np.maximum(j - 1, 0)]
            b = X[np.arange(n), np.minimum(j + 1, X.shape[1] - 1)]
            best = self._refine(env, n, v, a, b, others, stop_at_kinks=True, known=known)
            cols.append(np.where(valid, best, np.nan))
        return np.stack(cols, axis=1)

    @staticmethod
    def _rows_of_env(env: dict | None, rows: np.ndarray) -> dict:
        return {s: np.asarray(a, float)[rows] if np.ndim(a) else a for s, a in (env or {}).items()}

    def _play_regime(self, v: Var, env: dict, others: dict | None, rows: np.ndarray):
        """Return a function of v's values at the histories `rows` (one per row) giving the
        play's regime code there."""
        sub_env, sub_others = self._rows_of_env(env, rows), self._rows_of_env(others, rows)
        return lambda x: self._objective(sub_env, len(rows), v, x[:, None], sub_others)[1][:, 0]

    def _cell_regime(self, v: Var, env: dict, others: dict | None, rows: np.ndarray):
        """Return a function of v's values at the histories `rows` (one per row) giving a code
        that changes wherever the later play can change — the cells of the compiled next step's
        switches, no play needed — or None (the next step is not compiled, or v's player's
        payoff has pieces of its own)."""
        if self.problem.payoffs[v.player].atoms(Relational) or isinstance(self.next, Terminal):
            return None
        compiled = self.next._compiled_play() or self.next._given_up
        if compiled is None:
            return None
        base = {**self._rows_of_env(env, rows), **self._rows_of_env(others, rows)}
        return lambda x: compiled.cell_codes(base | {v.symbol: x}, len(rows))

    def _refine(
        self,
        env,
        n,
        v,
        a,
        b,
        others,
        levels: int = ZOOM_LEVELS,
        stop_at_kinks: bool = False,
        known: np.ndarray | None = None,
    ):
        """Return the maximiser of v's player's payoff on [a, b] (per history); small batches
        zoom in `levels` times.

        Small batches zoom in on a grid (ZOOM_LEVELS vectorised plays instead of GOLDEN_STEPS
        sequential ones: each play of the later steps costs about the same for 1 or 33 values);
        large batches use golden-section search (fewer payoff evaluations in all).

        `stop_at_kinks`: a row whose bracket holds a change of the later play's regime and is
        narrower than ZOOM_KINK is converging onto a switch, where every play is a tie played
        exactly: it stops zooming, the change is located by bisection (a few plays of that row
        only) and the better of the zoom's point and the bisection's two ends is returned.  Not
        where a bisection already located a change inside that bracket: `known` (n, K), the
        values the caller has as candidates beside the zoom's point.
        """
        if n * ZOOM_POINTS > ZOOM_MAX_ROWS:
            return self._golden(env, n, v, a, b, others)
        a = a.copy()
        b = b.copy()
        t = np.linspace(0.0, 1.0, ZOOM_POINTS)[None, :]
        best = (a + b) / 2
        kink_width = ZOOM_KINK * (np.abs(a) + np.abs(b) + (b - a))
        active = np.arange(n)  # rows still zooming
        stops: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for _ in range(levels):
            if not len(active):
                break
            k = len(active)
            rows = np.arange(k)
            whole = k == n
            xs = a[active, None] + t * (b - a)[active, None]
            u, code = self._objective(
                env if whole else self._rows_of_env(env, active),
                k,
                v,
                xs,
                others if whole else self._rows_of_env(others, active),
            )
            u = np.nan_to_num(u, nan=-np.inf)
            j = np.argmax(u, axis=1)
            found = np.isfinite(u[rows, j])
            left, right = np.maximum(j - 1, 0), np.minimum(j + 1, ZOOM_POINTS - 1)
            best[active] = np.where(found, xs[rows, j], best[active])
            a[active] = np.where(found, xs[rows, left], a[active])
            b[active] = np.where(found, xs[rows, right], b[active])
            if not stop_at_kinks:
                continue
            change_left = code[rows, left] != code[rows, j]
            change_right = code[rows, right] != code[rows, j]
            stop = found & (change_left | change_right) & ((b - a)[active] <= kink_width[active])
            if stop.any():
                r = np.nonzero(stop)[0]
                # the segment that holds the change, with the codes at its ends (the side of
                # the better neighbour where both sides change)
                go_left = change_left[r] & ~(change_right[r] & (u[r, right[r]] > u[r, left[r]]))
                lo = np.where(go_left, xs[r, left[r]], xs[r, j[r]])
                hi = np.where(go_left, xs[r, j[r]], xs[r, right[r]])
                c_lo = np.where(go_left, code[r, left[r]], code[r, j[r]])
                c_hi = np.where(go_left, code[r, j[r]], code[r, right[r]])
                stops.append((active[r], lo, c_lo, hi, c_hi))
                active = active[~stop]
        for at, lo, c_lo, hi, c_hi in stops:
            if known is not None:
                with np.errstate(invalid="ignore"):
                    inside = (known[at] >= lo[:, None]) & (known[at] <= hi[:, None])
                keep = ~inside.any(axis=1)
                at, lo, c_lo, hi, c_hi = at[keep], lo[keep], c_lo[keep], hi[keep], c_hi[keep]
                if not len(at):
                    continue
            brackets, _ = _bisect(self._play_regime(v, env, others, at), lo, c_lo, hi, c_hi, 1)
            fa, fb = brackets[0]
            cols = np.stack([best[at], fa, fb], axis=1)
            u, _ = self._objective(
                self._rows_of_env(env, at), len(at), v, cols, self._rows_of_env(others, at)
            )
            u = np.nan_to_num(u, nan=-np.inf)
            pick = np.argmax(u, axis=1)  # the zoom's point where they tie
            best[at] = cols[np.arange(len(at)), pick]
        return best

    def _golden(self, env, n, v, a, b, others):
        """Return the maximiser of v's player's payoff on [a, b] by golden-section search."""
        invphi = (math.sqrt(5) - 1) / 2
        a = a.copy()
        b = b.copy()
        c = b - invphi * (b - a)
        d = a + invphi * (b - a)
        fc, _ = self._objective(env, n, v, c[:, None], others)
        fd, _ = self._objective(env, n, v, d[:, None], others)
        fc, fd = fc[:, 0], fd[:, 0]
        for _ in range(GOLDEN_STEPS):
            left = np.nan_to_num(fc, nan=-np.inf) > np.nan_to_num(fd, nan=-np.inf)
            b = np.where(left, d, b)
            a = np.where(left, a, c)
            new_c = b - invphi * (b - a)
            new_d = a + invphi * (b - a)
            # one new evaluation per side, keep the reused one
            c_eval = np.where(left, new_c, d)
            d_eval = np.where(left, c, new_d)
            fnew, _ = self._objective(env, n, v, np.where(left, new_c, new_d)[:, None], others)
            fnew = fnew[:, 0]
            fc, fd = np.where(left, fnew, fd), np.where(left, fc, fnew)
            c, d = c_eval, d_eval
        return (a + b) / 2

    def play(self, env: dict, n: int, record: list | None = None) -> Outcome:
        """Return the play of this step and all later steps at n histories.

        A closed-form step played often is compiled (`compiled.py`): its histories are played by
        the cells of its switches, exactly only where a cell is new or a switch is near zero.
        """
        if record is None and not self.safety_net:
            compiled = self._compiled_play()
            if compiled is not None:
                out = compiled.play(env, n)
                if out is not None:
                    return out
        start = time.process_time()
        try:
            return self._play_raw(env, n, record)
        finally:
            self._raw_seconds += time.process_time() - start
            self._raw_rows += n

    def built(self) -> None:
        """Every plan is built: compiled plays may start (`_compiled_play`).  A compiled play
        judged on the build's random histories starts afresh: given up there, it is not given
        up for the plays that follow."""
        self.compile_ok = True
        play = self._compiled or self._given_up
        if play:
            play.restart()
            self._compiled, self._given_up = play, None

    def _compiled_play(self):
        """Return the compiled play once exact plays of this step have taken COMPILE_AFTER
        seconds (None: not compiled, or cannot be).

        While the earlier plans are still being built (their prunes play this step at hundreds
        of random histories), a step is compiled once its own work — the exact plays without
        the later steps' plays inside them, after its own build — has taken what compiling it
        is expected to take (`_compile_price`): the last steps, played at every candidate of
        every earlier one, get there; the earlier ones, whose histories seldom repeat a cell
        during the build, seldom do."""
        if self._compiled is not None:
            if self._compiled and not self._compiled.worthwhile:
                self._given_up = self._compiled
                self._compiled = False
            return self._compiled or None
        if not self.compile_ok:
            if self._compilable(building=True) and self._own_seconds >= self._compile_price():
                return self.compile_now(building=True)
            return None
        if self._raw_seconds < COMPILE_AFTER or not self._compilable():
            return None
        # one compiled step per chain: the earliest that can be (the later ones then see only
        # its new cells and ties, seldom enough in one solve to pay for compiling them); a later
        # one once that one gave up.  A sweep compiles them all at once (`compile_now`).
        prev = self.prev
        while prev is not None:
            if prev._compiled or (prev._compiled is None and prev._compilable()):
                return None
            prev = prev.prev
        return self.compile_now()

    def compile_now(self, building: bool = False):
        """Compile the play of this step now (see `_compiled_play`); return it, or None when it
        cannot be or is compiled already."""
        if self._compiled is not None or not self._compilable(building):
            return None
        try:
            self._compiled = CompiledPlay(self)
        except (BudgetExceeded, RecursionError, TypeError, ValueError, SyntaxError):
            self._compiled = False
        return self._compiled or None

    def _compile_price(self) -> float:
        """Return the seconds compiling this step's play is expected to take (lambdify of its
        switches, about linear in their tree size)."""
        if self._price is None:
            self._price = COMPILE_BASE + COMPILE_PER_NODE * tree_sizes(self.switches)[0]
        return self._price

    def _compilable(self, building: bool = False) -> bool:
        return bool(
            self.complete
            and self.switches is not None
            and self.branches is not None
            and (self.compile_ok or building)
            and all(b is not None for b in self.branches)
        )

    def _play_raw(self, env: dict, n: int, record: list | None = None) -> Outcome:
        """Return the play of this step and all later steps at n histories (every candidate)."""
        start, nested = time.process_time(), self._nested_seconds
        try:
            if len(self.deciders) <= 1:
                return self._play_single(env, n, record)
            return self._play_simultaneous(env, n, record)
        finally:
            self._own_seconds += time.process_time() - start - (self._nested_seconds - nested)

    def _play_later(self, env: dict, n: int) -> Outcome:
        """Return the later steps' play at n histories (timed apart from this step's own work)."""
        start = time.process_time()
        try:
            return self.next.play(env, n)
        finally:
            self._nested_seconds += time.process_time() - start

    # ----- one player
    def _play_single(self, env, n, record) -> Outcome:
        """Return the play of a step with one player (or none) at n histories.  Its closed
        forms assume the later play pure: at the histories where a later stage mixes for some
        candidate, the step is played again with the numeric search beside them."""
        out, mixing = self._play_single_pass(env, n, record, force_grid=False)
        if not len(mixing):
            return out
        if record is not None and mixing[0] == 0:
            record.pop()
        sub, _ = self._play_single_pass(
            self._rows_of_env(env, mixing),
            len(mixing),
            record if mixing[0] == 0 else None,
            force_grid=True,
        )
        return replace_rows(out, mixing, sub)

    def _play_single_pass(self, env, n, record, force_grid: bool):
        """Return (the play of the single-player step, the histories at which a later stage
        mixes after a closed-form candidate and the grid was not searched)."""
        none = np.zeros(0, np.int64)
        active = self._active()
        fixed_vals = {
            v.symbol: evaluate([v.fixed], env, n)[0] for v in self.step.vars if v.fixed is not None
        }
        env1 = dict(env)
        env1.update(fixed_vals)
        if not active:
            down = self._play_later(env1, n)
            values = dict(fixed_vals)
            values.update(down.values)
            if record is not None:
                record.append(
                    StepRecord(
                        self.step,
                        "fixed",
                        [{k: float(a[0]) for k, a in fixed_vals.items()}],
                        strategy={v.symbol: v.fixed for v in self.step.vars},
                    )
                )
            layers = None
            if down.layers is not None:
                k = down.layers.probs.shape[1]
                layers = Layers(down.layers.probs, {
                    **{s: np.repeat(np.broadcast_to(a, (n,))[:, None], k, axis=1)
                       for s, a in fixed_vals.items()},
                    **down.layers.values,
                })
            return Outcome(
                values,
                down.code,
                down.ok,
                down.unbounded,
                self._branch_of(np.zeros(n, dtype=np.int64), down.branch),
                down.flags,
                layers,
            ), none
        v = active[0]
        x = v.symbol
        lo, hi = self._bounds(v, env1, n)
        chosen = np.ones(n, bool)
        if v.condition is not None:
            chosen = evaluate([v.condition], env1, n)[0] > 0.5
        columns = []
        kinds = []
        if self.complete:
            exprs = [c[x] for c in self.candidates]
            for k, col in enumerate(evaluate(exprs, env1, n)):
                columns.append(col)
                kinds.append(k)
        elif self.partial:
            for col in evaluate([c[x] for c in self.partial], env1, n):
                columns.append(col)
                kinds.append(-4)
        elif v.discrete:
            # the symbolic build failed (its budget, a later stage): the domain is enumerated
            for col in evaluate(list(v.elements), env1, n):
                columns.append(col)
                kinds.append(-1)
        # with complete exact candidates the grid is only a safety net, kept for small batches
        use_grid = (not v.discrete) and (
            force_grid
            or not self.complete
            or (self.safety_net and not self.continuous_history and n <= 64)
        )
        if use_grid and chosen.any():
            numeric = self._numeric_columns(
                env1, n, v, lo, hi, light=self.complete, refine=not self.partial
            )
            for col in numeric.T:
                columns.append(col)
                kinds.append(-1)
            for b in (lo, hi):
                columns.append(b.copy())
                kinds.append(-2)
        if not columns:
            columns = [np.full(n, np.nan)]
            kinds = [-3]
        C = np.stack(columns, axis=1)
        if not v.discrete:
            C = self._snap(C, lo, hi)
        feasible = self._feasible(v, C, lo, hi) if not v.discrete else np.isfinite(C)
        if v.condition is not None:
            other = evaluate([v.otherwise], env1, n)[0]
            C = np.where(chosen[:, None], C, other[:, None])
            feasible = np.where(chosen[:, None], feasible, True)
        # keep at each point its distinct feasible candidates only (first of equal values wins:
        # exact candidates come first), so the later steps are played as few times as possible
        kinds_full = np.array(kinds + [-9] * (C.shape[1] - len(kinds)))
        C, feasible, kinds_pt = compact(C, feasible, kinds_full)
        # probes for unboundedness: far out on an unbounded side, and at a bound the domain
        # excludes (`< hi`): a payoff better there than at every candidate has no maximum
        probe_cols, strict_cols = [], []
        if self.probe and not v.discrete:
            base = np.where(np.isfinite(lo), lo, 0.0)
            top = np.where(np.isfinite(hi), hi, 0.0)
            if v.upper is None or v.lower is None:
                for mult in (UNBOUNDED_PROBE, 10 * UNBOUNDED_PROBE):
                    if v.upper is None:
                        probe_cols.append(base + mult * self.scale)
                    if v.lower is None:
                        probe_cols.append(top - mult * self.scale)
            for bound, strict in ((lo, v.lower_strict), (hi, v.upper_strict)):
                if strict:
                    strict_cols.append(np.where(np.isfinite(bound), bound, np.nan))
        extra = probe_cols + strict_cols
        allC = np.concatenate([C, np.stack(extra, axis=1)], axis=1) if extra else C
        cols = {x: allC}
        cols.update(
            {s: np.repeat(a[:, None], allC.shape[1], axis=1) for s, a in fixed_vals.items()}
        )
        down, pay, _ = self._play_columns(env, n, cols)
        m_all = allC.shape[1]
        mixing = none
        if down.layers is not None and not use_grid and not v.discrete:
            mixed_col = (down.layers.probs[:, 1:] > 0).any(axis=1).reshape(m_all, n)
            mixing = np.nonzero(mixed_col.any(axis=0) & chosen)[0]
        m = C.shape[1]
        u_all = pay[v.player].T  # (n, m_all)
        ok_down = down.ok.reshape(m_all, n).T
        u = np.where(feasible & ok_down[:, :m] & np.isfinite(u_all[:, :m]), u_all[:, :m], -np.inf)
        best = np.max(u, axis=1)
        unbounded = (
            self._no_maximum(
                u_all[:, m:], best, C[np.arange(n), np.argmax(u, axis=1)], len(probe_cols), lo, hi
            )
            & chosen
        )
        tol = TIE_TOL * (1 + np.abs(best))
        tied = (u >= (best - tol)[:, None]) & np.isfinite(u)
        sel = np.argmax(tied, axis=1)  # the first of the best: exact candidates come first
        ntied = tied.sum(axis=1)
        rules = ["unique"] * n
        downvals = {s: a.reshape(m_all, n).T for s, a in down.values.items()}
        value_stack = np.concatenate(
            [C[:, :, None]]
            + [
                a[:, :m, None]
                for a in (downvals[t] for t in sorted(downvals, key=lambda t: t.name))
            ],
            axis=2,
        )
        multiple = (ntied > 1) & ~all_same(value_stack, tied)
        for i in np.nonzero(multiple)[0]:
            js = list(np.nonzero(tied[i])[0])
            js = self._distinct(i, js, C, downvals)
            if len(js) > 1 and not v.discrete:
                js = self._drop_approximations(env, i, v, js, C, kinds_pt, best, fixed_vals)
            if len(js) == 1:
                sel[i] = js[0]
                continue
            payoffs = {p: pay[p][:, i] for p in self.all_players}
            order = (
                sorted(js, key=lambda j: (C[i, j] if not v.discrete else j, j))
                if not v.discrete
                else js
            )
            chosen_one = select(
                js,
                payoffs,
                self.all_players,
                self.leader_groups,
                order,
                self.select_mode,
                self.force_rank,
            )
            sel[i] = chosen_one.index
            rules[i] = chosen_one.rule
        ok = np.isfinite(best)
        if v.discrete:
            # a value whose later play has no equilibrium leaves the game without a
            # subgame-perfect equilibrium: the choice cannot be evaluated, not merely avoided
            ok &= ~(chosen & (feasible & ~ok_down[:, :m]).any(axis=1))
        rows = np.arange(n)
        values = {x: C[rows, sel]}
        values.update(fixed_vals)
        for s, a in downvals.items():
            values[s] = a[rows, sel]
        kind_sel = kinds_pt[rows, sel]
        own_code = np.where(chosen, kind_sel + 7, 0)
        dcode = down.code.reshape(m_all, n).T[rows, sel]
        code = combine_codes(own_code, dcode)
        dunb = down.unbounded.reshape(m_all, n).T[rows, sel]
        if record is not None:
            # a value the grid found (the safety net beside exact candidates) is numeric
            searched = not v.discrete and kind_sel[0] < 0
            rec = StepRecord(
                self.step,
                "skipped" if not chosen[0] else "numeric" if searched else self.method,
            )
            rec.chosen = {x: bool(chosen[0])}
            if chosen[0]:
                js = self._distinct(0, list(np.nonzero(tied[0])[0]), C, downvals) if ok[0] else []
                for j in js:
                    rec.equilibria.append({x: float(C[0, j])})
                rec.selected = js.index(sel[0]) if sel[0] in js else 0
                if len(js) > 1 and not v.discrete:
                    rec.ties = self._continua(env1, v, [float(C[0, j]) for j in js], fixed_vals)
                rec.rule = rules[0]
                if kind_sel[0] >= 0:
                    rec.strategy = {x: cands.exact_form(self.candidates[kind_sel[0]][x])}
                    dcol = (
                        down.branch.reshape(m_all, n).T[0]
                        if down.branch is not None
                        else np.full(m_all, -1)
                    )
                    rec.piece = (int(kind_sel[0]), int(dcol[sel[0]]))
                    # the closest exact candidate with another value: the piece it would switch to
                    others = [
                        j
                        for j in range(m)
                        if np.isfinite(u[0, j])
                        and kinds_pt[0, j] >= 0
                        and abs(C[0, j] - C[0, sel[0]]) > SAME_TOL * (1 + abs(C[0, sel[0]]))
                        and dcol[j] >= 0
                    ]
                    if others and rec.piece[1] >= 0:
                        j = max(others, key=lambda j: u[0, j])
                        rec.rival = (int(kinds_pt[0, j]), int(dcol[j]))
            record.append(rec)
        dbranch = None if down.branch is None else down.branch.reshape(m_all, n).T[rows, sel]
        branch = self._branch_of(np.where(kind_sel >= 0, kind_sel, -1), dbranch)
        branch = np.where(kind_sel >= 0, branch, -1)
        dflags = down.flags_or_zeros().reshape(m_all, n).T[rows, sel]
        layers = None
        if down.layers is not None:
            own = {s: np.repeat(np.broadcast_to(values[s], (n,))[:, None], m_all, axis=1)
                   for s in [x, *fixed_vals]}
            layers = combine_layers(down, m_all, n, _one_hot(sel, n, m_all), own)
        return Outcome(
            values,
            code,
            ok & down.ok.reshape(m_all, n).T[rows, sel],
            unbounded | dunb,
            branch,
            rule_flags(rules) | dflags,
            layers,
        ), mixing

    def _continua(self, env, v: Var, optima: list[float], fixed_vals: dict) -> list:
        """Return the segments between optimal values of v (at one history) over which the
        payoff stays optimal: probed at interior points, a continuum, not isolated ties."""
        xs = sorted(set(optima))
        out = []
        for a, b in itertools.pairwise(xs):
            probes = np.array([[a + (b - a) * t for t in (0.0, 0.25, 0.5, 0.75, 1.0)]])
            others = {s: np.asarray(arr, float)[:1] for s, arr in fixed_vals.items()}
            u, _ = self._objective(
                {s: np.asarray(arr, float)[:1] for s, arr in env.items()}, 1, v, probes, others
            )
            u = u[0]
            if not np.all(np.isfinite(u)):
                continue
            best = float(np.max(u))
            if np.all(u >= best - TIE_TOL * (1 + abs(best))):
                ends = [self._play_at(env, v, x, fixed_vals) for x in (a, b)]
                out.append((v.player, *ends))
        return out

    def _play_at(self, env, v: Var, x: float, fixed_vals: dict) -> dict:
        """Return the values of this step and the later ones when v takes the value x."""
        point = {s: np.asarray(a, float)[:1] for s, a in {**env, **fixed_vals}.items()}
        point[v.symbol] = np.array([x])
        down = self._play_next(point, 1)
        values = {v.symbol: x}
        values.update({s: float(a[0]) for s, a in down.values.items()})
        return values

    def _no_maximum(self, u_extra, best, x_best, probes: int, lo, hi) -> np.ndarray:
        """Return, per history, whether the payoff has no maximum: it grows without bound far out
        (the probes' payoffs rising above the best candidate's), it rises toward a supremum far
        out that the best candidate, itself far out, only approaches, or it is better at a bound
        the domain excludes than at every candidate."""
        with np.errstate(invalid="ignore"):
            tol = TIE_TOL * (1 + np.abs(best))[:, None]
            extra = np.nan_to_num(u_extra, nan=-np.inf)
            out = np.zeros(len(best), bool)
            if probes:
                k = probes // 2
                near, far = extra[:, :k], extra[:, k:probes]
                grow = (far > near + 1e-9) & (near > best[:, None] + tol)
                reach = np.minimum(
                    np.abs(x_best - np.where(np.isfinite(lo), lo, 0.0)),
                    np.abs(x_best - np.where(np.isfinite(hi), hi, 0.0)),
                )
                far_out = reach > FAR_OUT * self.scale
                approach = (near >= best[:, None] - tol) & (far >= near - tol) & far_out[:, None]
                out |= (grow | approach).any(axis=1)
            if extra.shape[1] > probes:
                out |= (extra[:, probes:] > best[:, None] + tol).any(axis=1)
        return out

    def _drop_approximations(self, env, i, v: Var, js, C, kinds, best, fixed_vals) -> list[int]:
        """Return the tied candidates js at history i without the numeric ones that only
        approximate an exact one: on the same optimum (the payoff halfway between them still
        ties), a searched point beside a closed form is that closed form found less exactly."""
        exact = [j for j in js if kinds[i, j] >= 0]
        if not exact or len(exact) == len(js):
            return js
        at = np.array([i])
        env_i = self._rows_of_env(env, at)
        others = {s: np.asarray(a, float)[at] for s, a in fixed_vals.items()}
        tol = TIE_TOL * (1 + abs(best[i]))
        kept = list(exact)
        for j in js:
            if j in exact:
                continue
            e = min(exact, key=lambda e: abs(C[i, e] - C[i, j]))
            mid = np.array([[(C[i, e] + C[i, j]) / 2]])
            u_mid, _ = self._objective(env_i, 1, v, mid, others)
            if not (np.isfinite(u_mid[0, 0]) and u_mid[0, 0] >= best[i] - tol):
                kept.append(j)  # a dip between them: another optimum
        return sorted(kept, key=js.index)

    def _distinct(self, i, js, C, downvals) -> list[int]:
        """Return the candidates among js that differ in some value (first of each kind)."""
        rows = [
            np.array(
                [C[i, j]] + [downvals[s][i, j] for s in sorted(downvals, key=lambda s: s.name)]
            )
            for j in js
        ]
        return [js[k] for k in clusters(rows)]
