"""`compare --format csv`: one row per quantity, a column per label and a change column per
scenario (the format added the way docs/analyses.md describes: one module in report/, one CLI
choice)."""

from __future__ import annotations

import csv
import io

import pytest

from gamedsl.analysis.compare import compare
from gamedsl.cli import main
from tests.analysis._support import close, spec


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {r["name"]: r for r in csv.DictReader(io.StringIO(text))}


def test_comparison_csv():
    cmp = compare(spec("double_marginalisation"), ["integrated"], {"a": 12.0}, workers=1)
    text = cmp.to_csv()
    assert text.splitlines()[0] == "kind,name,baseline,integrated,delta_integrated"
    rows = _rows(text)
    assert list(rows) == [r.name for r in cmp.rows]
    p = rows["p"]
    assert p["kind"] == "choice"
    assert close(float(p["baseline"]), (3 * 12 + 2) / 4) and close(float(p["integrated"]), 7)
    assert close(float(p["delta_integrated"]), cmp.delta("p", "integrated"))
    # the merged player exists only in its scenario: empty cells where it is missing
    mr = rows["MR"]
    assert mr["baseline"] == "" and mr["delta_integrated"] == ""
    assert close(float(mr["integrated"]), (12 - 2) ** 2 / 4)
    # params are all listed (the text table shows those that differ)
    assert rows["a"]["baseline"] == "12" and rows["a"]["delta_integrated"] == "0"


@pytest.mark.parametrize("to_file", [False, True])
def test_cli_compare_csv(to_file, tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    argv = ["compare", spec("double_marginalisation"), "--format", "csv", "--workers", "1"]
    assert main(argv + (["-o", str(out)] if to_file else [])) == 0
    printed = capsys.readouterr().out
    text = out.read_text() if to_file else printed
    assert printed == ("" if to_file else text)
    assert text == compare(spec("double_marginalisation"), workers=1).to_csv()
    # w = (a + c)/2 = 6 at the defaults; merged, w is a transfer: the first in domain order, 0
    assert close(float(_rows(text)["w"]["baseline"]), 6.0)
    assert close(float(_rows(text)["w"]["delta_integrated"]), -6.0)
