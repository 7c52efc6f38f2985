"""The command line: check, graph, list, option parsing, dispatch and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamedsl.cli import build_parser, commands, main, parse_range, parse_set
from gamedsl.model.errors import SolveError, Span, SpecError

ROOT = Path(__file__).resolve().parents[2]
LANG = ROOT / "specs" / "lang"


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_prints_a_summary(capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "check", str(LANG / "stackelberg.game"))
    assert code == 0 and err == ""
    assert 'ok "Stackelberg duopoly": 2 stages, 2 players' in out.splitlines()[0]
    assert "  L  leader" in out and "  F  follower" in out
    assert "  c = 2  in [0, a)  marginal cost" in out
    assert "  s = 0  >= 0  per-unit subsidy  (policy)" in out
    assert "  1. lead" in out and "       L chooses qL: >= 0" in out
    assert "  2. follow" in out and "       F chooses qF: >= 0" in out
    assert "payoffs: L, F" in out and "reports: CS, welfare" in out
    assert '  subsidy  "a per-unit output subsidy"' in out and "  cartel" in out
    assert "stage graph:" in out


def test_check_with_a_scenario(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", str(LANG / "stackelberg.game"), "--scenario", "cartel")
    assert code == 0
    assert "scenario: cartel" in out and "LF" in out and "(merged into LF)" in out


def test_check_of_a_module_says_so(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "check", str(LANG / "lib" / "linear_demand.game"))
    assert code == 0 and "a module (no stages)" in out


def test_check_reports_errors_with_position_and_caret(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spec = tmp_path / "bad.game"
    spec.write_text(
        "player L\nstage s:\n  L chooses q >= 0\npayoff L = q - alpah*q^2\nparam alpha = 1\n"
    )
    code, out, err = run(capsys, "check", str(spec))
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{spec}:4:16: error: unknown name 'alpah' (did you mean 'alpha'?)"
    assert lines[1] == "  payoff L = q - alpah*q^2"
    assert lines[2] == "  " + " " * 15 + "^"


def test_check_reports_several_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "bad.game"
    spec.write_text("player L\nplayer G\nstage s:\n  L chooses q\npayoff L = zz\n")
    code, _, err = run(capsys, "check", str(spec))
    assert code == 2
    assert f"{spec}:2:8: error: player 'G' has no payoff" in err
    assert f"{spec}:5:12: error: unknown name 'zz'" in err
    assert err.rstrip().endswith("2 errors")


def test_syntax_error_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "bad.game"
    spec.write_text("player L\nstage s\n  L chooses q\n")
    code, _, err = run(capsys, "check", str(spec))
    assert code == 2 and f"{spec}:2:8: error: expected ':' after the stage name" in err


@pytest.mark.parametrize("kind", ["missing", "directory", "latin1"])
def test_unreadable_files_exit_2_with_a_position(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    if kind == "missing":
        target, expected = tmp_path / "nope.game", ":1:1: error: cannot find"
    elif kind == "directory":
        target, expected = tmp_path, ":1:1: error:"
    else:
        target = tmp_path / "latin1.game"
        target.write_bytes(b"# caf\xe9\n")
        expected = ":1:6: error: "
    code, _, err = run(capsys, "check", str(target))
    assert code == 2 and f"{target}{expected}" in err


def test_graph_formats(capsys: pytest.CaptureFixture) -> None:
    spec = str(LANG / "entry_capacity.game")
    code, out, _ = run(capsys, "graph", spec)
    assert code == 0 and out.startswith("1. capacity")
    code, out, _ = run(capsys, "graph", spec, "--format", "dot")
    assert code == 0 and out.startswith("digraph stages {") and '"entry" -> "market"' in out
    code, out, _ = run(capsys, "graph", spec, "--format", "mermaid")
    assert code == 0 and out.startswith("flowchart TD") and "s1 --> s2" in out


def test_list_shows_stdlib_models_with_titles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "beta.game").write_text('# a model\ngame "The \\"beta\\" model"\n')
    (tmp_path / "alpha.game").write_text("param a = 1\n")
    monkeypatch.setattr("gamedsl.language.stdlib_dir", lambda: tmp_path)
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert out.splitlines() == ["stdlib:alpha", 'stdlib:beta   The "beta" model']


def test_list_of_the_real_stdlib(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    for path in (ROOT / "stdlib").glob("*.game"):
        assert f"stdlib:{path.stem}" in out


def test_parse_set_is_ordered_and_takes_inf() -> None:
    values = parse_set(["b=2", "a=0.5", "c=inf", "d=-inf", "e=1e-3"])
    assert list(values.items()) == [
        ("b", 2.0),
        ("a", 0.5),
        ("c", float("inf")),
        ("d", float("-inf")),
        ("e", 0.001),
    ]


@pytest.mark.parametrize("bad", ["a", "a=", "=1", "a=x", "a=nan", "1a=2", "a b=1"])
def test_malformed_set_is_a_spec_error(bad: str) -> None:
    with pytest.raises(SpecError):
        parse_set([bad])


def test_malformed_set_on_the_command_line_exits_2(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "solve", str(LANG / "stackelberg.game"), "--set", "a=ten")
    assert code == 2 and "--set 'a=ten': 'ten' is not a number" in err


def test_parse_range() -> None:
    r = parse_range("--vary", "theta=0:1:21")
    assert (r.name, r.start, r.stop, r.n) == ("theta", 0.0, 1.0, 21)
    for bad in ("theta=0:1", "theta", "theta=a:1:2", "theta=0:1:0", "theta=0:inf:3"):
        with pytest.raises(SpecError):
            parse_range("--vary", bad)


def test_every_command_and_option_of_design_is_accepted() -> None:
    p = build_parser()
    f = "x.game"
    cases = [
        ["check", f, "--debug"],
        [
            "solve",
            f,
            "--set",
            "a=1",
            "--set",
            "b=2",
            "--scenario",
            "s",
            "--format",
            "json",
            "--symbolic",
            "--select",
            "all",
            "--strict",
            "--debug",
        ],
        ["graph", f, "--format", "mermaid", "--debug"],
        [
            "sweep",
            f,
            "--vary",
            "a=0:1:3",
            "--vary",
            "b=0:1:2",
            "--set",
            "c=1",
            "-o",
            "o.csv",
            "--plot",
            "o.png",
            "--workers",
            "2",
            "--dask",
            "tcp://h:8786",
            "--quiet",
            "--debug",
        ],
        [
            "regions",
            f,
            "--x",
            "a=0:1:3",
            "--y",
            "b=0:1:3",
            "--by",
            "omega > 0",
            "-o",
            "r.png",
            "--workers",
            "2",
            "--dask",
            "tcp://h:1",
            "--quiet",
            "--debug",
        ],
        ["statics", f, "--wrt", "a", "--set", "b=1", "--workers", "1", "--quiet", "--debug"],
        [
            "compare",
            f,
            "--scenario",
            "s1",
            "--scenario",
            "s2",
            "--set",
            "a=1",
            "--workers",
            "3",
            "--dask",
            "x",
            "--quiet",
            "--debug",
        ],
        ["list", "--debug"],
    ]
    for argv in cases:
        args = p.parse_args(argv)
        assert args.command == argv[0] and args.debug
    args = p.parse_args(cases[4])
    assert (args.x, args.y, args.by, args.output) == ("a=0:1:3", "b=0:1:3", "omega > 0", "r.png")
    args = p.parse_args(cases[6])
    assert args.scenarios == ["s1", "s2"]


def test_analyses_are_dispatched_with_parsed_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    seen = {}

    def sweep(args) -> int:
        seen["args"] = args
        return 0

    monkeypatch.setattr(commands, "sweep", sweep)
    code = main(["sweep", "m.game", "--vary", "a=0:1:3", "--set", "b=2", "--workers", "4"])
    assert code == 0
    args = seen["args"]
    assert args.file == "m.game" and args.vary == ["a=0:1:3"]
    assert args.vary_ranges[0] == ("a", 0.0, 1.0, 3)
    assert dict(args.set) == {"b": 2.0} and args.workers == 4 and not args.quiet


def test_every_command_has_a_function() -> None:
    p = build_parser()
    names = set(p._subparsers._group_actions[0].choices)
    assert names == set(commands.COMMANDS)
    assert all(callable(getattr(commands, f)) for f in commands.COMMANDS.values())


def test_solve_error_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def solve(args) -> int:
        raise SolveError("no pure equilibrium", Span("m.game", 3, 5))

    monkeypatch.setattr(commands, "solve", solve)
    code, _, err = run(capsys, "solve", "m.game")
    assert code == 3 and "m.game:3:5: error: no pure equilibrium" in err


def test_solve_error_shows_the_source_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    spec = tmp_path / "m.game"
    spec.write_text("player L\nstage s:\n  L chooses q\npayoff L = q\n")

    def solve(args) -> int:
        raise SolveError("payoff of L is unbounded above in q", Span(str(spec), 3, 13))

    monkeypatch.setattr(commands, "solve", solve)
    code, _, err = run(capsys, "solve", str(spec))
    assert code == 3
    assert err.splitlines()[1:3] == ["    L chooses q", "  " + " " * 12 + "^"]


def test_internal_errors_are_one_line_without_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def boom(*a, **k):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr("gamedsl.language.load_game", boom)
    code, _, err = run(capsys, "check", "m.game")
    # exit 3 (no answer could be computed), never 1: 1 is no documented exit code
    assert code == 3 and len(err.strip().splitlines()) == 1
    assert "internal error while reading the spec" in err and "--debug" in err
    code, _, err = run(capsys, "check", "m.game", "--debug")
    assert code == 3 and "Traceback" in err and "ZeroDivisionError" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["graph", "x.game", "--format", "svg"]) == 2
    capsys.readouterr()


def test_unknown_scenario_on_the_command_line(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "check", str(LANG / "stackelberg.game"), "--scenario", "nope")
    assert code == 2 and "unknown scenario 'nope' (the scenarios are: subsidy, cartel)" in err
