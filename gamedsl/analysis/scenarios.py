"""Several scenarios over one grid, and columns computed from expressions that read them.

`sweep --scenario A --scenario B --columns "CS - CS@baseline"` sweeps the grid once per scenario
named and stacks the tables, a `scenario` column first; an expression column is computed per
scenario from that scenario's own columns (a bare name) and from the same grid solved under
another scenario (`NAME@OTHER`; `@baseline` is the spec without a scenario, unless the spec
declares a scenario of that name).  A param that the other scenario `set`s keeps the scenario's
value there instead of the grid's axis (the counterfactual is the scenario as written; `--set`
still wins), as in `regions --by`.  Each grid is swept once however many expressions read it.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from gamedsl.analysis import executor as ex
from gamedsl.analysis import expr as exprs
from gamedsl.analysis.sweep import axis_bounds, grid, load, sweep_points
from gamedsl.model.analysis import Table
from gamedsl.model.errors import SpecError
from gamedsl.model.game import Game

SWEPT_CACHE = 32  # the last sweeps of this process kept for the next command that asks again
SWEPT_MAX_POINTS = 500_000  # ... of at most this many points together
BASELINE = "baseline"  # the label of the spec without a scenario (compare's first column too)
SCENARIO = "scenario"  # the column (and its kind) naming each row's scenario
EXPRESSION = "expression"  # the kind of a column computed from an expression


# a column's own name: a choice, payoff, report or param, a family's member (`q[2]`) or a value
# per draw (`q2[c2=1]`)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\[[^\]]*\])?$")
_SWEPT: OrderedDict[tuple, Table] = OrderedDict()  # cache key -> table (tables never change)


def _cache_key(
    game: Game, points: Mapping[str, np.ndarray], fixed: Mapping[str, float], fast: bool
) -> tuple | None:
    """Return what a sweep's table depends on: the spec's text (every file it uses), the
    scenario, the points and the fixed values; None when the game has no source text."""
    if not game.sources:
        return None
    digest = hashlib.sha256()
    for path, text in sorted(game.sources.items()):
        digest.update(f"{path}\0{len(text)}\0{text}\0".encode())
    for name in sorted(points):
        values = np.ascontiguousarray(points[name], dtype=float)
        digest.update(f"{name}\0{values.size}\0".encode() + values.tobytes())
    return (game.path, game.scenario, digest.hexdigest(), tuple(sorted(fixed.items())), fast)


def cached_sweep(
    game: Game,
    points: Mapping[str, np.ndarray],
    fixed: Mapping[str, float] | None,
    **options: Any,
) -> Table:
    """Return `sweep_points(game, points, fixed, **options)`, reusing the table of an identical
    sweep made earlier in this process (figures of several commands share their grids: the
    baseline of `X - X@baseline` is swept once)."""
    fixed = dict(fixed or {})
    n = options.get("n") or (len(next(iter(points.values()))) if points else 1)
    key = _cache_key(game, points, fixed, options.get("fast", True))
    if key is not None and n <= SWEPT_MAX_POINTS:
        key = (*key, n)
        if key in _SWEPT:
            _SWEPT.move_to_end(key)
            return _SWEPT[key]
    table = sweep_points(game, points, fixed, **options)
    if key is not None and n <= SWEPT_MAX_POINTS:
        _SWEPT[key] = table
        while len(_SWEPT) > SWEPT_CACHE or sum(len(t) for t in _SWEPT.values()) > SWEPT_MAX_POINTS:
            _SWEPT.popitem(last=False)  # the least recently used first
    return table


def split_columns(text: str | Sequence[str] | None) -> list[str]:
    """Return the column texts of `--columns` (repeatable; each may list several, separated by
    commas outside parentheses, so `max(q1, q2)` stays one)."""
    items = [text] if isinstance(text, str) else list(text or ())
    out: list[str] = []
    for item in items:
        depth, start = 0, 0
        for k, ch in enumerate(item):
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif ch == "," and depth == 0:
                out.append(item[start:k])
                start = k + 1
        out.append(item[start:])
    return [c.strip() for c in out if c.strip()]


@dataclass(frozen=True)
class Column:
    """A column asked for: a name the table has, or an expression computed over the tables."""

    text: str
    expr: exprs.Expr | None  # None: the table's own column `text`

    def scenarios(self) -> list[str]:
        """Return the scenarios the expression reads with `@`."""
        return self.expr.scenarios() if self.expr is not None else []


def parse_columns(texts: Sequence[str], option: str = "--columns") -> list[Column]:
    """Return the parsed columns: a bare name stays a name (checked against the table later), any
    other text is an expression (parsed, never evaluated as Python; SpecError when malformed)."""
    out = []
    for text in texts:
        if _NAME.match(text):
            out.append(Column(text, None))
        else:
            out.append(Column(text, exprs.parse(text, option)))
    return out


def scenario_game(model_or_game: Any, name: str | None) -> Game:
    """Return the game under scenario `name`; None, or `baseline` when the spec declares no
    scenario of that name, is the spec without a scenario."""
    if name is not None and name != BASELINE:
        return load(model_or_game, name)
    game = load(model_or_game, None)  # the model as given: a scenario may be applied
    if name == BASELINE and BASELINE in game.scenarios:
        return load(model_or_game, BASELINE)
    if game.scenario is not None:
        from gamedsl.language import load_game

        return load_game(getattr(model_or_game, "source", None) or game.path, scenario=None)
    return game


def label(name: str | None) -> str:
    """Return the label of a scenario in tables and legends (`baseline` for none)."""
    return name or BASELINE


def scenario_points(
    base: Game,
    other: Game,
    points: Mapping[str, np.ndarray],
    fixed: Mapping[str, float],
    notes: list[str],
    what: str = "grid",
) -> dict[str, np.ndarray]:
    """Return the grid for `NAME@OTHER` seen from `base`: a param that `other` sets to another
    value than `base` keeps `other`'s value instead of the axis (a note says so, naming the
    `what`); `--set` (`fixed`) still wins."""
    out = dict(points)
    for name in points:
        if name in fixed:
            continue
        mine, theirs = base.params[name].default, other.params[name].default
        if theirs is not None and (mine is None or sympy.simplify(mine - theirs) != 0):
            del out[name]
            notes.append(
                f"under scenario {label(other.scenario)}, {name} is the scenario's "
                f"({name} = {theirs}), not the {what}'s axis"
            )
    return out


class Grids:
    """The tables of one grid under the scenarios asked for, each grid swept once."""

    def __init__(
        self,
        model_or_game: Any,
        points: Mapping[str, np.ndarray],
        fixed: Mapping[str, float],
        executor: ex.Executor,
        *,
        fast: bool = True,
        bounds: Mapping[str, tuple[float, float]] | None = None,
        desc: str = "sweep",
    ):
        self.model = model_or_game
        self.points = dict(points)
        self.fixed = dict(fixed)
        self.executor = executor
        self.fast = fast
        self.bounds = bounds
        self.desc = desc
        self.n = len(next(iter(self.points.values())))
        self.notes: list[str] = []
        self.swept: dict[tuple, Table] = {}  # (scenario, params on the axes) -> its table
        self._games: dict[str | None, Game] = {}

    def game(self, name: str | None) -> Game:
        """Return the game under scenario `name` (`baseline`: see `scenario_game`), loaded once."""
        if name not in self._games:
            self._games[name] = scenario_game(self.model, name)
        return self._games[name]

    def main(self, name: str | None) -> Table:
        """Return the grid swept under scenario `name`, every axis as given (as `sweep` does)."""
        return self._sweep(self.game(name), self.points, self.desc)

    def reference(self, name: str, seen_from: str | None) -> Table:
        """Return the grid swept under `name` for `NAME@name` read from the rows of scenario
        `seen_from`: the params `name` sets keep its values (`scenario_points`)."""
        base, game = self.game(seen_from), self.game(name)
        points = self.points
        if game.scenario != base.scenario:
            points = scenario_points(base, game, self.points, self.fixed, self.notes)
        return self._sweep(game, points, f"{self.desc}@{name}")

    def _sweep(self, game: Game, points: Mapping[str, np.ndarray], desc: str) -> Table:
        key = (game.scenario, tuple(sorted(points)))
        if key not in self.swept:
            self.swept[key] = cached_sweep(
                game,
                points,
                self.fixed,
                executor=self.executor,
                fast=self.fast,
                desc=desc,
                n=self.n,
                bounds=self.bounds,
            )
        return self.swept[key]


def _check(column: Column, tables: Mapping[str | None, Table], option: str) -> None:
    """Raise SpecError for a name that no table has (with a suggestion)."""
    refs = [exprs.Column(column.text)] if column.expr is None else list(column.expr.columns)
    for col in refs:
        table = tables[col.scenario]
        names = list(table.columns)  # a bare name may be any column (`--columns regime`) ...
        if column.expr is not None:  # ... an expression reads numbers
            names = [c for c in names if table.kinds.get(c) not in ("regime", "flags")]
        if col.name not in names:
            close = difflib.get_close_matches(col.name, names, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"the columns are: {', '.join(names)}"
            )
            raise SpecError(f"{option}: unknown column '{col}'", None, hint)


def computed(
    grids: Grids, scenario: str | None, columns: Sequence[Column], option: str = "--columns"
) -> dict[str, np.ndarray]:
    """Return the values of the expression columns over the grid swept under `scenario` (and
    check that every name a column reads exists)."""
    out = {}
    for column in columns:
        tables = {None: grids.main(scenario)}
        for name in column.scenarios():
            tables[name] = grids.reference(name, scenario)
        _check(column, tables, option)
        if column.expr is not None:
            out[column.text] = column.expr.evaluate(exprs.columns_lookup(tables))
    return out


def stack(grids: Grids, scenarios: Sequence[str | None], columns: Sequence[Column]) -> Table:
    """Return one table: each scenario's sweep with the expression columns, stacked in the order
    given; with several scenarios a `scenario` column comes first and every table's columns are
    kept (a merged player's payoff is nan under the others); the regime and flags come last."""
    parts = [(name, grids.main(name), computed(grids, name, columns)) for name in scenarios]
    several = len(parts) > 1
    kinds: dict[str, str] = {SCENARIO: SCENARIO} if several else {}
    for _, table, extra in parts:
        for c in table.columns:
            if table.kinds.get(c) not in ("regime", "flags"):
                kinds.setdefault(c, table.kinds.get(c, ""))
        for c in extra:
            kinds.setdefault(c, EXPRESSION)
    kinds.update(regime="regime", flags="flags")
    data: dict[str, np.ndarray] = {}
    for c in kinds:
        pieces = []
        for name, table, extra in parts:
            if c == SCENARIO:
                pieces.append(np.full(len(table), label(name), dtype=object))
            elif c in extra:
                pieces.append(np.asarray(extra[c], float))
            elif c in table.columns:
                pieces.append(table.column(c))
            else:
                pieces.append(np.full(len(table), np.nan))
        data[c] = np.concatenate(pieces) if several else pieces[0]
    meta = dict(parts[0][1].meta)
    meta["warnings"] = _notes(grids, parts, several)
    if several:
        meta["scenario"] = None
        meta["scenarios"] = [label(name) for name, _, _ in parts]
        meta["points"] = sum(len(t) for _, t, _ in parts)
        meta["path"] = "/".join(dict.fromkeys(str(t.meta.get("path")) for _, t, _ in parts))
    return Table(data, kinds, meta, copy=False)


def _notes(grids: Grids, parts: list, several: bool) -> list[str]:
    """Return the sweeps' warnings: each scenario's (named when there are several), then those of
    the grids only read with `@` (named), then how the scenarios' grids differ."""
    out: list[str] = []
    main = set()
    for name, table, _ in parts:
        main.add(id(table))
        out += [f"{label(name)}: {w}" if several else w for w in table.meta.get("warnings", ())]
    for (scenario, _), table in grids.swept.items():
        if id(table) not in main:
            out += [f"{label(scenario)}: {w}" for w in table.meta.get("warnings", ())]
    return list(dict.fromkeys(out + grids.notes))


def sweep_scenarios(
    model_or_game: Any,
    vary: Mapping[str, Sequence[float]],
    fixed: Mapping[str, float] | None = None,
    scenarios: Sequence[str | None] = (None,),
    columns: Sequence[str] = (),
    *,
    workers: int | None = None,
    dask: Any = None,
    quiet: bool = True,
    fast: bool = True,
    executor: ex.Executor | None = None,
) -> Table:
    """Return the sweep of the grid `vary` under each of `scenarios` (None or `baseline`: the
    spec without one), stacked, with the expression `columns` computed per scenario.

    With one scenario and no expression the table is `sweep`'s (no `scenario` column)."""
    if not vary:
        raise SpecError("nothing to vary", None, "give at least one param and its values")
    parsed = parse_columns(columns)
    names = list(dict.fromkeys(scenarios or (None,)))
    own = executor is None
    executor = executor or ex.make_executor(workers, dask, quiet)
    try:
        grids = Grids(
            model_or_game,
            grid(vary),
            dict(fixed or {}),
            executor,
            fast=fast,
            bounds=axis_bounds(vary),
        )
        return stack(grids, names, parsed)
    finally:
        if own:
            executor.close()


__all__ = [
    "BASELINE",
    "Column",
    "Grids",
    "cached_sweep",
    "parse_columns",
    "scenario_game",
    "scenario_points",
    "split_columns",
    "stack",
    "sweep_scenarios",
]
