"""An independent subgame-perfect equilibrium solver by brute force, for differential testing.

It shares no code with `gamedsl` (and imports nothing from it): it solves a game given as plain
Python data -- stages in order, each with its choices (a finite set of values, or an interval whose
bounds may depend on earlier choices), and every player's payoff as a numpy function of all choices
-- by backward induction over *grids*:

- a stage whose choices are all finite: every profile is enumerated, with the later stages played
  at each (one batched call), and the pure Nash profiles kept;
- one player choosing a continuous variable: a coarse grid over the interval, then the promising
  cells (the best local maxima of the grid, the two ends of a plateau, the two ends of a cell
  where the payoff jumps) zoomed into with finer and finer grids, each with the vertex of the
  parabola through the best point and its neighbours as one more point (exact where the payoff
  is quadratic); several variables of one player are searched one inside the other;
- several players with continuous variables: best replies (each by the search above) iterated
  from the middle of the box -- Gauss-Seidel rounds, then Newton steps on x = reply(x) -- and the
  profile found checked: nobody gains by deviating, else the stage has no equilibrium there.

Every stage is solved for a whole batch of histories at once (numpy arrays: one row per history),
so a leader's grid point costs one row in its follower's batch.  Several equilibria of a stage are
settled as DESIGN.md says (drop the Pareto-dominated ones, then the nearest leaders' preference,
then the first in domain order), and `solve` lists all that survive the first two steps along the
path, so a caller can accept any of them.  Limits: a continuous simultaneous stage yields the one
equilibrium its best replies reach (the generator keeps those unique); a peak narrower than the
coarse grid's cell with no jump or plateau next to it can be missed.

Payoff functions take one mapping `v` (param and choice names -> arrays of one shape) and return an
array of that shape (or a number).  Write them with numpy operations (`np.minimum`, `np.where`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

Env = Mapping[str, np.ndarray]
Expr = Callable[[Env], "np.ndarray | float"]


# ----------------------------------------------------------------------------- the description
@dataclass(frozen=True)
class Finite:
    """A finite domain: the values in the order they are written (the domain order)."""

    values: tuple[float, ...]


@dataclass(frozen=True)
class Interval:
    """A closed interval [lo, hi]; a bound is a number or a function of the earlier choices."""

    lo: float | Expr
    hi: float | Expr


@dataclass(frozen=True)
class Choice:
    """`player` chooses `var` in `domain` when `when` holds (else it is `otherwise`); with no
    domain the variable is fixed at `otherwise` (a number or a function of the earlier choices)."""

    player: str
    var: str
    domain: Finite | Interval | None
    when: Expr | None = None
    otherwise: float | Expr = 0.0


@dataclass(frozen=True)
class Stage:
    name: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Game:
    """Stages in the order played; `payoffs` holds every player's payoff (a merged player's too,
    and its members', which are only reported); `params` are passed to every function."""

    stages: tuple[Stage, ...]
    payoffs: Mapping[str, Expr]
    params: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolution:
    """How fine the grids are.  The defaults locate an optimum to about 1.5e-8 of its interval
    (32 cells, then seven grids each 8 times finer), a smooth interior one to rounding (the
    parabola's vertex)."""

    coarse: int = 33  # points of the first grid over an interval
    zoom: int = 17  # points of each finer grid across two cells of the previous one
    levels: int = 7  # number of finer grids (each (zoom - 1)/2 = 8 times finer)
    candidates: int = 3  # local maxima of the coarse grid that are zoomed into
    jumps: int = 1  # jumps of the coarse grid whose two ends are zoomed into
    rounds: int = 40  # Gauss-Seidel rounds at most, where Newton steps did not settle
    # where best replies start, as fractions of the box: one start finds one equilibrium of a
    # continuous simultaneous stage (the generator keeps them unique); more look for others
    starts: tuple[float, ...] = (0.5,)
    tie: float = 1e-11  # payoffs within tie*(1 + |u|) are equal (indifference, selection)
    nash: float = 1e-7  # a deviation gaining more than nash*(1 + |u|) breaks a Nash profile found
    # by best replies (their values are exact only to the grid's resolution at kinks)


DEFAULT = Resolution()
ROUNDING = 1e-14  # payoffs this close (relative) differ by rounding only
JUMP_FLOOR = 1e-9  # smaller jumps of a payoff along a grid are not looked into
TRUSTED = 100  # a parabola's second difference this many times rounding locates its vertex
WOBBLE = 100  # ... and this many times the fourth difference of the five points around it
NOISE = 10  # payoffs closer than this many times the spread seen where smooth are alike
FINE = Resolution(coarse=129, zoom=33, levels=8, candidates=5, starts=(0.5, 0.1, 0.9))


@dataclass(frozen=True)
class Equilibrium:
    """One subgame-perfect path: every variable's value and every player's payoff."""

    path: dict[str, float]
    payoffs: dict[str, float]
    selected: bool  # the one the selection rule carries (first in domain order among ties)


