"""The compiled pieces of a closed-form game: cells of constant switch signs, one piece each.

The pieces must give what the step plans give when played at every point (the vectorised play
`solve` itself uses), including points on regime boundaries and ties, and the hand-derived closed
forms of the specs' headers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from gamedsl.analysis import sweep as sw
from gamedsl.analysis.sweep import sweep
from gamedsl.language import load_game
from gamedsl.solver import build_plans, solve
from gamedsl.solver.problem import build_problem

from ._support import close, spec


def _pieces(name: str):
    game = load_game(spec(name))
    plans = build_plans(build_problem(game, {}, symbolic=True))
    pieces = sw.pieces_of(plans)
    assert pieces is not None, f"{name}: no compiled pieces"
    return game, plans, pieces


def _params(game, vary: dict, fixed: dict | None = None) -> dict[str, np.ndarray]:
    points = sw.grid(vary)
    n = len(next(iter(points.values())))
    params = sw._param_arrays(game, points, fixed or {}, n)
    valid = np.nonzero(sw._valid_points(game, params, n))[0]
    return {k: sw._take(v, valid) for k, v in params.items()}  # as the sweep passes them


def _evaluate(plans, pieces, params, calls: list | None = None, bounds=None):
    def play(sub):
        if calls is not None:
            calls.append(len(next(iter(sub.values()))))
        return sw._play(plans, sub)

    return pieces.evaluate(params, play, bounds)


def _bounds(params, vary) -> dict:
    """The params' bounds as the sweep passes them (a varied one's from its axis)."""
    return sw._param_bounds(params, sw.axis_bounds(vary))


@pytest.mark.parametrize(
    ("name", "vary", "fixed"),
    [
        ("threshold_penalty", {"theta": np.linspace(0, 1, 21), "p": np.linspace(0, 0.3, 31)}, {}),
        ("cournot_tax", {"a": np.linspace(2, 14, 13), "tmin": np.linspace(-8, 0, 17)}, {}),
        ("cournot_capacity", {"a": np.linspace(2, 14, 13), "K": np.linspace(0.5, 4, 15)}, {}),
        ("entry_deterrence", {"F": np.linspace(0, 12, 25), "c": np.linspace(0, 4, 9)}, {}),
        ("ultimatum", {"alpha": np.concatenate([np.linspace(0, 2, 41), [1 / 8, 1 / 3]])}, {}),
        ("centipede", {"big": [0.5, 1.0, 4.0, 8.0], "g": [0.5, 1.0, 1.5, 2.0, 3.0]}, None),
        ("invest_coordination", {"r": np.linspace(0, 3, 13), "s": np.linspace(0, 3, 13)}, {}),
    ],
)
def test_pieces_give_what_the_plans_play_everywhere(name, vary, fixed):
    game, plans, pieces = _pieces(name)
    vary = {k: v for k, v in vary.items() if k in game.params}
    assert vary, name
    params = _params(game, vary, fixed)
    got = _evaluate(plans, pieces, params)
    _, want = sw._play(plans, params)
    for k, w in want.items():
        g = np.asarray(got[k], float)
        w = np.asarray(w, float)
        same = (np.abs(g - w) <= 1e-7 * (1 + np.abs(w))) | (np.isnan(g) & np.isnan(w))
        assert same.all(), (k, g[~same][:3], w[~same][:3])
    assert len(pieces.cells) >= 1
    # with the bounds of the grid (the whole grid, then a box around each point) the same
    bounded = _evaluate(plans, pieces, params, bounds=_bounds(params, vary))
    for k in got:
        np.testing.assert_array_equal(bounded[k], got[k], err_msg=k)
    for i in range(0, len(got["__ok__"]), 7):
        one = {k: v[i : i + 1] for k, v in params.items()}
        box = {k: (float(v[0]) - 1e-3, float(v[0]) + 1e-3) for k, v in one.items()}
        alone = _evaluate(plans, pieces, one, bounds=box)
        for k in got:
            np.testing.assert_array_equal(alone[k], got[k][i : i + 1], err_msg=(k, i))


def test_threshold_penalty_matches_the_hand_derivation_across_the_switching_curve():
    # header of specs/threshold_penalty.game: x0 = g/(2k); x = theta iff theta > x0 and
    # p >= k*(theta - x0)^2, else x = x0 (g = k = 1: x0 = 0.5)
    game, plans, pieces = _pieces("threshold_penalty")
    theta, p = np.linspace(0, 1, 41), np.linspace(0, 0.3, 61)
    params = _params(game, {"theta": theta, "p": p})
    got = _evaluate(plans, pieces, params)
    th, pp = params["theta"], params["p"]
    switch = (th - 0.5) ** 2
    want = np.where((th > 0.5) & (pp >= switch), th, 0.5)
    clear = np.abs(pp - switch) > 1e-9  # at equality the firm is indifferent (either value)
    np.testing.assert_allclose(got["x"][clear], want[clear], atol=1e-9)
    np.testing.assert_allclose(got["penalty_paid"][clear], np.where(want < th, pp, 0)[clear])
    # at the ties the pieces give what solve gives
    for i in np.nonzero(~clear)[0][:3]:
        s = solve(game, {"theta": float(th[i]), "p": float(pp[i])})
        assert close(got["x"][i], s.equilibrium["x"])


def test_ultimatum_offer_is_the_smallest_accepted_including_exact_ties():
    # header of specs/ultimatum.game: offer = ceil(10*alpha/(1 + 2*alpha)); at equality the
    # responder accepts (alpha = 1/8 gives exactly 1, alpha = 1/3 exactly 2)
    game, plans, pieces = _pieces("ultimatum")
    alpha = np.array([0, 0.05, 1 / 8, 0.2, 1 / 3, 0.5, 1.0, 2.5, 10.0])
    got = _evaluate(plans, pieces, _params(game, {"alpha": alpha}))
    want = [math.ceil(round(10 * a / (1 + 2 * a), 12)) for a in alpha]
    np.testing.assert_allclose(got["offer"], want)
    np.testing.assert_allclose(got["accept"], 1.0)


def test_cells_are_learnt_once_and_reused_on_the_next_grid():
    game, plans, pieces = _pieces("cournot_tax")
    calls: list[int] = []
    first = _params(game, {"a": np.linspace(2, 14, 7), "tmin": np.linspace(-8, 0, 9)})
    _evaluate(plans, pieces, first, calls)
    assert calls, "new cells are learnt by playing a few of their points"
    assert sum(calls) <= len(first["a"]) // 2  # a few points per cell, not every point
    learnt = len(pieces.cells)
    calls.clear()
    # a finer grid inside the same region: the same cells, nothing learnt; only points on the
    # boundary where the cap -(a - 1)/2 = tmin binds exactly are played
    inner = _params(game, {"a": np.linspace(3, 13, 40), "tmin": np.linspace(-7.9, -0.1, 40)})
    got = _evaluate(plans, pieces, inner, calls)
    assert len(pieces.cells) == learnt
    assert sum(calls) <= 0.01 * len(inner["a"]), calls
    # ... and the hand closed form: t = max(-(a - c)/2, tmin), q = (a - c - t)/(3b) (c=1, b=1)
    t = np.maximum(-(inner["a"] - 1) / 2, inner["tmin"])
    np.testing.assert_allclose(got["t"], t, atol=1e-9)
    np.testing.assert_allclose(got["q1"], (inner["a"] - 1 - t) / 3, atol=1e-9)


def test_sweep_says_how_it_evaluated_the_points():
    table = sweep(load_game(spec("cournot")), {"a": np.linspace(3, 15, 50)}, workers=1)
    assert table.meta["path"] == "fast" and table.meta["evaluation"] == "pieces"
    np.testing.assert_allclose(table.column("q1"), (table.column("a") - 1) / 3)
    slow = sweep(load_game(spec("cournot")), {"a": [3.0, 4.0]}, workers=1, fast=False)
    assert "evaluation" not in slow.meta


def test_switches_reduce_to_factors_and_those_of_constant_sign_select_nothing():
    # Cournot's ten switches are all (a - c)^k / b up to constants: b > 0 (domain) and a > c
    # (assume) fix their signs, so there is one cell; cournot_tax's cap binds where
    # -(a - c)/2 = tmin: a - c + 2*tmin is a cell factor
    _, _, pieces = _pieces("cournot")
    a, c = (pieces.game.params[n].symbol for n in ("a", "c"))
    assert [sympy.expand(e**2) for e in pieces.factors.exprs] == [sympy.expand((a - c) ** 2)]
    assert not pieces.factors.in_cells.any()
    _, _, tax = _pieces("cournot_tax")
    tmin = tax.game.params["tmin"].symbol
    cell = [e for e, inc in zip(tax.factors.exprs, tax.factors.in_cells) if inc]
    assert any(sympy.expand(e**2 - (a - c + 2 * tmin) ** 2) == 0 for e in cell), cell


def test_points_next_to_the_edge_of_a_constant_factor_are_still_played():
    # a - c > 0 selects nothing, but at a = c + tiny every switch is near zero (a tie between
    # producing nothing and producing (a - c)/(3b)): those points are played as solve plays them
    game, plans, pieces = _pieces("cournot")
    _evaluate(plans, pieces, _params(game, {"a": np.linspace(2, 10, 9)}))  # the cell learnt
    a = np.array([1 + 1e-9, 1 + 1e-5, 1.5, 4.0, 10.0])
    params = _params(game, {"a": a})
    calls: list[int] = []
    got = _evaluate(plans, pieces, params, calls)
    assert calls == [2]  # the two points next to a = c, and only those
    for i, ai in enumerate(a):
        s = solve(game, {"a": float(ai)})
        assert close(got["q1"][i], s.equilibrium["q1"]), (ai, got["q1"][i], s.equilibrium["q1"])
        assert close(got["F1"][i], s.payoffs["F1"])


def test_a_grid_whose_box_is_in_one_cell_away_from_switches_evaluates_only_the_piece():
    # Cournot over a in [2, 20], b in [0.5, 2] (c = 1): a - c in [1, 19] is far from zero, so the
    # enclosures alone place every point; the switches are never evaluated point by point
    game, plans, pieces = _pieces("cournot")
    vary = {"a": np.linspace(2, 20, 30), "b": np.linspace(0.5, 2, 20)}
    params = _params(game, vary)
    want = _evaluate(plans, pieces, params)

    def refuse(*args):
        raise AssertionError("the switches were evaluated point by point")

    pieces._switch_fn = refuse
    got = _evaluate(plans, pieces, params, bounds=_bounds(params, vary))
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)
    np.testing.assert_allclose(got["q1"], (params["a"] - 1) / (3 * params["b"]))
    # a box reaching a = c holds points where a switch may be near zero: evaluated as before
    near = _params(game, {"a": np.linspace(1.5, 20, 30)})
    with pytest.raises(AssertionError, match="point by point"):
        _evaluate(plans, pieces, near, bounds={**_bounds(near, {}), "a": (1.0, 20.0)})


def test_the_one_cell_of_a_box_is_the_cell_its_points_are_in():
    # cournot_tax's cell factors are k*(a - c) + tmin (k = 1/2, 1, 2, 3; c = 1): in each box
    # below none changes sign (all negative, two of each sign, all positive), so the box is one
    # cell: the key the enclosures give is the key the points' signs give
    game, _, pieces = _pieces("cournot_tax")
    seen = set()
    for vary in (
        {"a": np.linspace(2, 3, 3), "tmin": np.linspace(-8, -7, 3)},
        {"a": np.linspace(6, 8, 5), "tmin": np.linspace(-8, -7.5, 3)},
        {"a": np.linspace(10, 14, 5), "tmin": np.linspace(-2, 0, 3)},
    ):
        params = _params(game, vary)
        bounds = _bounds(params, vary)
        known = pieces._one_cell(pieces._box(bounds))
        assert known is not None, vary
        with np.errstate(all="ignore"):
            args = [np.asarray(params[n], float) for n in pieces.names]
            F, _, top = pieces._factor_values(args, len(args[0]))
            packed = pieces._cells_of(F, args, 1.0 + pieces._args_max(args) + top)
        keys = {packed[:, j].tobytes() for j in range(packed.shape[1])}
        assert keys == {known[2]}, vary
        seen.add(known[2])
    assert len(seen) == 3  # three different cells
    # a box across the line is not one cell
    across = _params(game, {"a": np.linspace(2, 14, 7), "tmin": np.linspace(-8, 0, 9)})
    assert pieces._one_cell(pieces._box(_bounds(across, {}))) is None


def test_the_table_keeps_its_own_copy_of_the_points():
    game = load_game(spec("cournot"))
    a = np.linspace(3, 15, 20)
    table = sw.sweep_points(game, {"a": a})
    a[:] = 0.0  # the caller's array changes afterwards: the table does not
    np.testing.assert_allclose(table.column("a"), np.linspace(3, 15, 20))
    np.testing.assert_allclose(table.column("q1"), (np.linspace(3, 15, 20) - 1) / 3)
    q = table.column("q1")
    q[:] = -1.0  # nor through a column it gave out
    np.testing.assert_allclose(table.column("q2"), (np.linspace(3, 15, 20) - 1) / 3)


DERIVED = """game "Monopoly with derived params"
param a = 10 > 0        "demand intercept"
param c = 1 >= 0        "marginal cost"
param m = 2*c >= 0      "a cost floor derived from c"
param h = a/2 > 0       "a transfer derived from a"
player F "firm"
stage market:
  F chooses q >= 0 "output"
