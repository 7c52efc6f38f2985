"""A sweep's table (or a region map's cells) as CSV, JSON, Parquet, aligned text and HTML.

Numbers follow `gamedsl.model.numbers`: full precision in CSV (an empty cell where a value is
missing, `nan` where it is not a number), NaN as `null` in JSON, 6 significant digits in text.
Parquet keeps the columns' types: numbers as float64 (NaN stays NaN), text as strings (a missing
value is null); the kinds and the meta go into the file's metadata (key `gamedsl`, JSON).

CSV and JSON are written column by column and streamed (issue 21): each column of a block of
`CHUNK_ROWS` rows is turned into cells at once (`_csv_cells`, `_json_cells`: the same text as
`csv_cell` and `json.dumps(json_value(x))` give one cell at a time), the cells are joined into
lines, and the block is written before the next one is made.
"""

from __future__ import annotations

import collections
import csv
import html
import io
import itertools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from gamedsl.model.numbers import INTEGRAL_LIMIT, csv_cell, json_value, number
from gamedsl.report.writing import write_chunks

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.analysis import Table

# timings are kept in .meta but left out of files: the same input gives the same file
VOLATILE_META = ("compile_seconds", "check_seconds")
HTML_ROWS = 200  # rows a notebook shows
CHUNK_ROWS = 20_000  # rows formatted and written at a time
PARALLEL_ROWS = 200_000  # a table this long is formatted by several processes when allowed
PARQUET_HINT = "pip install 'gamedsl[parquet]' (or pip install pyarrow)"


# ---------------------------------------------------------------------------- cells by column
def _by_value(cell: Callable[[Any], str]) -> Callable[[np.ndarray], list[str]]:
    """Return a function that makes the cells of a text column with `cell`, once per distinct
    value (a regime or a flag repeats over many rows)."""

    def cells(values: np.ndarray) -> list[str]:
        if len(values) and _all_equal(values):  # the flags of a sweep without warnings
            return [cell(values[0])] * len(values)
        seen: dict[str, str] = {}  # texts only: 1 and 1.0, 0.0 and -0.0 are one key otherwise
        out = []
        for v in values.tolist():
            if type(v) is str:
                text = seen.get(v)
                if text is None:
                    text = seen[v] = cell(v)
            else:
                text = cell(v)
            out.append(text)
        return out

    return cells


def _all_equal(values: np.ndarray) -> bool:
    """Return True when every value of a text column is its first value, a text (only a text
    equals a text, so every cell is the same)."""
    first = values[0]
    return isinstance(first, str) and bool(np.all(values == first))


def _shortest(values: np.ndarray) -> list[str]:
    """Return `repr` of each float (the shortest text that reads back as the same number; `nan`,
    `inf`, `-inf`), once for a column that holds one value throughout."""
    bits = values.view(np.uint64)  # bit for bit: -0.0 is written "-0.0", 0.0 "0.0"
    if len(bits) and bits[0] == bits[-1] and (bits == bits[0]).all():
        return [repr(float(values[0]))] * len(values)
    return list(map(repr, values.tolist()))


def _integral(values: np.ndarray) -> np.ndarray:
    """Return the mask of the values that CSV writes as integers (`csv_cell`)."""
    with np.errstate(invalid="ignore"):
        return (values == np.trunc(values)) & (np.abs(values) < INTEGRAL_LIMIT)


def _csv_numbers(values: np.ndarray) -> list[str]:
    """Return the CSV cells of a float column: what `csv_cell` gives for each value."""
    integral = _integral(values)
    if integral.all():
        ints = values.astype(np.int64)
        if len(ints) and (ints == ints[0]).all():
            return [str(int(ints[0]))] * len(ints)
        return list(map(str, ints.tolist()))
    if not integral.any():
        return _shortest(values)
    out = np.empty(len(values), dtype=object)
    out[integral] = list(map(str, values[integral].astype(np.int64).tolist()))
    out[~integral] = _shortest(values[~integral])
    return out.tolist()


