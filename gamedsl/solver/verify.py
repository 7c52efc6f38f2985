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
    """Return the verification of the equilibrium `path` (symbol -> value; where a stage mixed,
    its lottery `path.layers` of pure paths is verified: see `_verify_lottery`)."""
    layers = getattr(path, "layers", None)
    if not layers:
        return _verify_pure(problem, plans, path, [(1.0, dict(path))])
    return _verify_lottery(problem, plans, layers)


def _verify_lottery(problem: Problem, plans, layers: list[tuple[float, dict]]) -> Verification:
    """Verify a lottery of pure paths (probability, symbol -> value) that agree up to the first
    step whose values differ (a stage that mixed): the steps before it as a pure path (their
    deviations see the expected payoffs of the later play); the mixed step by every player's
    pure deviations against the others' mixes; the steps after it per value of the mixed step,
    recursively."""
    total = sum(p for p, _ in layers)
    layers = [(p / total, v) for p, v in layers]
    first = layers[0][1]
    k = next(
        (
            i
            for i, plan in enumerate(plans)
            if any(
                abs(v[s.symbol] - first[s.symbol]) > 1e-12 * (1 + abs(first[s.symbol]))
                for _p, v in layers
                for s in plan.step.vars
            )
        ),
        len(plans),
    )
    expected = {s: sum(p * v[s] for p, v in layers) for s in first}
    parts = [_verify_pure(problem, plans[:k], expected, layers)]
    if k < len(plans):
        parts.append(_verify_mixed_step(problem, plans[k], layers))
        groups: dict[tuple, list] = {}
        for p, v in layers:
            key = tuple(round(v[s.symbol], 12) for s in plans[k].step.vars)
            groups.setdefault(key, []).append((p, v))
        for group in groups.values():
            parts.append(_verify_lottery(problem, plans[k + 1:], group))
    worst = max(parts, key=lambda v: v.max_gain)
    return Verification(
        ok=all(v.ok for v in parts), max_gain=worst.max_gain, worst=worst.worst
    )


def _verify_mixed_step(problem: Problem, plan, layers) -> Verification:
    """Return the verification of a step that mixed: for every player, every pure action (its
    own variables' values) against the others' mixes, the later stages re-solved, gains no
    more than VERIFY_TOL over the player's expected payoff."""
    import itertools

    vars_ = [v for v in plan.step.vars if v.fixed is None]
    support: dict[tuple, float] = {}
    for p, v in layers:
        key = tuple(v[w.symbol] for w in vars_)
        support[key] = support.get(key, 0.0) + p
    profiles = list(support)
    probs = np.array([support[k] for k in profiles])
    first = layers[0][1]
    env = {s: np.array([first[s]]) for s in plan.history}
    fixed = {w.symbol: np.array([first[w.symbol]]) for w in plan.step.vars if w.fixed is not None}
    max_gain, worst, ok = 0.0, None, True
    for player in dict.fromkeys(v.player for v in vars_):
        own = [i for i, w in enumerate(vars_) if w.player == player]
        options = []
        for i in own:
            w = vars_[i]
            chosen = w.condition is None or evaluate([w.condition], {**env, **fixed}, 1)[0][0] > 0.5
            values = evaluate(list(w.elements), {**env, **fixed}, 1) if chosen else []
            options.append([float(np.asarray(e).reshape(-1)[0]) for e in values]
                           if chosen else [profiles[0][i]])
        actions = [None] + list(itertools.product(*options))
        cols = {w.symbol: [] for w in vars_}
        for a in actions:
            for prof in profiles:
                for i, w in enumerate(vars_):
                    x = prof[i] if a is None or i not in own else a[own.index(i)]
                    cols[w.symbol].append(x)
        m = len(actions) * len(profiles)
        columns = {s: np.array([x]) for s, x in cols.items()}
        columns.update({s: np.repeat(a[:, None], m, axis=1) for s, a in fixed.items()})
        _down, pay, _ = plan._play_columns(env, 1, columns)
        u = np.nan_to_num(pay[player][:, 0], nan=-np.inf).reshape(len(actions), len(profiles))
        values = u @ probs
        base = values[0]
        gain = float(np.max(values[1:]) - base) if len(values) > 1 else 0.0
        if gain > max_gain:
            max_gain, worst = gain, f"{player} in {', '.join(vars_[i].name for i in own)}"
        if gain > VERIFY_TOL * (1 + abs(base)):
            ok = False
    return Verification(ok=ok, max_gain=max(max_gain, 0.0), worst=worst)


def _verify_pure(problem: Problem, plans, path: dict, layers) -> Verification:
    """Return the verification of the steps `plans` on `path` (their histories the same in
    every layer of the lottery `layers`, whose expected payoffs set the tolerance's scale)."""
    players = list(problem.payoffs)
    full_payoff = dict.fromkeys(players, 0.0)
    for p, values in layers:
        full_env = {s: np.array([x]) for s, x in values.items()}
        for name, a in zip(players, evaluate([problem.payoffs[q] for q in players], full_env, 1)):
            full_payoff[name] += p * float(a[0])
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
