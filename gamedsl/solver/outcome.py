"""The outcome of playing a step plan (and every later one) at a batch of histories: what the
plans (`plan.py`) and their compiled plays (`compiled.py`) both return."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from gamedsl.solver.problem import Step

SEVERAL = 1  # a stage had several equilibria (or a player several best replies) at the point
BY_ORDER = 2  # ... and the first in domain order was carried: no rule preferred one


def rule_flags(rules) -> np.ndarray:
    """Return the flags of the selection rules applied per point (`select.Selected.rule`)."""
    out = np.zeros(len(rules), np.int8)
    for i, rule in enumerate(rules):
        if rule != "unique":
            out[i] = SEVERAL | (BY_ORDER if rule == "first" else 0)
    return out


@dataclass
class Layers:
    """The lottery a mixed stage makes of the play (DESIGN §1b): at each of n points, K pure
    plays (`values[s][i, k]`, every symbol of the outcome) with their probabilities
    (`probs[i, k]`, each row summing to 1; unused layers have probability 0 and repeat layer 0)."""

    probs: np.ndarray
    values: dict[sympy.Symbol, np.ndarray]

    def rows(self, at: np.ndarray) -> Layers:
        """Return the layers at the points `at`."""
        return Layers(self.probs[at], {s: a[at] for s, a in self.values.items()})

    def expected(self) -> dict[sympy.Symbol, np.ndarray]:
        """Return the expected value of every symbol."""
        return {s: np.sum(np.where(self.probs > 0, a * self.probs, 0.0), axis=1)
                for s, a in self.values.items()}


@dataclass
class Outcome:
    """The play of a step and all later steps at a batch of n histories; where a stage mixes,
    `values` are expectations and `layers` the lottery of pure plays."""

    values: dict[sympy.Symbol, np.ndarray]
    code: np.ndarray  # an integer per point that changes when the regime changes
    ok: np.ndarray  # an equilibrium was found
    unbounded: np.ndarray  # a payoff was found unbounded
    branch: np.ndarray | None = None  # index into the plan's `branches` (-1: none of them)
    # per point, what the play had to settle (bits SEVERAL, BY_ORDER); None: nothing
    flags: np.ndarray | None = None
    layers: Layers | None = None

    def flags_or_zeros(self) -> np.ndarray:
        """Return the flags (zeros where the play settled nothing)."""
        return self.flags if self.flags is not None else np.zeros(len(self.ok), np.int8)


@dataclass
class StepRecord:
    """What happened at one step on the equilibrium path (for the report)."""

    step: Step
    method: str
    equilibria: list[dict[sympy.Symbol, float]] = field(default_factory=list)
    selected: int = 0
    rule: str = "unique"
    strategy: dict[sympy.Symbol, sympy.Expr] = field(default_factory=dict)
    chosen: dict[sympy.Symbol, bool] = field(default_factory=dict)
    # exact pieces (candidate index, later branch index): the one played and its closest rival
    piece: tuple[int, int] | None = None
    rival: tuple[int, int] | None = None
    # continua of optimal values: (the player, the two ends as symbol -> value), each end an
    # optimum and every point between them too (DESIGN "ties")
    ties: list[tuple[str, dict, dict]] = field(default_factory=list)
    # a stage solved in mixed strategies: per equilibrium found, each variable's distribution
    # (symbol -> [(value, probability)], domain order) and the expected payoffs; exact fractions
    mixed: list[dict] = field(default_factory=list)
    mixed_payoffs: list[dict] = field(default_factory=list)
    mixed_exact: bool = False


def layers_of(out: Outcome) -> Layers:
    """Return the outcome's lottery (one layer of probability 1 where nothing mixed)."""
    if out.layers is not None:
        return out.layers
    n = len(out.ok)
    return Layers(np.ones((n, 1)), {s: np.asarray(a, float).reshape(n, 1)
                                    for s, a in out.values.items()})


