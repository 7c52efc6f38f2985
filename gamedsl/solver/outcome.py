"""The outcome of playing a step plan (and every later one) at a batch of histories: what the
plans (`plan.py`) and their compiled plays (`compiled.py`) both return."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from gamedsl.solver.problem import Step


@dataclass
class Outcome:
    """The play of a step and all later steps at a batch of n histories."""

    values: dict[sympy.Symbol, np.ndarray]
    code: np.ndarray  # an integer per point that changes when the regime changes
    ok: np.ndarray  # an equilibrium was found
    unbounded: np.ndarray  # a payoff was found unbounded
    branch: np.ndarray | None = None  # index into the plan's `branches` (-1: none of them)


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
