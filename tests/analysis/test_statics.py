"""Comparative statics: closed-form derivatives equal finite differences of the solver."""

from __future__ import annotations

import pytest

from gamedsl.analysis.statics import statics
from gamedsl.language import load_game
from gamedsl.solver import solve

from ._support import spec

FD_STEP = 1e-3
FD_TOL = 1e-6  # the quantities below are linear or quadratic: central differences are exact-ish


def _difference(game, values, quantity, wrt):
    """Return a central difference of `solve` (independent of the statics module)."""

    def at(x):
        s = solve(game, {**values, wrt: x})
        return {**s.equilibrium, **s.payoffs, **s.reports}[quantity]

    x = values[wrt]
    return (at(x + FD_STEP) - at(x - FD_STEP)) / (2 * FD_STEP)


def test_cournot_dq_da_is_one_over_3b():
    game = load_game(spec("cournot"))
    values = {"a": 10.0, "b": 2.0, "c": 1.0}
    st = statics(game, ["a", "c"], values, workers=1)
    d = st.of("q1", "a")
    assert d.method == "symbolic"
    assert d.expression == "1/(3*b)"
    assert d.value == pytest.approx(1 / 6, abs=1e-12)
    assert d.sign == "+" and d.sign_everywhere == "positive"
    assert d.value == pytest.approx(_difference(game, values, "q1", "a"), abs=FD_TOL)
    # the welfare derivative's sign needs `assume a > c`: 8(a - c)/(9b) > 0
    w = st.of("welfare", "a")
    assert w.sign_everywhere == "positive"
    assert w.value == pytest.approx(8 * 9 / 18, abs=1e-9)
    assert st.of("q1", "c").sign_everywhere == "negative"
    assert st.of("price", "c").value == pytest.approx(2 / 3)
    assert not st.warnings


def test_stackelberg_subsidy_composes_the_follower_strategy():
    # qF = (a - c + s - b qL)/(2b) with qL = (a - c + s)/(2b): dqF/ds = 1/(4b)
    game = load_game(spec("stackelberg"))
    st = statics(game, "s", {"b": 1.0}, workers=1)
    d = st.of("qF")
    assert d.method == "symbolic" and d.expression == "1/(4*b)"
    assert d.value == pytest.approx(
        _difference(game, {"a": 10, "b": 1.0, "c": 2, "s": 0.5}, "qF", "s")
    )


def test_numeric_derivatives_when_asked():
    game = load_game(spec("cournot"))
    st = statics(game, "a", {}, symbolic=False, workers=1)
    d = st.of("q1")
    assert d.method == "numeric" and d.expression is None
    assert d.value == pytest.approx(1 / 3, abs=1e-6)


def test_json_shape():
    import json

    st = statics(spec("cournot"), "a", {}, workers=1)
    doc = json.loads(st.to_json())
    assert doc["parameters"] == {"a": 10.0, "b": 1.0, "c": 1.0}
    row = next(r for r in doc["wrt"]["a"] if r["quantity"] == "q2")
    assert row["derivative"] == "1/(3*b)" and row["sign"] == "+"