@dataclass(frozen=True)
class Result:
    """`exists` is False when some subgame met has no pure equilibrium (then no pure SPE)."""

    exists: bool
    equilibria: tuple[Equilibrium, ...]  # the selected one first
    ties: tuple[str, ...] = ()  # stages on a path where a player had several best replies
    where: str = ""  # when not `exists`: the stage and history without an equilibrium


class NoEquilibrium(Exception):
    """Raised inside the search when a stage has no pure equilibrium at some history."""


# ----------------------------------------------------------------------------- helpers
def _value(x: float | Expr, env: Env, n: int) -> np.ndarray:
    """Return `x` (a number or a function of env) as a float array of length n."""
    out = x(env) if callable(x) else x
    return np.broadcast_to(np.asarray(out, dtype=float), (n,)).copy()


def _repeat(hist: dict[str, np.ndarray], m: int) -> dict[str, np.ndarray]:
    """Return each history array repeated m times per row (row i -> rows i*m .. i*m + m - 1)."""
    return {k: np.repeat(v, m) for k, v in hist.items()}


def _tol(u: np.ndarray, res: Resolution) -> np.ndarray:
    return res.tie * (1.0 + np.abs(u))


@dataclass
class _Outcome:
    """The play from one stage on, at n histories: choice values, payoffs."""

    values: dict[str, np.ndarray]
    payoffs: dict[str, np.ndarray]