def expected_evaluate(exprs, env: dict, out: Outcome, n: int) -> list[np.ndarray]:
    """Return the expressions at n points after the play `out`: at its values, or where a
    stage mixed, their expectation over its lottery."""
    from gamedsl.solver.evaluate import evaluate

    if out.layers is None:
        return evaluate(exprs, {**env, **out.values}, n)
    probs = out.layers.probs
    k = probs.shape[1]
    big = {s: np.tile(np.broadcast_to(np.asarray(a, float), (n,)), k) for s, a in env.items()}
    big.update({s: a.T.reshape(-1) for s, a in out.layers.values.items()})
    weights = probs.T  # (k, n)
    result = []
    for a in evaluate(exprs, big, n * k):
        a = np.broadcast_to(np.asarray(a, float), (n * k,)).reshape(k, n)
        result.append(np.sum(np.where(weights > 0, a * weights, 0.0), axis=0))
    return result


def combine_layers(down: Outcome, m: int, n: int, weights: np.ndarray, own: dict) -> Layers:
    """Return the lottery at n points where column j of point i (down row j*n + i, own values
    `own[s][i, j]`) is played with probability `weights[i, j]`, each with the later play's own
    lottery."""
    d = layers_of(down)
    kd = d.probs.shape[1]
    p = weights[:, :, None] * d.probs.reshape(m, n, kd).transpose(1, 0, 2)  # (n, m, kd)
    p = p.reshape(n, m * kd)
    order = np.argsort(~(p > 0), axis=1, kind="stable")
    k = max(int((p > 0).sum(axis=1).max()), 1)
    order = order[:, :k]
    rows = np.arange(n)[:, None]
    probs = p[rows, order]
    values = {}
    for s, a in own.items():
        full = np.repeat(np.broadcast_to(np.asarray(a, float), (n, m))[:, :, None], kd, axis=2)
        values[s] = full.reshape(n, m * kd)[rows, order]
    for s, a in d.values.items():
        full = a.reshape(m, n, kd).transpose(1, 0, 2).reshape(n, m * kd)
        values[s] = full[rows, order]
    # unused layers repeat layer 0 (never NaN times 0)
    unused = probs <= 0
    for s, a in values.items():
        values[s] = np.where(unused, a[:, :1], a)
    return Layers(probs, values)


def merge_rows(base: Layers, rows: dict[int, Layers]) -> Layers:
    """Return `base` with the layers of some points replaced (`rows`: point -> its 1-row layers)."""
    k = max([base.probs.shape[1]] + [l.probs.shape[1] for l in rows.values()])

    def widen(a, fill_from_first: bool):
        if a.shape[1] == k:
            return a.copy()
        pad = np.repeat(a[:, :1], k - a.shape[1], axis=1) if fill_from_first else np.zeros(
            (a.shape[0], k - a.shape[1]))
        return np.concatenate([a, pad], axis=1)

    probs = widen(base.probs, False)
    values = {s: widen(a, True) for s, a in base.values.items()}
    for i, lottery in rows.items():
        probs[i] = widen(lottery.probs, False)[0]
        for s, a in values.items():
            if s in lottery.values:
                a[i] = widen(lottery.values[s], True)[0]
    return Layers(probs, values)


def replace_rows(out: Outcome, rows: np.ndarray, sub: Outcome) -> Outcome:
    """Return `out` with the points `rows` replaced by the play `sub` (one row per point)."""

    def put(a, b):
        if a is None or b is None:
            return None if a is None else a
        a = np.array(a, copy=True)
        a[rows] = b
        return a

    values = {s: put(np.asarray(a, float), sub.values[s]) if s in sub.values else a
              for s, a in out.values.items()}
    layers = None
    if out.layers is not None or sub.layers is not None:
        lsub = layers_of(sub)
        layers = merge_rows(layers_of(out), {int(r): lsub.rows(np.array([j]))
                                             for j, r in enumerate(rows)})
    return Outcome(
        values,
        put(out.code, sub.code),
        put(out.ok, sub.ok),
        put(out.unbounded, sub.unbounded),
        put(out.branch, sub.branch if sub.branch is not None else np.full(len(rows), -1)),
        put(out.flags_or_zeros(), sub.flags_or_zeros()),
        layers,
    )
