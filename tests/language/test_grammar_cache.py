"""The grammar's LALR tables cached on disk (`grammar_cache.py`): written once, atomically, in a
private directory; loaded when trusted; any trouble falls back to building them in memory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from gamedsl.language import grammar_cache, parser
from gamedsl.language.grammar_cache import CACHE_ENV, cache_dir, cache_file, cached_lark

GRAMMAR = resources.files("gamedsl.language").joinpath("grammar.lark").read_text("utf-8")
OPTIONS = {
    "parser": "lalr",
    "lexer": "contextual",
    "start": ["start", "by"],
    "maybe_placeholders": True,
    "lexer_callbacks": {"NAME": parser._keyword},
}
SPEC = "param a = 10 > 0\nplayer L\nstage s:\n  L chooses q >= 0\npayoff L = a*q - q^2\n"


def _parse_with(lark) -> list:
    """Return the statements `lark` (a parser of the grammar with `_ToAst`) makes of SPEC."""
    token = parser._SOURCE.set(parser.Source("t.game", SPEC))
    try:
        return lark.parse(SPEC, start="start")
    finally:
        parser._SOURCE.reset(token)


def _build(directory: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(CACHE_ENV, str(directory))
    return cached_lark(GRAMMAR, transformer=parser._ToAst(), **OPTIONS)


def test_the_first_process_writes_a_private_file_and_later_ones_load_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "cache"
    first = _build(directory, monkeypatch)
    target = cache_file(GRAMMAR, OPTIONS, directory)
    assert target.is_file()
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in directory.iterdir()] == [target.name]  # no temporary left behind
    written = target.stat().st_mtime_ns
    second = _build(directory, monkeypatch)
    assert target.stat().st_mtime_ns == written  # loaded, not rebuilt
    assert _parse_with(second) == _parse_with(first)


def test_a_corrupt_cache_file_is_rebuilt_and_the_parse_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _parse_with(_build(tmp_path, monkeypatch))
    target = cache_file(GRAMMAR, OPTIONS, tmp_path)
    target.write_bytes(target.read_bytes()[:500])  # a write cut short
    assert _parse_with(_build(tmp_path, monkeypatch)) == expected


def test_a_file_others_may_write_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(tmp_path, monkeypatch)
    target = cache_file(GRAMMAR, OPTIONS, tmp_path)
    os.chmod(target, 0o666)
    assert not grammar_cache._trusted(target)
    _parse_with(_build(tmp_path, monkeypatch))  # built again, and written in its place
    assert grammar_cache._trusted(target)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_cache_directory_falls_back_to_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.chmod(tmp_path, 0o500)
    try:
        _parse_with(_build(tmp_path / "cache", monkeypatch))
    finally:
        os.chmod(tmp_path, 0o700)


def test_a_cache_directory_that_is_a_file_falls_back_to_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert _parse_with(_build(blocker / "cache", monkeypatch))


def test_the_cache_is_off_when_the_variable_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_dir() == Path("/somewhere/gamedsl")


def test_processes_starting_together_all_parse(tmp_path: Path) -> None:
    """Four processes with an empty cache at once: each parses, one whole file remains."""
    code = (
        "from gamedsl.language import parse; "
        "print(len(parse('player L\\nstage s:\\n  L chooses q\\npayoff L = -q^2\\n', 't').statements))"
    )
    env = dict(os.environ, **{CACHE_ENV: str(tmp_path)})
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert outputs == ["3"] * 4
    files = [p.name for p in tmp_path.iterdir()]
    assert len(files) == 1 and files[0].startswith("grammar-")


def test_help_and_list_import_no_sympy_numpy_or_lark() -> None:
    """Start-up (issue 21): the commands that solve nothing import none of the heavy packages."""
    code = (
        "import sys, io, contextlib\n"
        "from gamedsl.cli import main\n"
        "for argv in (['--help'], ['list'], ['sweep', '--help']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(argv)\n"
        "heavy = {'sympy', 'numpy', 'scipy', 'matplotlib', 'networkx', 'lark', 'tqdm'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.stdout.strip() == "[]", out.stderr
