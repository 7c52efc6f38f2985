"""The results of the analyses: the contract between `gamedsl/analysis/` and everything that
formats them.

A sweep gives a `Table`, a region map a `RegionMap`, comparative statics `Statics` (of
`Derivative`s), a scenario comparison a `Comparison` (of `Row`s).  They hold data and small
accessors; their `text()`, `to_csv()`, `to_json()`, `latex()` and `plot()` are the Python API's
shortcuts to `gamedsl.report` (imported when called: the model does not depend on the report).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.game import Game
    from gamedsl.model.solution import Solution

# the regimes of points without an equilibrium path (every other regime is named from its values)
INTERIOR = "interior"
NO_EQUILIBRIUM = "no equilibrium"
UNBOUNDED = "unbounded"
INVALID = "invalid"
SPECIAL = (NO_EQUILIBRIUM, UNBOUNDED, INVALID)


class Table:
    """Rows of a sweep: one per grid point, all with the keys `columns`, in that order.

    Stored by column (numpy arrays: float for numbers, object for text) so that a sweep of a
    million points stays cheap; `rows` builds the list of dicts on first use.  `kinds` says what
    each column is (`param`, `choice`, `payoff`, `report`, `regime`); `meta` records how the table
    was made (`path` fast or slow, the game, the scenario, the varied params, warnings).
    A table is not changed once made (the columns it hands out are copies).
    """

    def __init__(
        self,
        data: Mapping[str, Any],
        kinds: Mapping[str, str] | None = None,
        meta: Mapping[str, Any] | None = None,
        *,
        copy: bool = True,
    ):
        # copy=False: the caller hands its arrays over (it keeps no reference that it writes to)
        self._data = {name: _as_array(v, copy) for name, v in data.items()}
        lengths = {len(v) for v in self._data.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._n = lengths.pop() if lengths else 0
        self.columns: tuple[str, ...] = tuple(self._data)
        self.kinds: Mapping[str, str] = dict(kinds or {})
        self.meta: Mapping[str, Any] = dict(meta or {})
        self._rows: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return f"Table({self._n} rows x {len(self.columns)} columns: {', '.join(self.columns)})"

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Return the rows as dicts (numbers as Python floats, text as str)."""
        if self._rows is None:
            cols = [(c, self._data[c].tolist()) for c in self.columns]
            self._rows = [{c: v[i] for c, v in cols} for i in range(self._n)]
        return self._rows

    def row(self, i: int) -> dict[str, Any]:
        """Return row i as a dict, without building every row."""
        return {
            c: self._data[c][i].item() if hasattr(self._data[c][i], "item") else self._data[c][i]
            for c in self.columns
        }

    def column(self, name: str) -> np.ndarray:
        """Return a column as a numpy array (float for numbers, object for text)."""
        if name not in self._data:
            raise KeyError(f"no column '{name}' (the columns are: {', '.join(self.columns)})")
        return self._data[name].copy()

    def values(self, name: str) -> np.ndarray:
        """Return a column as a read-only array, without copying it (for the formats)."""
        if name not in self._data:
            raise KeyError(f"no column '{name}' (the columns are: {', '.join(self.columns)})")
        view = self._data[name].view()
        view.flags.writeable = False
        return view

    def select(self, columns: Sequence[str]) -> Table:
        """Return the table with only `columns` (in that order)."""
        missing = [c for c in columns if c not in self._data]
        if missing:
            raise KeyError(f"no column '{missing[0]}' (the columns are: {', '.join(self.columns)})")
        return Table(
            {c: self._data[c] for c in columns},
            {c: self.kinds.get(c, "") for c in columns},
            self.meta,
        )

    def columns_of(self, kind: str) -> list[str]:
        """Return the columns of one kind (`param`, `choice`, `payoff`, `report`, `regime`)."""
        return [c for c in self.columns if self.kinds.get(c) == kind]

    def to_pandas(self):
        """Return a pandas DataFrame, one column per column (float64 for numbers, object for
        text), with the kinds and the meta in `df.attrs` (pandas must be installed:
        pip install 'gamedsl[pandas]')."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Table.to_pandas needs pandas: pip install 'gamedsl[pandas]' (or pandas)"
            ) from None
        df = pd.DataFrame({c: self._data[c] for c in self.columns}, columns=list(self.columns))
        df.attrs["kinds"] = dict(self.kinds)
        df.attrs["meta"] = dict(self.meta)
        return df

    # the Python API's shortcuts to gamedsl.report.table and gamedsl.report.plot
    def text(self, max_rows: int | None = 60, digits: int = 6) -> str:
        """Return an aligned text table (the middle rows elided past `max_rows`)."""
        from gamedsl.report.table import table_text

        return table_text(self, max_rows, digits)

    def to_csv(self, path: str | None = None) -> str | None:
        """Return the CSV text; with a `path`, write it there (streamed, atomically) instead and
        return None."""
        from gamedsl.report.table import write_csv

        return write_csv(self, path)

    def to_json(self, path: str | None = None) -> str | None:
        """Return the JSON text; with a `path`, write it there (streamed, atomically) instead and
        return None."""
        from gamedsl.report.table import write_json

        return write_json(self, path)

    def to_parquet(self, path: str) -> None:
        """Write the table to a Parquet file (needs pyarrow: pip install 'gamedsl[parquet]')."""
        from gamedsl.report.table import write_parquet

        write_parquet(self, path)

    def plot(self, columns: Sequence[str] | None = None, path: str | None = None):
        """Draw `columns` (default: equilibrium values and payoffs) against the first varied
        param, regime changes marked; save as PNG to `path` when given; return the figure."""
        from gamedsl.report.plot import plot_sweep

        return plot_sweep(self, columns, path)

    def _repr_html_(self) -> str:
        from gamedsl.report.table import table_html

        return table_html(self)


def _as_array(v: Any, copy: bool = True) -> np.ndarray:
    """Return a column as a float array, or an object array when it holds text."""
    if isinstance(v, np.ndarray) and v.dtype != object:
        return v.astype(float, copy=copy)
    if isinstance(v, np.ndarray) and v.ndim == 1 and len(v) and isinstance(v[0], str):
        return v.copy() if copy else v  # text (an object array, as below)
    values = list(v)
    if any(isinstance(x, str) for x in values):
        return np.array(values, dtype=object)
    return np.array([np.nan if x is None else float(x) for x in values], dtype=float)


@dataclass(frozen=True)
class RegionMap:
    """A map of the (x, y) plane: the regime of every cell and, for `--by EXPR`, its value.

    `regime` and `values` have shape (len(ys), len(xs)): row j is y = ys[j], column i is x = xs[i].
    `table` is the sweep of the grid, `tables` those of the scenarios the expression names.
    """

    game: Game
    x: str
    y: str
    xs: np.ndarray
    ys: np.ndarray
    by: str
    regime: np.ndarray
    values: np.ndarray | None
    table: Table
    tables: Mapping[str, Table] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def regime_names(self) -> list[str]:
        """Return the regimes on the map, the most common first (ties by name)."""
        names, counts = np.unique(self.regime.astype(str), return_counts=True)
        order = sorted(range(len(names)), key=lambda k: (names[k] in SPECIAL, -counts[k], names[k]))
        return [str(names[k]) for k in order]

    def shares(self) -> dict[str, float]:
        """Return the share of cells in each regime."""
        total = self.regime.size
        return {r: float(np.sum(self.regime == r)) / total for r in self.regime_names()}

    def cells(self) -> Table:
        """Return one row per cell: x, y, regime and (for an expression) its value."""
        X, Y = np.meshgrid(self.xs, self.ys)
        data: dict[str, Any] = {
            self.x: X.reshape(-1),
            self.y: Y.reshape(-1),
            "regime": self.regime.reshape(-1),
        }
        kinds = {self.x: "param", self.y: "param", "regime": "regime"}
        if self.values is not None:
            data["value"] = self.values.reshape(-1)
            kinds["value"] = "report"
        return Table(
            data, kinds, {"by": self.by, "game": self.game.title, "scenario": self.game.scenario}
        )

    # the Python API's shortcuts to gamedsl.report.regions and gamedsl.report.plot
    def to_csv(self, path: str | None = None) -> str | None:
        """Return the cells as CSV text; with a `path`, write them there (streamed, atomically)
        instead and return None."""
        from gamedsl.report.table import write_csv

        return write_csv(self.cells(), path)

    def plot(self, path: str | None = None):
        """Draw the map (matplotlib); save it as PNG to `path` when given; return the figure."""
        from gamedsl.report.plot import plot_regions

        return plot_regions(self, path)

    def ascii(self, width: int = 64, height: int = 24) -> str:
        """Return a character map of the regimes (letters keyed below it), y upwards."""
        from gamedsl.report.regions import ascii_map

        return ascii_map(self, width, height)


@dataclass(frozen=True)
class Derivative:
    """d(quantity)/d(wrt) at the point.

    `sign` is the sign at the point (`+`, `-`, `0`, or `?` when unknown); `sign_everywhere` the
    sign sympy proves for every param value in the domains where this closed form holds
    (`positive`, `negative`, `zero`, `nonnegative`, `nonpositive`, or None); `expression` the
    derivative in closed form (None when numeric); `difference` the central difference.
    """

    quantity: str
    kind: str
    wrt: str
    value: float
    sign: str
    method: str
    expression: str | None = None
    sign_everywhere: str | None = None
    difference: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this derivative."""
        from gamedsl.report.statics import derivative_dict

        return derivative_dict(self)


