"""`sweep -o` by suffix (issue 21): Parquet through pyarrow, a clear exit 2 without it."""

from __future__ import annotations

import csv

import pytest

from gamedsl.cli import main
from gamedsl.report import table as report_table
from tests.analysis._support import close, spec

EXIT_OK = 0
EXIT_SPEC = 2


def test_sweep_writes_parquet_with_the_csv_values(tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    args = ["sweep", spec("cournot"), "--vary", "a=4:7:4", "--workers", "1", "--quiet"]
    assert main([*args, "-o", str(tmp_path / "s.parquet")]) == EXIT_OK
    assert main([*args, "-o", str(tmp_path / "s.csv")]) == EXIT_OK
    table = pq.read_table(tmp_path / "s.parquet")
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert table.column_names == list(rows[0])
    assert [float(r["q1"]) for r in rows] == table.column("q1").to_pylist()
    assert close(table.column("q1").to_pylist()[0], (4 - 1) / 3)
    assert table.column("regime").to_pylist() == [r["regime"] for r in rows]


def test_parquet_without_pyarrow_is_exit_2_before_solving(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_table, "parquet_available", lambda: False)
    out = tmp_path / "s.parquet"
    code = main(["sweep", spec("cournot"), "--vary", "a=4:7:4", "-o", str(out), "--quiet"])
    assert code == EXIT_SPEC
    err = capsys.readouterr().err
    assert "writing Parquet needs pyarrow" in err and "gamedsl[parquet]" in err
    assert not out.exists()
