"""One grid under several scenarios, and columns computed from expressions (`sweep --scenario A
--scenario B --columns "X - X@baseline"`), against hand derivations.

Double marginalisation (specs/double_marginalisation.game), by hand: separate firms set
w = (a + c)/2, p = (3a + c)/4, so q = (a - c)/(4b) and CS = (a - c)^2/(32b); merged (scenario
`integrated`), p = (a + c)/2, q = (a - c)/(2b), CS = (a - c)^2/(8b), MR = (a - c)^2/(4b).  So
CS@integrated - CS@baseline = 3(a - c)^2/(32b).
"""

from __future__ import annotations

import numpy as np
import pytest

from gamedsl.analysis import scenarios as sc
from gamedsl.analysis.sweep import sweep
from gamedsl.model.errors import SpecError
from gamedsl.solver import solve

from ._support import close, spec

DM = spec("double_marginalisation")
A = np.array([5.0, 8.0, 12.0])  # b = 1, c = 2 (the defaults)


def test_split_columns_keeps_commas_inside_parentheses_and_brackets():
    assert sc.split_columns("q1, max(q1, q2),[a > 1]") == ["q1", "max(q1, q2)", "[a > 1]"]
    assert sc.split_columns(["q1,q2", "CS - CS@baseline"]) == ["q1", "q2", "CS - CS@baseline"]
    assert sc.split_columns(None) == []


def test_parse_columns_names_and_expressions():
    name, expression = sc.parse_columns(["CS", "CS - CS@integrated"])
    assert name.expr is None and name.scenarios() == []
    assert expression.expr is not None and expression.scenarios() == ["integrated"]
    with pytest.raises(SpecError) as e:
        sc.parse_columns(["CS +"])
    assert e.value.message.startswith("--columns: ")
    assert "CS +" in e.value.message


def test_stacked_table_with_a_scenario_column_and_an_expression():
    table = sc.sweep_scenarios(
        DM, {"a": A}, scenarios=["baseline", "integrated"], columns=["CS - CS@baseline"], workers=1
    )
    assert table.columns[0] == "scenario"
    assert table.kinds["scenario"] == "scenario"
    assert table.kinds["CS - CS@baseline"] == "expression"
    assert table.columns[-2:] == ("regime", "flags")
    assert list(table.column("scenario")) == ["baseline"] * 3 + ["integrated"] * 3
    np.testing.assert_allclose(table.column("a"), np.concatenate([A, A]))
    gain = table.column("CS - CS@baseline")
    np.testing.assert_allclose(gain[:3], 0.0, atol=1e-9)
    np.testing.assert_allclose(gain[3:], 3 * (A - 2) ** 2 / 32, rtol=1e-7)
    # the merged player exists in its scenario only
    merged = table.column("MR")
    assert np.isnan(merged[:3]).all()
    np.testing.assert_allclose(merged[3:], (A - 2) ** 2 / 4, rtol=1e-7)
    assert table.meta["scenarios"] == ["baseline", "integrated"]
    assert table.meta["points"] == 6


def test_baseline_is_read_from_a_scenario_sweep():
    table = sc.sweep_scenarios(
        DM, {"a": A}, scenarios=["integrated"], columns=["CS - CS@baseline", "quantity"], workers=1
    )
    assert "scenario" not in table.columns  # one scenario: the table of `sweep` plus the column
    assert table.meta["scenario"] == "integrated"
    np.testing.assert_allclose(table.column("CS - CS@baseline"), 3 * (A - 2) ** 2 / 32, rtol=1e-7)


def test_one_scenario_without_expressions_is_the_sweep():
    stacked = sc.sweep_scenarios(
        DM, {"a": A}, scenarios=["integrated"], columns=["quantity"], workers=1
    )
    plain = sweep(DM, {"a": A}, scenario="integrated", workers=1)
    assert stacked.columns == plain.columns
    assert dict(stacked.kinds) == dict(plain.kinds)
    assert stacked.meta["warnings"] == plain.meta["warnings"]
    for c in plain.columns:
        if plain.kinds[c] in ("regime", "flags"):
            assert list(stacked.column(c)) == list(plain.column(c))
        else:
            np.testing.assert_array_equal(stacked.column(c), plain.column(c))


