"""The symbolic time budget (solver/budget.py)."""

from __future__ import annotations

import time

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


def test_no_expiry_is_raised_inside_a_gc_callback():
    # a gc callback that runs past the budget: raising there would be discarded (with pytest's
    # unraisable-exception warning); the expiry must come in the body instead
    import gc

    state = {"slow": True, "raised_inside": False}

    def callback(phase, info):
        if state["slow"] and phase == "start":
            state["slow"] = False
            end = time.monotonic() + 0.3
            try:
                while time.monotonic() < end:
                    pass
            except BudgetExceeded:
                state["raised_inside"] = True

    start = time.monotonic()
    gc.callbacks.append(callback)
    try:
        with pytest.raises(BudgetExceeded), time_budget(0.1):
            gc.collect()
            while time.monotonic() - start < 5:
                pass
    finally:
        gc.callbacks.remove(callback)
    assert not state["raised_inside"]
    assert time.monotonic() - start < 1.0


def test_no_expiry_is_raised_inside_a_weakref_finaliser():
    # the same for a weakref.finalize callback (sympy's caches run them): the expiry waits
    import weakref

    class Thing:
        pass

    state = {"raised_inside": False}

    def finaliser():
        end = time.monotonic() + 0.3
        try:
            while time.monotonic() < end:
                pass
        except BudgetExceeded:
            state["raised_inside"] = True

    start = time.monotonic()
    with pytest.raises(BudgetExceeded), time_budget(0.1):
        thing = Thing()
        weakref.finalize(thing, finaliser)
        del thing  # the finaliser runs here, past the budget
        while time.monotonic() - start < 5:
            pass
    assert not state["raised_inside"]
    assert time.monotonic() - start < 1.0
