"""Time a simultaneous stage with 3 players x 11 discrete options (1,331 profiles) and the
threshold spec (specs/threshold_penalty.game), symbolic path.  Prints the best of 5 runs each.

    python benchmarks/discrete_bench.py
"""

from __future__ import annotations

import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamedsl.language import check_text, load_game
from gamedsl.solver import solve

# Cournot with three firms choosing outputs in {0..10}: a finite game with a unique pure
# equilibrium (q = 2 each at a = 10, c = 2: (a - c)/4 = 2).
THREE_BY_ELEVEN = """
param a = 10
param c = 2
player F1
player F2
player F3
let P = a - (q1 + q2 + q3)
stage market:
  F1 chooses q1 in {0..10}
  F2 chooses q2 in {0..10}
  F3 chooses q3 in {0..10}
payoff F1 = (P - c)*q1
payoff F2 = (P - c)*q2
payoff F3 = (P - c)*q3
"""


def best_of(fn, runs: int = 5) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    game = check_text(THREE_BY_ELEVEN, "three_by_eleven.game")
    t, s = best_of(lambda: solve(game))
    print(f"3 players x 11 options (1,331 profiles): {t:.3f} s  equilibrium {dict(s.equilibrium)}")
    thr = load_game(str(ROOT / "specs" / "threshold_penalty.game"))
    t, s = best_of(lambda: solve(thr))
    print(f"threshold_penalty.game: {t:.3f} s  methods {[st.method for st in s.stages]}  "
          f"equilibrium {dict(s.equilibrium)}")
    t, s = best_of(lambda: solve(thr, symbolic=True), runs=2)
    print(f"threshold_penalty.game --symbolic: {t:.3f} s  strategies {dict(s.strategies)}")


if __name__ == "__main__":
    main()
