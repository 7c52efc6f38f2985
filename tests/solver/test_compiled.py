"""The compiled play of a closed-form step (cells of its switches, closed forms per cell) plays
every history as the exact play does: same choices, same equilibrium flags, same branch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gamedsl.language import load_game
from gamedsl.solver import build_plans, solve
from gamedsl.solver import plan as plan_module
from gamedsl.solver.compiled import CompiledPlay
from gamedsl.solver.problem import build_problem

SPECS = Path(__file__).resolve().parents[2] / "specs"
# each has at least one step in closed form after an earlier choice (a compilable step)
NAMES = [
    "stackelberg",
    "entry_deterrence",
    "cournot_tax",
    "two_part_tariff",
    "rd_cournot",
    "delegation",
    "vertical_quality",
    "invest_coordination",
    "openness_subsidy",
    "stackelberg_two_followers",
    "double_marginalisation",
    "cost_reduction",
    "ultimatum",
    "principal_agent",
]


def _histories(plan, n: int) -> dict:
    """Random histories from the domains, and a fine line through them (cells repeat there)."""
    env = plan._sample_histories(n)
    line = {s: np.repeat(a[:1], n) for s, a in env.items()}
    cont = [s for s in plan.history if not plan._discrete_symbol(s)]
    if cont:
        s = cont[0]
        lo, hi = float(np.min(env[s])), float(np.max(env[s]))
        line[s] = np.linspace(lo, hi, n)
    return {s: np.concatenate([env[s], line[s]]) for s in env}


@pytest.mark.parametrize("name", NAMES)
def test_compiled_play_equals_the_exact_play(name):
    game = load_game(str(SPECS / f"{name}.game"))
    plans = build_plans(build_problem(game, {}, symbolic=False))
    compiled = 0
    for p in plans:
        if not p._compilable():
            continue
        play = CompiledPlay(p)
        env = _histories(p, 120)
        n = len(next(iter(env.values()))) if env else 1
        want = p._play_raw(env, n)
        for _ in range(2):  # the first play learns the cells, the second uses them
            got = play.play(env, n)
            assert got is not None
            np.testing.assert_array_equal(got.ok, want.ok)
            np.testing.assert_array_equal(got.branch[want.ok], want.branch[want.ok])
            for s, a in want.values.items():
                np.testing.assert_allclose(
                    got.values[s][want.ok],
                    a[want.ok],
                    rtol=1e-7,
                    atol=1e-9,
                    err_msg=f"{p.step.name}: {s}",
                )
        assert any(c is not None for c in play.cells[False].values()), "no cell was learnt"
        compiled += 1
    assert compiled, "no step of the spec was compiled"


def test_numeric_first_step_is_solved_the_same_with_and_without_compiled_plays(monkeypatch):
    # cost_reduction: the R&D stage has no closed form (searched numerically: a grid, bisection
    # at regime changes, refinement) over a Cournot stage in closed form, which is compiled
    # (here at once; solve compiles a step once its exact plays have cost COMPILE_AFTER seconds)
    game = load_game(str(SPECS / "cost_reduction.game"))
    points = [{}, {"a": 14}, {"c": 3.5}]
    calls = []
    play = CompiledPlay.play

    def counted(self, env, n):
        calls.append(n)
        return play(self, env, n)

    monkeypatch.setattr(CompiledPlay, "play", counted)
    monkeypatch.setattr(plan_module, "COMPILE_AFTER", 0.0)  # compiled at once (a cheap stage)
    fast = [solve(game, v) for v in points]
    assert len(calls) >= 3 * 10, "the Cournot stage was not played compiled"
    monkeypatch.setattr(plan_module.StepPlan, "_compilable", lambda self: False)
    slow = [solve(game, v) for v in points]
    for f, s in zip(fast, slow):
        assert f.verification.ok and s.verification.ok
        for k, v in s.equilibrium.items():
            assert float(f.equilibrium[k]) == pytest.approx(float(v), rel=1e-7, abs=1e-9), k


def test_one_solve_compiles_one_step_per_chain_and_a_sweep_all_of_them():
    # entry_deterrence: steps 1 and 2 play in closed form.  Played often, step 1 is compiled;
    # step 2 then sees only step 1's exact plays (new cells, ties): one solve seldom plays it
    # enough to pay for compiling it too.  A sweep plays thousands of such histories and
    # compiles every step at once (`compile_now`): the play through both compiled plays is the
    # exact play
    game = load_game(str(SPECS / "entry_deterrence.game"))
    plans = build_plans(build_problem(game, {}))
    first, later = plans[1], plans[2]
    assert first._compilable() and later._compilable()
    later._raw_seconds = first._raw_seconds = plan_module.COMPILE_AFTER
    assert later._compiled_play() is None  # the earlier step first
    assert first._compiled_play() is not None
    assert later._compiled_play() is None  # one per chain
    play = later.compile_now()
    assert play is not None and later._compiled is play
    assert later.compile_now() is None  # compiled once
    env = _histories(first, 64)
    n = len(next(iter(env.values())))
    want = first._play_raw(env, n)
    got = first.play(env, n)
    assert np.array_equal(got.ok, want.ok)
    for s, a in want.values.items():
        np.testing.assert_allclose(got.values[s][want.ok], a[want.ok], rtol=1e-7, atol=1e-9)


def test_while_the_plans_are_built_a_step_is_compiled_once_its_own_work_costs_its_price(
    monkeypatch,
):
    # two_part_tariff: the offer stage's plan prunes its branches, which plays the later stages
    # at hundreds of sampled histories.  A step is compiled during the build once its own exact
    # work (not the later steps' plays inside it) has cost its expected compile time: free
    # compiling compiles the later steps there, unaffordable compiling none; the equilibrium is
    # the same either way (and the textbook one: p = c = 2, T = 32, x = 8)
    game = load_game(str(SPECS / "two_part_tariff.game"))
    monkeypatch.setattr(plan_module, "COMPILE_BASE", float("inf"))
    plans = build_plans(build_problem(game, {}))
    assert not any(p._compiled for p in plans)
    # steps: T, p (the offer stage), accept, x.  The decide and buy stages were played in the
    # price step's prune; that prune does not count towards compiling the price step itself.
    # (Rows, not seconds, for the first: CPU time may be counted in clock ticks, 4 ms here, so
    # a few short plays can measure 0.)
    assert plans[2]._raw_rows > 0 and plans[3]._raw_rows > 0
    assert plans[1]._raw_rows > 0 and plans[1]._own_seconds == 0
    slow = solve(game, {})
    monkeypatch.setattr(plan_module, "COMPILE_BASE", 0.0)
    monkeypatch.setattr(plan_module, "COMPILE_PER_NODE", 0.0)
    plans = build_plans(build_problem(game, {}))
    built = [p.step.index for p in plans if p._compiled]
    assert built == [2, 3]
    # a compiled play given up on the build's random histories starts afresh once all are built
    later = plans[3]
    later.compile_ok = False
    later._compiled.worthwhile = False
    assert later._compiled_play() is None and later._given_up is not None
    later.built()
    assert later._compiled_play() is not None and later._given_up is None
    fast = solve(game, {})
    for name, want in (("p", 2.0), ("T", 32.0), ("x", 8.0), ("accept", 1)):
        assert fast.equilibrium[name] == pytest.approx(want, abs=1e-7)
        assert fast.equilibrium[name] == pytest.approx(slow.equilibrium[name], abs=1e-9)
    assert fast.verification.ok and slow.verification.ok


class _Plan:
    """Just what `CompiledPlay._account` reads of its plan."""

    def __init__(self, raw_rows: int, raw_seconds: float) -> None:
        self._raw_rows = raw_rows
        self._raw_seconds = raw_seconds


def _accounting(raw_rows: int, raw_seconds: float) -> CompiledPlay:
    play = object.__new__(CompiledPlay)
    play.plan = _Plan(raw_rows, raw_seconds)
    play.rows = play.served = play.exact_rows = 0
    play.overhead = play.exact_seconds = 0.0
    play.worthwhile = True
    return play


def test_a_compiled_play_is_given_up_only_when_it_costs_more_than_it_saves():
    from gamedsl.solver.compiled import GIVE_UP_ROWS

    # mostly exact plays, but the exact play is dear (1 ms a history) and the cells served 400
    # histories for 0.1 s of work: kept
    dear = _accounting(raw_rows=1000, raw_seconds=1.0)
    dear._account(GIVE_UP_ROWS, 400, seconds=0.1, exact_seconds=0.0)
    assert dear.worthwhile
    # the same share, the exact play cheap (1 us a history): the cells' work cost more: given up
    cheap = _accounting(raw_rows=1000, raw_seconds=0.001)
    cheap._account(GIVE_UP_ROWS, 400, seconds=0.1, exact_seconds=0.0)
    assert not cheap.worthwhile
    # most histories served by cells: kept, however cheap the exact play
    served = _accounting(raw_rows=1000, raw_seconds=0.001)
    served._account(GIVE_UP_ROWS, GIVE_UP_ROWS - 10, seconds=0.1, exact_seconds=0.0)
    assert served.worthwhile
    # the window: nothing is decided before GIVE_UP_ROWS histories
    early = _accounting(raw_rows=1000, raw_seconds=0.001)
    early._account(GIVE_UP_ROWS - 1, 0, seconds=1.0, exact_seconds=0.0)
    assert early.worthwhile
    early._account(1, 0, seconds=0.0, exact_seconds=0.0)
    assert not early.worthwhile
