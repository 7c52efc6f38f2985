"""The one rule for numbers (gamedsl/model/numbers.py) and the one NaN rule of every output:
NaN is `null` in JSON, `nan` in CSV and text; a missing value is an empty CSV cell."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
import sympy

from gamedsl.model.analysis import Comparison, Derivative, Row, Statics, Table
from gamedsl.model.numbers import csv_cell, json_value, number
from gamedsl.model.solution import Solution, StageReport, Verification
from gamedsl.report.solution import to_json, to_text

NAN = float("nan")


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (4, "4"),
        (4.0, "4"),
        (-0.0, "0"),
        (2.0000000000001, "2"),
        (1 / 3, "0.333333"),
        (1234567.0, "1234567"),
        (1234567.5, "1.23457e+06"),
        (1.5e-7, "1.5e-07"),
        (np.float64(0.25), "0.25"),
        (np.int64(7), "7"),
        (True, "1"),
        (sympy.Rational(1, 10), "0.1"),
        (sympy.Integer(12), "12"),
        (NAN, "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (None, "None"),
        (sympy.Symbol("a"), "a"),
    ],
)
def test_number_text(x, text):
    assert number(x) == text


def test_number_digits():
    assert number(1 / 3, 2) == "0.33" and number(0.000123456, 3) == "0.000123"


@pytest.mark.parametrize(
    ("x", "value"),
    [
        (NAN, None),
        (np.float64("nan"), None),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (3, 3),
        (np.int64(3), 3),
        (np.bool_(True), 1),
        (2.5, 2.5),
        (None, None),
        ("x", "x"),
    ],
)
def test_json_value(x, value):
    assert json_value(x) == value and type(json_value(x)) is type(value)


@pytest.mark.parametrize(
    ("x", "cell"),
    [(NAN, "nan"), (None, ""), (math.inf, "inf"), (3.0, "3"), (0.1, "0.1"), (1 / 3, repr(1 / 3))],
)
def test_csv_cell(x, cell):
    assert csv_cell(x) == cell


def _solution_with_nan() -> Solution:
    return Solution(
        game="g",
        scenario=None,
        parameters={"a": 1.0},
        equilibrium={"x": NAN},
        payoffs={"P": NAN},
        reports={"r": math.inf},
        strategies={},
        stages=(StageReport("s", "numeric"),),
        verification=Verification(False, NAN, "P"),
    )


def test_nan_is_null_in_the_json_of_a_solution():
    s = _solution_with_nan()
    doc = json.loads(to_json(s))  # strict JSON: no NaN token
    assert doc["equilibrium"] == {"x": None} and doc["payoffs"] == {"P": None}
    assert doc["reports"] == {"r": "inf"} and doc["verification"]["max_gain"] is None
    assert s.to_dict() == doc
    assert "NaN" not in to_json(s) and '"nan"' not in to_json(s)


def test_nan_in_notebook_output():
    s = _solution_with_nan()
    assert "<td>P</td><td>nan</td>" in s._repr_html_()
    assert "x &= nan" in s._repr_latex_() and r"\pi_{\mathrm{P}} &= nan" in s._repr_latex_()


def test_nan_is_null_in_table_json_and_nan_in_csv():
    table = Table(
        {"a": [1.0, 2.0], "q": [0.5, NAN], "regime": ["interior", "no equilibrium"]},
        {"a": "param", "q": "choice", "regime": "regime"},
    )
    doc = json.loads(table.to_json())
    assert [r["q"] for r in doc["rows"]] == [0.5, None]
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    assert [r["q"] for r in rows] == ["0.5", "nan"]
    assert "nan" in table.text()


def test_nan_is_null_in_statics_and_compare_json():
    st = Statics(
        "g",
        None,
        {"a": 1.0},
        "interior",
        ("a",),
        (Derivative("q", "choice", "a", NAN, "?", "numeric", difference=NAN),),
    )
    d = json.loads(st.to_json())["wrt"]["a"][0]
    assert d["value"] is None and d["difference"] is None
    sol = _solution_with_nan()
    cmp = Comparison(
        "g",
        ("baseline", "s"),
        (None, None),
        (Row("q", "choice", (1.0, NAN)), Row("M", "payoff", (None, 2.0))),
        ("interior", "interior"),
        (sol, sol),
    )
    rows = {r["name"]: r for r in json.loads(cmp.to_json())["rows"]}
    assert rows["q"]["values"] == {"baseline": 1.0, "s": None} and rows["q"]["deltas"]["s"] is None
    assert rows["M"]["values"]["baseline"] is None


def test_text_report_shows_nan():
    from gamedsl.language import check_text

    game = check_text("player P\nstage s:\n  P chooses x in [0, 1]\npayoff P = x\n", "m.game")
    s = _solution_with_nan()
    out = to_text(s, game)
    assert "payoffs:  P = nan" in out and "NOT verified: P gains nan" in out
