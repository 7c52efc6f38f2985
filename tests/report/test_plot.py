"""Plots that say what they show: legends name the scenarios, axes carry the descriptions of the
params and choices, regimes are drawn and keyed.  The figures are inspected, not looked at."""

from __future__ import annotations

import numpy as np
import pytest

from gamedsl.language import load_game
from gamedsl.model.analysis import RegionMap, Table
from gamedsl.report.plot import close, plot_regions, plot_sweep
from tests.analysis._support import spec


@pytest.fixture(scope="module")
def game():
    return load_game(spec("double_marginalisation"))


def _stacked() -> Table:
    a = np.array([4.0, 6.0, 8.0])
    return Table(
        {
            "scenario": np.array(["baseline"] * 3 + ["integrated"] * 3, dtype=object),
            "a": np.concatenate([a, a]),
            "CS - CS@baseline": np.concatenate([0 * a, 3 * (a - 2) ** 2 / 32]),
            "regime": np.array(["interior"] * 5 + ["w>=0 binds"], dtype=object),
        },
        {
            "scenario": "scenario",
            "a": "param",
            "CS - CS@baseline": "expression",
            "regime": "regime",
        },
        {
            "game": "Double marginalisation",
            "varied": ["a"],
            "scenarios": ["baseline", "integrated"],
        },
    )


def _text(fig) -> str:
    """Return every piece of text of a figure (titles, labels, legends, annotations)."""
    from matplotlib.text import Text

    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_a_line_per_scenario_named_with_its_title(game):
    fig = plot_sweep(_stacked(), ["CS - CS@baseline"], None, game)
    try:
        ax = fig.axes[0]
        lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 3]
        assert len(lines) == 2
        labels = ax.get_legend_handles_labels()[1]
        assert "baseline" in labels
        assert "integrated: manufacturer and retailer merge" in labels
        assert ax.get_ylabel() == "CS - CS@baseline"
        assert fig.axes[0].get_xlabel() == "a (demand intercept (choke price))"
        np.testing.assert_allclose(lines[1].get_ydata(), [0.375, 1.5, 3.375])
        assert "scenarios baseline, integrated" in fig._suptitle.get_text()
        # integrated's regime change (between a = 6 and 8) in its own colour
        assert "regime change (its colour)" in labels
    finally:
        close(fig)


def test_sweep_regimes_lettered_and_keyed(game):
    table = Table(
        {
            "a": np.array([4.0, 6.0, 8.0, 10.0]),
            "w": np.array([3.0, 4.0, 5.0, 6.0]),
            "regime": np.array(
                ["enter=1; x", "enter=1; x", "enter=1; y", "enter=1; y"], dtype=object
            ),
        },
        {"a": "param", "w": "choice", "regime": "regime"},
        {"game": "g", "varied": ["a"]},
    )
    fig = plot_sweep(table, ["w"], None, game)
    try:
        text = _text(fig)
        assert "regimes (everywhere: enter=1)\nA: x\nB: y" in text
        assert fig.axes[0].get_ylabel() == "w\n(wholesale price)"
    finally:
        close(fig)


def test_region_map_of_a_condition_has_a_colour_per_value_and_lettered_regimes(game):
    xs, ys = np.linspace(0, 1, 4), np.linspace(0, 2, 3)
    regime = np.array([["r1"] * 4, ["r1", "r1", "r2", "r2"], ["r2"] * 4], dtype=object)
    values = (regime == "r2").astype(float)
    rmap = RegionMap(game, "a", "c", xs, ys, "[w > 1]", regime, values, Table({}))
    fig = plot_regions(rmap)
    try:
        text = _text(fig)
        assert "[w > 1] = 0 (50%)" in text and "[w > 1] = 1 (50%)" in text
        assert "A: r1" in text and "B: r2" in text
        assert fig.axes[0].get_ylabel() == "c (manufacturer's marginal cost)"
    finally:
        close(fig)
