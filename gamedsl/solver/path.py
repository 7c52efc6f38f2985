"""Playing the game from the first step: the path, what happened at each step on it, and why
there is no path when there is none (no equilibrium at a stage, an unbounded payoff)."""

from __future__ import annotations

import itertools

import numpy as np

from gamedsl.model.errors import SolveError
from gamedsl.model.numbers import number
from gamedsl.solver.evaluate import evaluate
from gamedsl.solver.plan import StepRecord
from gamedsl.solver.problem import Problem


class Path(dict):
    """The equilibrium path: symbol -> value (an expectation where a stage mixed), with the
    lottery of pure paths when one did (`layers`: (probability, symbol -> value), most
    probable first; empty when the play is pure)."""

    layers: list[tuple[float, dict]]

    def __init__(self, values=(), layers=None):
        super().__init__(values)
        self.layers = list(layers or [])

    def history(self) -> dict:
        """Return the values to play later steps at: the most probable pure path's where a
        stage mixed (the expected values are no history any player sees)."""
        return self.layers[0][1] if self.layers else self


def _path_of(outcome) -> Path:
    """Return the path of a play at one point (its lottery when a stage mixed)."""
    values = {s: float(a[0]) for s, a in outcome.values.items()}
    if outcome.layers is None:
        return Path(values)
    probs = outcome.layers.probs[0]
    layers = [
        (float(p), {s: float(a[0, k]) for s, a in outcome.layers.values.items()})
        for k, p in enumerate(probs)
        if p > 0
    ]
    layers.sort(key=lambda kv: -kv[0])
    return Path(values, layers)


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
    path = _path_of(outcome)
    culprit = plans[0] if bool(outcome.unbounded[0]) else None
    rest: list[StepRecord] = []
    if culprit is None and bool(outcome.ok[0]) and all(np.isfinite(v) for v in path.values()):
        rest, culprit = records_along(problem, plans[1:], path, probe=True)
    if culprit is not None:
        raise SolveError(*_unbounded_culprit(culprit, path), "unbounded", culprit.step.name)
    _check_outcome(problem, plans, outcome, path)
    return first + rest, path


def _check_outcome(problem: Problem, plans, outcome, path) -> None:
    """Raise SolveError when the play has no equilibrium: at the first step without one, on
    the path or after a value of an earlier finite choice (whose player then has no
    subgame-perfect choice)."""
    if bool(outcome.ok[0]) and all(np.isfinite(v) for v in path.values()):
        return
    found = _failure(plans, {}, ())
    if found is None:
        raise SolveError("no equilibrium could be found", None, None, "no_equilibrium")
    plan, after = found
    span = plan.step.vars[0].choice.span if plan.step.vars else None
    several = len(plan.deciders) > 1
    kind = "pure-strategy " if several else ""
    where = "at these param values"
    if after:
        shown = ", ".join(f"{v.name} = {number(x)}" for v, x in after)
        where = f"after {shown} (so the earlier choice has no subgame-perfect continuation)"
    hint = (
        "no profile of choices is a best reply for every player"
        if several
        else "the payoff may have no maximum on the domain"
    )
    if getattr(plan, "pure_only", False):
        hint += "; without --pure this stage is solved in mixed strategies"
    raise SolveError(
        f"stage '{plan.step.name}' has no {kind}equilibrium {where}",
        span,
        hint,
        "no_equilibrium",
        plan.step.name,
    )


MAX_ALTERNATIVES = 64  # values of a finite step tried when looking for the failing stage


def _failure(plans, env: dict, after: tuple):
    """Return (the first plan without an equilibrium at a history reached from `env`, the
    earlier finite choices that lead there), or None when every play from `env` has one."""
    if not plans:
        return None
    plan = plans[0]
    out = plan.play(env, 1)
    if bool(out.ok[0]):
        return None
    own = [v for v in plan.step.vars if v.fixed is None]
    if own and all(v.discrete for v in own):
        options = [
            [float(np.asarray(e).reshape(-1)[0]) for e in evaluate(list(v.elements), env, 1)]
            for v in own
        ]
        for k, values in enumerate(itertools.product(*options)):
            if k >= MAX_ALTERNATIVES:
                break
            alt = {v.symbol: np.array([x]) for v, x in zip(own, values)}
            if not _plays(plan.next, {**env, **alt}):
                found = _failure(plans[1:], {**env, **alt}, (*after, *zip(own, values)))
                if found is not None:
                    return found
    else:
        vals = {s: out.values[s] for s in (v.symbol for v in own) if s in out.values}
        if vals and all(np.isfinite(a[0]) for a in vals.values()) and not _plays(
            plan.next, {**env, **vals}
        ):
            found = _failure(plans[1:], {**env, **vals}, after)
            if found is not None:
                return found
    return plan, after


def _plays(plan, env: dict) -> bool:
    """Return True when the plan (and all later ones) has an equilibrium at the history."""
    return bool(plan.play(env, 1).ok[0])


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
    at = path.history() if isinstance(path, Path) else path
    for plan in plans:
        for s in plan.history:
            if s not in env:
                env[s] = np.array([at[s]])
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
            env[v.symbol] = np.array([at[v.symbol]])
    return records, culprit
