"""The one LaTeX namer: every LaTeX output names a param, choice, payoff and report alike."""

from __future__ import annotations

import pytest

from gamedsl.analysis.compare import compare
from gamedsl.language import load_game
from gamedsl.report.latex import GREEK, label, latex_name, latex_number, payoff_name
from gamedsl.report.solution import to_latex
from gamedsl.solver import solve
from tests.analysis._support import spec


@pytest.mark.parametrize(
    ("name", "latex"),
    [
        ("zeta", r"\zeta"),
        ("zeta2", r"\zeta_{2}"),
        ("zeta_max", r"\zeta_{max}"),
        ("eta", r"\eta"),
        ("theta", r"\theta"),
        ("alpha0", r"\alpha_{0}"),
        ("omega_bar", r"\omega_{bar}"),
        ("q_L_1", r"q_{L\_1}"),
        ("c2", r"c_{2}"),
        ("q", "q"),
        ("qL", r"\mathit{qL}"),
        ("cost12", r"\mathit{cost}_{12}"),
        ("in_market", r"\mathit{in}_{market}"),
    ],
)
def test_latex_name(name, latex):
    assert latex_name(name) == latex


def test_every_greek_letter_is_named():
    for letter in (
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "phi",
        "chi",
        "psi",
        "omega",
    ):
        assert letter in GREEK and latex_name(letter) == "\\" + letter


def test_labels_and_numbers():
    assert payoff_name("L") == r"\pi_{\mathrm{L}}"
    assert label("net_welfare") == r"\mathrm{net\_welfare}"
    assert latex_number(1.5e-7) == r"$1.5 \times 10^{-7}$" and latex_number(0.25) == "0.25"


def test_solve_and_compare_name_alike():
    game = load_game(spec("double_marginalisation"))
    solved = to_latex(solve(game, {}), game)
    table = compare(spec("double_marginalisation"), workers=1).latex()
    for name in ("p", "w"):
        assert f"{latex_name(name)}^* &=" in solved and f"${latex_name(name)}$ &" in table
    for player in ("M", "R"):
        assert f"{payoff_name(player)} &=" in solved and f"${payoff_name(player)}$ &" in table
    assert f"{label('welfare')} &=" in solved and f"${label('welfare')}$ &" in table
