"""Extending a standard-library model without Python, and listing the standard library.

specs/openness_subsidy.game and specs/openness_audit.game extend stdlib:openness_regulation (a
new policy with a redeclared payoff; a new stage placed `after release`).  The expected values are
the hand derivations in those files' header comments, from the openness_regulation card's §4
(never from running the solver).
"""

from __future__ import annotations

import re
from pathlib import Path

from stdlib_helpers import EXACT_TOL, eq, pay, rep, solve_spec

import gamedsl

SPECS = Path(__file__).resolve().parents[2] / "specs"
SUBSIDY = SPECS / "openness_subsidy.game"
AUDIT = SPECS / "openness_audit.game"

STDLIB_TITLES = {
    "openness_regulation": "AI openness regulation (Qiu, Laufer, Kleinberg, Heidari 2025), reconstructed",
    "ai_supply_chain": "AI supply chain regulation (after Qian, Mehra, Liu), reconstructed",
    "fm_openness": "Foundation-model openness and the fine-tuning game",
    "fm_openness_dynamic": "Foundation-model openness with a data flywheel (two periods)",
}


def solve(path: Path, scenario: str | None = None, **values: float):
    """Return the engine's Solution of the spec at `path` (cached)."""
    return solve_spec(str(path), scenario, **values)


