"""The stdlib specs carry their model cards' full parameter domains and assumptions (issue 24):
values outside them are exit 2 naming the assumption, never a non-equilibrium printed as an
answer (ai_supply_chain at h = 0.5 printed a profile with a gain of 4.4e6)."""

from __future__ import annotations

import pytest

from gamedsl.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "spec, sets, assumption",
    [
        # the card's second-order condition h > 2(b+g) m_own^2 (2.10 at the defaults)
        ("ai_supply_chain", {"h": "0.5"}, "assume h > 2*(b + g)*m_own^2 fails at"),
        ("ai_supply_chain", {"h": "2"}, "assume h > 2*(b + g)*m_own^2 fails at"),
        # |rho| < 1 with the SOC holding: g = 0.5, lam = 0, theta = 0.5 give 2(b+g) m_own^2 =
        # 2(b+g)|m_own m_cross| = 0.0612, so h = 0.1 passes the SOC and fails |rho| < 1
        (
            "ai_supply_chain",
            {"g": "0.5", "lam": "0", "theta": "0.5", "h": "0.1"},
            "assume abs(2*(b + g)*m_own*m_cross) < h - 2*(b + g)*m_own^2 fails at",
        ),
        # the interior period-2 duopoly: 2a > gamma*(aE + beta)
        ("fm_openness_dynamic", {"beta": "3"}, "assume 2*a > gamma*(aE + beta) fails at"),
        ("fm_openness_dynamic", {"phi": "1.99", "a": "0.3"}, "assume 2*a > gamma*(aE + beta)"),
        ("fm_openness", {"k": "0.5"}, "assume k*(1 - g) > 8/(4 - gamma^2)^2 fails at"),
    ],
)
def test_values_outside_the_cards_assumptions_are_exit_2(capsys, spec, sets, assumption) -> None:
    argv = ["solve", f"stdlib:{spec}"]
    for name, value in sets.items():
        argv += ["--set", f"{name}={value}"]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert f"{spec}.game:" in err.splitlines()[0] and assumption in err.splitlines()[0]


@pytest.mark.parametrize(
    "spec, sets",
    [
        ("ai_supply_chain", {"h": "2.2"}),  # just inside the SOC at the defaults
        ("ai_supply_chain", {"g": "0.5", "lam": "0", "theta": "0.5", "h": "0.2"}),
        ("fm_openness_dynamic", {"beta": "1.5"}),  # 2 > 0.8*1.9
    ],
)
def test_values_inside_the_assumptions_are_solved(capsys, spec, sets) -> None:
    argv = ["solve", f"stdlib:{spec}", "--format", "json"]
    for name, value in sets.items():
        argv += ["--set", f"{name}={value}"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert '"ok": true' in out
