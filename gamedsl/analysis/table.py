"""The result of a sweep: rows of named values, with no dependency on pandas."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from gamedsl.report.solution import fmt_number
from gamedsl.report.writing import write_text

# timings are kept in .meta but left out of files: the same input gives the same file
VOLATILE_META = ("compile_seconds", "check_seconds")


class Table:
    """Rows of a sweep: one dict per grid point, all with the keys `columns`, in that order.

    Stored by column (numpy arrays: float for numbers, object for text) so that a sweep of a
    million points stays cheap; `rows` builds the list of dicts on first use.  `kinds` says what
    each column is (`param`, `choice`, `payoff`, `report`, `regime`); `meta` records how the table
    was made (`path` fast or slow, the game, the scenario, the varied params, warnings).
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

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[Mapping[str, Any]],
        columns: Sequence[str],
        kinds: Mapping[str, str] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Table:
        """Return the table of `rows` (dicts) with these columns."""
        return cls({c: [r.get(c) for r in rows] for c in columns}, kinds, meta)

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

    def _row(self, i: int) -> dict[str, Any]:
        return {
            c: self._data[c][i].item() if hasattr(self._data[c][i], "item") else self._data[c][i]
            for c in self.columns
        }

    def column(self, name: str) -> np.ndarray:
        """Return a column as a numpy array (float for numbers, object for text)."""
        if name not in self._data:
            raise KeyError(f"no column '{name}' (the columns are: {', '.join(self.columns)})")
        return self._data[name].copy()

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

    def plot(self, columns: Sequence[str] | None = None, path: str | None = None):
        """Draw `columns` (default: equilibrium values and payoffs) against the first varied
        param, regime changes marked; save as PNG to `path` when given; return the figure."""
        from gamedsl.analysis.plot import plot_sweep

        return plot_sweep(self, columns, path)

    def columns_of(self, kind: str) -> list[str]:
        """Return the columns of one kind (`param`, `choice`, `payoff`, `report`, `regime`)."""
        return [c for c in self.columns if self.kinds.get(c) == kind]

    # ------------------------------------------------------------------ output
    def csv_text(self) -> str:
        """Return the table as CSV (numbers with full precision, infinities as inf/-inf)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.columns)
        for r in self.rows:
            w.writerow([_csv_cell(r.get(c)) for c in self.columns])
        return buf.getvalue()

    def json_text(self) -> str:
        """Return the table as JSON: {"columns": [...], "kinds": {...}, "meta": {...}, "rows": [...]}."""
        doc = {
            "columns": list(self.columns),
            "kinds": dict(self.kinds),
            "meta": _json_safe({k: v for k, v in self.meta.items() if k not in VOLATILE_META}),
            "rows": [{c: _json_value(r.get(c)) for c in self.columns} for r in self.rows],
        }
        return json.dumps(doc, indent=1, allow_nan=False)

    def to_csv(self, path: str | None = None) -> str:
        """Write the CSV to `path` (atomically) when given; return the CSV text."""
        text = self.csv_text()
        if path is not None:
            write_text(path, text)
        return text

    def to_json(self, path: str | None = None) -> str:
        """Write the JSON to `path` (atomically) when given; return the JSON text."""
        text = self.json_text() + "\n"
        if path is not None:
            write_text(path, text)
        return text

    def to_pandas(self):
        """Return a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Table.to_pandas needs pandas: pip install pandas") from None
        return pd.DataFrame({c: self._data[c] for c in self.columns}, columns=list(self.columns))

    def text(self, max_rows: int | None = 60, digits: int = 6) -> str:
        """Return an aligned text table (the middle rows elided past `max_rows`)."""
        shown: list[int | None] = list(range(self._n))
        elided = 0
        if max_rows is not None and self._n > max_rows:
            head = max_rows // 2
            elided = self._n - 2 * head
            shown = shown[:head] + [None] + shown[-head:]
        rows = [None if i is None else self._row(i) for i in shown]
        cells = [
            [
                fmt_number(r.get(c), digits) if not isinstance(r.get(c), str) else r.get(c)
                for c in self.columns
            ]
            if r is not None
            else None
            for r in rows
        ]
        widths = [len(c) for c in self.columns]
        for row in cells:
            if row is not None:
                widths = [max(w, len(x)) for w, x in zip(widths, row)]
        out = [
            "  ".join(
                c.rjust(w) if self.kinds.get(c) != "regime" else c
                for c, w in zip(self.columns, widths)
            ).rstrip()
        ]
        for row in cells:
            if row is None:
                out.append(f"... ({elided} rows not shown)")
                continue
            out.append(
                "  ".join(
                    x if self.kinds.get(c) == "regime" else x.rjust(w)
                    for c, x, w in zip(self.columns, row, widths)
                ).rstrip()
            )
        return "\n".join(out)

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = []
        for r in (self._row(i) for i in range(min(self._n, 200))):
            body.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(r.get(c) if isinstance(r.get(c), str) else fmt_number(r.get(c)))}</td>"
                    for c in self.columns
                )
                + "</tr>"
            )
        more = f"<p>{self._n - 200} more rows</p>" if self._n > 200 else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def _json_value(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(v)
    if math.isnan(f):
        return None
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def _json_safe(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, (str, type(None))):
        return x
    if isinstance(x, (bool, int, float, np.number)):
        return _json_value(x)
    return str(x)


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