def _csv_quoted(text: str) -> str:
    """Return a text cell as Python's csv writer writes it among others (quoted when it holds a
    comma, a quote or a line break)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([text, ""])
    return buf.getvalue()[:-2]  # the line without its empty last cell and the line end


_csv_text = _by_value(lambda v: _csv_quoted(csv_cell(v)))


def _json_numbers(values: np.ndarray) -> list[str]:
    """Return the JSON of each float: `repr`, NaN as null, infinities as "inf"/"-inf"."""
    out = _shortest(values)
    special = ~np.isfinite(values)
    if special.any():
        for i in np.flatnonzero(special).tolist():
            out[i] = json.dumps(json_value(values[i]))
    return out


_json_text = _by_value(lambda v: json.dumps(json_value(v)))


def _cells(values: np.ndarray, numbers: Callable, text: Callable) -> list[str]:
    """Return the cells of one column: `numbers` for a float column, `text` for any other."""
    return numbers(values) if values.dtype == np.float64 else text(values)


class _Blocks:
    """The text of a table's rows, `CHUNK_ROWS` at a time, as CSV or as the rows of the JSON
    document; a column equal to an earlier one (q1 and q2 of a symmetric game) is formatted
    once."""

    def __init__(self, table: Table, fmt: str):
        self.data = [table.values(c) for c in table.columns]
        self.same = [
            next((j for j in range(i) if _equal(self.data[j], self.data[i])), i)
            for i in range(len(self.data))
        ]
        self.n = len(table)
        self.fmt = fmt
        if fmt == "json":
            self.cells = lambda v: _cells(v, _json_numbers, _json_text)
            # one row: "  {", then `   "name": value` per column, then "  }"
            self.row = "  {\n" + ",\n".join(
                f"   {_percent(json.dumps(c))}: %s" for c in table.columns
            )
            self.row += "\n  }"
        else:
            self.cells = lambda v: _cells(v, _csv_numbers, _csv_text)
            self.lone = len(table.columns) == 1  # csv writes a row of one empty cell as ""

    def starts(self) -> range:
        return range(0, self.n, CHUNK_ROWS)

    def text(self, lo: int) -> str:
        """Return the text of rows lo .. lo + CHUNK_ROWS (CSV lines, or JSON rows joined by
        commas, without the comma before the first)."""
        block: list[list[str]] = []
        for i, values in enumerate(self.data):
            same = self.same[i]
            block.append(block[same] if same < i else self.cells(values[lo : lo + CHUNK_ROWS]))
        if self.fmt == "json":
            # one %-format for the whole block, the cells row after row (a quarter faster than
            # one format per row)
            cells = tuple(itertools.chain.from_iterable(zip(*block)))
            return ",\n".join([self.row] * len(block[0])) % cells
        if self.lone:
            block = [[c or '""' for c in block[0]]]
        return "\n".join(map(",".join, zip(*block))) + "\n"


# the blocks being written, for forked workers (set before the pool forks, read by `_block`)
_JOB: _Blocks | None = None


def _block(lo: int) -> str:
    """Work item of a forked writer: the text of the block starting at row `lo`."""
    assert _JOB is not None
    return _JOB.text(lo)


def _block_texts(blocks: _Blocks, workers: int) -> Iterator[str]:
    """Yield the text of every block in order: made here, or for large tables with `workers`
    > 1 by that many forked processes, a few blocks ahead of the one written (the floats'
    `repr` is most of the time: issue 21)."""
    starts = list(blocks.starts())
    workers = min(workers, len(starts))
    if workers <= 1 or blocks.n < PARALLEL_ROWS:
        for lo in starts:
            yield blocks.text(lo)
        return
    from gamedsl.analysis.executor import process_pool, terminate_pool

    global _JOB
    _JOB = blocks
    pool = process_pool(workers)
    try:
        ahead = 2 * workers  # blocks in flight: the memory stays a few blocks' text
        pending = collections.deque(pool.submit(_block, lo) for lo in starts[:ahead])
        for lo in starts[ahead:] + [None] * len(pending):
            text = pending.popleft().result()
            if lo is not None:
                pending.append(pool.submit(_block, lo))
            yield text
    except BaseException:
        terminate_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _JOB = None


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Return True when two columns hold the same floats, bit for bit."""
    if a.dtype != b.dtype:
        return False
    if a.dtype == np.float64:  # bit for bit: -0.0 and 0.0 are written differently
        return bool(np.array_equal(a.view(np.uint64), b.view(np.uint64)))
    return False  # text columns are cheap: formatted once per distinct value anyway


