"""Timing whole processes for the benchmarks: wall, CPU and peak memory of one child, measured by
the operating system (`os.wait4`), commands run in turns so that a machine's drift hits all.

Used by startup_bench.py and output_bench.py; a figure is the median of the runs, a ratio the
median of the ratios taken pair by pair (A and B run one after the other).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PYTHON = sys.executable


@dataclass(frozen=True)
class Run:
    """One finished process: wall and CPU seconds, peak resident memory in MiB, exit code."""

    wall: float
    cpu: float
    peak_mib: float
    code: int


def run(argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: str | None = None) -> Run:
    """Return the figures of one run of `argv` (its output thrown away)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        cwd=cwd,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def gamedsl(*args: str) -> list[str]:
    """Return the argv of the installed `gamedsl` command (the console script's own start-up)."""
    script = os.path.join(os.path.dirname(PYTHON), "gamedsl")
    return [script, *args] if os.path.exists(script) else [PYTHON, "-m", "gamedsl.cli", *args]


def in_turns(commands: Mapping[str, Sequence[str]], repeats: int, **kw) -> dict[str, list[Run]]:
    """Run every command once per round, `repeats` rounds (after one warm-up round)."""
    for argv in commands.values():
        run(argv, **kw)
    out: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            out[name].append(run(argv, **kw))
    return out


def median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


def ratio(a: list[Run], b: list[Run], field: str = "wall") -> float:
    """Return the median of the pairwise ratios a/b (run k of a against run k of b)."""
    return statistics.median(getattr(x, field) / getattr(y, field) for x, y in zip(a, b))


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
