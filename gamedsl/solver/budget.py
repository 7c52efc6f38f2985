"""Time budgets for symbolic work: sympy can hang, so every symbolic step runs under one."""

from __future__ import annotations

import gc
import signal
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_STAGE_BUDGET = 15.0  # seconds of symbolic work per stage before falling back to numeric


class BudgetExceeded(Exception):
    """The symbolic step ran out of time."""


RETRY = 0.05  # seconds: an expiry raised where Python swallows it (a gc callback) comes again
TIMER, SIGNAL = signal.ITIMER_PROF, signal.SIGPROF  # CPU time (user + system) of the process


_WEAKREF_FILE = weakref.__file__


def _in_discarding_callback(frame) -> bool:
    """Return True when `frame` runs inside a garbage-collector callback or a weakref finaliser
    (where an exception would be discarded with a warning): the expiry then waits for the next
    RETRY tick."""
    codes = {getattr(cb, "__code__", None) for cb in gc.callbacks} - {None}
    while frame is not None:
        if frame.f_code in codes or frame.f_code.co_filename == _WEAKREF_FILE:
            return True
        frame = frame.f_back
    return False


class Clock:
    """What `time_budget` yields: `expired` once the budget has run out (a library that catches
    every exception may have turned the `BudgetExceeded` raised inside it into its own error:
    the caller then knows what it was)."""

    expired = False


@contextmanager
def time_budget(seconds: float | None) -> Iterator[Clock]:
    """Run the body and raise `BudgetExceeded` if it takes longer than `seconds`.

    The budget is CPU time of this process (an ITIMER_PROF interval timer, in the main thread):
    on a loaded machine the same work gets the same budget, so whether a step ends symbolic or
    numeric does not depend on what else runs.  Elsewhere (other threads) the body runs
    without interruption.  After the budget the timer repeats every RETRY seconds until the
    body is left: an exception raised inside a garbage-collector callback or a finaliser is
    discarded by Python, and would otherwise let the body run on past its budget.
    """
    clock = Clock()
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield clock
        return
    leaving = False

    def handler(signum, frame):
        if not leaving and not _in_discarding_callback(frame):
            clock.expired = True
            raise BudgetExceeded()

    previous = signal.signal(SIGNAL, handler)
    old_delay, old_interval = signal.getitimer(TIMER)
    signal.setitimer(TIMER, seconds, RETRY)
    try:
        yield clock
    finally:
        leaving = True
        signal.setitimer(TIMER, 0)
        signal.signal(SIGNAL, previous)
        if old_delay:
            signal.setitimer(TIMER, old_delay, old_interval)
