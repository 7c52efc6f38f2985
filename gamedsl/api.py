"""The Python API: load a spec, solve it, analyse it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gamedsl.game import Game
from gamedsl.solution import Solution


def load(source: str, scenario: str | None = None) -> "Model":
    """Return the model in `source` (a path or `stdlib:NAME`), with `scenario` applied if given."""
    from gamedsl.checker import load_game

    return Model(load_game(source, scenario=scenario), source)


@dataclass(frozen=True)
class Model:
    """A checked game ready to solve and analyse."""

    game: Game
    source: str

    def scenario(self, name: str | None) -> "Model":
        """Return this model with scenario `name` applied (None: the baseline)."""
        return load(self.source, scenario=name)

    def solve(self, *, symbolic: bool = False, select: str = "pareto", strict: bool = False,
              **values: Any) -> Solution:
        """Return the subgame-perfect equilibrium at the param values given (defaults otherwise)."""
        from gamedsl.solver import solve

        return solve(self.game, values, symbolic=symbolic, select=select, strict=strict)
