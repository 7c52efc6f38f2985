"""All errors of a file in one pass, syntax errors included (issue 24): after a syntax error the
parser goes on at the next statement, and the checker reports the file's other errors — but not
the ones that only echo a syntax error (a stage left without its broken choice line, a name whose
declaration did not parse)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gamedsl.language import check_text, load_game, parse
from gamedsl.language.parser import parse_all
from gamedsl.model.errors import SpecError, SpecErrors

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def errors_of(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(SpecError) as info:
        check_text(text, "t.game")
    errors = getattr(info.value, "errors", (info.value,))
    return [(e.span.line, e.span.column, e.message) for e in errors]


def test_syntax_and_semantic_errors_of_a_file_in_one_pass() -> None:
    path = HOSTILE / "syntax_then_semantics.game"
    with pytest.raises(SpecErrors) as info:
        load_game(str(path))
    got = [(e.span.line, e.span.column, e.message) for e in info.value.errors]
    assert got == [
        (3, 13, "expected a value after '+'"),
        (6, 8, "expected ':' after the stage name, got end of line"),
        (8, 26, "unknown name 'zz'"),
        (9, 11, "missing operator between '2' and 'x'"),
        (10, 16, "unknown name 'unknownthing'"),
        (11, 14, "expected a value after '+'"),
        (12, 19, "unknown player 'G' in payoff(...)"),
    ]
    text = info.value.format(info.value.sources)
    assert text.splitlines()[:3] == [
        f"{path}:3:13: error: expected a value after '+'",
        "  param a = 1 +",
        "  " + " " * 12 + "^",
    ]
    assert "  hint: a stage header reads: stage NAME [after|before OTHER] [when COND]:" in text
    assert text.endswith("7 errors")


def test_parse_reports_every_syntax_error() -> None:
    with pytest.raises(SpecErrors) as info:
        parse("let x = 1 +\nlet y = 2\nlet z = (3\nplayer\n", "t.game")
    assert [(e.span.line, e.span.column) for e in info.value.errors] == [(1, 11), (3, 11), (4, 7)]


def test_one_syntax_error_is_one_error() -> None:
    with pytest.raises(SpecError) as info:
        parse("let x = 1 +\nlet y = 2\n", "t.game")
    assert not isinstance(info.value, SpecErrors) and info.value.span.line == 1


def test_the_tree_keeps_the_good_statements_and_stubs_the_bad() -> None:
    parsed = parse_all("param a = 1 +\nplayer F\nstage s\n  F chooses q >= 0\n", "t.game")
    assert [e.span.line for e in parsed.errors] == [1, 3]
    param, player, stage = parsed.module.statements
    assert (param.name, param.default) == ("a", None)
    assert player.name == "F" and stage.name == "s" and stage.choices[0].var == "q"
    assert parsed.stubbed_names == {"a", "s"} and parsed.stubbed_lines == {1, 3}


@pytest.mark.parametrize(
    "text, expected",
    [
        # a broken let used as a condition: no "number used as a condition" echo
        (
            (
                "let ok = q >> 1\nplayer F\nstage s:\n  F chooses q when ok otherwise 0\n"
                "payoff F = -q^2 + zz\n"
            ),
            [(1, 13, "comparisons cannot be chained"), (5, 19, "unknown name 'zz'")],
        ),
        # a broken choice line: its stage is not reported as having no choices
        (
            "player F\nstage s:\n  F choose q\npayoff F = 1 + yy\n",
            [(3, 5, "expected 'chooses'"), (4, 16, "unknown name 'yy'")],
        ),
        # a broken player line: no "payoff for an unknown player"
        (
            'player F "firm\nstage s:\n  F chooses q\npayoff F = -q^2\nreport r = ww\n',
            [(1, 10, "unterminated string"), (5, 12, "unknown name 'ww'")],
        ),
        # a header that cannot be stubbed takes its block with it
        (
            "stage 1st:\n  F chooses q\nplayer G\nstage t:\n  G chooses x\npayoff G = x + vv\n",
            [(1, 7, "expected a stage name"), (6, 16, "unknown name 'vv'")],
        ),
    ],
)
def test_no_echoes_of_a_syntax_error(text: str, expected: list) -> None:
    got = errors_of(text)
    assert len(got) == len(expected), got
    for (line, column, message), (want_line, want_column, words) in zip(got, expected):
        assert (line, column) == (want_line, want_column) and words in message, got


def test_syntax_errors_of_a_used_file_come_with_the_users_errors(tmp_path: Path) -> None:
    (tmp_path / "lib.game").write_text("param k = 2 *\nlet m = k + 1\n")
    user = tmp_path / "user.game"
    user.write_text(
        'use "lib.game"\nplayer F\nstage s:\n  F chooses q >= 0\npayoff F = m*q - q^2 + uu\n'
    )
    with pytest.raises(SpecErrors) as info:
        load_game(str(user))
    got = [(Path(e.span.file).name, e.span.line, e.message) for e in info.value.errors]
    assert got == [
        ("lib.game", 1, "expected a value after '*'"),
        ("user.game", 5, "unknown name 'uu'"),
    ]


def test_at_most_twenty_errors_and_the_parse_ends() -> None:
    text = "".join(f"let x{i} = {i} +\n" for i in range(100))
    with pytest.raises(SpecErrors) as info:
        parse(text, "t.game")
    assert len(info.value.errors) == 20


def test_a_correct_file_parses_as_before() -> None:
    spec = (ROOT / "specs" / "lang" / "stackelberg.game").read_text()
    parsed = parse_all(spec, "s.game")
    assert parsed.errors == () and parsed.module == parse(spec, "s.game")


def test_recovery_has_a_budget_for_huge_files(monkeypatch: pytest.MonkeyPatch) -> None:
    # past MAX_RECOVERY_CHARACTERS parsed again, the errors so far are reported and checking
    # stops at them (the tree is incomplete)
    monkeypatch.setattr("gamedsl.language.parser.MAX_RECOVERY_CHARACTERS", 2_000)
    text = "".join(f"let x{i} = {i} +\n" for i in range(400))  # 6,000 characters
    parsed = parse_all(text, "t.game")
    assert len(parsed.errors) == 1 and not parsed.complete and parsed.module.statements == ()
