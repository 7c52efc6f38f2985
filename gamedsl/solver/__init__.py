"""The generic solver: subgame-perfect equilibrium by backward induction over the stages.

`solve(game, values)` binds the param values, builds one plan per step (last first, symbolic
where sympy finds the candidates within the time budget, numeric otherwise), plays the game from
the first stage, verifies the result by a search over every player's deviations, and returns a
`Solution`.

This package's namespace is the solver's public face: the analyses (`gamedsl/analysis/`) import
what they need from here, never from the modules inside it.

- `solve`, `SELECT_RULES`;
- step plans built once and played at many points: `symbolic_plans`, `play_everywhere`,
  `compile_plays` (and `build_plans`, `build_problem` for the solver's own tests);
- formulas as a person writes them: `simplest`;
- param values and expressions at numpy points: `bind_values`, `evaluate`, `at_points`,
  `as_expr`; sympy under a time budget: `time_budget`, `BudgetExceeded`;
- cells of switching expressions (`compiled.py`), which `analysis/pieces.py` uses at the level of
  a whole game: `factor_switches`, `closeness`, `signs`, `pack`, `group`, `probe_rows`,
  `lambdify`, `as_columns` and their tolerances `NEAR_TOL`, `ZERO_TOL`, `AGREE_TOL`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from gamedsl.model.errors import SolveError
from gamedsl.model.game import Game
from gamedsl.solver.budget import BudgetExceeded, time_budget
from gamedsl.solver.closed_forms import simplest
from gamedsl.solver.compiled import (
    AGREE_TOL,
    NEAR_TOL,
    ZERO_TOL,
    as_columns,
    closeness,
    factor_switches,
    group,
    lambdify,
    pack,
    probe_rows,
    signs,
)
from gamedsl.solver.evaluate import as_expr, at_points, evaluate
from gamedsl.solver.outcome import BY_ORDER, SEVERAL, Outcome, expected_evaluate
from gamedsl.solver.problem import bind_values, build_problem
from gamedsl.solver.solve import SELECT_RULES, build_plans, solve

__all__ = [
    "AGREE_TOL",
    "BY_ORDER",
    "NEAR_TOL",
    "SELECT_RULES",
    "SEVERAL",
    "ZERO_TOL",
    "BudgetExceeded",
    "Outcome",
    "SolveError",
    "as_columns",
    "as_expr",
    "at_points",
    "bind_values",
    "build_plans",
    "build_problem",
    "closeness",
    "compile_plays",
    "evaluate",
    "expected_evaluate",
    "factor_switches",
    "group",
    "lambdify",
    "pack",
    "play_everywhere",
    "probe_rows",
    "signs",
    "simplest",
    "solve",
    "symbolic_plans",
    "time_budget",
]


def symbolic_plans(game: Game, values: Mapping[str, object] | None = None) -> list:
    """Return the step plans of `game` built with the params kept as symbols (`values` only
    checks the domains and fills params without defaults): one build serves every point."""
    return build_plans(build_problem(game, values, symbolic=True))


def play_everywhere(plans: list, env: Mapping[sympy.Symbol, np.ndarray], n: int) -> Outcome:
    """Return the outcome of the plans played from the first step at n points (`env`: the
    params' values), each point searched as `solve` searches it and unbounded payoffs flagged
    per point."""
    for p in plans:
        p.probe = True
        p.full_grid = True
    try:
        return plans[0].play(dict(env), n)
    finally:
        for p in plans:
            p.probe = p.full_grid = False


def compile_plays(plans: list) -> None:
    """Compile the plays of the closed-form steps now (a numeric step plays them at hundreds of
    histories per point; compiled before workers fork, they are built once)."""
    for p in plans:
        p.compile_now()
