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
class Outcome:
    """The play of a step and all later steps at a batch of n histories."""

    values: dict[sympy.Symbol, np.ndarray]
    code: np.ndarray  # an integer per point that changes when the regime changes
    ok: np.ndarray  # an equilibrium was found
    unbounded: np.ndarray  # a payoff was found unbounded
    branch: np.ndarray | None = None  # index into the plan's `branches` (-1: none of them)
    # per point, what the play had to settle (bits SEVERAL, BY_ORDER); None: nothing
    flags: np.ndarray | None = None

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
