"""Time `gamedsl check` on a generated large spec: 2,000 stages and 50,000 lets.

Run: python benchmarks/check_bench.py [--stages N] [--lets N] [--repeat K]

The lets are what large generated models look like: most are intermediate quantities, a chain of
them feeds the stage bounds and the payoff, and many are never used (the checker only inlines what
is used).  Prints the size of the file, the time to parse, the time to check (parse included) and
the best of the repeats, as wall-clock and CPU time (CPU time is steadier on a shared machine).
Target: under 5 s on a developer machine.
"""

from __future__ import annotations

import argparse
import sys
import time


def generate(stages: int = 2000, lets: int = 50000) -> str:
    """Return the text of a valid game with `stages` stages and `lets` lets."""
    lines = [
        'game "generated benchmark"',
        'param a = 1 > 0  "scale"',
        "param b = 2 in [0, 10]",
        "player P",
        "player Q",
    ]
    for i in range(lets):
        if i % 10 == 0:
            lines.append(f"let v{i} = a*{i % 7 + 1} + b/2")
        else:
            lines.append(f"let v{i} = v{i - 1} + a*{i % 5}")
    for i in range(stages):
        who = "P" if i % 2 == 0 else "Q"
        lines.append(f"stage s{i}:")
        lines.append(f'  {who} chooses x{i} >= 0, <= v{(i * 25) % lets}  "quantity {i}"')
    terms = " + ".join(f"x{i}" for i in range(0, stages, 2))
    lines.append(f"payoff P = {terms} - (x0 - a)^2")
    terms = " + ".join(f"x{i}" for i in range(1, stages, 2))
    lines.append(f"payoff Q = {terms} - b*x1^2")
    lines.append("report total = payoff(P) + payoff(Q)")
    return "\n".join(lines) + "\n"


REFERENCE_SECONDS = 0.45  # the reference loop on a 2023 laptop (CPython 3.11)


def reference_loop() -> float:
    """Return the CPU time of a fixed pure-Python loop, to compare machines."""
    start = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stages", type=int, default=2000)
    p.add_argument("--lets", type=int, default=50000)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args(argv)

    from gamedsl.language import check_text, parse

    text = generate(args.stages, args.lets)
    parse('game "warm-up"\n', "warm.game")  # build the LALR tables once
    best_wall = best_cpu = float("inf")
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        parse(text, "bench.game")
        w1, c1 = time.perf_counter(), time.process_time()
        game = check_text(text, "bench.game")
        w2, c2 = time.perf_counter(), time.process_time()
        best_wall, best_cpu = min(best_wall, w2 - w1), min(best_cpu, c2 - c1)
        print(
            f"parse {w1 - w0:.2f} s ({c1 - c0:.2f} s CPU), "
            f"check (parse included) {w2 - w1:.2f} s ({c2 - c1:.2f} s CPU)"
        )
    print(
        f"{len(text) / 1e6:.1f} MB, {len(game.stages)} stages, {len(game.lets)} lets: "
        f"check takes {best_wall:.2f} s ({best_cpu:.2f} s of CPU time; target < 5 s)"
    )
    reference = reference_loop()
    print(
        f"machine speed: a 10-million-step Python loop takes {reference:.2f} s of CPU time here "
        f"(about {REFERENCE_SECONDS} s on a typical laptop), so the check would take about "
        f"{best_cpu * REFERENCE_SECONDS / reference:.1f} s there"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
