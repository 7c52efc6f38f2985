"""Region maps: the plane of two params coloured by equilibrium regime or by an expression.

`regions` sweeps the (x, y) grid once (the fast path where closed forms exist) and, for an
expression that names `COLUMN@SCENARIO`, sweeps the same grid under each scenario named
(`@baseline`: the spec without a scenario, `analysis.scenarios`).  The
expression is parsed by `analysis.expr` (never eval'd) and evaluated over the table's columns.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gamedsl.analysis import executor as ex
from gamedsl.analysis import expr as exprs
from gamedsl.analysis.scenarios import cached_sweep, scenario_game, scenario_points
from gamedsl.analysis.sweep import axis_bounds, check_param, grid, load
from gamedsl.model.analysis import RegionMap, Table
from gamedsl.model.errors import SpecError

REGIME = "regime"


def _check_columns(expr: exprs.Expr, tables: Mapping[str | None, Table]) -> None:
    """Raise SpecError for a column that no table has (with a suggestion)."""
    for col in expr.columns:
        table = tables[col.scenario]
        if col.name not in table.columns or table.kinds.get(col.name) == "regime":
            names = [c for c in table.columns if table.kinds.get(c) != "regime"]
            close = difflib.get_close_matches(col.name, names, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"the columns are: {', '.join(names)}"
            )
            raise SpecError(f"--by: unknown column '{col}'", None, hint)


def regions(
    model_or_game: Any,
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]],
    by: str | None = None,
    fixed: Mapping[str, float] | None = None,
    scenario: str | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    quiet: bool = True,
    fast: bool = True,
    executor: ex.Executor | None = None,
) -> RegionMap:
    """Return the map of the plane (x name, x values) × (y name, y values).

    `by` is `"regime"` (the default) or an expression of the table's columns, in which
    `NAME@SCENARIO` reads column NAME from the same grid solved under SCENARIO, e.g.
    `"welfare - welfare@no_regulation"`.
    """
    by = REGIME if by is None else by.strip()
    parsed = None if by == REGIME else exprs.parse(by)
    game = load(model_or_game, scenario)
    (xname, xs), (yname, ys) = x, y
    check_param(game, xname, "--x")
    check_param(game, yname, "--y")
    if xname == yname:
        raise SpecError(f"--x and --y both vary '{xname}'", None, "choose two different params")
    xs = np.asarray(xs, dtype=float).reshape(-1)
    ys = np.asarray(ys, dtype=float).reshape(-1)
    axes = {yname: ys, xname: xs}
    points = grid(axes)  # y outer, x inner: reshape to (ny, nx)
    own = executor is None
    executor = executor or ex.make_executor(workers, dask, quiet)
    notes: list[str] = []
    try:
        table = cached_sweep(
            game,
            points,
            fixed,
            executor=executor,
            fast=fast,
            desc="regions",
            bounds=axis_bounds(axes),
        )
        tables: dict[str | None, Table] = {None: table}
        values = None
        if parsed is not None:
            for name in parsed.scenarios():
                other = scenario_game(model_or_game, name)
                own_points = scenario_points(game, other, points, fixed or {}, notes, "map")
                tables[name] = cached_sweep(
                    other,
                    own_points,
                    fixed,
                    executor=executor,
                    fast=fast,
                    desc=f"regions@{name}",
                    n=len(xs) * len(ys),
                )
            _check_columns(parsed, tables)
            values = parsed.evaluate(exprs.columns_lookup(tables)).reshape(len(ys), len(xs))
    finally:
        if own:
            executor.close()
    regime = table.column(REGIME).reshape(len(ys), len(xs))
    for t in tables.values():
        notes += list(t.meta.get("warnings", ()))
    scenarios = {k: v for k, v in tables.items() if k is not None}
    return RegionMap(game, xname, yname, xs, ys, by, regime, values, table, scenarios, tuple(notes))


__all__ = ["RegionMap", "regions"]
