"""Time the solver on every spec in specs/ (and the stdlib models): symbolic-first vs numeric.

Prints, per spec, the time of a solve with the default (symbolic-first) path, of a purely
numeric solve (`numeric_only=True`: every stage by grid search, bisection and refinement), their
ratio, and whether both agree.  Process start and parsing are excluded.  Run:

    python benchmarks/solve_bench.py [--stdlib] [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamedsl.language import load_game
from gamedsl.model.errors import GamedslError
from gamedsl.solver import solve


def best_time(fn, repeat: int) -> tuple[float, object]:
    """Return the best wall time of `repeat` runs and the last result (or the error)."""
    best, result = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            result = fn()
        except GamedslError as exc:
            result = exc
        best = min(best, time.perf_counter() - t)
    return best, result


def agree(a, b) -> bool:
    if isinstance(a, Exception) or isinstance(b, Exception):
        return type(a) is type(b)
    return all(abs(float(a.equilibrium[k]) - float(b.equilibrium[k])) <= 1e-4 * (1 + abs(float(a.equilibrium[k])))
               for k in a.equilibrium)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdlib", action="store_true", help="also the stdlib models")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-numeric", action="store_true", help="skip the numeric-only path")
    args = parser.parse_args()
    sources = sorted(str(p) for p in (ROOT / "specs").glob("*.game"))
    if args.stdlib:
        sources += [f"stdlib:{p.stem}" for p in sorted((ROOT / "stdlib").glob("*.game"))]
    print(f"{'spec':40s} {'symbolic s':>10s} {'numeric s':>10s} {'num/sym':>8s}  agree  methods")
    for src in sources:
        try:
            game = load_game(src)
        except GamedslError as exc:
            print(f"{pathlib.Path(src).name:40s} (does not load: {exc})")
            continue
        if game.is_module or not game.stages:
            continue
        t_sym, s_sym = best_time(lambda: solve(game), args.repeat)
        methods = "error" if isinstance(s_sym, Exception) else ",".join(s.method for s in s_sym.stages)
        if args.no_numeric:
            print(f"{pathlib.Path(src).name:40s} {t_sym:10.3f}  {methods}")
            continue
        t_num, s_num = best_time(lambda: solve(game, numeric_only=True), args.repeat)
        print(f"{pathlib.Path(src).name:40s} {t_sym:10.3f} {t_num:10.3f} {t_num / t_sym:8.2f}  "
              f"{'yes' if agree(s_sym, s_num) else 'NO ':5s}  {methods}")


if __name__ == "__main__":
    main()
