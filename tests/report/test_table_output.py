"""Tables written column by column and streamed (issue 21) give the same bytes as one cell at a
time (`csv_cell` through Python's csv writer; `json.dumps(..., indent=1)` of `json_value`), and
Parquet keeps the columns and the meta."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gamedsl.model.analysis import Table
from gamedsl.model.numbers import csv_cell, json_value
from gamedsl.report import table as out

NAN, INF = math.nan, math.inf


def _reference_csv(table: Table) -> str:
    """The CSV as written before issue 21: one dict per row, one cell at a time."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for r in table.rows:
        w.writerow([csv_cell(r.get(c)) for c in table.columns])
    return buf.getvalue()


def _reference_json(table: Table) -> str:
    doc = {
        "columns": list(table.columns),
        "kinds": dict(table.kinds),
        "meta": out._json_safe({k: v for k, v in table.meta.items() if k not in out.VOLATILE_META}),
        "rows": [{c: json_value(r.get(c)) for c in table.columns} for r in table.rows],
    }
    return json.dumps(doc, indent=1, allow_nan=False)


TRICKY = Table(
    {
        "a": [1.0, -0.0, 0.1 + 0.2, 1e15, 1e15 - 1, 2.5e-324, 1e16, -1e-5, 3.0, 7.25],
        "b": [2.0] * 10,  # a constant integral column
        "q": [NAN, INF, -INF, 1.0, 1 / 3, 123456789.0, -4.0, 1e300, 0.5, NAN],
        "q2": [NAN, INF, -INF, 1.0, 1 / 3, 123456789.0, -4.0, 1e300, 0.5, NAN],  # a copy
        "c": [0.1] * 10,  # a constant column, not integral
        "regime": ["interior", 'say "hi"', "a, b", "two\nlines", "", "é ∞", None, "x", "x", "y"],
        "mixed": ["t", 1.0, 1, True, None, NAN, INF, 2.5, "1", "t"],
        'odd "%s", name': [0.0] * 10,  # a name to quote in CSV and JSON, with a %
    },
    {"a": "param", "b": "param", "q": "choice", "regime": "regime"},
    {"path": "fast", "game": "g", "compile_seconds": 1.5, "warnings": ["w"], "x": np.float64(2)},
)


@pytest.mark.parametrize(
    "table",
    [
        TRICKY,
        Table({"a": [1.0, NAN]}, {"a": "param"}),  # one column: csv writes an empty cell as ""
        Table({"regime": ["", "x"]}, {"regime": "regime"}),
        Table({}, {}),
        Table({"a": np.array([], dtype=float)}, {"a": "param"}),
    ],
    ids=["tricky", "one-number-column", "one-text-column", "no-columns", "no-rows"],
)
def test_csv_and_json_are_the_bytes_of_one_cell_at_a_time(table: Table) -> None:
    assert out.table_csv(table) == _reference_csv(table)
    assert out.table_json(table) == _reference_json(table)


def test_tables_longer_than_a_block_are_written_whole(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(out, "CHUNK_ROWS", 3)
    assert out.table_csv(TRICKY) == _reference_csv(TRICKY)
    assert out.table_json(TRICKY) == _reference_json(TRICKY)
    out.write_csv(TRICKY, tmp_path / "t.csv")
    out.write_json(TRICKY, tmp_path / "t.json")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == _reference_csv(TRICKY)
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == _reference_json(TRICKY) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.json"]  # no temporaries


def test_tables_formatted_by_several_processes_are_the_same_bytes(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(out, "CHUNK_ROWS", 2)
    monkeypatch.setattr(out, "PARALLEL_ROWS", 4)
    out.write_csv(TRICKY, tmp_path / "t.csv", workers=2)
    out.write_json(TRICKY, tmp_path / "t.json", workers=2)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == _reference_csv(TRICKY)
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == _reference_json(TRICKY) + "\n"
    assert out._JOB is None


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old")

    def broken(values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(out, "_csv_numbers", broken)
    with pytest.raises(RuntimeError):
        out.write_csv(TRICKY, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
texts = st.one_of(st.none(), st.text(max_size=8), floats, st.integers(-5, 5), st.booleans())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(floats, min_size=1, max_size=30).flatmap(
        lambda xs: st.tuples(
            st.just(xs),
            st.lists(floats, min_size=len(xs), max_size=len(xs)),
            st.lists(texts, min_size=len(xs), max_size=len(xs)).filter(
                lambda v: any(isinstance(x, str) for x in v)
            ),
        )
    )
)
def test_any_table_is_written_as_one_cell_at_a_time(columns) -> None:
    xs, ys, labels = columns
    table = Table({"x": xs, "y": ys, "label": labels}, {"x": "param"})
    assert out.table_csv(table) == _reference_csv(table)
    assert out.table_json(table) == _reference_json(table)


def test_parquet_keeps_numbers_text_and_meta(tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    TRICKY.to_parquet(str(path))
    read = pq.read_table(path)
    assert read.column_names == list(TRICKY.columns)
    q = read.column("q").to_pylist()
    assert math.isnan(q[0]) and q[1:3] == [INF, -INF] and q[4] == 1 / 3
    assert read.column("regime").to_pylist()[5:7] == ["é ∞", None]
    assert read.column("mixed").to_pylist()[:3] == ["t", "1.0", "1"]
    meta = json.loads(read.schema.metadata[b"gamedsl"])
    assert meta["kinds"]["q"] == "choice"
    assert meta["meta"]["game"] == "g" and "compile_seconds" not in meta["meta"]


def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch) -> None:
    import builtins

    real = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    assert not out.parquet_available()
    with pytest.raises(ImportError, match=r"gamedsl\[parquet\]"):
        out.write_parquet(TRICKY, tmp_path / "t.parquet")
    assert list(tmp_path.iterdir()) == []


def test_to_pandas_has_the_columns_kinds_and_meta() -> None:
    pd = pytest.importorskip("pandas")
    df = TRICKY.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(TRICKY.columns)
    assert df["q"].dtype == np.float64 and df["q"].iloc[4] == 1 / 3
    assert df.attrs["kinds"]["q"] == "choice" and df.attrs["meta"]["game"] == "g"