def test_a_scenario_that_sets_an_axis_param_keeps_its_value():
    # openness_regulation: no_regulation sets p = 0, so along the p axis G@no_regulation is the
    # unregulated payoff everywhere (.51 at the defaults, the card's row), and a note says so
    model = "stdlib:openness_regulation"
    table = sc.sweep_scenarios(
        model, {"p": np.array([0.0, 0.05, 0.2])}, columns=["G@no_regulation"], workers=1
    )
    np.testing.assert_allclose(table.column("G@no_regulation"), 0.51, atol=1e-9)
    assert any(
        "under scenario no_regulation, p is the scenario's" in w for w in table.meta["warnings"]
    )
    unregulated = solve(sc.scenario_game(model, "no_regulation"), {})
    assert close(unregulated.payoffs["G"], 0.51)


def test_unknown_names_are_exit_2_with_a_hint():
    with pytest.raises(SpecError) as e:
        sc.sweep_scenarios(DM, {"a": A}, columns=["CSS - CS@integrated"], workers=1)
    assert e.value.message == "--columns: unknown column 'CSS'"
    assert e.value.hint == "did you mean 'CS'?"
    with pytest.raises(SpecError) as e:
        sc.sweep_scenarios(DM, {"a": A}, columns=["CS@nosuch"], workers=1)
    assert "nosuch" in e.value.message


def test_baseline_names_a_declared_scenario_of_that_name(tmp_path):
    path = tmp_path / "g.game"
    path.write_text(
        "param a = 1\nplayer P\nstage s:\n  P chooses x in [0, 10]\npayoff P = a*x - x^2\n"
        "scenario baseline:\n  set a = 4\n",
        encoding="utf-8",
    )
    assert sc.scenario_game(str(path), "baseline").scenario == "baseline"
    assert sc.scenario_game(str(path), None).scenario is None


def test_identical_sweeps_are_made_once_per_process(tmp_path, monkeypatch):
    calls = []
    real = sc.sweep_points

    def counted(game, *args, **kwargs):
        calls.append(game.scenario)
        return real(game, *args, **kwargs)

    monkeypatch.setattr(sc, "sweep_points", counted)
    path = tmp_path / "g.game"
    path.write_text(
        "param a = 1\nplayer P\nstage s:\n  P chooses x in [0, 10]\npayoff P = a*x - x^2\n",
        encoding="utf-8",
    )
    first = sc.sweep_scenarios(str(path), {"a": A}, columns=["x"], workers=1)
    again = sc.sweep_scenarios(str(path), {"a": A}, columns=["x", "x - x@baseline"], workers=1)
    assert len(calls) == 1  # the baseline's grid is swept once for all three uses
    np.testing.assert_allclose(first.column("x"), A / 2)
    np.testing.assert_array_equal(first.column("x"), again.column("x"))
    np.testing.assert_array_equal(again.column("x - x@baseline"), 0.0)
    # another text of the file is another game: solved again
    path.write_text(
        "param a = 1\nplayer P\nstage s:\n  P chooses x in [0, 10]\npayoff P = a*x - 2*x^2\n",
        encoding="utf-8",
    )
    changed = sc.sweep_scenarios(str(path), {"a": A}, columns=["x"], workers=1)
    assert len(calls) == 2
    np.testing.assert_allclose(changed.column("x"), A / 4)


def test_python_api_sweeps_several_scenarios():
    import gamedsl

    table = gamedsl.load(DM).sweep(
        {"a": A}, scenario=["baseline", "integrated"], columns=["CS - CS@baseline"], workers=1
    )
    assert list(table.column("scenario")) == ["baseline"] * 3 + ["integrated"] * 3
    np.testing.assert_allclose(table.column("CS - CS@baseline")[3:], 3 * (A - 2) ** 2 / 32)
