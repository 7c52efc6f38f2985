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


@pytest.mark.parametrize("trigger", [_in_a_gc_callback, _in_a_weakref_finaliser],
                         ids=["gc-callback", "weakref-finaliser"])
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
