"""Playing the game from the first step: the path, what happened at each step on it, and why
there is no path when there is none (no equilibrium at a stage, an unbounded payoff)."""

from __future__ import annotations

import numpy as np

from gamedsl.model.errors import SolveError
from gamedsl.model.numbers import number
from gamedsl.solver.plan import StepRecord
from gamedsl.solver.problem import Problem


def play_path(problem: Problem, plans) -> tuple[list[StepRecord], dict]:
    """Play the game from the first step; return the records of every step and the path.

    The probes for unbounded payoffs run once per step, at the path history (a payoff unbounded
    at some other history cannot change the path: every step keeps its best bounded candidate).
    """
    first: list[StepRecord] = []
    plans[0].probe = True
    try:
        outcome = plans[0].play({}, 1, record=first)
    finally:
        plans[0].probe = False
    path = {s: float(a[0]) for s, a in outcome.values.items()}
    culprit = plans[0] if bool(outcome.unbounded[0]) else None
    rest: list[StepRecord] = []
    if culprit is None and bool(outcome.ok[0]) and all(np.isfinite(v) for v in path.values()):
        rest, culprit = records_along(problem, plans[1:], path, probe=True)
    if culprit is not None:
        raise SolveError(*_unbounded_culprit(culprit, path), "unbounded", culprit.step.name)
    _check_outcome(problem, plans, outcome, path)
    return first + rest, path


def _check_outcome(problem: Problem, plans, outcome, path) -> None:
    """Raise SolveError when the play has no equilibrium."""
    if not bool(outcome.ok[0]) or any(not np.isfinite(v) for v in path.values()):
        # find the first step on the path without an equilibrium
        env: dict = {}
        for plan in plans:
            out = plan.play(env, 1)
            if not bool(out.ok[0]):
                # is it this step, or a later one?
                own_vals = {
                    v.symbol: out.values[v.symbol] for v in plan.step.vars if v.symbol in out.values
                }
                later_ok = plan.next.play({**env, **own_vals}, 1).ok[0] if own_vals else True
                if later_ok:
                    span = plan.step.vars[0].choice.span if plan.step.vars else None
                    kind = "pure-strategy " if len(plan.deciders) > 1 else ""
                    raise SolveError(
                        f"stage '{plan.step.name}' has no {kind}equilibrium at these param values",
                        span,
                        "no profile of choices is a best reply for every player"
                        if len(plan.deciders) > 1
                        else "the payoff may have no maximum on the domain",
                        "no_equilibrium",
                        plan.step.name,
                    )
            for v in plan.step.vars:
                if v.symbol in out.values:
                    env[v.symbol] = out.values[v.symbol]
        raise SolveError("no equilibrium could be found", None, None, "no_equilibrium")


def _unbounded_culprit(plan, path):
    """Return (message, span, hint) for the step whose payoff has no maximum on the path: it
    grows without bound, rises toward a supremum it never reaches, or reaches it only at a
    bound the domain excludes."""
    env = {s: np.array([path[s]]) for s in plan.history}
    for v in plan.step.vars:
        if v.fixed is not None or v.discrete:
            continue
        others = {w.symbol: np.array([path[w.symbol]]) for w in plan.step.vars if w is not v}
        lo, hi = plan._bounds(v, {**env, **others}, 1)
        x = path[v.symbol]

        def payoff(y, v=v, others=others):
            return float(plan._objective(env, 1, v, np.array([[y]]), others)[0][0, 0])

        u = payoff(x)
        for bound, strict, op in ((lo[0], v.lower_strict, ">"), (hi[0], v.upper_strict, "<")):
            if strict and np.isfinite(bound) and payoff(bound) > u + 1e-9 * (1 + abs(u)):
                return (
                    (
                        f"payoff of {v.player} has no maximum in {v.name}: it rises toward "
                        f"{number(payoff(bound))} as {v.name} approaches {number(bound)}, which "
                        f"the domain excludes ({v.name} {op} {number(bound)})"
                    ),
                    v.choice.span,
                    f"allow {v.name} = {number(bound)} (write {op}= for {op}) if it is meant",
                )
        if v.upper is None or v.lower is None:
            side = "above" if v.upper is None else "below"
            grows = v.upper is None and payoff(x + 1e7 * plan.scale) > payoff(
                x + 1e6 * plan.scale
            ) + 1e-9 * (1 + abs(u))
            if grows or (v.lower is None and v.upper is not None):
                fix = "an upper bound" if v.upper is None else "a lower bound"
                return (
                    f"payoff of {v.player} is unbounded {side} in {v.name}: add {fix} or a convex cost",
                    v.choice.span,
                    None,
                )
            return (
                (
                    f"payoff of {v.player} has no maximum in {v.name}: it keeps rising toward a "
                    f"supremum as {v.name} grows without bound ({v.name} = {number(x)} is not a "
                    "maximum)"
                ),
                v.choice.span,
                "bound the variable, or make the payoff reach its best at a finite value",
            )
    return ("a payoff has no maximum", None, None)


def records_along(problem: Problem, plans, path, env_params: bool = False, probe: bool = False):
    """Return what happened at every step on the path (one play per step at the path history).

    Return (records, the first plan whose payoff is unbounded at the path, or None; only looked
    for with `probe`).
    """
    records: list[StepRecord] = []
    culprit = None
    env: dict = {}
    if env_params:
        env = {
            problem.game.params[n].symbol: np.array([float(v)]) for n, v in problem.values.items()
        }
    for plan in plans:
        for s in plan.history:
            if s not in env:
                env[s] = np.array([path[s]])
        rec: list[StepRecord] = []
        before, plan.probe = plan.probe, probe
        try:
            out = plan.play(env, 1, record=rec)
        finally:
            plan.probe = before
        if probe and culprit is None and bool(out.unbounded[0]):
            culprit = plan
        records.append(rec[0])
        for v in plan.step.vars:
            env[v.symbol] = np.array([path[v.symbol]])
    return records, culprit
