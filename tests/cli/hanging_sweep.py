"""Run `gamedsl` with sweep workers that hang while computing (for the interrupt tests).

`python -m tests.cli.hanging_sweep ARGS...` is `gamedsl ARGS...`, except that a work item of a
sweep, once in a worker process, writes a file named by the worker's pid into $GAMEDSL_MARKS and
sleeps for ten minutes: the test waits for the marks, sends a signal and checks that the program
stops within two seconds with its workers.
"""

from __future__ import annotations

import importlib
import os
import time

from gamedsl.cli import console

# the module itself, whatever the package may export under the same name
sweep = importlib.import_module("gamedsl.analysis.sweep")

PARENT = os.getpid()
_play_points, _solve_points = sweep._play_points, sweep._solve_points


def _hang() -> None:
    if os.getpid() != PARENT:
        with open(os.path.join(os.environ["GAMEDSL_MARKS"], str(os.getpid())), "w"):
            pass
        time.sleep(600)


def hanging_play(task):
    _hang()
    return _play_points(task)


def hanging_solve(task):
    _hang()
    return _solve_points(task)


if __name__ == "__main__":
    sweep._play_points, sweep._solve_points = hanging_play, hanging_solve
    console()
