"""`sweep` with several scenarios and expression columns, `compare --plot` and `statics --plot`,
end to end through `gamedsl.cli.main`.

Double marginalisation by hand (specs/double_marginalisation.game, b = 1, c = 2): CS = (a - c)^2/32
separately and (a - c)^2/8 merged, so CS - CS@baseline = 3(a - c)^2/32 under `integrated`.
"""

from __future__ import annotations

import csv

import pytest

from gamedsl.cli import main
from tests.analysis._support import close, spec

EXIT_OK = 0
EXIT_SPEC = 2
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DM = spec("double_marginalisation")


def test_sweep_several_scenarios_one_table_and_one_plot(tmp_path, capsys):
    out, png = tmp_path / "s.csv", tmp_path / "s.png"
    argv = ["sweep", DM, "--vary", "a=6:10:3", "--scenario", "baseline", "--scenario"]
    argv += ["integrated", "--columns", "CS - CS@baseline", "--workers", "1", "--quiet"]
    assert main([*argv, "-o", str(out), "--plot", str(png)]) == EXIT_OK
    rows = list(csv.DictReader(out.open()))
    assert next(iter(rows[0])) == "scenario"
    assert [r["scenario"] for r in rows] == ["baseline"] * 3 + ["integrated"] * 3
    for r in rows:
        a = float(r["a"])
        want = 0.0 if r["scenario"] == "baseline" else 3 * (a - 2) ** 2 / 32
        assert close(float(r["CS - CS@baseline"]), want)
    assert png.read_bytes().startswith(PNG_MAGIC)
    # without -o the table is printed: the scenario, the varied param, the columns, the regime
    assert main(argv) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["scenario", "a", "CS", "-", "CS@baseline", "regime"]
    assert lines[4].split()[:3] == ["integrated", "6", "1.5"]  # 3*16/32


def test_sweep_columns_repeatable_and_comma_separated(capsys):
    argv = ["sweep", DM, "--vary", "a=6:10:2", "--columns", "CS,w", "--columns", "max(w, p)"]
    assert main([*argv, "--workers", "1", "--quiet"]) == EXIT_OK
    header = capsys.readouterr().out.splitlines()[0]
    assert header.split() == ["a", "CS", "w", "max(w,", "p)", "regime"]


@pytest.mark.parametrize(
    "columns, message",
    [
        ("CS +", "--columns: "),
        ("CSS - CS@baseline", "--columns: unknown column 'CSS'"),
        ("CS@nosuch", "nosuch"),
    ],
)
def test_sweep_bad_columns_exit_2(columns, message, capsys):
    argv = ["sweep", DM, "--vary", "a=6:10:2", "--columns", columns, "--workers", "1"]
    assert main(argv) == EXIT_SPEC
    assert message in capsys.readouterr().err


def test_compare_and_statics_plots(tmp_path, capsys):
    png = tmp_path / "c.png"
    argv = ["compare", DM, "--scenario", "integrated", "--workers", "1", "--plot", str(png)]
    assert main(argv) == EXIT_OK
    assert "integrated" in capsys.readouterr().out  # the table is still printed
    assert png.read_bytes().startswith(PNG_MAGIC)
    png = tmp_path / "s.png"
    argv = ["statics", spec("cournot"), "--wrt", "a", "--workers", "1", "--plot", str(png)]
    assert main(argv) == EXIT_OK
    assert png.read_bytes().startswith(PNG_MAGIC)
    bad = ["compare", DM, "--workers", "1", "--plot", str(tmp_path / "c.jpg")]
    assert main(bad) == EXIT_SPEC
    assert "--plot" in capsys.readouterr().err
