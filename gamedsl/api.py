"""The Python API: load a spec, solve it, analyse it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gamedsl.model.game import Game
from gamedsl.model.solution import Solution


def load(source: str, scenario: str | None = None, **values: Any) -> Model:
    """Return the model in `source` (a path or `stdlib:NAME`), with `scenario` applied if given;
    `values` of the params that size families (`n=7`) write them out at those sizes."""
    from gamedsl.language import load_game

    return Model(load_game(source, scenario=scenario, values=values or None), source, values)


@dataclass(frozen=True)
class Model:
    """A checked game ready to solve and analyse."""

    game: Game
    source: str
    shape: dict = field(default_factory=dict)  # the values the families were written out at

    def scenario(self, name: str | None) -> Model:
        """Return this model with scenario `name` applied (None: the baseline)."""
        return load(self.source, scenario=name, **self.shape)

    def _shaped(self, values: dict) -> Model:
        """Return the model written out at `values` where they change a family's size (or name
        a member of a family of params: `c[2]`), this model otherwise."""
        sizes = {n: v for n, v in values.items() if n in self.game.structural}
        if all(self.shape.get(n) == v for n, v in sizes.items()):
            return self
        return load(self.source, scenario=self.game.scenario, **{**self.shape, **values})

    def solve(
        self,
        *,
        symbolic: bool = False,
        select: str = "pareto",
        strict: bool = False,
        pure: bool = False,
        **values: Any,
    ) -> Solution:
        """Return the subgame-perfect equilibrium at the param values given (defaults otherwise).

        `select` settles a stage with several equilibria: "pareto" (the rule of docs/solver.md),
        "first" (the first in domain order) or "all" (one equilibrium per continuation, in
        `equilibria`); another value raises ValueError.  `pure` keeps pure strategies only (a
        finite stage with no pure equilibrium is otherwise solved in mixed strategies).
        """
        from gamedsl.solver import SELECT_RULES, solve

        if select not in SELECT_RULES:
            raise ValueError(f"select must be one of {', '.join(SELECT_RULES)}, not {select!r}")
        model = self._shaped(values)
        return solve(model.game, values, symbolic=symbolic, select=select, strict=strict, pure=pure)

    def derive(self, **values: Any) -> str:
        """Return the derivation of the equilibrium at the param values given, as a standalone
        LaTeX document (`gamedsl derive`): per stage the problem, first- and second-order
        conditions and best reply, then the closed forms and the signs of the statics."""
        from gamedsl.report.derive import derivation_latex
        from gamedsl.solver import solve
        from gamedsl.solver.derivation import derive

        model = self._shaped(values)
        solution = solve(model.game, values, symbolic=True)
        return derivation_latex(derive(model.game, solution), model.game)

    # ------------------------------------------------------------------ analyses
    def sweep(
        self,
        vary: dict,
        fixed: dict | None = None,
        scenario: str | list | tuple | None = None,
        *,
        columns: list | tuple = (),
        workers: int | None = None,
        dask: Any = None,
        quiet: bool = True,
        fast: bool = True,
    ):
        """Return a `Table` of the equilibrium at every point of the grid `vary` (param name ->
        values; several params give their Cartesian product). See `gamedsl.analysis.sweep`.

        `scenario` may list several scenarios (`"baseline"`: none): their tables stacked with a
        `scenario` column; `columns` adds expressions computed per row, such as
        `"CS - CS@baseline"` (`gamedsl.analysis.scenarios`)."""
        if isinstance(scenario, (list, tuple)) or columns:
            from gamedsl.analysis.scenarios import sweep_scenarios

            names = list(scenario) if isinstance(scenario, (list, tuple)) else [scenario]
            return sweep_scenarios(
                self,
                vary,
                fixed,
                names,
                list(columns),
                workers=workers,
                dask=dask,
                quiet=quiet,
                fast=fast,
            )
        from gamedsl.analysis.sweep import sweep

        return sweep(
            self, vary, fixed, scenario, workers=workers, dask=dask, quiet=quiet, fast=fast
        )

    def regions(
        self,
        x: tuple,
        y: tuple,
        by: str | None = None,
        fixed: dict | None = None,
        scenario: str | None = None,
        *,
        workers: int | None = None,
        dask: Any = None,
        quiet: bool = True,
        fast: bool = True,
    ):
        """Return the `RegionMap` of the plane x = (name, values) by y = (name, values), by
        regime or by an expression (`"welfare - welfare@no_regulation"`)."""
        from gamedsl.analysis.regions import regions

        return regions(
            self, x, y, by, fixed, scenario, workers=workers, dask=dask, quiet=quiet, fast=fast
        )

    def statics(
        self,
        wrt,
        scenario: str | None = None,
        *,
        workers: int | None = None,
        dask: Any = None,
        quiet: bool = True,
        **values: Any,
    ):
        """Return `Statics`: d(equilibrium values, payoffs, reports)/d(each param in `wrt`) at
        the param values given (defaults otherwise)."""
        from gamedsl.analysis.statics import statics

        return statics(self, wrt, values, scenario, workers=workers, dask=dask, quiet=quiet)

    def compare(
        self,
        *scenarios: str,
        workers: int | None = None,
        dask: Any = None,
        quiet: bool = True,
        **values: Any,
    ):
        """Return the `Comparison` of the baseline with `scenarios` (all of the game's when none
        are named) at the param values given."""
        from gamedsl.analysis.compare import compare

        return compare(
            self, list(scenarios) or None, values, workers=workers, dask=dask, quiet=quiet
        )
