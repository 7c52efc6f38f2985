"""Scenario comparison: the deltas are differences of two independent solves."""

from __future__ import annotations

import json

import pytest

from gamedsl.analysis.compare import compare
from gamedsl.language import load_game
from gamedsl.solver import solve

from ._support import close, spec


def test_double_marginalisation_integrated():
    cmp = compare(spec("double_marginalisation"), ["integrated"], {"a": 12.0}, workers=1)
    base = solve(load_game(spec("double_marginalisation")), {"a": 12.0})
    merged = solve(load_game(spec("double_marginalisation"), scenario="integrated"), {"a": 12.0})
    for name in ("p", "w"):
        assert close(
            cmp.delta(name, "integrated"), merged.equilibrium[name] - base.equilibrium[name]
        )
    for name in ("quantity", "CS", "welfare"):
        assert close(cmp.delta(name, "integrated"), merged.reports[name] - base.reports[name])
    # the textbook: p falls from (3a + c)/4 to (a + c)/2
    assert close(cmp.row("p").values[0], (3 * 12 + 2) / 4)
    assert close(cmp.row("p").values[1], (12 + 2) / 2)
    # the merged player exists only in its scenario
    assert cmp.row("MR").values[0] is None and close(cmp.row("MR").values[1], (12 - 2) ** 2 / 4)
    assert cmp.row("MR").delta(1) is None


def test_all_scenarios_by_default_and_formats():
    cmp = compare(spec("double_marginalisation"), workers=1)
    assert cmp.labels == ("baseline", "integrated")
    doc = json.loads(cmp.to_json())
    assert doc["columns"] == ["baseline", "integrated"]
    p = next(r for r in doc["rows"] if r["name"] == "p")
    assert p["deltas"]["integrated"] == pytest.approx(-2.0)
    assert r"\begin{tabular}" in cmp.latex() and r"\Delta" in cmp.latex()
    assert "integrated" in cmp.text() and "-2" in cmp.text()
