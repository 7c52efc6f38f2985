"""Benchmarks of the analyses (prints figures; not a test).

    python benchmarks/analysis_bench.py            # everything
    python benchmarks/analysis_bench.py --only sweep,million,numeric,regions

1. sweep   — a 10,000-point sweep of a closed-form spec (Cournot): the fast path, against a loop
             of `solve` calls (a few hundred timed, extrapolated) and against a hand-written numpy
             evaluation of the same closed form.
2. million — a 10^6-point sweep after compile (compile time reported separately), 1 and all
             workers.
3. numeric — a sweep of a 2-stage spec with no closed form (specs/cost_reduction.game: the R&D
             stage is numeric, the market stage closed form) on 1 and 2 workers.
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
from gamedsl.language import load_game
from gamedsl.solver import solve

COURNOT = str(ROOT / "specs" / "cournot.game")
COST_REDUCTION = str(ROOT / "specs" / "cost_reduction.game")


def _line(label: str, seconds: float, points: int | None = None) -> None:
    rate = f"   {points / seconds:>12,.0f} points/s" if points else ""
    shown = f"{seconds:>9.3f} s " if seconds >= 0.01 else f"{seconds * 1e3:>9.3f} ms"
    print(f"  {label:<52} {shown}{rate}")


def _hand_cournot(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """The closed form of specs/cournot.game written by hand (c = 1): every column the sweep
    gives (outputs, profits, price, consumer surplus, welfare)."""
    c = 1.0
    q = (a - c) / (3 * b)
    price = a - b * 2 * q
    profit = (price - c) * q
    cs = b * (2 * q) ** 2 / 2
    return {"q1": q, "q2": q, "F1": profit, "F2": profit, "price": price, "CS": cs,
            "welfare": cs + 2 * profit}


def _race(fns, repeats: int) -> list[float]:
    """Return the best time of each function, called in turns (the machine's drift hits all)."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def _pieces_vs_hand(game, table, vary, repeats: int) -> tuple[float, float]:
    """Return the best times of the compiled pieces' evaluation at the table's points (what the
    fast path does per grid, without naming regimes, checking domains or building the table) and
    of the hand-written numpy, timed in turns."""
    from gamedsl.analysis import executor as ex
    from gamedsl.analysis import sweep as sw

    plans = ex.resolve(sw._PLANS[id(game)][1])
    pieces = sw.pieces_of(plans)
    # the params as the sweep passes them (those it does not vary: one value, stride 0)
    varied = {name: table.column(name) for name in table.meta["varied"]}
    params = sw._param_arrays(game, varied, {}, len(table))
    # ... and their bounds, as the sweep knows them from the grid's axes
    bounds = sw._param_bounds(params, sw.axis_bounds(vary))
    a, b = table.column("a"), table.column("b")
    return tuple(_race([lambda: pieces.evaluate(params, lambda sub: sw._play(plans, sub), bounds),
                        lambda: _hand_cournot(a, b)], repeats))


def _split(table, total: float) -> tuple[float, float, float]:
    """Return (compile, check, evaluation) seconds of a fast-path sweep that took `total`."""
    compile_s = table.meta.get("compile_seconds", 0.0)
    check_s = table.meta.get("check_seconds", 0.0)
    return compile_s, check_s, total - compile_s - check_s


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
    assert table.meta["path"] == "fast"
    compile_s, check_s, eval_s = _split(table, total)
    _line("fast path, first sweep of the game, total (1 worker)", total, len(table))
    _line("  compile (symbolic plans, lambdify, cells learnt)", compile_s)
    _line("  check (3 points re-solved with solve)", check_s)
    _line("  evaluation of the grid", eval_s, len(table))
    warm = []
    for _ in range(3):  # the same game again: compiled pieces reused, the 3 checks redone
        t = time.perf_counter()
        again = sweep(game, vary, workers=1)
        warm.append(_split(again, time.perf_counter() - t))
    _, check2, eval2 = min(warm, key=lambda w: w[2])
    _line("next sweeps of the game (best of 3): check", check2)
    _line("next sweeps of the game (best of 3): evaluation", eval2, len(table))
    a, b = table.column("a"), table.column("b")
    t = time.perf_counter()
    for i in range(loop):
        solve(game, {"a": float(a[i * 37 % len(a)]), "b": float(b[i * 37 % len(b)])})
    per = (time.perf_counter() - t) / loop
    _line(f"loop of solve ({loop} timed, extrapolated to {len(table):,})", per * len(table))
    pieces, hand = _pieces_vs_hand(game, table, vary, 50)
    _line("hand-written numpy of the closed form (best of 50)", hand, len(table))
    _line("compiled pieces at the grid (best of 50, in turns)", pieces, len(table))
    for col, v in _hand_cournot(a, b).items():
        np.testing.assert_allclose(table.column(col), v, rtol=1e-10)
    print(
        f"  speed-up over the solve loop: {per * len(table) / total:,.0f}x first sweep, "
        f"{per * len(table) / (check2 + eval2):,.0f}x next sweeps\n"
        f"  compiled pieces vs hand numpy: {pieces / hand:.1f}x; whole evaluation (domains, "
        f"pieces, regime names, table) vs hand numpy: {min(eval_s, eval2) / hand:.1f}x "
        f"(with the 3 check solves: {(check2 + eval2) / hand:,.0f}x)"
    )


def bench_million(n: int = 1_000_000) -> None:
    print(f"\n2. {n:,}-point sweep of specs/cournot.game (compile and check reported apart)")
    vary = {"a": np.linspace(2, 20, 1000), "b": np.linspace(0.5, 2, n // 1000)}
    for workers in sorted({1, default_workers()}):
        game = load_game(COURNOT)  # a fresh game: compiled anew
        t = time.perf_counter()
        table = sweep(game, vary, workers=workers)
        compile_s, check_s, eval_s = _split(table, time.perf_counter() - t)
        _line(f"{workers} worker(s): compile", compile_s)
        _line(f"{workers} worker(s): check (3 solves)", check_s)
        _line(f"{workers} worker(s): evaluation + table", eval_s, len(table))
        t = time.perf_counter()
        again = sweep(game, vary, workers=workers)  # the compiled pieces and cells reused
        _, _, eval2 = _split(again, time.perf_counter() - t)
        _line(f"{workers} worker(s): the same sweep again: evaluation + table", eval2, len(table))
    pieces, hand = _pieces_vs_hand(game, table, vary, 5)
    _line("hand-written numpy of the closed form (best of 5)", hand, len(table))
    _line("compiled pieces at the grid (best of 5, in turns)", pieces, len(table))
    print(f"  compiled pieces vs hand numpy: {pieces / hand:.1f}x")


def bench_numeric(points: int = 8000) -> None:
    print(
        f"\n3. numeric sweep of specs/cost_reduction.game (the R&D stage has no closed form), "
        f"{points:,} points of r x c"
    )
    k = points // 8
    vary = {"r": np.linspace(0.3, 3, k), "c": np.linspace(1, 4.5, 8)}
    rates = {}
    for workers in (1, 2):
        game = load_game(COST_REDUCTION)  # a fresh game: nothing cached from the run before
        t = time.perf_counter()
        table = sweep(game, vary, workers=workers)
        compile_s, check_s, eval_s = _split(table, time.perf_counter() - t)
        assert table.meta["path"] == "fast" and table.meta["evaluation"] == "play", table.meta
        _line(f"{workers} worker(s): compile (plans with the params as symbols)", compile_s)
        _line(f"{workers} worker(s): check (3 solves)", check_s)
        _line(f"{workers} worker(s): evaluation + table", eval_s, len(table))
        rates[workers] = len(table) / eval_s
    t = time.perf_counter()
    for r in (0.5, 1.0, 2.0):
        solve(load_game(COST_REDUCTION), {"r": r})
    _line("one solve (mean of 3), for comparison", (time.perf_counter() - t) / 3, 1)
    print(
        f"  speed-up on 2 workers: {rates[2] / rates[1]:.2f}x (machine has {os.cpu_count()} cores)"
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
