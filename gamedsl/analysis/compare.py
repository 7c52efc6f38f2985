"""Scenario comparison: the baseline and each scenario solved at the same param values, side by
side, with each scenario's change from the baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gamedsl.analysis import executor as ex
from gamedsl.analysis.regime import regimes
from gamedsl.analysis.sweep import game_context, load
from gamedsl.model.analysis import Comparison, Row
from gamedsl.model.errors import SolveError
from gamedsl.model.game import Game
from gamedsl.model.solution import Solution
from gamedsl.solver import solve


def _solve_scenario(task: tuple) -> tuple[str, Any]:
    """Work item: solve one scenario; return ("ok", Solution) or ("error", message)."""
    context, values = task
    game = ex.resolve(context)
    try:
        return "ok", solve(game, values)
    except SolveError as e:  # sent back as fields: exceptions with extra fields pickle badly
        return "error", (e.message, e.span, e.hint, e.reason, e.stage)


def compare(
    model_or_game: Any,
    scenarios: Sequence[str] | None = None,
    values: Mapping[str, float] | None = None,
    *,
    base_scenario: str | None = None,
    workers: int | None = None,
    dask: Any = None,
    quiet: bool = True,
    executor: ex.Executor | None = None,
) -> Comparison:
    """Return the baseline and each scenario (all the game's scenarios when none are named)
    solved at `values` (a value given here overrides a scenario's `set`, as on the command line)."""
    base = load(model_or_game, base_scenario)
    names = list(scenarios) if scenarios else [s for s in base.scenarios if s != base_scenario]
    games: list[Game] = [base] + [load(model_or_game, s) for s in names]
    labels = tuple([base_scenario or "baseline"] + names)
    values = dict(values or {})
    tasks = [(game_context(g), values) for g in games]
    own = executor is None
    executor = executor or ex.make_executor(workers, dask, quiet)
    try:
        results = executor.map(_solve_scenario, tasks, desc="compare")
    finally:
        if own:
            executor.close()
    for lab, (status, payload) in zip(labels, results):
        if status != "ok":
            message, span, hint, reason, stage = payload
            raise SolveError(f"{lab}: {message}", span, hint, reason, stage)
    sols = tuple(payload for _, payload in results)
    rows: list[Row] = []

    def add(kind: str, names_in: Sequence[str], pick) -> None:
        for name in names_in:
            vals = tuple(pick(s).get(name) for s in sols)
            rows.append(Row(name, kind, tuple(None if v is None else float(v) for v in vals)))

    params = list(dict.fromkeys(n for s in sols for n in s.parameters))
    add("param", params, lambda s: s.parameters)
    add("choice", [c.var for c in base.choices], lambda s: s.equilibrium)
    players = list(dict.fromkeys(p for s in sols for p in s.payoffs))
    add("payoff", players, lambda s: s.payoffs)
    add("report", list(dict.fromkeys(r for s in sols for r in s.reports)), lambda s: s.reports)
    regime_names = tuple(_regime_of(g, s) for g, s in zip(games, sols))
    titles = tuple(
        [None] + [base.scenarios[n].title if n in base.scenarios else None for n in names]
    )
    flags = tuple("; ".join(s.flags) for s in sols)
    return Comparison(base.title, labels, titles, tuple(rows), regime_names, sols, flags)


def _regime_of(game: Game, s: Solution) -> str:
    cols = {k: np.array([float(v)]) for k, v in {**s.parameters, **s.equilibrium}.items()}
    return str(regimes(game, cols, 1)[0])


__all__ = ["Comparison", "Row", "compare"]