class _Solver:
    def __init__(self, game: Game, res: Resolution) -> None:
        self.game = game
        self.res = res
        self.players = tuple(game.payoffs)
        self.leaders = [
            [
                tuple(dict.fromkeys(c.player for c in s.choices if c.domain is not None))
                for s in reversed(game.stages[:k])
            ]
            for k in range(len(game.stages) + 1)
        ]

    # ------------------------------------------------------------------ playing
    def env(self, hist: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {**{k: float(v) for k, v in self.game.params.items()}, **hist}

    def play(self, k: int, hist: dict[str, np.ndarray], n: int) -> _Outcome:
        """Return the selected equilibrium play of stages k.. at n histories."""
        if k == len(self.game.stages):
            env = self.env(hist)
            with np.errstate(all="ignore"):
                pay = {p: _value(f, env, n) for p, f in self.game.payoffs.items()}
            for p, u in pay.items():
                if not np.all(np.isfinite(u)):
                    raise ValueError(f"payoff of {p} is not finite at some history")
            return _Outcome({}, pay)
        fixed, free = self.split(k, hist, n)
        if not free:
            return self.continue_with(k, hist, n, fixed)
        picks = self.stage_equilibria(k, hist, n, fixed, free, every=False)
        return picks

    def continue_with(self, k, hist, n, values) -> _Outcome:
        """Return the play from stage k+1 with the stage's variables at `values` (n rows)."""
        later = self.play(k + 1, {**hist, **values}, n)
        return _Outcome({**values, **later.values}, later.payoffs)

    def split(self, k: int, hist, n: int):
        """Return the stage's fixed values (fixed choices) and its free choices with, per choice,
        the mask of histories where it is made."""
        env = self.env(hist)
        fixed: dict[str, np.ndarray] = {}
        free: list[tuple[Choice, np.ndarray]] = []
        for c in self.game.stages[k].choices:
            if c.domain is None:
                fixed[c.var] = _value(c.otherwise, env, n)
                continue
            active = np.ones(n, bool) if c.when is None else _value(c.when, env, n) != 0
            free.append((c, active))
        return fixed, free

    def evaluate(self, k, hist, n, m, cand: dict[str, np.ndarray]) -> _Outcome:
        """Return the play from stage k+1 at m candidate values of the stage's variables per
        history (`cand[var]` has shape (n, m)); the outcome's arrays have shape (n, m)."""
        rows = _repeat(hist, m)
        values = {v: np.asarray(a, float).reshape(n * m) for v, a in cand.items()}
        out = self.continue_with(k, rows, n * m, values)
        return _Outcome(
            {v: a.reshape(n, m) for v, a in out.values.items()},
            {p: a.reshape(n, m) for p, a in out.payoffs.items()},
        )

    # ------------------------------------------------------------------ one stage
    def stage_equilibria(self, k, hist, n, fixed, free, every):
        """Return the selected equilibrium at n histories (every=False), or, for one history,
        the list of equilibria that survive the Pareto and leader steps (every=True)."""
        players = list(dict.fromkeys(c.player for c, _ in free))
        finite = [isinstance(c.domain, Finite) for c, _ in free]
        if all(finite):
            return self.finite_stage(k, hist, n, fixed, free, every)
        if len(players) == 1:
            return self.one_player(k, hist, n, fixed, free, every)
        return self.best_response_iteration(k, hist, n, fixed, free, every)

    def finite_stage(self, k, hist, n, fixed, free, every):
        """Enumerate every profile of the stage's finite choices; keep the Nash ones."""
        domains = [c.domain.values for c, _ in free]
        profiles = list(itertools.product(*(range(len(d)) for d in domains)))
        m = len(profiles)
        env = self.env(hist)
        cand = {}
        only_first = []
        for j, (c, active) in enumerate(free):
            vals = np.array([domains[j][p[j]] for p in profiles], float)
            other = _value(c.otherwise, env, n)
            cand[c.var] = np.where(active[:, None], vals[None, :], other[:, None])
            index = np.array([p[j] for p in profiles])
            only_first.append(active[:, None] | (index[None, :] == 0))  # one profile if unmade
        for var, a in fixed.items():
            cand[var] = np.repeat(a[:, None], m, axis=1)
        out = self.evaluate(k, hist, n, m, cand)
        shape = (n, *(len(d) for d in domains))
        nash = np.ones((n, m), bool)
        for p in dict.fromkeys(c.player for c, _ in free):
            axes = tuple(1 + j for j, (c, _) in enumerate(free) if c.player == p)
            u = out.payoffs[p].reshape(shape)
            best = u.max(axis=axes, keepdims=True)
            nash &= (u >= best - _tol(best, self.res)).reshape(n, m)
        for mask in only_first:
            nash &= mask
        return self.settle(k, n, out, nash, every)

    def settle(self, k, n, out: _Outcome, ok: np.ndarray, every):
        """Pick, per history, one of the candidates marked `ok` (columns in domain order) by the
        selection rule; with every=True return the survivors' list for history 0."""
        if not ok.any(axis=1).all():
            bad = int(np.flatnonzero(~ok.any(axis=1))[0])
            raise NoEquilibrium(f"stage {self.game.stages[k].name!r} at history row {bad}")
        if every:
            cols = self.survivors(k, out, 0, np.flatnonzero(ok[0]))
            return [
                _Outcome(
                    {v: a[0, j] for v, a in out.values.items()},
                    {p: a[0, j] for p, a in out.payoffs.items()},
                )
                for j in cols
            ]
        count = ok.sum(axis=1)
        pick = np.argmax(ok, axis=1)  # the only one where there is one
        for i in np.flatnonzero(count > 1):
            pick[i] = self.survivors(k, out, i, np.flatnonzero(ok[i]))[0]
        rows = np.arange(n)
        return _Outcome(
            {v: a[rows, pick] for v, a in out.values.items()},
            {p: a[rows, pick] for p, a in out.payoffs.items()},
        )

    def survivors(self, k, out: _Outcome, i: int, cols: np.ndarray) -> list[int]:
        """Return the candidates (columns, in domain order) of history i left by the selection
        rule's first two steps: drop the Pareto-dominated; then the nearest earlier stage whose
        players are not all indifferent and agree on a weakly best set."""
        cols = list(cols)
        if len(cols) <= 1:
            return cols
        u = {p: np.array([out.payoffs[p][i, j] for j in cols]) for p in self.players}

        def better(a, b):  # candidate a weakly better than b for everyone, strictly for one
            weak = all(u[p][a] >= u[p][b] - _tol(u[p][b], self.res) for p in self.players)
            strict = any(u[p][a] > u[p][b] + _tol(u[p][b], self.res) for p in self.players)
            return weak and strict

        keep = [a for a in range(len(cols)) if not any(better(b, a) for b in range(len(cols)))]
        for leaders in self.leaders[k]:
            if len(keep) <= 1:
                break
            if all(
                np.ptp(u[p][keep]) <= _tol(np.max(np.abs(u[p][keep])), self.res) for p in leaders
            ):
                continue  # all indifferent: ask the stage before
            best = [
                a
                for a in keep
                if all(
                    u[p][a] >= np.max(u[p][keep]) - _tol(np.max(u[p][keep]), self.res)
                    for p in leaders
                )
            ]
            if best:
                keep = best
                break
        return [cols[a] for a in keep]

    # ------------------------------------------------------------------ continuous search
    def one_player(self, k, hist, n, fixed, free, every):
        """One player choosing continuous variables: grid search with zooming."""
        (player,) = {c.player for c, _ in free}
        if not all(isinstance(c.domain, Interval) for c, _ in free):
            raise NotImplementedError("a player choosing finite and continuous variables at once")
        return self.maximise(k, hist, n, fixed, free, player, {}, every)

    def bounds(self, hist, n, free):
        env = self.env(hist)
        lo = np.stack([_value(c.domain.lo, env, n) for c, _ in free], axis=1)
        hi = np.stack([_value(c.domain.hi, env, n) for c, _ in free], axis=1)
        if np.any(hi < lo - 1e-12):
            raise ValueError("an empty interval")
        return lo, np.maximum(hi, lo)

    def maximise(self, k, hist, n, fixed, free, player, others, every):
        """Return the play when `player` chooses the continuous variables `free` (the stage's
        other variables held at `others`, arrays of n), maximising its payoff.  Several
        variables are searched one inside the other (the maximum over a box is the maximum over
        the first variable of the maximum over the rest).

        A coarse grid over the interval; its best local maxima (up to `candidates`, a plateau
        by its two ends) and the two ends of the cells where it jumps (up to `jumps`) are
        zoomed into: each level a grid across the two cells around the best point so far,
        `(zoom - 1)/2` times finer, plus two refined points from the previous grid -- the
        vertex of the parabola through its best point and the kink where the lines on its two
        sides meet -- taken where the grid does not beat them (exact where the payoff is
        quadratic, or linear on each side of a kink)."""
        res = self.res
        (choice, active), rest = free[0], free[1:]
        lo, hi = (a[:, 0] for a in self.bounds(hist, n, [free[0]]))
        other = _value(choice.otherwise, self.env(hist), n)

        def run(x: np.ndarray) -> _Outcome:  # x: (n, m) -> outcome arrays (n, m)
            m = x.shape[1]
            x = np.where(active[:, None], x, other[:, None])
            if not rest:
                cand = {choice.var: x}
                for var, a in {**fixed, **others}.items():
                    cand[var] = np.repeat(a[:, None], m, axis=1)
                return self.evaluate(k, hist, n, m, cand)
            inner = self.maximise(
                k,
                _repeat(hist, m),
                n * m,
                _repeat(fixed, m),
                [(c, np.repeat(a, m)) for c, a in rest],
                player,
                {**_repeat(others, m), choice.var: x.reshape(n * m)},
                False,
            )
            return _Outcome(
                {v: a.reshape(n, m) for v, a in inner.values.items()},
                {p: a.reshape(n, m) for p, a in inner.payoffs.items()},
            )

        def clip(x):
            return np.clip(x, lo[:, None, None], hi[:, None, None])

        t = np.linspace(0.0, 1.0, res.coarse)
        x0 = lo[:, None] + t[None] * (hi - lo)[:, None]  # (n, G)
        u0 = _finite(run(x0).payoffs[player])
        starts = _distinct(
            np.concatenate([_local_maxima(u0, res.candidates), _jumps(u0, res.jumps)], axis=1)
        )  # (n, K)
        K = starts.shape[1]
        step = np.repeat(((hi - lo) / (res.coarse - 1))[:, None], K, axis=1)  # (n, K)
        x0 = np.repeat(x0[:, None], K, axis=1)
        u0 = np.repeat(u0[:, None], K, axis=1)
        centre = _pick(x0, starts)
        extra, spread = _refined(x0, u0, starts, step)  # the parabola's vertex, the kink
        off = np.linspace(-1, 1, res.zoom)
        mid = res.zoom // 2
        done = np.zeros((n, K), bool)
        for _ in range(res.levels):
            # the new grid spans the two cells around the centre, (zoom - 1)/2 times finer
            xs = clip(centre[:, :, None] + step[:, :, None] * off)
            step = step * 2.0 / (res.zoom - 1)
            xs = np.concatenate([xs, np.nan_to_num(extra, nan=0.0)], axis=2)
            m = xs.shape[2]
            u = _finite(run(xs.reshape(n, K * m)).payoffs[player].reshape(n, K, m))
            grid = u[:, :, :-2]
            top = np.argmax(grid, axis=2)  # the best grid point
            gu = _pick(grid, top)
            following, here = _refined(xs[:, :, :-2], grid, top, step)
            # the payoff's noise: rounding, or the later stages' own search, seen in the spread
            # of the five points around the best ones where the payoff is smooth -- the finest
            # such sight so far (at a fine scale the payoff's own curvature hardly shows there)
            spread = np.where(here > 0, here, spread)
            noise = np.maximum(ROUNDING * (1 + np.abs(gu)), NOISE * spread)
            # the parabola's vertex (trusted only where the payoff is smooth) is taken unless
            # the grid beats it by more than the noise; the kink where it beats the grid by
            # more; else the centre (the grid's middle) stays unless so beaten -- finer grids
            # would only wander in the noise
            vertex_ok = ~np.isnan(extra[:, :, 0]) & (u[:, :, -2] >= gu - noise)
            kink_ok = ~np.isnan(extra[:, :, 1]) & (u[:, :, -1] > gu + noise)
            take = vertex_ok | kink_ok
            keep = ~take & (u[:, :, mid] >= gu - noise)
            new_centre = np.where(
                take,
                np.where(vertex_ok, extra[:, :, 0], extra[:, :, 1]),
                _pick(xs, np.where(keep, mid, top)),
            )
            # a candidate settled on a refined point it confirms stays there: finer grids
            # would find nothing more (and rows of a batch do not depend on each other)
            new_centre = np.where(done, centre, new_centre)
            done |= take & (np.abs(new_centre - centre) <= 1e-6 * step)
            centre, extra = new_centre, following
            if np.all(done):
                break
        final = centre
        if every:  # a plateau of the coarse grid (a continuum of best replies): its two ends
            u_best = _finite(run(final).payoffs[player]).max()
            flat = np.flatnonzero(u0[0, 0] >= u_best - _tol(u_best, res))
            if flat.size > 1:
                final = np.concatenate([final, x0[:, 0, flat[[0, -1]]]], axis=1)
        out = run(final)
        u = _finite(out.payoffs[player])
        best = u.max(axis=1, keepdims=True)
        ok = u >= best - _tol(best, res)
        # the same optimum reached from two cells is one candidate
        used = np.where(active[:, None], final, other[:, None])
        ok = ok & ~_duplicates(used, u, hi - lo, res)
        order = np.argsort(used, axis=1, kind="stable")  # domain order
        out = _Outcome(
            {v: np.take_along_axis(a, order, axis=1) for v, a in out.values.items()},
            {p: np.take_along_axis(a, order, axis=1) for p, a in out.payoffs.items()},
        )
        return self.settle(k, n, out, np.take_along_axis(ok, order, axis=1), every)

    def best_response_iteration(self, k, hist, n, fixed, free, every):
        """Several players with continuous variables: a profile where every player's variables
        are a best reply to the others'.  Found by iterating best replies from the middle of the
        box (and, for one history, from `starts`): two Gauss-Seidel rounds then Newton steps on
        x = reply(x) (slopes of the replies by finite differences: one step where the replies
        are affine); where that does not settle, Gauss-Seidel rounds (plain, then damped, each
        finished by Newton steps).  A profile is taken when nobody gains by deviating (a global
        search) and it is a fixed point of the replies to their resolution; one that only
        passes the first test is taken when nothing better is found; none: no equilibrium."""
        players = list(dict.fromkeys(c.player for c, _ in free))
        lo, hi = self.bounds(hist, n, free)
        settled = 1e-7 * (hi - lo).max(axis=1) + 1e-12  # the replies' own resolution
        found: list[_Outcome] = []
        failed = ""
        for s in self.res.starts if every else self.res.starts[:1]:
            start = lo + s * (hi - lo)  # (n, D) in the order of `free`

            def attempts(start=start):
                x = self.gauss_seidel(k, hist, n, fixed, free, players, start.copy(), settled, 2)
                yield self.newton(k, hist, n, fixed, free, players, x, lo, hi, settled)
                for damping in (1.0, 0.5):
                    x = self.gauss_seidel(
                        k, hist, n, fixed, free, players, start.copy(), settled, damping=damping
                    )
                    polished = self.newton(k, hist, n, fixed, free, players, x, lo, hi, settled)
                    yield x if polished is None else polished

            play, failure, rough = None, "no profile tried", None
            for x in attempts():
                play, failure, residual = self.nash_check(k, hist, n, fixed, free, players, x)
                if not failure and np.all(residual <= 10 * settled):
                    break
                if not failure and rough is None:
                    rough = (x, play)
            else:
                if rough is not None:  # nobody gains, but the replies did not settle
                    (x, play), failure = rough, ""
            if failure and not every:
                raise NoEquilibrium(f"stage {self.game.stages[k].name!r}: {failure}")
            if failure:  # not from this start; perhaps from another
                failed = failed or failure
                continue
            if not every:
                return play
            for alternative in [x, *self.other_replies(k, hist, fixed, free, players, x)]:
                play, failure, _ = self.nash_check(k, hist, n, fixed, free, players, alternative)
                one = _Outcome(
                    {v: a[0] for v, a in play.values.items()},
                    {p: a[0] for p, a in play.payoffs.items()},
                )
                if not failure and not any(_same(one.values, f.values) for f in found):
                    found.append(one)
        if not found:
            raise NoEquilibrium(f"stage {self.game.stages[k].name!r}: {failed}")
        return found

    def other_replies(self, k, hist, fixed, free, players, x):
        """Return the profiles (1, D) where one player switches to another of its best replies
        to the others' choices in x (one history): a player indifferent between several."""
        values = {c.var: x[:, j] for j, (c, _) in enumerate(free)}
        out = []
        for p in players:
            for option in self.reply(k, hist, 1, fixed, free, p, values, every=True)[1:]:
                alt = x.copy()
                for j, (c, _) in enumerate(free):
                    if c.player == p:
                        alt[:, j] = option.values[c.var]
                out.append(alt)
        return out

    def nash_check(self, k, hist, n, fixed, free, players, x):
        """Return the play at profile x (n, D), '' if nobody gains by deviating (a global search
        over its own variables) or else a description of the first gain, and the distance from
        x to the replies (per history)."""
        if x is None:
            return None, "best replies do not settle", None
        values = {c.var: x[:, j] for j, (c, _) in enumerate(free)}
        play = self.continue_with(k, hist, n, {**fixed, **values})
        residual = np.zeros(n)
        for p in players:
            reply = self.reply(k, hist, n, fixed, free, p, values)
            for c, _ in free:
                if c.player == p:
                    residual = np.maximum(residual, np.abs(reply.values[c.var] - values[c.var]))
            gain = reply.payoffs[p] - play.payoffs[p]
            bad = np.flatnonzero(gain > self.res.nash * (1 + np.abs(play.payoffs[p])))
            if bad.size:
                return (
                    play,
                    f"no profile of best replies found (row {bad[0]}: {p} gains {gain[bad[0]]:.3g})",
                    residual,
                )
        return play, "", residual

    def replies(self, k, hist, n, fixed, free, players, x):
        """Return every player's best reply to the profile x (n, D) (Jacobi: all to x)."""
        values = {c.var: x[:, j] for j, (c, _) in enumerate(free)}
        y = np.empty_like(x)
        for p in players:
            reply = self.reply(k, hist, n, fixed, free, p, values)
            for j, (c, _) in enumerate(free):
                if c.player == p:
                    y[:, j] = reply.values[c.var]
        return y

    def newton(self, k, hist, n, fixed, free, players, x, lo, hi, settled, steps=12):
        """Return a fixed point of the replies by Newton's method from x, or None."""
        D = x.shape[1]
        delta = 1e-4 * (hi - lo) + 1e-9  # (n, D)
        rows = _repeat(hist, D + 1)
        more = {v: np.repeat(a, D + 1) for v, a in fixed.items()}
        best, best_r = None, np.inf
        for _ in range(steps):
            probes = np.repeat(x[:, None, :], D + 1, axis=1)  # x, then x + delta_j e_j
            probes[:, 1:, :] += np.eye(D)[None] * delta[:, None, :]
            y = self.replies(
                k,
                rows,
                n * (D + 1),
                more,
                self._repeat_free(free, D + 1),
                players,
                probes.reshape(n * (D + 1), D),
            ).reshape(n, D + 1, D)
            r = y[:, 0, :] - x
            size = (np.abs(r).max(axis=1) / settled).max()
            if size <= 1 and size > best_r / 4:
                break  # settled and no longer improving: the replies' own noise
            if size < best_r:
                best, best_r = y[:, 0, :], size
            if best_r <= 1e-6:
                break
            slope = (y[:, 1:, :] - y[:, :1, :]).transpose(0, 2, 1) / delta[:, None, :]
            try:
                s = np.linalg.solve(slope - np.eye(D)[None], -r[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                return None
            x = np.clip(np.where(np.isfinite(s), x + s, y[:, 0, :]), lo, hi)
        return best if best_r <= 1 else None

    def _repeat_free(self, free, m):
        return [(c, np.repeat(a, m)) for c, a in free]

    def gauss_seidel(self, k, hist, n, fixed, free, players, x, settled, rounds=None, damping=1.0):
        """Return the profile after best-reply rounds (each player in turn) from x, each move
        `damping` of the way to the reply."""
        for _ in range(rounds or self.res.rounds):
            before = x.copy()
            for p in players:
                own = [j for j, (c, _) in enumerate(free) if c.player == p]
                reply = self.replies(k, hist, n, fixed, free, [p], x)[:, own]
                x[:, own] = x[:, own] + damping * (reply - x[:, own])
            if np.all(np.abs(x - before).max(axis=1) <= settled):
                break
        return x

    def reply(self, k, hist, n, fixed, free, player, values, every=False):
        """Return the play after `player`'s best reply over its own variables of the stage (the
        others' held at `values`); with every=True, for one history, the list of its best
        replies that survive the selection rule's first two steps."""
        own = [(c, a) for c, a in free if c.player == player]
        others = {v: a for v, a in values.items() if v not in {c.var for c, _ in own}}
        if all(isinstance(c.domain, Finite) for c, _ in own):
            env = self.env(hist)
            domains = [c.domain.values for c, _ in own]
            profiles = list(itertools.product(*domains))
            m = len(profiles)
            cand = {}
            for j, (c, active) in enumerate(own):
                vals = np.array([p[j] for p in profiles], float)
                cand[c.var] = np.where(
                    active[:, None], vals[None, :], _value(c.otherwise, env, n)[:, None]
                )
            for var, a in {**fixed, **others}.items():
                cand[var] = np.repeat(a[:, None], m, axis=1)
            out = self.evaluate(k, hist, n, m, cand)
            u = out.payoffs[player]
            best = u.max(axis=1, keepdims=True)
            return self.settle(k, n, out, u >= best - _tol(best, self.res), every)
        return self.maximise(k, hist, n, fixed, own, player, others, every)

    # ------------------------------------------------------------------ the path
    def walk(self, k, hist: dict[str, float], ties: list[str]) -> list[_Outcome]:
        """Return every equilibrium path from stage k at one history (scalars)."""
        if k == len(self.game.stages):
            out = self.play(k, {v: np.array([x]) for v, x in hist.items()}, 1)
            return [_Outcome(dict(hist), {p: float(a[0]) for p, a in out.payoffs.items()})]
        arrays = {v: np.array([x], float) for v, x in hist.items()}
        fixed, free = self.split(k, arrays, 1)
        if not free:
            return self.walk(k + 1, {**hist, **{v: float(a[0]) for v, a in fixed.items()}}, ties)
        options = self.stage_equilibria(k, arrays, 1, fixed, free, every=True)
        if len(options) > 1:
            ties.append(self.game.stages[k].name)
        stage_vars = [c.var for c in self.game.stages[k].choices]
        paths = []
        for o in options:
            nxt = {**hist, **{v: float(o.values[v]) for v in stage_vars}}
            paths.extend(self.walk(k + 1, nxt, ties))
        return paths


def _local_maxima(u: np.ndarray, count: int) -> np.ndarray:
    """Return, per history (row), the indices of up to `count` local maxima of the grid values
    u (n, G), best first; a plateau counts by its two ends.  As many columns as the row
    with most maxima has; where a row has fewer, its best index is repeated."""
    u = np.where(np.isfinite(u), u, -np.inf)
    p = np.pad(u, ((0, 0), (1, 1)), constant_values=-np.inf)
    left, right = p[:, :-2], p[:, 2:]
    # a plateau counts by its two ends (a jump up can hide just after its last point)
    peak = (u >= left) & (u >= right) & ~((u == left) & (u == right))
    flat = np.all(u == u[:, :1], axis=1)  # a constant row (a choice not made): one candidate
    peak[flat, 1:] = False
    score = np.where(peak, u, -np.inf)
    peaks = max(1, min(count, int(peak.sum(axis=1).max())))
    order = np.argsort(-score, axis=1, kind="stable")[:, :peaks]
    valid = np.take_along_axis(score, order, axis=1) > -np.inf
    return np.where(valid, order, np.argmax(u, axis=1)[:, None])


def _jumps(u: np.ndarray, count: int) -> np.ndarray:
    """Return, per row of grid values u (n, G), both ends of up to `count` cells where u
    jumps (a peak can hide just before a drop that the grid steps over: a follower switching,
    a penalty); (n, 0) where no row has one.

    A jump by J in a cell moves the second differences at its two ends by +J and -J from the
    trend of their neighbours' (a kink, or a change of curvature, moves them alike or by less
    than the change): a cell is flagged when the two move in opposite directions, each by more
    than twice the change of the trend across them and by more than `JUMP_FLOOR`."""
    n, G = u.shape
    if G < 7:
        return np.zeros((n, 0), int)
    with np.errstate(all="ignore"):
        second = np.diff(u, n=2, axis=1)  # (n, G - 2): second[:, j] at the point j + 1
        before, first, after, last = second[:, :-3], second[:, 1:-2], second[:, 2:-1], second[:, 3:]
        trend = (before + last) / 2
        up, down = first - trend, after - trend
        change = np.abs(last - before)
        floor = 2 * change + JUMP_FLOOR * (1 + np.nanmax(np.abs(u), axis=1, keepdims=True))
        size = np.minimum(np.abs(up), np.abs(down))
        size = np.where((up * down < 0) & (size > floor) & np.isfinite(size), size, 0.0)
    found = min(count, int((size > 0).sum(axis=1).max()))
    if found == 0:
        return np.zeros((n, 0), int)
    pairs = np.argsort(-size, axis=1, kind="stable")[:, :found]
    valid = np.take_along_axis(size, pairs, axis=1) > 0
    best = np.argmax(u, axis=1)[:, None]
    cells = pairs + 2  # pair j (second differences j + 1, j + 2) is the cell of points j + 2, j + 3
    return np.concatenate([np.where(valid, cells, best), np.where(valid, cells + 1, best)], axis=1)


def _distinct(index: np.ndarray) -> np.ndarray:
    """Return the grid indices (n, K) with each row's repeats dropped (first kept), as many
    columns as the row with most distinct ones; shorter rows padded with their first."""
    rows = [list(dict.fromkeys(r)) for r in index.tolist()]
    width = max(len(r) for r in rows)
    return np.array([r + [r[0]] * (width - len(r)) for r in rows], dtype=int)


def _finite(u: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(u), u, -np.inf)


def _pick(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Return a[i, j, index[i, j]] for a (n, K, G) and index (n, K)."""
    n, K = index.shape
    return a[np.arange(n)[:, None], np.arange(K)[None, :], index]


def _refined(x, u, best, step) -> tuple[np.ndarray, np.ndarray]:
    """Return, per candidate, two refined guesses at the maximum near the grid point `best`
    (n, K, 2; NaN where there is none), and the noise of the payoff seen there where it is
    smooth (a quarter of the fourth difference of the five points, zero for a cubic; zero where
    the parabola is not trusted -- a kink or a jump is not noise): the vertex of the parabola through it and its neighbours (exact
    where the payoff is quadratic) and the kink where the lines through its two neighbours on
    each side meet (exact where it is linear on each side).  x, u: (n, K, G); best and step:
    (n, K), the grid's spacing.  Points whose neighbours are missing or clipped give none; a
    parabola counts only when concave and its second difference `TRUSTED` times above rounding
    and `WOBBLE` times above the fourth difference; a kink only when concave and within a step
    of `best`."""
    G = x.shape[2]
    near = [_pick(x, np.clip(best + d, 0, G - 1)) for d in (-2, -1, 0, 1, 2)]
    val = [_pick(u, np.clip(best + d, 0, G - 1)) for d in (-2, -1, 0, 1, 2)]
    xc, uc = near[2], val[2]
    tol = 1e-9 * (np.abs(step) + np.abs(xc))

    def regular(d):  # the neighbour d steps away exists and is not clipped
        inside = (best + d >= 0) & (best + d <= G - 1)
        return inside & (np.abs(near[2 + d] - xc - d * step) <= tol)

    with np.errstate(all="ignore"):
        curv = val[1] - 2 * uc + val[3]
        move = 0.5 * step * (val[1] - val[3]) / curv
        # the parabola is trusted where its curvature stands far above rounding and above the
        # fourth difference of the five points (zero for a cubic: noise from the later stages'
        # own search, or a kink, shows there)
        wobble = np.abs(val[0] - 4 * val[1] + 6 * uc - 4 * val[3] + val[4])
        five = regular(-2) & regular(-1) & regular(1) & regular(2)
        wobble = np.where(five, wobble, 0.0)
        floor = np.maximum(TRUSTED * ROUNDING * (1 + np.abs(uc)), WOBBLE * wobble)
        ok = five & (curv < -floor)
        vertex = np.where(ok & np.isfinite(move), xc + np.clip(move, -step, step), np.nan)
        left = (val[1] - val[0]) / step  # slope of the line through the two points on the left
        right = (val[4] - val[3]) / step
        # the lines u = val[1] + left*(t - near[1]) and u = val[3] + right*(t - near[3]) meet
        meet = (val[3] - val[1] + left * near[1] - right * near[3]) / (left - right)
        ok = regular(-2) & regular(-1) & regular(1) & regular(2) & (left > right)
        ok &= np.isfinite(meet) & (np.abs(meet - xc) <= step)
        kink = np.where(ok, meet, np.nan)
    noise = np.where(np.isnan(vertex), 0.0, np.nan_to_num(wobble / 4))  # smooth points only
    return np.stack([vertex, kink], axis=2), noise


def _duplicates(x: np.ndarray, u: np.ndarray, width: np.ndarray, res: Resolution) -> np.ndarray:
    """Return a mask (n, K): candidate a repeats an earlier one -- within 1e-6 of the interval's
    width and paying the same (the two sides of a jump are not one candidate)."""
    close = np.abs(x[:, :, None] - x[:, None, :]) <= 1e-6 * (1 + width)[:, None, None]
    same = np.abs(u[:, :, None] - u[:, None, :]) <= _tol(u, res)[:, :, None]
    earlier = np.tril(np.ones(close.shape[1:], bool), k=-1)  # [a, b] with b < a
    return np.any(close & same & earlier, axis=2)


def _same(a: Mapping[str, float], b: Mapping[str, float], tol: float = 1e-6) -> bool:
    return all(abs(float(a[v]) - float(b[v])) <= tol * (1 + abs(float(a[v]))) for v in a)


# ----------------------------------------------------------------------------- the face
def solve(game: Game, resolution: Resolution = DEFAULT) -> Result:
    """Return the subgame-perfect equilibria of `game` (pure strategies) found by brute force:
    every path whose stages are equilibria that survive the selection rule's Pareto and leader
    steps, the rule's pick (first in domain order) first; or `exists=False` when a subgame met
    has no pure equilibrium."""
    solver = _Solver(game, resolution)
    ties: list[str] = []
    try:
        paths = solver.walk(0, {}, ties)
    except NoEquilibrium as e:
        return Result(False, (), (), str(e))
    equilibria = []
    for i, p in enumerate(paths):
        eq = Equilibrium(
            {v: float(x) for v, x in p.values.items()},
            {q: float(x) for q, x in p.payoffs.items()},
            selected=(i == 0),
        )
        if not any(_same(eq.path, e.path) for e in equilibria):
            equilibria.append(eq)
    return Result(True, tuple(equilibria), tuple(dict.fromkeys(ties)))


def deviation_gain(game: Game, path: Mapping[str, float], resolution: Resolution = DEFAULT):
    """Return the largest gain any player finds by deviating at a stage of `path` -- another
    solver's answer -- and where (one-shot deviations: earlier and same-stage choices held at
    the path's values, the later stages played by this oracle after the deviation and as on the
    path without one): `path` is a subgame-perfect path iff no gain is positive."""
    solver = _Solver(game, resolution)
    on_path = solver.play(
        len(game.stages), {v: np.array([float(x)]) for v, x in path.items()}, 1
    ).payoffs
    best = (0.0, "")
    hist: dict[str, np.ndarray] = {}
    for k, stage in enumerate(game.stages):
        fixed, free = solver.split(k, hist, 1)
        values = {c.var: np.array([float(path[c.var])]) for c in stage.choices}
        for p in dict.fromkeys(c.player for c, _ in free):
            others = {v: a for v, a in values.items() if v not in fixed}
            reply = solver.reply(k, hist, 1, fixed, free, p, others)
            gain = float(reply.payoffs[p][0] - on_path[p][0])
            if gain > best[0]:
                best = (gain, f"{p} at stage {stage.name!r}")
        hist = {**hist, **values}
    return best
