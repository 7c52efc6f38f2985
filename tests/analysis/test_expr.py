"""The --by expression parser: the language's precedence, and nothing but SpecError on any text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gamedsl.analysis.expr import Column, parse
from gamedsl.model.errors import SpecError


def _value(text: str, **cols: float) -> float:
    return float(parse(text).evaluate(lambda c: np.array(cols[str(c)])))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-x^2", -9.0),
        ("2^3^2", 512.0),
        ("2^-1", 0.5),
        ("1 - 2 - 3", -4.0),
        ("8/2/2", 2.0),
        ("x**2 + 1", 10.0),
        ("max(x, 4) - min(1, x)", 3.0),
        ("abs(-x) + sqrt(4)", 5.0),
        ("payoff(x)", 3.0),
        (".5e1", 5.0),
        ("log(x, 3)", 1.0),
        ("[x > 2] + (if x < 1 then 10 else 20)", 21.0),
        ("not x > 5 and x == 3", 1.0),
    ],
)
def test_arithmetic_as_in_the_language(text, expected):
    assert _value(text, x=3.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x < 1 < 2", "cannot be chained"),
        ("and", "expected a value before 'and'"),
        ("x >", "expected a value after '>'"),
        ("foo(1)", "unknown function 'foo'"),
        ("abs(1, 2)", r"abs\(\) takes 1 arguments"),
    ],
)
def test_bad_conditions(text, message):
    with pytest.raises(SpecError, match=message):
        parse(text)


def test_conditions_are_nan_where_a_value_is():
    e = parse("x > 1")
    assert np.isnan(e.evaluate(lambda c: np.array([np.nan]))[0])


def test_scenario_columns():
    e = parse("welfare - welfare@no_regulation + payoff(G)@strict")
    assert e.columns == (
        Column("welfare"),
        Column("welfare", "no_regulation"),
        Column("G", "strict"),
    )
    assert e.scenarios() == ["no_regulation", "strict"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_is_a_spec_error(text):
    try:
        parse(text)
    except SpecError:
        pass
