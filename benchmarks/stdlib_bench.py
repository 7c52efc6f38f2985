"""Speed of the standard library (issue 6): one solve at the defaults, and the cost per point when
the plans (closed forms of the later stages, in the params) are built once and reused.

    python benchmarks/stdlib_bench.py [--points N] [--only NAME,...]

For each model: `solve` at the defaults (best of 2, in-process: process start and parsing
excluded; wall and CPU time: the CPU time varies less on a shared machine), then a sweep of N points over one policy param on the fast path, split into building
the plans once (compile: the plans with the params as symbols and, where a step is searched
numerically, the compiled plays of the closed-form steps it plays), the three per-point checks
against `solve`, and the evaluation of the N points (the figure per point is the evaluation
divided by N).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamedsl.analysis.sweep import sweep
from gamedsl.language import load_game
from gamedsl.solver import solve

# model -> (param swept, its range inside the card's domain)
SWEEPS = {
    "openness_regulation": ("theta", 0.05, 0.95),
    "ai_supply_chain": ("r", 0.05, 0.6),
    "fm_openness": ("r", 0.1, 0.5),
    "fm_openness_dynamic": ("phi", 0.2, 1.4),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=20)
    p.add_argument("--only", default=",".join(SWEEPS))
    args = p.parse_args()
    print(f"stdlib benchmarks ({os.cpu_count()} cores, python {sys.version.split()[0]})")
    print(f"{'model':<22} {'solve':>8} {'(cpu)':>7} {'compile':>9} {'check':>8} {'per point':>10}  path")
    for name in args.only.split(","):
        param, lo, hi = SWEEPS[name]
        game = load_game(f"stdlib:{name}")
        best = best_cpu = float("inf")
        for _ in range(2):
            t, c = time.perf_counter(), time.process_time()
            solve(game, {})
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
        game = load_game(f"stdlib:{name}")
        t = time.perf_counter()
        table = sweep(game, {param: np.linspace(lo, hi, args.points)}, workers=1)
        total = time.perf_counter() - t
        m = table.meta
        compile_s, check_s = m.get("compile_seconds", 0.0), m.get("check_seconds", 0.0)
        per = (total - compile_s - check_s) / len(table)
        print(
            f"{name:<22} {best:>7.2f}s {best_cpu:>6.2f}s {compile_s:>8.2f}s {check_s:>7.2f}s {per:>9.3f}s  "
            f"{m['path']} ({m.get('evaluation', 'solve')}), {args.points} points of {param}"
        )


if __name__ == "__main__":
    main()
