"""Hostile and degenerate input on the command line (issue 24): every outcome is a documented
exit code with a clear message, never exit 1 or a traceback; outputs are refused before any work
and written atomically; inputs are regular files of bounded size; nothing a file holds leaks.

The hostile files are fixtures in `tests/fixtures/hostile/`.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import gamedsl.analysis.compare
import gamedsl.analysis.regions
import gamedsl.analysis.sweep  # noqa: F401 - imported before any patch, so none binds a patch
from gamedsl.cli import main
from gamedsl.language.files import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
STACKELBERG = ROOT / "specs" / "lang" / "stackelberg.game"


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """Run `gamedsl ARGV` in a new Python process (for what must not hang or leak)."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from gamedsl.cli import main; sys.exit(main())", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


# ---- 1. numbers beyond the floats: exit 2 where they are written --------------------------------
@pytest.mark.parametrize(
    "fixture, position, source_line",
    [
        ("param_beyond_floats.game", "1:11", 'param a = 10^400 "too large for a float"'),
        ("report_beyond_floats.game", "6:12", "report r = 1e308*1e308"),
        ("bound_beyond_floats.game", "3:24", "F chooses q >= 0, <= 2^2000"),
    ],
)
@pytest.mark.parametrize("command", ["check", "solve"])
def test_numbers_beyond_the_floats_are_errors_where_written(
    command: str, fixture: str, position: str, source_line: str, capsys: pytest.CaptureFixture
) -> None:
    path = HOSTILE / fixture
    code, out, err = run(capsys, command, path)
    assert code == 2 and out == ""
    first, shown, caret = err.splitlines()[:3]
    assert first.startswith(f"{path}:{position}: error: about 1.")
    assert "is beyond the range of numbers the solver computes with (about ±1.8e308)" in first
    assert shown.strip() == source_line
    assert caret.index("^") == 2 + int(position.split(":")[1]) - 1


def test_a_param_that_set_values_push_beyond_the_floats_is_exit_2(
    capsys: pytest.CaptureFixture,
) -> None:
    # b = a^3 is fine at the default and 1e300 at --set a=1e100: the message names b and its line
    path = HOSTILE / "derived_param.game"
    code, _, err = run(capsys, "solve", path, "--set", "a=1e200")
    assert code == 2
    assert f"{path}:2:7: error: param 'b' comes to 1.00e600 at these values" in err


def test_numbers_inside_the_floats_still_solve(capsys: pytest.CaptureFixture, tmp_path) -> None:
    spec = tmp_path / "exact.game"
    spec.write_text(
        "param a = 10^400/10^399\nplayer F\nstage s:\n  F chooses q >= 0\npayoff F = a*q - q^2\n"
    )
    code, out, _ = run(capsys, "solve", spec, "--format", "json")
    assert code == 0 and '"q": 5' in out