@dataclass(frozen=True)
class Statics:
    """The derivatives of every equilibrium value, payoff and report w.r.t. each param in `wrt`."""

    game: str | None
    scenario: str | None
    parameters: Mapping[str, float]
    regime: str
    wrt: tuple[str, ...]
    derivatives: tuple[Derivative, ...]
    warnings: tuple[str, ...] = ()
    closed_form: Mapping[str, str] = field(default_factory=dict)

    def of(self, quantity: str, wrt: str | None = None) -> Derivative:
        """Return d(quantity)/d(wrt) (wrt may be left out when only one param was asked for)."""
        wrt = wrt or self.wrt[0]
        for d in self.derivatives:
            if d.quantity == quantity and d.wrt == wrt:
                return d
        raise KeyError(f"no derivative of '{quantity}' w.r.t. '{wrt}'")

    # the Python API's shortcuts to gamedsl.report.statics and gamedsl.report.plot
    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the statics."""
        from gamedsl.report.statics import statics_dict

        return statics_dict(self)

    def to_json(self) -> str:
        """Return the statics as JSON."""
        from gamedsl.report.statics import statics_json

        return statics_json(self)

    def text(self) -> str:
        """Return a readable table per param."""
        from gamedsl.report.statics import statics_text

        return statics_text(self)

    def plot(self, path: str | None = None):
        """Draw the derivatives as bars; save as PNG to `path` when given; return the figure."""
        from gamedsl.report.plot import plot_statics

        return plot_statics(self, path)


@dataclass(frozen=True)
class Row:
    """One quantity across the columns of a comparison; None where a column has no such quantity
    (a merged player exists only in its scenario)."""

    name: str
    kind: str
    values: tuple[float | None, ...]

    def delta(self, k: int) -> float | None:
        """Return column k minus the baseline (None when either is missing)."""
        a, b = self.values[0], self.values[k]
        if a is None or b is None:
            return None
        return float(b) - float(a)


@dataclass(frozen=True)
class Comparison:
    """The baseline (column 0) and each scenario, solved at the same param values."""

    game: str | None
    labels: tuple[str, ...]  # "baseline", then the scenario names
    titles: tuple[str | None, ...]
    rows: tuple[Row, ...]
    regimes: tuple[str, ...]
    solutions: tuple[Solution, ...]
    flags: tuple[str, ...] = ()  # per column: what its solve had to settle ("" for nothing)

    def row(self, name: str, kind: str | None = None) -> Row:
        """Return the row of a quantity (choose the kind when a name is both a param and ...)."""
        for r in self.rows:
            if r.name == name and (kind is None or r.kind == kind):
                return r
        raise KeyError(name)

    def delta(self, name: str, scenario: str) -> float | None:
        """Return scenario's value of `name` minus the baseline's."""
        return self.row(name).delta(self.labels.index(scenario))

    # the Python API's shortcuts to gamedsl.report.compare and gamedsl.report.plot
    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the comparison."""
        from gamedsl.report.compare import comparison_dict

        return comparison_dict(self)

    def to_json(self) -> str:
        """Return the comparison as JSON."""
        from gamedsl.report.compare import comparison_json

        return comparison_json(self)

    def to_csv(self, path: str | None = None) -> str:
        """Write the comparison as CSV to `path` (atomically) when given; return the CSV text."""
        from gamedsl.report.compare import write_csv

        return write_csv(self, path)

    def text(self) -> str:
        """Return the side-by-side table."""
        from gamedsl.report.compare import comparison_text

        return comparison_text(self)

    def latex(self) -> str:
        """Return a booktabs tabular of the comparison."""
        from gamedsl.report.compare import comparison_latex

        return comparison_latex(self)

    def plot(self, path: str | None = None, kinds: Sequence[str] = ("payoff", "report")):
        """Draw grouped bars of the baseline and scenarios; save as PNG to `path` when given."""
        from gamedsl.report.plot import plot_compare

        return plot_compare(self, path, kinds)