# ---------------------------------------------------------------------------- CSV
def csv_chunks(table: Table, workers: int = 1) -> Iterator[str]:
    """Yield the CSV of the table in pieces: the header row, then blocks of rows (made by
    `workers` processes for a large table)."""
    yield ",".join(_csv_quoted(c) for c in table.columns) + "\n"
    yield from _block_texts(_Blocks(table, "csv"), workers)


def table_csv(table: Table) -> str:
    """Return the table as CSV (a header row, then one row per point)."""
    return "".join(csv_chunks(table))


# ---------------------------------------------------------------------------- JSON
def json_chunks(table: Table, workers: int = 1) -> Iterator[str]:
    """Yield the JSON of the table in pieces: the same text as `json.dumps(doc, indent=1)` of
    {"columns": [...], "kinds": {...}, "meta": {...}, "rows": [...]}."""
    head = json.dumps(
        {
            "columns": list(table.columns),
            "kinds": dict(table.kinds),
            "meta": _json_safe({k: v for k, v in table.meta.items() if k not in VOLATILE_META}),
            "rows": [],
        },
        indent=1,
        allow_nan=False,
    )
    if len(table) == 0 or not table.columns:
        yield head
        return
    assert head.endswith("[]\n}")
    yield head[: -len("]\n}")] + "\n"
    first = True
    for rows in _block_texts(_Blocks(table, "json"), workers):
        yield ("" if first else ",\n") + rows
        first = False
    yield "\n ]\n}"


def _percent(text: str) -> str:
    """Return `text` with its % doubled, for a %-format."""
    return text.replace("%", "%%")


def table_json(table: Table) -> str:
    """Return the table as JSON: {"columns": [...], "kinds": {...}, "meta": {...}, "rows": [...]}."""
    return "".join(json_chunks(table))


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


# ---------------------------------------------------------------------------- files
def write_csv(table: Table, path: str | os.PathLike | None = None, workers: int = 1) -> str | None:
    """Return the CSV text; with a `path`, stream it to that file (atomically) instead and
    return None (as pandas' `to_csv` does).  `workers` > 1: a table of `PARALLEL_ROWS` rows or
    more is formatted by that many processes."""
    if path is None:
        return table_csv(table)
    write_chunks(path, csv_chunks(table, workers))
    return None


def write_json(table: Table, path: str | os.PathLike | None = None, workers: int = 1) -> str | None:
    """Return the JSON text; with a `path`, stream it to that file (atomically) instead and
    return None.  `workers` as for `write_csv`."""
    if path is None:
        return table_json(table) + "\n"
    write_chunks(path, _then(json_chunks(table, workers), "\n"))
    return None


def _then(chunks: Iterator[str], last: str) -> Iterator[str]:
    yield from chunks
    yield last


def parquet_available() -> bool:
    """Return True when pyarrow (the `parquet` extra) can be imported."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def write_parquet(table: Table, path: str | os.PathLike, workers: int = 1) -> None:
    """Write the table to a Parquet file (atomically): float64 columns for numbers, strings for
    text, the kinds and meta as JSON under the metadata key `gamedsl`.  Needs pyarrow (the
    `parquet` extra); raises ImportError saying how to install it.  (`workers` is taken for
    the same call as the text formats: pyarrow needs no formatting.)"""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(f"writing Parquet needs pyarrow: {PARQUET_HINT}") from None
    from gamedsl.report.writing import atomic_file

    arrays = []
    for c in table.columns:
        values = table.values(c)
        if values.dtype.kind == "f":
            arrays.append(pa.array(values, type=pa.float64()))
        else:
            arrays.append(pa.array([None if v is None else str(v) for v in values.tolist()]))
    meta = {
        "kinds": dict(table.kinds),
        "meta": _json_safe({k: v for k, v in table.meta.items() if k not in VOLATILE_META}),
    }
    schema = pa.schema(
        [pa.field(c, a.type) for c, a in zip(table.columns, arrays)],
        metadata={b"gamedsl": json.dumps(meta).encode("utf-8")},
    )
    with atomic_file(path, "wb") as fh:
        pq.write_table(pa.Table.from_arrays(arrays, schema=schema), fh)


# ---------------------------------------------------------------------------- text and HTML
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
