"""Region maps: the regime of sampled cells equals a per-point solve; expressions and scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from gamedsl.analysis.regions import regions
from gamedsl.language import load_game
from gamedsl.model.errors import SpecError
from gamedsl.solver import solve

from ._support import close, spec
from .test_sweep import _expected_regime


def test_regime_at_sampled_cells_equals_solve():
    game = load_game(spec("cournot_capacity"))
    xs, ys = np.linspace(2, 20, 12), np.linspace(0.5, 8, 9)
    rmap = regions(game, ("a", xs), ("K", ys), workers=1)
    assert rmap.regime.shape == (9, 12)
    assert set(rmap.regime_names()) == {"interior", "q2<=K binds"}
    rng = np.random.default_rng(7)
    for j, i in zip(rng.integers(0, 9, 6), rng.integers(0, 12, 6)):
        s = solve(game, {"a": xs[i], "K": ys[j]})
        assert rmap.regime[j, i] == _expected_regime(s), (xs[i], ys[j])
    # capacity binds where the interior Cournot output (a - c)/3 of firm 2 exceeds K
    a, k = np.meshgrid(xs, ys)
    binds = (a - 1) / 3 > k + 1e-9
    assert np.array_equal(rmap.regime == "q2<=K binds", binds)


def test_expression_with_a_scenario_column():
    # integrated minus separate welfare in double marginalisation: 5(a - c)^2/(32 b)
    xs, ys = np.array([6.0, 10.0, 14.0]), np.array([1.0, 2.0])
    rmap = regions(
        spec("double_marginalisation"),
        ("a", xs),
        ("c", ys),
        by="welfare@integrated - welfare",
        workers=1,
    )
    a, c = np.meshgrid(xs, ys)
    np.testing.assert_allclose(rmap.values, 5 * (a - c) ** 2 / 32, rtol=1e-9)
    assert set(rmap.tables) == {"integrated"}


def test_scenario_sets_win_over_the_axes_in_at_columns():
    # no_regulation sets p = 0: on a map over (theta, p), welfare@no_regulation ignores the p axis
    rmap = regions(
        "stdlib:openness_regulation",
        ("theta", [0.3, 0.5]),
        ("p", [0.0, 0.2]),
        by="welfare@no_regulation",
        workers=1,
    )
    assert np.allclose(rmap.values, rmap.values[0, 0])
    base = solve(load_game("stdlib:openness_regulation", scenario="no_regulation"), {})
    assert close(rmap.values[0, 0], base.reports["welfare"])
    assert any("p is the scenario's" in n for n in rmap.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os')", "names start with a letter"),
        ("welfare; import os", "expected the end, got ';'"),
        ("().__class__", "unexpected '\\)': expected a value"),
        ("()", "unexpected '\\)': expected a value"),
        ("lambda: 0", "expected the end, got ':'"),
        ("welfare @", "scenario name after '@'"),
        ("nosuch + 1", "unknown column 'nosuch'"),
        ("(" * 900 + "1" + ")" * 900, "nested too deeply"),
        ("1+" * 1000 + "1", "at most 2000 characters"),
    ],
)
def test_bad_expressions_are_spec_errors(text, message):
    with pytest.raises(SpecError, match=message):
        regions(spec("cournot"), ("a", [5.0]), ("c", [1.0]), by=text, workers=1)