def close(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= EXACT_TOL


# --- specs/openness_subsidy.game ---------------------------------------------------------------------


def test_subsidy_spec_checks():
    game = gamedsl.load(str(SUBSIDY)).game
    assert game.title == "AI openness regulation with an openness subsidy"
    assert game.params["sigma"].policy
    assert [st.name for st in game.stages] == ["enter", "adopt", "release", "finetune"]
    assert {"subsidised", "no_regulation", "mandate"} <= set(game.scenarios)
    assert {"subsidy_outlay", "net_welfare", "welfare"} <= set(game.reports)


def test_subsidy_spec_without_subsidy_is_the_parent():
    # sigma = 0: the parent's defaults (card §6): omega = .5, U_G = .465, U_D = .1.
    s = solve(SUBSIDY)
    assert close(eq(s, "omega"), 0.5)
    assert close(pay(s, "G"), 0.465)
    assert close(pay(s, "D"), 0.10)
    assert close(rep(s, "subsidy_outlay"), 0.0)


def test_subsidy_cures_the_hold_up():
    # Header derivation, alpha0 = .2, p = 0, sigma = .2: omega = .6, D adopts, alpha1 = 1.3,
    # U_G = .55, U_D = .025, outlay .12, welfare .575, net welfare .455 (against .02 unregulated).
    s = solve(SUBSIDY, "subsidised", alpha0=0.2)
    assert eq(s, "adopt") == 1
    assert close(eq(s, "omega"), 0.6)
    assert close(eq(s, "alpha1"), 1.3)
    assert close(pay(s, "G"), 0.55)
    assert close(pay(s, "D"), 0.025)
    assert close(rep(s, "subsidy_outlay"), 0.12)
    assert close(rep(s, "welfare"), 0.575)
    assert close(rep(s, "net_welfare"), 0.455)
    unregulated = solve(SUBSIDY, "no_regulation", alpha0=0.2)
    assert eq(unregulated, "adopt") == 0
    assert close(pay(unregulated, "G"), 0.02)


def test_subsidy_at_the_defaults():
    # Header derivation, alpha0 = .4: omega = .4, U_G = .57, U_D = .075, outlay .08, net .565.
    s = solve(SUBSIDY, "subsidised")
    assert close(eq(s, "omega"), 0.4)
    assert close(pay(s, "G"), 0.57)
    assert close(pay(s, "D"), 0.075)
    assert close(rep(s, "subsidy_outlay"), 0.08)
    assert close(rep(s, "net_welfare"), 0.565)


def test_subsidy_cannot_open_a_high_performance_model():
    # Header derivation, alpha0 = 1: m_1 + sigma = -.2 < 0, closed, nothing paid; U_G = .85,
    # U_D = .275.
    s = solve(SUBSIDY, "subsidised", alpha0=1.0)
    assert close(eq(s, "omega"), 0.0)
    assert close(rep(s, "subsidy_outlay"), 0.0)
    assert close(pay(s, "G"), 0.85)
    assert close(pay(s, "D"), 0.275)


def test_subsidy_with_the_penalty_kept():
    # By hand: sigma = .2 with the default policy theta = .5, p = .1: omega_u = .4 < theta,
    # L = (.5 - .4)^2/2 = .005 <= p, so G complies at .5: U_G = .49 + .4*.5 - .125 = .565,
    # U_D = .1, outlay .1.
    s = solve(SUBSIDY, "subsidised", p=0.1)
    assert close(eq(s, "omega"), 0.5)
    assert close(pay(s, "G"), 0.565)
    assert close(pay(s, "D"), 0.10)
    assert close(rep(s, "subsidy_outlay"), 0.1)


# --- specs/openness_audit.game -------------------------------------------------------------------------


def test_audit_spec_checks_and_places_the_stage():
    game = gamedsl.load(str(AUDIT)).game
    assert game.title == "AI openness regulation with a post-release safety audit"
    assert [st.name for st in game.stages] == ["enter", "adopt", "release", "audit", "finetune"]
    assert game.choice("audit").player == "G"
    assert "liability" in game.scenarios


def test_audit_spec_without_liability_is_the_parent():
    # harm = 0: no audit, the parent's defaults: omega = .5, U_G = .465, U_D = .1.
    s = solve(AUDIT)
    assert close(eq(s, "audit"), 0.0)
    assert close(eq(s, "omega"), 0.5)
    assert close(pay(s, "G"), 0.465)
    assert close(pay(s, "D"), 0.10)


def test_liability_chills_openness():
    # Header derivation, harm = .2, zeta = 1, alpha0 = .1, F = .1, p = 0: omega = .3125,
    # audit = .0625, alpha1 = .9125, U_G = .356875, U_D = .153125, audit_spend = .001953125,
    # residual_harm = .05859375.  Without liability: omega = .5, U_G = .435, U_D = .2.
    s = solve(AUDIT, "liability", alpha0=0.1, F=0.1, p=0.0)
    assert eq(s, "adopt") == 1
    assert close(eq(s, "omega"), 0.3125)
    assert close(eq(s, "audit"), 0.0625)
    assert close(eq(s, "alpha1"), 0.9125)
    assert close(pay(s, "G"), 0.356875)
    assert close(pay(s, "D"), 0.153125)
    assert close(rep(s, "audit_spend"), 0.001953125)
    assert close(rep(s, "residual_harm"), 0.05859375)
    free = solve(AUDIT, alpha0=0.1, F=0.1, p=0.0)
    assert close(eq(free, "omega"), 0.5)
    assert close(pay(free, "G"), 0.435)
    assert close(pay(free, "D"), 0.2)


def test_liability_with_the_threshold():
    # Header derivation, as above with theta = .5, p = .1: L = .016875 <= p, G complies at .5 and
    # audits .1: U_G = .34, U_D = .2.
    s = solve(AUDIT, "liability", alpha0=0.1, F=0.1)
    assert close(eq(s, "omega"), 0.5)
    assert close(eq(s, "audit"), 0.1)
    assert close(pay(s, "G"), 0.34)
    assert close(pay(s, "D"), 0.2)
    assert close(rep(s, "penalty_paid"), 0.0)


# --- gamedsl list ---------------------------------------------------------------------------------------


def test_cli_list_prints_every_stdlib_model_with_its_title(capsys):
    from gamedsl.cli import main

    try:
        code = main(["list"])
    except SystemExit as exit_:  # a CLI may exit instead of returning its code
        code = exit_.code
    assert code in (0, None)
    out = capsys.readouterr().out
    for name, title in STDLIB_TITLES.items():
        # `fm_openness` must appear as a name of its own, not only inside `fm_openness_dynamic`.
        assert re.search(rf"\b{name}\b", out), name
        assert title in out, title
