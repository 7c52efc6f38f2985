"""A sweep's table (or a region map's cells) as CSV, JSON, aligned text and HTML.

Numbers follow `gamedsl.model.numbers`: full precision in CSV (an empty cell where a value is
missing, `nan` where it is not a number), NaN as `null` in JSON, 6 significant digits in text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gamedsl.model.numbers import csv_cell, json_value, number
from gamedsl.report.writing import save_text

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.analysis import Table

# timings are kept in .meta but left out of files: the same input gives the same file
VOLATILE_META = ("compile_seconds", "check_seconds")
HTML_ROWS = 200  # rows a notebook shows


def table_csv(table: Table) -> str:
    """Return the table as CSV (a header row, then one row per point)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for r in table.rows:
        w.writerow([csv_cell(r.get(c)) for c in table.columns])
    return buf.getvalue()


def table_json(table: Table) -> str:
    """Return the table as JSON: {"columns": [...], "kinds": {...}, "meta": {...}, "rows": [...]}."""
    doc = {
        "columns": list(table.columns),
        "kinds": dict(table.kinds),
        "meta": _json_safe({k: v for k, v in table.meta.items() if k not in VOLATILE_META}),
        "rows": [{c: json_value(r.get(c)) for c in table.columns} for r in table.rows],
    }
    return json.dumps(doc, indent=1, allow_nan=False)


def _json_safe(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, (str, type(None))):
        return x
    if isinstance(x, (bool, int, float, np.number)):
        return json_value(x)
    return str(x)


def write_csv(table: Table, path: str | os.PathLike | None = None) -> str:
    """Write the CSV to `path` (atomically) when given; return the CSV text."""
    return save_text(path, table_csv(table))


def write_json(table: Table, path: str | os.PathLike | None = None) -> str:
    """Write the JSON to `path` (atomically) when given; return the JSON text."""
    return save_text(path, table_json(table) + "\n")


def _cell(v: Any, digits: int = 6) -> str:
    return v if isinstance(v, str) else number(v, digits)


def table_text(table: Table, max_rows: int | None = 60, digits: int = 6) -> str:
    """Return an aligned text table (the middle rows elided past `max_rows`): numbers right-
    aligned, the regime left-aligned."""
    n = len(table)
    shown: list[int | None] = list(range(n))
    elided = 0
    if max_rows is not None and n > max_rows:
        head = max_rows // 2
        elided = n - 2 * head
        shown = shown[:head] + [None] + shown[-head:]
    cells = [
        None if i is None else [_cell(v, digits) for v in table.row(i).values()] for i in shown
    ]
    widths = [len(c) for c in table.columns]
    for row in cells:
        if row is not None:
            widths = [max(w, len(x)) for w, x in zip(widths, row)]
    regime = [table.kinds.get(c) == "regime" for c in table.columns]
    out = [
        "  ".join(c if left else c.rjust(w) for c, w, left in zip(table.columns, widths, regime))
    ]
    for row in cells:
        if row is None:
            out.append(f"... ({elided} rows not shown)")
            continue
        out.append("  ".join(x if left else x.rjust(w) for x, w, left in zip(row, widths, regime)))
    return "\n".join(line.rstrip() for line in out)


def table_html(table: Table) -> str:
    """Return the first rows as an HTML table (for a notebook)."""
    n = len(table)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in table.row(i).values())
        + "</tr>"
        for i in range(min(n, HTML_ROWS))
    )
    more = f"<p>{n - HTML_ROWS} more rows</p>" if n > HTML_ROWS else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
