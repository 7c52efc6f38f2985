"""The analysis commands end to end through `gamedsl.cli.main`: outputs written and non-empty,
bad options a clean exit 2."""

from __future__ import annotations

import csv
import json

import pytest

from gamedsl.cli import main
from tests.analysis._support import close, spec

EXIT_OK = 0
EXIT_SPEC = 2
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_sweep_csv_json_and_plot(tmp_path, capsys):
    out_csv, out_json, png = tmp_path / "s.csv", tmp_path / "s.json", tmp_path / "s.png"
    args = [spec("cournot_capacity"), "--vary", "a=2:14:13", "--set", "K=2.5", "--workers", "1"]
    assert main(["sweep", *args, "-o", str(out_csv), "--plot", str(png)]) == EXIT_OK
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 13
    assert close(float(rows[3]["q1"]), (5 - 1) / 3)  # a = 5: interior Cournot
    assert {r["regime"] for r in rows} == {"interior", "q2<=K binds"}
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
    assert main(["sweep", *args, "-o", str(out_json), "--quiet"]) == EXIT_OK
    doc = json.loads(out_json.read_text())
    assert len(doc["rows"]) == 13 and doc["meta"]["path"] == "fast"


def test_sweep_prints_the_table_without_output(capsys):
    assert (
        main(
            [
                "sweep",
                spec("cournot"),
                "--vary",
                "a=4:7:2",
                "--columns",
                "q1,welfare",
                "--workers",
                "1",
            ]
        )
        == EXIT_OK
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["a", "q1", "welfare", "regime"]
    assert lines[2].split()[:2] == ["7", "2"]


@pytest.mark.parametrize(
    "extra",
    [["-o", "out.txt"], ["--plot", "out.jpg"], ["--columns", "nosuch"], ["--vary", "a=1:2:3"]],
)
def test_sweep_bad_options_exit_2(extra, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert (
        main(["sweep", spec("cournot"), "--vary", "a=4:7:2", "--workers", "1", *extra]) == EXIT_SPEC
    )
    assert "error" in capsys.readouterr().err


def test_regions_png_csv_and_text(tmp_path, capsys):
    png, cells = tmp_path / "r.png", tmp_path / "r.csv"
    args = [spec("cournot_capacity"), "--x", "a=2:20:30", "--y", "K=0.5:8:20", "--workers", "1"]
    assert main(["regions", *args, "-o", str(png)]) == EXIT_OK
    assert png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 10_000
    assert main(["regions", *args, "-o", str(cells), "--by", "q1 - q2"]) == EXIT_OK
    rows = list(csv.DictReader(cells.open()))
    assert len(rows) == 600 and {"a", "K", "regime", "value"} <= set(rows[0])
    assert main(["regions", *args]) == EXIT_OK
    out = capsys.readouterr().out
    assert "q2<=K binds" in out and "interior" in out


@pytest.mark.parametrize(
    "by",
    [
        "__import__('os')",
        "__import__('os').system('touch MARKER')",
        "exec('1')",
        "a;b",
        "q1 q2",
        "open('/etc/passwd')",
        "",
        "1 +",
        "${HOME}",
        "q1@",
        "payoff(",
        "min()",
    ],
)
def test_regions_by_untrusted_text_exits_2(by, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "regions",
            spec("cournot"),
            "--x",
            "a=4:7:2",
            "--y",
            "c=0.5:1:2",
            "--by",
            by,
            "--workers",
            "1",
        ]
    )
    assert code == EXIT_SPEC
    captured = capsys.readouterr()
    assert "--by" in captured.err and "Traceback" not in captured.err
    assert captured.out == "" and not (tmp_path / "MARKER").exists()


def test_statics_text_and_json(capsys):
    assert (
        main(
            [
                "statics",
                spec("cournot"),
                "--wrt",
                "a",
                "--set",
                "b=2",
                "--workers",
                "1",
                "--format",
                "json",
            ]
        )
        == EXIT_OK
    )
    doc = json.loads(capsys.readouterr().out)
    q1 = next(r for r in doc["wrt"]["a"] if r["quantity"] == "q1")
    assert q1["value"] == pytest.approx(1 / 6) and q1["sign_everywhere"] == "positive"
    assert main(["statics", spec("cournot"), "--wrt", "a", "--workers", "1"]) == EXIT_OK
    assert "1/(3*b)" in capsys.readouterr().out
    assert main(["statics", spec("cournot"), "--wrt", "q1", "--workers", "1"]) == EXIT_SPEC


def test_compare_formats(capsys):
    base = [spec("double_marginalisation"), "--scenario", "integrated", "--workers", "1"]
    assert main(["compare", *base, "--format", "json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    welfare = next(r for r in doc["rows"] if r["name"] == "welfare")
    assert welfare["deltas"]["integrated"] == pytest.approx(10.0)  # 5(a - c)^2/32 at a=10, c=2
    assert main(["compare", *base, "--format", "latex"]) == EXIT_OK
    assert r"\toprule" in capsys.readouterr().out
    assert main(["compare", *base[:1], "--scenario", "nosuch", "--workers", "1"]) == EXIT_SPEC
