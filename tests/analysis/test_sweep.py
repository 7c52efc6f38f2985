"""Sweeps: the vectorised closed-form path equals a per-point `solve` on the same grid."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gamedsl.analysis.sweep import sweep
from gamedsl.language import load_game
from gamedsl.model.errors import SpecError
from gamedsl.solver import solve

from ._support import close, spec


def _expected_regime(solution) -> str:
    """Return the regime name derived from a Solution's own report of binding bounds."""
    binding = [b.replace(" ", "") + " binds" for s in solution.stages for b in s.binding]
    return "; ".join(binding) if binding else "interior"


def _assert_rows_match_solve(game, table, given):
    """Every row of the table equals `solve` at that row's params (values, payoffs, reports)."""
    for row in table.rows:
        s = solve(game, {k: row[k] for k in given})
        for k, v in {**s.equilibrium, **s.payoffs, **s.reports}.items():
            assert close(row[k], v), (k, row, v)


@pytest.mark.parametrize(
    ("name", "vary"),
    [
        pytest.param("cournot", {"a": np.linspace(3, 15, 4), "c": [0.5, 2.0]}, id="cournot"),
        pytest.param("stackelberg", {"s": [0.0, 0.7, 1.5], "b": [0.5, 2.0]}, id="stackelberg"),
    ],
)
def test_fast_path_equals_per_point_solve(name, vary):
    game = load_game(spec(name))
    table = sweep(game, vary, workers=1)
    assert table.meta["path"] == "fast"
    assert len(table) == np.prod([len(v) for v in vary.values()])
    _assert_rows_match_solve(game, table, list(vary))


def test_fast_and_slow_paths_give_the_same_table_and_regimes():
    # a capacity that binds for large a: two regimes on the grid
    game = load_game(spec("cournot_capacity"))
    vary = {"a": np.linspace(2, 14, 7)}
    fast = sweep(game, vary, {"K": 2.5}, workers=1)
    slow = sweep(game, vary, {"K": 2.5}, workers=1, fast=False)
    assert fast.meta["path"] == "fast" and slow.meta["path"] == "slow"
    for c in fast.columns:
        if c in ("regime", "flags"):
            assert list(fast.column(c)) == list(slow.column(c))
        else:
            np.testing.assert_allclose(fast.column(c), slow.column(c), rtol=1e-7, atol=1e-9)
    regimes = set(fast.column("regime"))
    assert regimes == {"interior", "q2<=K binds"}
    # the regime agrees with the bounds the solver itself reports as binding
    for row in fast.rows:
        s = solve(game, {"a": row["a"], "K": 2.5})
        assert row["regime"] == _expected_regime(s)


def test_cournot_closed_form_over_the_grid():
    # q = (a - c)/(3b), independent of the solver
    table = sweep(spec("cournot"), {"a": np.linspace(2, 20, 50), "b": [0.5, 1, 2]}, workers=1)
    a, b, c = table.column("a"), table.column("b"), table.column("c")
    np.testing.assert_allclose(table.column("q1"), (a - c) / (3 * b), rtol=1e-12)
    np.testing.assert_allclose(table.column("welfare"), 4 * (a - c) ** 2 / (9 * b), rtol=1e-12)


def test_points_outside_the_assumptions_are_marked_invalid():
    # cournot assumes a > c: a = 1 = c fails, the other points solve
    table = sweep(spec("cournot"), {"a": [1.0, 4.0, 7.0]}, workers=1)
    assert list(table.column("regime")) == ["invalid", "interior", "interior"]
    assert np.isnan(table.column("q1")[0])
    assert "1 of 3 points are invalid" in table.meta["warnings"][0]


def test_every_point_invalid_is_an_error():
    # c = 1 is the default: a <= 1 leaves c outside its domain [0, a)
    with pytest.raises(SpecError, match=r"outside its domain in \[0, a\)"):
        sweep(spec("cournot"), {"a": [0.5, 1.0]}, workers=1)


def test_unknown_param_names_the_option_and_suggests():
    with pytest.raises(SpecError, match="--vary names unknown param 'aa'") as e:
        sweep(spec("cournot"), {"aa": [1.0]}, workers=1)
    assert "did you mean 'a'" in e.value.hint


def test_discrete_regimes_name_the_values():
    table = sweep(spec("entry_deterrence"), {"a": [3.0, 20.0]}, workers=1)
    assert list(table.column("enter")) == [0.0, 1.0]
    assert list(table.column("regime")) == ["enter=0", "enter=1"]


def test_table_outputs(tmp_path):
    table = sweep(spec("cournot"), {"a": [4.0, 7.0]}, workers=1)
    assert table.to_csv(tmp_path / "t.csv") is None  # with a path: streamed to the file
    csv_text = table.to_csv()
    assert csv_text.splitlines()[0].split(",") == list(table.columns)
    assert (tmp_path / "t.csv").read_text() == csv_text
    assert table.to_json(tmp_path / "t.json") is None
    assert (tmp_path / "t.json").read_text() == table.to_json()
    doc = json.loads(table.to_json())
    assert doc["columns"] == list(table.columns)
    assert doc["rows"][1]["q1"] == pytest.approx(2.0)
    assert doc["kinds"]["q1"] == "choice" and doc["kinds"]["F1"] == "payoff"
    assert table.rows[0]["regime"] == "interior"
    assert table.column("q1").dtype == float


def test_files_are_deterministic(tmp_path):
    vary = {"a": [4.0, 5.0, 6.0, 7.0]}  # more points than the fast path's checks
    first = sweep(spec("cournot"), vary, workers=1)
    again = sweep(spec("cournot"), vary, workers=1)
    assert "compile_seconds" in first.meta
    assert first.to_json() == again.to_json() and first.to_csv() == again.to_csv()


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    df = sweep(spec("cournot"), {"a": [4.0, 7.0]}, workers=1).to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert list(df["q1"]) == pytest.approx([1.0, 2.0])


def test_numeric_stage_is_searched_once_per_point_with_the_later_closed_forms_reused():
    # specs/cost_reduction.game: the R&D stage has no closed form. Independent answer: x maximises
    # (a + c - 2c e^-x)^2/(9b) - r x^2/2 on [0, 5] (scipy, bounded Brent), q1 = (a + c - 2c e^-x)/(3b)
    from scipy.optimize import minimize_scalar

    game = load_game(spec("cost_reduction"))
    vary = {"r": [0.4, 1.0, 2.5], "c": [1.0, 4.0]}
    table = sweep(game, vary, workers=1)
    assert table.meta["path"] == "fast" and table.meta["evaluation"] == "play"
    a, b = 10.0, 1.0
    for row in table.rows:
        c, r = row["c"], row["r"]

        def neg(x, c=c, r=r):
            return -((a + c - 2 * c * np.exp(-x)) ** 2 / (9 * b) - r * x**2 / 2)

        x = minimize_scalar(neg, bounds=(0, 5), method="bounded", options={"xatol": 1e-10}).x
        assert close(row["x"], x, abs_tol=1e-6), (row, x)
        assert close(row["q1"], (a + c - 2 * c * np.exp(-x)) / (3 * b), abs_tol=1e-6)
        assert close(row["F1"], -neg(x), abs_tol=1e-9)
    # the Cournot stage's play was compiled before the points were played (once, not per worker)
    from gamedsl.analysis import executor as ex
    from gamedsl.analysis.sweep import _PLANS

    plans = ex.resolve(_PLANS[id(game)][1])
    assert [p.method for p in plans] == ["numeric", "symbolic"]
    assert plans[1]._compiled, "the closed-form stage was not compiled"
