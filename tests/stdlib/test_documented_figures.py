"""What stdlib/README.md reads off each finding's figure, computed by the figure's own documented
command (its PNG swapped for a CSV of the same table or cells), against the model cards.

The commands come from the docs through docs/make_figures.py, so a claim here is a claim about
the command a reader runs.  The cheap models run by default; the maps and sweeps that take
minutes (ai_supply_chain's 21 x 21 maps, the numeric fm_openness models) run with `-m slow`.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from gamedsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
slow = pytest.mark.slow


def _figures() -> dict[str, tuple[str, ...]]:
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_figures", module)
    spec.loader.exec_module(module)
    return {Path(f.image).stem: f.argv for f in module.figures()}


FIGURES = _figures()


def table_of(figure: str, tmp_path: Path) -> dict[str, np.ndarray]:
    """Return the columns of the documented figure's table (a sweep's rows, a map's cells),
    from its own command with the PNG replaced by a CSV."""
    argv = list(FIGURES[figure])
    out = tmp_path / f"{figure}.csv"
    k = next(i for i, w in enumerate(argv) if w.endswith(".png"))
    if argv[k - 1] == "--plot":
        del argv[k - 1 : k + 1]
        argv += ["-o", str(out)]
    else:
        argv[k] = str(out)
    assert main([*argv, "--quiet"]) == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {c: _column([r[c] for r in rows]) for c in rows[0]}


def _column(cells: list[str]) -> np.ndarray:
    try:
        return np.array([float(c) if c else np.nan for c in cells])
    except ValueError:
        return np.array(cells, dtype=object)


# --- openness_regulation (closed forms: every cell by hand from the card's §4) -------------------


def test_openness_regulation_f1(tmp_path):
    # no regulation: omega = max(.6 - alpha0, 0) where D adopts (alpha0 >= .3), D stays out below
    # (and G opens to max(.1 - alpha0, 0) for nobody)
    t = table_of("openness_regulation_f1", tmp_path)
    a0 = t["alpha0"]
    adopt = a0 >= 0.3 - 1e-9
    np.testing.assert_array_equal(t["adopt"], adopt.astype(float))
    want = np.where(adopt, np.maximum(0.6 - a0, 0), np.maximum(0.1 - a0, 0))
    np.testing.assert_allclose(t["omega"], want, atol=1e-7)


def test_openness_regulation_f2(tmp_path):
    # F = .1 (D always adopts): omega = clip(eps + .5 - alpha0, 0, 1) at every (alpha0, eps)
    t = table_of("openness_regulation_f2", tmp_path)
    want = np.clip(t["eps"] + 0.5 - t["alpha0"], 0, 1)
    np.testing.assert_allclose(t["omega"], want, atol=1e-7)
    assert (t["omega"] == 1).any() and (t["omega"] == 0).any()


def test_openness_regulation_f3(tmp_path):
    # alpha0 = 1: comply iff p >= L(theta) = .4 theta + theta^2/2 (theta > 0), the tie complying;
    # cells within a hundredth of the curve are left to the tie tests
    t = table_of("openness_regulation_f3", tmp_path)
    L = 0.4 * t["theta"] + t["theta"] ** 2 / 2
    away = np.abs(t["p"] - L) > 0.01
    entered = t["regime"] != "enter=0"
    want = (t["p"] >= L) | (t["theta"] == 0)
    np.testing.assert_array_equal(t["value"][away & entered], want[away & entered].astype(float))
    # withdrawal only where complying would not pay: U_G(theta) = .85 - .4 theta - theta^2/2 < 0
    assert (0.85 - 0.4 * t["theta"][~entered] - t["theta"][~entered] ** 2 / 2 < 0).all()


def test_openness_regulation_f4(tmp_path):
    # alpha0 = 1.5: pay and stay closed where 0 < p < min(L(theta), 1.15) (deadweight), withdraw
    # where p > 1.15 and complying does not pay
    t = table_of("openness_regulation_f4", tmp_path)
    th, p, regime = t["theta"], t["p"], t["regime"]
    L = 0.9 * th + th**2 / 2
    comply_value = 1.15 - 0.9 * th - th**2 / 2
    pay = (p > 0.01) & (p < np.minimum(L, 1.15) - 0.01)
    assert all("omega<theta" in r and "omega>=0 binds" in r for r in regime[pay])
    withdraw = (p > 1.16) & (comply_value < 0)
    assert withdraw.sum() > 100 and all(r == "enter=0" for r in regime[withdraw])


def test_openness_regulation_f5(tmp_path):
    # alpha0 = .2: both gain iff theta > .5 and p >= (theta - .4)^2/2 (cells near the edges aside)
    t = table_of("openness_regulation_f5", tmp_path)
    th, p = t["theta"], t["p"]
    edge = (th - 0.4) ** 2 / 2
    away = (np.abs(p - edge) > 0.005) & (np.abs(th - 0.5) > 0.015) & (np.abs(th - 1) > 0.015)
    want = (th > 0.5) & (p >= edge)
    np.testing.assert_array_equal(t["value"][away], want[away].astype(float))


def test_openness_regulation_f6(tmp_path):
    t = table_of("openness_regulation_f6", tmp_path)
    th = t["theta"]
    np.testing.assert_allclose(t["G"], 0.85 - 0.4 * th - th**2 / 2, atol=1e-7)
    np.testing.assert_allclose(t["D"], 0.275 + 0.25 * th, atol=1e-7)
    np.testing.assert_allclose(t["alpha1"], 1.5 + th, atol=1e-7)
    np.testing.assert_allclose(t["welfare"], 1.125 - 0.15 * th - th**2 / 2, atol=1e-7)


# --- ai_supply_chain -------------------------------------------------------------------------------


@slow
def test_ai_supply_chain_f1(tmp_path):
    # price policy: negative at low costs, positive from c + k ~ .895 on (cells near it aside),
    # except in the free fine-tuning corner (w = 0 binds, k just below N = .714): negative there
    t = table_of("ai_supply_chain_f1", tmp_path)
    ck = t["c"] + t["k"]
    fine_tuning = t["regime"] == "interior"
    free = t["regime"] == "w>=0 binds"
    assert (t["value"][fine_tuning & (ck < 0.87)] < 0).all()
    assert (t["value"][~free & (ck > 0.92)] > 0).all()
    assert (t["value"][free] < 0).all()
    assert t["value"][(t["c"] == 0) & (t["k"] == 0)][0] == pytest.approx(-0.0247, abs=1e-4)


@slow
def test_ai_supply_chain_f2(tmp_path):
    # at least one policy raises CS everywhere; both on 62 of 441 points
    t = table_of("ai_supply_chain_f2", tmp_path)
    assert len(t["value"]) == 441
    assert set(np.unique(t["value"])) == {1.0, 2.0}
    assert int(np.sum(t["value"] == 2)) == 62


@slow
def test_ai_supply_chain_f3(tmp_path):
    t = table_of("ai_supply_chain_f3", tmp_path)
    assert (t["value"] >= -1e-9).all()
    assert (t["value"][t["regime"] == "interior"] > 0).all()


@slow
def test_ai_supply_chain_f4_to_f6(tmp_path):
    # k = .1: subsidy win-win-win for c <= .923, price policy for c in [.795, .834]
    t = table_of("ai_supply_chain_f4", tmp_path)
    name = "[CS > CS@baseline and P > P@baseline and F1 > F1@baseline]"
    c, win = t["c"], t[name]
    subsidy = t["scenario"] == "subsidy"
    np.testing.assert_array_equal(win[subsidy], (c[subsidy] <= 0.923).astype(float))
    price = t["scenario"] == "price_policy"
    band = (c[price] >= 0.795) & (c[price] <= 0.834)
    np.testing.assert_array_equal(win[price], band.astype(float))
    # F5: the quality policy raises P's payoff and lowers each firm's along c
    t = table_of("ai_supply_chain_f5", tmp_path)
    assert (t["P - P@baseline"][t["c"] < 0.99] > 0).all()
    assert (t["F1 - F1@baseline"][t["c"] < 0.99] < 0).all()
    # F6: at c = 1 and c = 0 the card's changes of CS
    t = table_of("ai_supply_chain_f6", tmp_path)
    gain = t["CS - CS@baseline"]
    at = {(s, c): g for s, c, g in zip(t["scenario"], t["c"], gain)}
    assert at["price_policy", 1.0] == pytest.approx(0.0054, abs=1e-4)
    assert at["price_policy", 0.0] == pytest.approx(-0.0207, abs=1e-4)
    assert at["subsidy", 1.0] == pytest.approx(0.0, abs=1e-9)
    assert at["subsidy", 0.0] == pytest.approx(0.0530, abs=1e-4)


# --- fm_openness -------------------------------------------------------------------------------


@slow
def test_fm_openness_f1_to_f3(tmp_path):
    t = table_of("fm_openness_f1", tmp_path)
    omega, loss = t["omega_bar"], t["welfare - welfare@baseline"]
    trap = (omega >= 0.59) & (omega <= 0.66)
    assert (loss[trap] < 0).all() and (loss[~trap] >= -1e-9).all()
    t = table_of("fm_openness_f2", tmp_path)
    gain = dict(zip(t["omega_bar"], t["welfare - welfare@mandate"]))
    assert gain[0.0] == pytest.approx(0.300, abs=1e-3)
    assert gain[1.0] == pytest.approx(0.0, abs=1e-9)
    t = table_of("fm_openness_f3", tmp_path)
    omega, hurt = t["omega_bar"], t["L - L@mandate"] < -1e-9
    np.testing.assert_array_equal(hurt, (omega >= 0.34) & (omega <= 0.66))


# --- fm_openness_dynamic ----------------------------------------------------------------------------


@slow
def test_fm_openness_dynamic_f1_to_f4(tmp_path):
    t = table_of("fm_openness_dynamic_f1", tmp_path)
    o = dict(zip(np.round(t["phi"], 2), t["o"]))
    assert o[0.0] == 1 and o[1.5] == 1
    assert [round(o[p], 3) for p in (0.3, 0.6, 0.9, 1.2)] == [0.634, 0.742, 0.857, 0.993]
    t = table_of("fm_openness_dynamic_f2", tmp_path)
    phi, change = np.round(t["phi"], 2), t["welfare - welfare@baseline"]
    loss = (phi >= 0.8) & (phi <= 1.2)
    assert (change[loss] < 0).all() and (change[~loss] >= -1e-9).all()
    t = table_of("fm_openness_dynamic_f3", tmp_path)
    gain = dict(zip(np.round(t["phi"], 2), t["welfare - welfare@baseline"]))
    assert gain[0.0] == pytest.approx(-0.068, abs=1e-3)
    assert gain[0.6] == pytest.approx(0.543, abs=1e-3)
    assert all(g > 0 for p, g in gain.items() if p >= 0.2)
    t = table_of("fm_openness_dynamic_f4", tmp_path)
    np.testing.assert_allclose(t["p1 - p1@baseline"], 0.1, atol=1e-6)
    np.testing.assert_allclose(t["I - I@baseline"], 0.1, atol=1e-6)
    for c in ("welfare - welfare@baseline", "CS - CS@baseline", "o - o@baseline"):
        np.testing.assert_allclose(t[c], 0.0, atol=1e-6)
