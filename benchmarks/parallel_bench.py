"""Parallel sweeps (issue 21): a numeric sweep on 1 and 2 local worker processes, and on a
2-process local Dask cluster, in turns, with the ratios.

    python benchmarks/parallel_bench.py [--points 8000] [--repeats 2] [--no-dask]

The sweep is specs/cost_reduction.game over r x c (the R&D stage has no closed form: its plans
are built once with the params as symbols, then played numerically at every point, a few hundred
histories per point).  Each run loads the game afresh (nothing cached from the run before) and
is split as the sweep reports it: building the plans (compile), the three check solves, and the
evaluation of all points with the table.  The Dask cluster (2 worker processes, one thread each)
is started before the runs, as an existing cluster is.

Goals: evaluation on 2 workers >= 1.7x one worker; Dask end to end >= 1.5x one local worker.
Parallel speed-ups need idle cores: the load average is printed with the figures, and the
workers' CPU time beside the wall time shows how much of the machine they got.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gamedsl.analysis.sweep import sweep
from gamedsl.language import load_game

COST_REDUCTION = str(ROOT / "specs" / "cost_reduction.game")


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def one_run(vary: dict, **where) -> dict[str, float]:
    """Return the figures of one sweep of a freshly loaded game: total, compile, check and
    evaluation wall seconds, and the CPU seconds of this process and its pool workers."""
    game = load_game(COST_REDUCTION)
    cpu, t = _cpu(), time.perf_counter()
    table = sweep(game, vary, **where)
    total = time.perf_counter() - t
    meta = table.meta
    assert meta["path"] == "fast" and meta.get("evaluation") == "play", meta
    compile_s, check_s = meta.get("compile_seconds", 0.0), meta.get("check_seconds", 0.0)
    return {
        "total": total,
        "compile": compile_s,
        "check": check_s,
        "evaluation": total - compile_s - check_s,
        "cpu": _cpu() - cpu,
        "points": len(table),
    }


def _spin(n: int) -> float:
    """Busy Python work (no I/O, no memory traffic); return its wall seconds."""
    t = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i % 7
    return time.perf_counter() - t


def headroom(n: int = 4_000_000) -> float:
    """Return how much faster two processes finish two equal busy loops than one process
    finishes one after the other: 2.0 on two idle cores, about 1.0 on a machine whose cores are
    taken by other work (then no parallel speed-up can show)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, [n // 10] * 2))  # the workers started
        t = time.perf_counter()
        pool.submit(_spin, n).result()
        pool.submit(_spin, n).result()
        one_after_the_other = time.perf_counter() - t
        t = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        together = time.perf_counter() - t
    return one_after_the_other / together


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=8000)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--no-dask", action="store_true")
    args = p.parse_args()
    k = max(1, args.points // 8)
    vary = {"r": np.linspace(0.3, 3, k), "c": np.linspace(1, 4.5, 8)}
    setups: dict[str, dict] = {"1 worker": {"workers": 1}, "2 workers": {"workers": 2}}
    cluster = client = None
    if not args.no_dask:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            print(
                "(dask.distributed is not installed: no Dask rows; pip install 'gamedsl[distributed]')"
            )
        else:
            cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
            setups["Dask, 2 processes"] = {"dask": client}
    print(
        f"gamedsl parallel benchmark: specs/cost_reduction.game, {8 * k:,} points of r x c, "
        f"{os.cpu_count()} cores, python {sys.version.split()[0]}"
    )
    print(f"  at the start: {_load()}")
    for where in setups.values():  # warm-up: imports here and on the cluster's workers
        one_run({"r": np.linspace(0.5, 2, 40), "c": [2.0, 3.0]}, **where)
    runs: dict[str, list[dict]] = {name: [] for name in setups}
    room: list[float] = []
    for _ in range(args.repeats):
        room.append(headroom())
        for name, where in setups.items():
            runs[name].append(one_run(vary, **where))
    room.append(headroom())
    print(f"  at the end: {_load()}; {args.repeats} runs of each, in turns; medians\n")
    print(
        f"  {'':<20} {'total s':>8} {'compile':>8} {'check':>8} {'evaluation':>11} "
        f"{'points/s':>9} {'cpu s':>7}"
    )
    med = {
        name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
        for name, rs in runs.items()
    }
    for name, m in med.items():
        cpu = f"{m['cpu']:>7.2f}" if "Dask" not in name else "      -"
        print(
            f"  {name:<20} {m['total']:>8.2f} {m['compile']:>8.2f} {m['check']:>8.2f} "
            f"{m['evaluation']:>11.2f} {m['points'] / m['evaluation']:>9,.0f} {cpu}"
        )

    def ratio(a: str, b: str, key: str) -> float:
        return statistics.median(x[key] / y[key] for x, y in zip(runs[b], runs[a]))

    print()
    print(f"  2 workers vs 1, evaluation:  {ratio('2 workers', '1 worker', 'evaluation'):.2f}x")
    print(f"  2 workers vs 1, end to end:  {ratio('2 workers', '1 worker', 'total'):.2f}x")
    if client is not None:
        d = "Dask, 2 processes"
        print(f"  Dask vs 1 local worker, evaluation: {ratio(d, '1 worker', 'evaluation'):.2f}x")
        print(f"  Dask vs 1 local worker, end to end: {ratio(d, '1 worker', 'total'):.2f}x")
        client.close()
        cluster.close()
    print("  (ratios: the faster's speed over the slower's, runs taken in turns, pair by pair)")
    print(
        f"  the machine's headroom, two busy loops at once against one after the other, "
        f"between the rounds: {', '.join(f'{r:.2f}x' for r in room)} (2.00x: two idle cores)"
    )


if __name__ == "__main__":
    main()
