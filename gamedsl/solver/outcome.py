"""The outcome of playing a step plan (and every later one) at a batch of histories: what the
plans (`plan.py`) and their compiled plays (`compiled.py`) both return."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy


@dataclass
class Outcome:
    """The play of a step and all later steps at a batch of n histories."""

    values: dict[sympy.Symbol, np.ndarray]
    code: np.ndarray  # an integer per point that changes when the regime changes
    ok: np.ndarray  # an equilibrium was found
    unbounded: np.ndarray  # a payoff was found unbounded
    branch: np.ndarray | None = None  # index into the plan's `branches` (-1: none of them)
