"""`--select all`: one subgame-perfect equilibrium per continuation equilibrium (DESIGN §1-2).

Expected values are derived by hand in the spec headers (specs/invest_coordination.game,
specs/coordination.game, specs/entry_deterrence.game) and in the comments below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gamedsl
from gamedsl.cli import main

SPECS = Path(__file__).resolve().parents[2] / "specs"
TOL = 1e-6


def _paths(solution) -> list[tuple[dict, dict, bool, str]]:
    return [(e.equilibrium, e.payoffs, e.selected, e.note or "") for e in solution.equilibria]


@pytest.mark.parametrize("r, s, c", [(1.5, 0.5, 1.0), (1.0, 0.8, 2.0), (0.6, 1.2, 0.5)])
def test_leader_reoptimises_against_each_continuation(r, s, c):
    # L maximises r*k - c*k^2/2 against (1, 1) and s*k - c*k^2/2 against (0, 0): k = r/c and
    # k = s/c (clipped to [0, 2]), payoffs r*k - c*k^2/2 and s*k - c*k^2/2 at those k.
    sol = gamedsl.load(str(SPECS / "invest_coordination.game")).solve(r=r, s=s, c=c, select="all")
    got = _paths(sol)
    assert len(got) == 2
    by_a = {eq["a"]: (eq, pay, sel) for eq, pay, sel, _ in got}
    for a, ret in ((1, r), (0, s)):
        k = min(ret / c, 2.0)
        eq, pay, sel = by_a[a]
        assert eq["b"] == a
        assert eq["k"] == pytest.approx(k, abs=TOL)
        assert pay["L"] == pytest.approx(ret * k - c * k * k / 2, abs=TOL)
        assert pay["A"] == pytest.approx(2 if a == 1 else 1, abs=TOL)
        # with r > s, (1, 1) is Pareto-dominant at every k; with s > r, L prefers (0, 0) and A, B
        # prefer (1, 1): no Pareto-dominance, and rule 2 (the leader's preference) carries (0, 0)
        assert sel == ((a == 1) == (r > s))
    # the selected equilibrium is also the solution's own
    a_sel = 1 if r > s else 0
    assert sol.equilibrium["a"] == a_sel
    assert sol.equilibrium["k"] == pytest.approx(min((r if a_sel else s) / c, 2), abs=TOL)


def test_default_selection_lists_only_the_stage_alternatives():
    # without --select all the earlier stage is not re-solved: the alternative keeps k = 1.5
    sol = gamedsl.load(str(SPECS / "invest_coordination.game")).solve()
    ks = sorted(e.equilibrium["k"] for e in sol.equilibria)
    assert ks == pytest.approx([1.5, 1.5])


def test_coordination_both_equilibria():
    # Stag hunt at h = 4, s = 3: (1, 1) pays 4 each and is selected, (0, 0) pays 3 each.
    sol = gamedsl.load(str(SPECS / "coordination.game")).solve(select="all")
    got = {(eq["a1"], eq["a2"]): (pay, sel) for eq, pay, sel, _ in _paths(sol)}
    assert set(got) == {(1, 1), (0, 0)}
    assert got[(1, 1)][1] and not got[(0, 0)][1]
    assert got[(0, 0)][0] == {"P1": 3, "P2": 3}


def test_a_continuation_without_a_best_reply_is_flagged_not_hidden():
    # Entry deterrence at the defaults: E is indifferent at q1 = 7.  If E enters whenever
    # indifferent, I's deterrence payoff 14 is approached (q1 > 7) but not attained, so that
    # continuation has no SPE: the accommodation play (q1 = 4.5, I gets 10.125) is listed but
    # marked not verified.
    sol = gamedsl.load(str(SPECS / "entry_deterrence.game")).solve(select="all")
    got = _paths(sol)
    assert len(got) == 2
    alt = next(p for p in got if not p[2])
    assert alt[0]["q1"] == pytest.approx(4.5, abs=TOL) and alt[0]["enter"] == 1
    assert "not verified" in alt[3]


def test_cli_json_lists_every_spe(capsys):
    assert (
        main(
            [
                "solve",
                str(SPECS / "invest_coordination.game"),
                "--select",
                "all",
                "--format",
                "json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert len(data["equilibria"]) == 2
    assert sorted(e["equilibrium"]["k"] for e in data["equilibria"]) == pytest.approx([0.5, 1.5])
    assert [e["selected"] for e in data["equilibria"]].count(True) == 1
