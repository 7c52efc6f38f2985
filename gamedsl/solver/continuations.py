"""`--select all`: one full subgame-perfect equilibrium per equilibrium of each stage on the path
that has several (each carried wherever that stage has several, earlier stages re-optimising)."""

from __future__ import annotations

import dataclasses

import numpy as np

from gamedsl.model.errors import SolveError
from gamedsl.model.numbers import number
from gamedsl.model.solution import EquilibriumPath, Solution
from gamedsl.solver.assemble import evaluate_map, value_of
from gamedsl.solver.path import play_path
from gamedsl.solver.verify import verify

MAX_CONTINUATIONS = 8  # select "all": equilibria of one stage re-solved at most


def all_continuations(game, problem, records, path, solution, plans_forcing) -> Solution:
    """Return the solution with `equilibria` = one full SPE per continuation equilibrium.

    For every step on the path with several equilibria, the game is solved again once per
    equilibrium of that step: the step carries its k-th equilibrium (in domain order) wherever
    it has several, and every earlier step re-optimises against that play.
    """
    var_of = {v.symbol: v for v in problem.all_vars}
    paths: list[EquilibriumPath] = []
    seen: list[dict] = []
    notes: list[str] = []

    def add(p_path, verification, note, selected):
        eqm = {c.var: value_of(var_of.get(c.symbol), p_path[c.symbol]) for c in game.choices}
        if any(
            all(abs(eqm[n] - other[n]) <= 1e-7 * (1 + abs(other[n])) for n in eqm) for other in seen
        ):
            return
        seen.append(eqm)
        env = {s: np.array([x]) for s, x in p_path.items()}
        paths.append(
            EquilibriumPath(
                equilibrium=eqm,
                payoffs=evaluate_map(problem, game.payoffs, env),
                reports=evaluate_map(problem, game.reports, env),
                selected=selected,
                note=note
                if verification.ok
                else f"{note}; not verified (gain {number(verification.max_gain, 3)})",
            )
        )

    add(path, solution.verification, "selected by the rule", True)
    for rec in records:
        count = len(rec.equilibria)
        if count <= 1:
            continue
        for rank in range(min(count, MAX_CONTINUATIONS)):
            try:
                plans = plans_forcing({rec.step.index: rank})
                _recs, alt_path = play_path(problem, plans)
            except SolveError as exc:
                notes.append(f"stage '{rec.step.name}', equilibrium {rank + 1}: {exc.message}")
                continue
            add(
                alt_path,
                verify(problem, plans, alt_path),
                f"stage {rec.step.name}: equilibrium {rank + 1} of {count} carried",
                False,
            )
    warnings = list(solution.warnings)
    if len(paths) > 1:
        warnings.append(
            f"--select all: {len(paths)} subgame-perfect equilibria (one per "
            "continuation equilibrium of the stages with several), listed in 'equilibria'"
        )
    warnings += notes
    return dataclasses.replace(
        solution, equilibria=tuple(paths) if len(paths) > 1 else (), warnings=tuple(warnings)
    )