# ---- 1. unexpected failures: a documented exit code and a message, never exit 1 ----------------
@pytest.mark.parametrize(
    "exception, code, words",
    [
        (ZeroDivisionError("oops"), 3, "internal error while solving: ZeroDivisionError: oops"),
        (MemoryError(), 3, "out of memory while solving"),
        (RecursionError(), 3, "nested too deeply to handle while solving"),
        (OverflowError("int too large"), 3, "a number beyond the range of floats"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
def test_unexpected_failures_have_documented_exit_codes(
    exception: BaseException,
    code: int,
    words: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    def boom(*args, **kwargs):
        raise exception

    monkeypatch.setattr("gamedsl.solver.solve", boom)
    got, _, err = run(capsys, "solve", STACKELBERG)
    assert got == code and words in err and "Traceback" not in err


# ---- 2. output paths: checked before any work ---------------------------------------------------
def _fifo(tmp_path: Path, suffix: str) -> Path:
    path = tmp_path / f"out{suffix}"
    os.mkfifo(path)
    return path


def _read_only(tmp_path: Path, suffix: str) -> Path:
    path = tmp_path / f"locked{suffix}"
    path.write_text("keep\n")
    path.chmod(0o444)
    return path


BAD_OUTPUTS = {
    "missing directory": (lambda t, suffix: t / "nowhere" / f"out{suffix}", "the directory"),
    "a directory": (lambda t, suffix: t, "it is a directory"),
    "a FIFO": (_fifo, "not a regular file"),
    "a device": (lambda t, suffix: Path("/dev/null"), "not a regular file"),
    "read-only": (_read_only, "read-only"),
    "empty name": (lambda t, suffix: "", "the file name is empty"),
}


@pytest.mark.parametrize("case", list(BAD_OUTPUTS))
@pytest.mark.parametrize(
    "command, suffix",
    [
        (["solve", "-o"], ".json"),
        (["compare", "-o"], ".json"),
        (["sweep", "--vary", "a=8:12:3", "-o"], ".csv"),
        (["sweep", "--vary", "a=8:12:3", "--plot"], ".png"),
        (["regions", "--x", "a=8:12:3", "--y", "c=0:2:3", "-o"], ".png"),
    ],
)
def test_bad_output_paths_are_refused_before_any_work(
    case: str,
    command: list[str],
    suffix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    make, words = BAD_OUTPUTS[case]
    target = str(make(tmp_path, suffix))

    def no_work(*args, **kwargs):
        raise AssertionError("the command did work before checking its output path")

    for name in ("solver.solve", "analysis.sweep.sweep_points", "analysis.regions.regions"):
        monkeypatch.setattr(f"gamedsl.{name}", no_work)
    monkeypatch.setattr("gamedsl.analysis.compare.compare", no_work)
    code, out, err = run(capsys, command[0], STACKELBERG, *command[1:], target)
    assert code == 2 and out == "", err
    assert "cannot write there" in err and words in err
    if case == "read-only":
        assert Path(target).read_text() == "keep\n"


def test_output_onto_the_input_spec_is_refused(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "m.game"
    spec.write_bytes(STACKELBERG.read_bytes())
    before = spec.read_bytes()
    for argv in (["solve", spec, "-o", spec], ["compare", spec, "-o", spec]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "it is an input of this command" in err
    # also through another name for the same file, and onto a file the spec uses
    (tmp_path / "alias.game").symlink_to(spec)
    code, _, err = run(capsys, "solve", spec, "-o", tmp_path / "alias.game")
    assert code == 2 and "it is an input of this command" in err
    lib = tmp_path / "lib.game"
    lib.write_text("param k = 1\n")
    user = tmp_path / "user.game"
    user.write_text(
        'use "lib.game"\nplayer F\nstage s:\n  F chooses q >= 0\npayoff F = k*q - q^2\n'
    )
    code, _, err = run(capsys, "solve", user, "-o", lib)
    assert code == 2 and "it is an input of this command" in err
    assert spec.read_bytes() == before and lib.read_text() == "param k = 1\n"


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_users_umask(
    mask: int, mode: int, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "solution.json"
    old = os.umask(mask)
    try:
        code, _, _ = run(capsys, "solve", STACKELBERG, "--format", "json", "-o", out)
    finally:
        os.umask(old)
    assert code == 0 and stat.S_IMODE(out.stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["solution.json"]  # no temporary file left


def test_replacing_an_output_keeps_its_mode(tmp_path: Path, capsys) -> None:
    out = tmp_path / "solution.txt"
    out.write_text("old\n")
    out.chmod(0o640)
    code, _, _ = run(capsys, "solve", STACKELBERG, "-o", out)
    assert code == 0 and "qL" in out.read_text() and stat.S_IMODE(out.stat().st_mode) == 0o640


def test_an_output_symlink_is_written_through(tmp_path: Path, capsys) -> None:
    target = tmp_path / "data" / "real.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    code, _, err = run(capsys, "sweep", STACKELBERG, "--vary", "a=8:12:3", "-o", link, "--quiet")
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("a,")
    # a dangling link creates its target
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "data" / "new.json")
    code, _, _ = run(capsys, "solve", STACKELBERG, "--format", "json", "-o", dangling)
    assert code == 0 and dangling.is_symlink() and (tmp_path / "data" / "new.json").is_file()


# ---- 3. inputs: regular files of bounded size ----------------------------------------------------
def test_a_device_is_not_read(capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, "check", "/dev/zero")
    assert code == 2 and "/dev/zero is not a regular file (a FIFO, device or socket)" in err


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.game"
    os.mkfifo(fifo)
    done = run_process("check", str(fifo), timeout=60)
    assert done.returncode == 2 and "is not a regular file" in done.stderr
    user = tmp_path / "user.game"
    user.write_text('use "spec.game"\nplayer F\nstage s:\n  F chooses q\npayoff F = -q^2\n')
    done = run_process("check", str(user), timeout=60)
    assert done.returncode == 2 and "spec.game is not a regular file" in done.stderr


@pytest.mark.parametrize(
    "name, words",
    [("", "no file given: the file name is empty"), (".", "is a directory")],
)
def test_no_file_and_a_directory(name: str, words: str, capsys) -> None:
    code, _, err = run(capsys, "check", name)
    assert code == 2 and words in err


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path, capsys) -> None:
    big = tmp_path / "big.game"
    with open(big, "wb") as f:
        f.write(b"# a comment\n")
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    code, _, err = run(capsys, "check", big)
    assert code == 2 and "is too large: a spec has at most 4 MB" in err


# ---- 4. grids and --set values ------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, words",
    [
        (["sweep", "--vary", "a=1:2:1000000000"], "--vary: 1,000,000,000 points; at most"),
        (
            ["sweep", "--vary", "a=1:2:5000", "--vary", "b=1:2:5000"],
            "5,000 x 5,000 = 25,000,000 points",
        ),
        (["regions", "--x", "a=1:2:10000", "--y", "c=0:1:10000"], "100,000,000 points"),
        (["sweep", "--vary", "a=1:2:1_000"], "N an integer"),
        (["sweep", "--vary", "a=1:2:\uff11\uff10"], "N an integer"),
    ],
)
def test_grids_are_capped_before_anything_is_allocated(argv, words, capsys) -> None:
    code, _, err = run(capsys, argv[0], STACKELBERG, *argv[1:])
    assert code == 2 and words in err


@pytest.mark.parametrize(
    "value, words",
    [
        ("\uff11\uff12", "is not a number (write digits 0-9"),  # full-width digits
        ("\u0661\u0662", "is not a number"),  # Arabic-Indic digits
        ("1_000", "is not a number"),
        ("9" * 100_000, "the value has 100000 characters: too long for a number"),
        ("1e400", "is beyond the range of numbers here"),
        ("1" + "0" * 399, "is beyond the range of numbers here"),
        ("1e-400", "is too small to tell from 0 here"),
        ("nan", "is not a number"),
    ],
)
def test_set_values_are_plain_numbers_that_fit_a_float(value: str, words: str, capsys) -> None:
    code, _, err = run(capsys, "solve", STACKELBERG, "--set", f"a={value}")
    assert code == 2 and words in err and len(err) < 400


@pytest.mark.parametrize("digits", ["\uff11\uff12", "2\uff11", "\u0661", "\uff13.5"])
def test_digits_of_other_scripts_are_not_numbers_in_a_spec(digits: str, tmp_path, capsys) -> None:
    # 2 followed by a full-width 1 was read as 21
    spec = tmp_path / "digits.game"
    spec.write_text(f"let x = 1\nreport r = {digits}\n", encoding="utf-8")
    code, _, err = run(capsys, "check", spec)
    assert code == 2 and "numbers are written with the digits 0-9" in err


# ---- 5. nothing leaks, nothing drives the terminal ----------------------------------------------
@pytest.mark.parametrize("fixture", ["use_secret.game", "use_binary.game"])
def test_an_error_in_a_file_that_is_not_game_text_shows_none_of_it(fixture: str, capsys) -> None:
    code, out, err = run(capsys, "check", HOSTILE / fixture)
    assert code == 2 and out == ""
    assert "is not a .game text file and does not parse" in err
    assert "its content is not shown" in err
    assert "SECRET" not in err and "API_KEY" not in err and "ELF" not in err


def test_use_of_the_environment_leaks_nothing() -> None:
    env = dict(os.environ, GAMEDSL_LEAK_MARKER="do-not-print-me")
    done = run_process("check", str(HOSTILE / "use_environ.game"), env=env)
    assert done.returncode == 2
    assert "/proc/self/environ is not a .game text file" in done.stderr
    assert "do-not-print-me" not in done.stderr + done.stdout
    assert "GAMEDSL_LEAK_MARKER" not in done.stderr + done.stdout


def test_a_file_not_named_game_is_not_quoted(tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("password = hunter2 and more\n")
    code, _, err = run(capsys, "check", notes)
    assert code == 2 and "hunter2" not in err and "password" not in err


@pytest.mark.parametrize("command", ["check", "solve"])
def test_control_characters_in_titles_and_descriptions_are_escaped(command: str, capsys) -> None:
    code, out, err = run(capsys, command, HOSTILE / "escapes.game")
    assert code == 0 and err == ""
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "evil \\u001b[2J\\u001b]0;owned\\u0007 title" in out


def test_control_characters_in_an_echoed_source_line_are_escaped(capsys) -> None:
    path = HOSTILE / "escape_in_error.game"
    code, _, err = run(capsys, "check", path)
    assert code == 2 and "\x1b" not in err
    first, shown, caret = err.splitlines()[:3]
    assert first == f"{path}:4:20: error: unexpected character '\\x1b' (U+001B)"
    assert shown == "  payoff F = q - q^2 \\u001b[2J"
    assert caret == "  " + " " * 19 + "^"


def test_a_file_name_with_escapes_is_escaped(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "evil\x1b[2J.game"))
    assert code == 2 and "\x1b" not in err and "evil\\u001b[2J.game" in err


def test_an_infinite_param_is_exit_2_at_its_line(capsys: pytest.CaptureFixture) -> None:
    """`param a = inf` (found by the fuzz run: it reached the solver as an internal error)."""
    code, _, err = run(capsys, "solve", HOSTILE / "param_inf.game")
    assert code == 2
    assert "param_inf.game:2:7: error: param 'a' is inf at these values" in err
