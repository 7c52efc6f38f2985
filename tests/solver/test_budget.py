"""The symbolic time budget (solver/budget.py)."""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from gamedsl.solver.budget import BudgetExceeded, time_budget


def test_budget_interrupts_a_long_body():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded), time_budget(0.1):
        while time.monotonic() - start < 5:
            pass
    assert time.monotonic() - start < 1.0


def test_an_expiry_swallowed_once_comes_again():
    # Python discards an exception raised inside a gc callback or finaliser; the body must still
    # end soon after its budget.
    start = time.monotonic()
    swallowed = 0
    with pytest.raises(BudgetExceeded), time_budget(0.1):
        while time.monotonic() - start < 5:
            try:
                while time.monotonic() - start < 5:
                    pass
            except BudgetExceeded:
                if swallowed:
                    raise
                swallowed += 1
    assert swallowed == 1
    assert time.monotonic() - start < 1.0


def test_no_alarm_after_the_body():
    with time_budget(0.05):
        pass
    time.sleep(0.15)  # a stray alarm would raise here


def _busy_past_the_budget(state: dict) -> None:
    """Run 0.3 s (past a 0.1 s budget) inside a callback; note whether the expiry came here."""
    state["ran"] = True
    end = time.monotonic() + 0.3
    try:
        while time.monotonic() < end:
            pass
    except BudgetExceeded:
        state["raised_inside"] = True


def _in_a_gc_callback(state: dict) -> None:
    def callback(phase, info):
        if phase == "start" and not state.get("ran"):
            _busy_past_the_budget(state)

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)


def _in_a_weakref_finaliser(state: dict) -> None:
    class Thing:
        pass

    thing = Thing()
    weakref.finalize(thing, _busy_past_the_budget, state)
    del thing  # the finaliser runs here (sympy's caches run such finalisers)


@pytest.mark.parametrize(
    "trigger",
    [_in_a_gc_callback, _in_a_weakref_finaliser],
    ids=["gc-callback", "weakref-finaliser"],
)
def test_no_expiry_is_raised_inside_a_callback_python_discards(trigger):
    # raising inside a gc callback or a finaliser would be discarded (with pytest's
    # unraisable-exception warning); the expiry must come in the body instead
    state = {"ran": False, "raised_inside": False}
    start = time.monotonic()
    with pytest.raises(BudgetExceeded), time_budget(0.1):
        trigger(state)
        while time.monotonic() - start < 5:
            pass
    assert state == {"ran": True, "raised_inside": False}
    assert time.monotonic() - start < 1.0


def test_an_expiry_a_library_turned_into_its_own_error_is_known_as_one(monkeypatch):
    # numpy's polynomial helpers catch every exception and raise ValueError: the clock still
    # tells that the budget ran out, and a step plan treats the error as the expiry it was
    start = time.monotonic()
    with pytest.raises(ValueError), time_budget(0.1) as clock:
        try:
            while time.monotonic() - start < 5:
                pass
        except Exception as exc:
            raise ValueError("no common type") from exc
    assert clock.expired
    with time_budget(10) as clock:
        pass
    assert not clock.expired

    from gamedsl.language import load_game
    from gamedsl.solver import build_plans
    from gamedsl.solver import plan as plan_module
    from gamedsl.solver.problem import build_problem

    def converted(self):
        start = time.monotonic()
        try:
            while time.monotonic() - start < 5:
                pass
        except Exception as exc:
            raise ValueError("converted") from exc

    monkeypatch.setattr(plan_module.StepPlan, "_build_symbolic", converted)
    game = load_game("stdlib:openness_regulation")
    plans = build_plans(build_problem(game, {}), budget=0.1)
    assert all(p.method == "numeric" and p.failure == "BudgetExceeded" for p in plans)
