"""Hostile input: deep nesting, huge numbers and powers, big files, odd bytes; and property
tests that the front half raises nothing but SpecError on any text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamedsl.language import check_text
from gamedsl.language.parser import KEYWORDS
from gamedsl.model.errors import SpecError

LANG = Path(__file__).resolve().parents[2] / "specs" / "lang"
BASE = "player L\nstage s:\n  L chooses x >= 0\npayoff L = -x^2 + R\n"
FEW_SECONDS = 20.0  # CPU seconds; generous because CI machines are shared


def outcome(text: str) -> str:
    """Return 'ok' or the first error message of checking `text`, failing on anything else and
    on taking more than a few seconds."""
    start = time.process_time()
    try:
        check_text(text, "h.game")
        result = "ok"
    except SpecError as e:
        result = e.message
    assert time.process_time() - start < FEW_SECONDS
    return result


@pytest.mark.parametrize(
    "text, message",
    [
        (BASE + "let R = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "nested too deeply"),
        (BASE + "let R = " + "[" * 5000 + "1 > 0" + "]" * 5000 + "\n", "nested too deeply"),
        (BASE + "let R = " + "max(1, " * 5000 + "1" + ")" * 5000 + "\n", "nested too deeply"),
        (BASE + "let R = " + "-" * 5000 + "1\n", "nested too deeply"),
        (BASE + "let R = [" + "not " * 5000 + "1 > 0]\n", "nested too deeply"),
        (BASE + "let R = " + "if 1 > 0 then 1 else " * 3000 + "1\n", "nested too deeply"),
        (BASE + "let R = " + "2^" * 5000 + "2\n", "nested too deeply"),
    ],
    ids=["parens", "brackets", "calls", "minus", "not", "if", "tower"],
)
def test_deep_nesting_is_a_clean_error(text: str, message: str) -> None:
    assert message in outcome(text)


@pytest.mark.parametrize(
    "expr, message",
    [
        ("10^10^10", "power too large"),
        ("2^2^2^2^2^2", "power too large"),
        ("(10^100)^(10^100)", "power too large"),
        ("sqrt(2)^(10^9)", "power too large"),
        ("x^(10^10)", "exponent too large"),
        ("1e999999999", "out of range"),
        ("9" * 100_000, "number literal too long"),
        ("exp(10^9)", "cannot be computed"),
    ],
    ids=["tower", "tower6", "huge-base", "sqrt-base", "symbolic", "literal", "digits", "exp"],
)
def test_huge_numbers_do_not_hang(expr: str, message: str) -> None:
    assert message in outcome(BASE + f"let R = {expr}\nreport r = R\n")


def test_moderate_powers_are_exact() -> None:
    g = check_text(BASE + "let R = 2^100 + 2^-3 + 0.5^10\n", "h.game")
    assert g.lets["R"] == 2**100 + __import__("sympy").Rational(1, 8) + __import__(
        "sympy"
    ).Rational(1, 1024)


def test_long_chains_of_lets_are_refused_or_fast() -> None:
    deep = (
        BASE
        + "let R = e400\nlet e0 = x\n"
        + "".join(f"let e{i + 1} = exp(e{i})\n" for i in range(400))
    )
    assert "nested too deeply once the lets" in outcome(deep)
    flat = (
        BASE
        + "let R = v5000\nlet v0 = x\n"
        + "".join(f"let v{i + 1} = v{i} + {i}*x\n" for i in range(5000))
    )
    assert outcome(flat) == "ok"


def test_two_megabyte_file() -> None:
    lines = [BASE, "let R = 1\n"]
    lines += [
        f"let q{i} = R*{i} + 1   # a comment to make the line longer {i}\n" for i in range(36_000)
    ]
    text = "".join(lines)
    assert len(text) > 2_000_000
    assert outcome(text) == "ok"


def test_two_thousand_stages() -> None:
    text = "player L\n" + "".join(f"stage s{i}:\n  L chooses x{i} in [0, 1]\n" for i in range(2000))
    text += "payoff L = " + " + ".join(f"x{i}" for i in range(2000)) + "\n"
    assert outcome(text) == "ok"


def test_very_long_names() -> None:
    name = "a" * 100_000
    assert outcome(BASE + f"let R = 1\nlet {name} = 1\n") == "ok"
    message = outcome(BASE + f"let R = {name}\n")
    assert message.startswith("unknown name 'aaaa") and len(message) < 200


def test_many_errors_stay_fast() -> None:
    assert "unknown name" in outcome("".join(f"let a{i} = zz{i}\n" for i in range(5000)))


@pytest.mark.parametrize(
    "junk",
    [
        "\x00",
        "\x00\x00\x00",
        "\ufeff\ufeff",
        "\x1b[31m",
        "\u2028",
        "\x0c",
        "\x85",
        "é",
        "𝑥",
        "\\",
        "`",
        "$",
        "@",
        "_x",
        "'",
        '"',
        "stage",
        "stage :",
        ":",
        "))))",
        "[[[",
        "{0..",
        "..",
    ],
)
def test_junk_is_a_spec_error(junk: str) -> None:
    result = outcome(BASE + "let R = 1\n" + junk + "\n")
    assert isinstance(result, str)


def test_bom_and_crlf_are_fine() -> None:
    assert outcome("\ufeff" + (BASE + "let R = 1\n").replace("\n", "\r\n")) == "ok"


# ---- properties ---------------------------------------------------------------------------------

HOSTILE_SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@HOSTILE_SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_spec_errors(text: str) -> None:
    outcome(text)


TOKENS = [
    *sorted(KEYWORDS),
    "min",
    "max",
    "abs",
    "sqrt",
    "exp",
    "log",
    "x",
    "y",
    "L",
    "F",
    "a",
    "0",
    "1",
    "2.5",
    ".5",
    "1e-3",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "..",
    ",",
    ":",
    ";",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    '"t"',
    "\n",
    "\n  ",
    "\r\n",
    "\t",
    " ",
    "#c",
    "payoff(L)",
    "stdlib:x",
    '"lib.game"',
]


@HOSTILE_SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_token_soup_raises_only_spec_errors(tokens: list[str]) -> None:
    outcome(" ".join(tokens))


SPECS = [
    p.read_text(encoding="utf-8")
    for p in sorted(LANG.glob("*.game"))
    if "use " not in p.read_text(encoding="utf-8")
    and "extends " not in p.read_text(encoding="utf-8")
]


@st.composite
def mutated_spec(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SPECS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = min(len(text), i + draw(st.integers(0, 12)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        piece = draw(st.sampled_from(TOKENS))
        if action == "delete":
            text = text[:i] + text[j:]
        elif action == "insert":
            text = text[:i] + piece + text[i:]
        elif action == "replace":
            text = text[:i] + piece + text[j:]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@HOSTILE_SETTINGS
@given(mutated_spec())
def test_mutated_specs_raise_only_spec_errors(text: str) -> None:
    outcome(text)