payoff F = (a - q - m)*q + h
"""


def test_params_the_sweep_does_not_vary_are_passed_as_numbers(tmp_path):
    # c (a default) and m (a default of c only) do not vary: one value by stride 0, which the
    # compiled functions take as a number; h (a default of a) varies with a
    path = tmp_path / "derived.game"
    path.write_text(DERIVED)
    game = load_game(str(path))
    a = np.linspace(3, 9, 50)
    params = sw._param_arrays(game, {"a": a}, {}, len(a))
    assert [k for k, v in params.items() if sw.is_constant(v)] == ["c", "m"]
    np.testing.assert_allclose(params["h"], a / 2)
    assert float(params["m"][0]) == 2.0
    fixed = sw._param_arrays(game, {"a": a}, {"c": 0.5}, len(a))
    assert sw.is_constant(fixed["c"]) and float(fixed["m"][-1]) == 1.0
    plans = build_plans(build_problem(game, {}, symbolic=True))
    pieces = sw.pieces_of(plans)
    got = _evaluate(plans, pieces, params)
    written_out = {k: np.array(v) for k, v in params.items()}
    assert not any(sw.is_constant(v) for v in written_out.values())
    dense = _evaluate(plans, pieces, written_out)
    for k in dense:
        np.testing.assert_array_equal(np.asarray(got[k]), np.asarray(dense[k]), err_msg=k)
    np.testing.assert_allclose(got["q"], (a - 2) / 2)  # q = (a - m)/2, hand derivation
    np.testing.assert_allclose(got["F"], (a - 2) ** 2 / 4 + a / 2)
    # the table's param columns are plain arrays of their own, writable
    table = sw.sweep_points(game, {"a": a})
    assert table.meta["evaluation"] == "pieces"
    col = table.column("m")
    assert col.strides == (8,) and col.flags.writeable
    np.testing.assert_allclose(col, 2.0)
    np.testing.assert_allclose(table.column("q"), (a - 2) / 2)


def test_constant_params_stay_constant_when_invalid_points_are_dropped():
    # a > c is assumed: the points with a <= c are invalid; the valid ones keep c by stride 0
    game = load_game(spec("cournot"))
    a = np.linspace(0.5, 4, 36)
    table = sw.sweep_points(game, {"a": a})
    valid = a > 1
    assert table.meta["path"] == "fast" and (~valid).any()
    np.testing.assert_allclose(table.column("q1")[valid], (a[valid] - 1) / 3)
    assert np.isnan(table.column("q1")[~valid]).all()
    idx = np.nonzero(valid)[0]
    params = sw._param_arrays(game, {"a": a}, {}, len(a))
    taken = sw._take(params["c"], idx)
    assert sw.is_constant(taken) and len(taken) == len(idx)
