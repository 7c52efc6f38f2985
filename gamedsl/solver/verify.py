"""Verification: no player can gain by deviating.

For every step on the equilibrium path and every variable chosen there, a search over the
player's own deviations — every value of a finite set; a dense grid over a continuous domain
plus refinement of the best cells and bisection at every switch of the later play — with the
later stages re-solved at each deviation, finds the largest gain.  The solution is verified when
no gain exceeds VERIFY_TOL (relative to the payoff's size).
"""

from __future__ import annotations

import numpy as np

from gamedsl.model.solution import Verification
from gamedsl.solver.evaluate import evaluate
from gamedsl.solver.problem import Problem

VERIFY_TOL = 1e-6  # a deviation gaining more than VERIFY_TOL*(1+|payoff|) fails verification
VERIFY_GRID = 201
# zoom levels of the refinement of the best grid cell: each shrinks it 16-fold, 6 to 1e-9 of
# the domain, where a deviation's gain is known far within VERIFY_TOL (the solver's own search
# zooms further: its values are reported)
VERIFY_ZOOM_LEVELS = 6


def verify(problem: Problem, plans, path: dict) -> Verification:
    """Return the verification of the equilibrium `path` (symbol -> value)."""
    full_env = {s: np.array([x]) for s, x in path.items()}
    players = list(problem.payoffs)
    full_payoff = dict(zip(players, (float(a[0]) for a in evaluate(
        [problem.payoffs[p] for p in players], full_env, 1))))
    max_gain = 0.0
    worst = None
    ok = True
    for plan in plans:
        env = {s: np.array([path[s]]) for s in plan.history}
        for v in plan.step.vars:
            if v.fixed is not None:
                continue
            if v.condition is not None and evaluate([v.condition], env, 1)[0][0] <= 0.5:
                continue
            others = {w.symbol: np.array([path[w.symbol]]) for w in plan.step.vars if w is not v}
            x0 = path[v.symbol]
            if v.discrete:
                xs = np.array([[float(e) for e in v.elements] + [x0]])
                u_grid = np.zeros(0)
            else:
                lo, hi = plan._bounds(v, {**env, **others}, 1)
                grid = plan._snap(plan._grid(lo, hi, VERIFY_GRID), lo, hi)
                u, _ = plan._objective(env, 1, v, grid, others)
                u = np.nan_to_num(u[0], nan=-np.inf)
                j = int(np.argmax(u))
                a = grid[:, max(j - 1, 0)]
                b = grid[:, min(j + 1, grid.shape[1] - 1)]
                # the grid's payoffs are kept (outside the domain: -inf); the refined point and
                # the equilibrium value are played
                usable = np.isfinite(grid[0]) & plan._feasible(v, grid, lo, hi)[0]
                u_grid = np.where(usable, u, -np.inf)
                refined = plan._refine(env, 1, v, a, b, others, levels=VERIFY_ZOOM_LEVELS)[:, None]
                xs = plan._snap(np.concatenate([refined, [[x0]]], axis=1), lo, hi)
                if not (np.isfinite(xs[0, 0]) and plan._feasible(v, xs[:, :1], lo, hi)[0, 0]):
                    xs = xs[:, 1:]
            u, _ = plan._objective(env, 1, v, xs, others)
            u = np.concatenate([u_grid, np.nan_to_num(u[0], nan=-np.inf)])
            base = u[-1]
            gain = float(np.max(u) - base)
            scale = 1.0 + abs(full_payoff[v.player])
            rel = gain / scale
            if gain > max_gain:
                max_gain = gain
                worst = f"{v.player} in {v.name}"
            if rel > VERIFY_TOL:
                ok = False
    return Verification(ok=ok, max_gain=max(max_gain, 0.0), worst=worst)
