"""Benchmarks of the analyses (prints figures; not a test).

    python benchmarks/analysis_bench.py            # everything
    python benchmarks/analysis_bench.py --only sweep,million,numeric,regions

1. sweep   — a 10,000-point sweep of a closed-form spec (Cournot): the fast path, against a loop
             of `solve` calls (a few hundred timed, extrapolated) and against a hand-written numpy
             evaluation of the same closed form.
2. million — a 10^6-point sweep after compile (compile time reported separately), 1 and all
             workers.
3. numeric — a sweep of a 2-stage spec with no closed form (Hotelling: locations numeric) on 1
             and 2 workers.
4. regions — the 200x200 regime map of stdlib:openness_regulation over (theta, p).
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

from gamedsl.analysis.executor import default_workers
from gamedsl.analysis.regions import regions
from gamedsl.analysis.sweep import sweep
from gamedsl.checker import load_game
from gamedsl.solver import solve

COURNOT = str(ROOT / "specs" / "cournot.game")
HOTELLING = str(ROOT / "specs" / "hotelling.game")


def _line(label: str, seconds: float, points: int | None = None) -> None:
    rate = f"   {points / seconds:>12,.0f} points/s" if points else ""
    print(f"  {label:<52} {seconds:>9.3f} s{rate}")


def bench_sweep(n: int = 10_000, loop: int = 200) -> None:
    print(
        f"\n1. {n:,}-point sweep of specs/cournot.game (closed form), a in [2, 20] x b in [0.5, 2]"
    )
    game = load_game(COURNOT)
    k = round(np.sqrt(n))
    vary = {"a": np.linspace(2, 20, k), "b": np.linspace(0.5, 2, n // k)}
    t = time.perf_counter()
    table = sweep(game, vary, workers=1)
    total = time.perf_counter() - t
    compile_s = table.meta["compile_seconds"]
    assert table.meta["path"] == "fast"
    _line("fast path, total (1 worker)", total, len(table))
    _line("  of which compile (symbolic plans, lambdify)", compile_s)
    _line("  of which the 3 check solves + evaluation", total - compile_s, len(table))
    a, b = table.column("a"), table.column("b")
    t = time.perf_counter()
    for i in range(loop):
        solve(game, {"a": float(a[i * 37 % len(a)]), "b": float(b[i * 37 % len(b)])})
    per = (time.perf_counter() - t) / loop
    _line(f"loop of solve ({loop} timed, extrapolated to {len(table):,})", per * len(table))
    t = time.perf_counter()
    c = np.full_like(a, 1.0)
    q = (a - c) / (3 * b)
    price = a - b * 2 * q
    profit = (price - c) * q
    cs = b * (2 * q) ** 2 / 2
    welfare = cs + 2 * profit
    hand = time.perf_counter() - t
    _line("hand-written numpy of the closed form", hand, len(table))
    np.testing.assert_allclose(table.column("welfare"), welfare, rtol=1e-10)
    print(
        f"  speed-up of the fast path over the solve loop: {per * len(table) / total:,.0f}x "
        f"(excluding compile: {per * len(table) / (total - compile_s):,.0f}x); "
        f"hand numpy is {(total - compile_s) / hand:,.0f}x faster than the fast path"
    )


def bench_million(n: int = 1_000_000) -> None:
    print(f"\n2. {n:,}-point sweep of specs/cournot.game after compile")
    vary = {"a": np.linspace(2, 20, 1000), "b": np.linspace(0.5, 2, n // 1000)}
    for workers in sorted({1, default_workers()}):
        game = load_game(COURNOT)  # a fresh game: compiled anew
        t = time.perf_counter()
        table = sweep(game, vary, workers=workers)
        total = time.perf_counter() - t
        compile_s = table.meta["compile_seconds"]
        _line(f"{workers} worker(s): compile", compile_s)
        _line(
            f"{workers} worker(s): play + evaluate + table (after compile)",
            total - compile_s,
            len(table),
        )


def bench_numeric(points: int = 8) -> None:
    print(
        f"\n3. numeric sweep of specs/hotelling.game (locate stage has no closed form), "
        f"{points} points of t"
    )
    vary = {"t": np.linspace(0.5, 2, points)}
    results = {}
    for workers in (1, 2):
        game = load_game(HOTELLING)  # a fresh game: nothing cached from the run before
        t = time.perf_counter()
        table = sweep(game, vary, workers=workers)
        results[workers] = time.perf_counter() - t
        assert table.meta["path"] == "slow", table.meta
        _line(f"{workers} worker(s)", results[workers], len(table))
    print(
        f"  speed-up on 2 workers: {results[1] / results[2]:.2f}x "
        f"(machine has {os.cpu_count()} cores)"
    )


def bench_regions(k: int = 200) -> None:
    print(f"\n4. {k}x{k} regime map of stdlib:openness_regulation over (theta, p)")
    for workers in sorted({1, default_workers()}):
        game = load_game("stdlib:openness_regulation")
        t = time.perf_counter()
        rmap = regions(
            game, ("theta", np.linspace(0, 1, k)), ("p", np.linspace(0, 0.5, k)), workers=workers
        )
        total = time.perf_counter() - t
        meta = rmap.table.meta
        _line(f"{workers} worker(s), {meta['path']} path, total", total, rmap.regime.size)
        if "compile_seconds" in meta:
            _line("  of which compile", meta["compile_seconds"])
        shares = ", ".join(f"{n} {s:.1%}" for n, s in rmap.shares().items())
        print(f"  regimes: {shares}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="sweep,million,numeric,regions")
    p.add_argument("--regions-size", type=int, default=200)
    p.add_argument("--million", type=int, default=1_000_000)
    args = p.parse_args()
    only = set(args.only.split(","))
    print(f"gamedsl analysis benchmarks ({os.cpu_count()} cores, python {sys.version.split()[0]})")
    if "sweep" in only:
        bench_sweep()
    if "million" in only:
        bench_million(args.million)
    if "numeric" in only:
        bench_numeric()
    if "regions" in only:
        bench_regions(args.regions_size)


if __name__ == "__main__":
    main()
