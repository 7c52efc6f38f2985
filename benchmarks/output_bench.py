"""Output of a large sweep (issue 21): `gamedsl sweep -o out.{csv,json,parquet}` of 10^6 rows as
whole processes (wall, CPU, peak memory of the process, by the operating system), against a
hand-written script run in turns with them that computes the same closed form with numpy and
writes the same CSV layout with Python's own float formatting (`repr`: the floor for exact
shortest-digit output in Python, and the text gamedsl writes).

    python benchmarks/output_bench.py [--rows 1000000] [--repeats 3] [--formats csv,json,parquet]

Goal: 10^6 rows to CSV under 5 s and 400 MB peak; JSON and Parquet alike.  The sweep is
`specs/cournot.game --vary a=5:15:ROWS` (12 columns: three params, q1, q2, two payoffs, price,
CS, welfare, regime, flags).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _process import PYTHON, gamedsl, in_turns, load_average, median, ratio

ROOT = Path(__file__).resolve().parents[1]

# the closed form of specs/cournot.game (b = c = 1) and its CSV, written by hand
HAND = r"""
import sys
import numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
a = np.linspace(5, 15, n)
q = (a - 1) / 3
price = a - 2 * q
profit = (price - 1) * q
cs = (2 * q) ** 2 / 2
welfare = cs + 2 * profit
with open(path, "w") as f:
    f.write("a,b,c,q1,q2,F1,F2,price,CS,welfare,regime,flags\n")
    for k in range(0, n, 50000):
        s = slice(k, k + 50000)
        ints = [str(int(x)) if x == int(x) else repr(x) for x in a[s].tolist()]
        qs, ps = list(map(repr, q[s].tolist())), list(map(repr, profit[s].tolist()))
        rest = [list(map(repr, c[s].tolist())) for c in (price, cs, welfare)]
        rows = zip(ints, qs, qs, ps, ps, *rest)
        f.write("".join(f"{r[0]},1,1,{r[1]},{r[2]},{r[3]},{r[4]},{r[5]},{r[6]},{r[7]},interior,\n"
                        for r in rows))
"""


def _same_table(hand: Path, ours: Path) -> str:
    """Return how the two CSV files compare: same header and rows, the largest relative
    difference of the numbers (the closed forms are evaluated in another order: last digits)."""
    import numpy as np

    with open(hand) as f, open(ours) as g:
        if f.readline() != g.readline():
            return "different headers"
        worst, rows = 0.0, 0
        for x, y in zip(f, g):
            u = np.array(x.split(",")[:10], float)
            v = np.array(y.split(",")[:10], float)
            worst = max(worst, float(np.max(np.abs(u - v) / np.maximum(np.abs(u), 1e-300))))
            rows += 1
            if rows >= 20000:
                break
    return f"same header; first {rows:,} rows agree to {worst:.1e} relative"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--formats", default="csv,json,parquet")
    args = p.parse_args()
    out = Path(tempfile.mkdtemp(prefix="gamedsl-output-bench-"))
    spec = str(ROOT / "specs" / "cournot.game")
    vary = f"a=5:15:{args.rows}"
    commands = {
        "hand-written numpy + repr CSV": [PYTHON, "-c", HAND, str(args.rows), str(out / "hand.csv")]
    }
    formats = [f for f in args.formats.split(",") if f]
    if "parquet" in formats:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            formats.remove("parquet")
            print("(pyarrow is not installed: no Parquet row; pip install 'gamedsl[parquet]')")
    for fmt in formats:
        commands[f"gamedsl sweep -o out.{fmt}"] = gamedsl(
            "sweep",
            spec,
            "--vary",
            vary,
            "-o",
            str(out / f"out.{fmt}"),
            "--quiet",
            "--workers",
            "1",
        )
    print(
        f"gamedsl output benchmark: {args.rows:,} rows, python {sys.version.split()[0]}, {load_average()}"
    )
    print(f"each command {args.repeats} times in turns (after one warm-up round); medians\n")
    runs = in_turns(commands, args.repeats)
    hand = runs["hand-written numpy + repr CSV"]
    print(
        f"  {'command':<34} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'MB file':>8} {'/hand':>7}"
    )
    for name, rs in runs.items():
        fmt = name.rpartition(".")[2] if name.startswith("gamedsl") else None
        size = os.path.getsize(out / (f"out.{fmt}" if fmt else "hand.csv")) / 1e6
        print(
            f"  {name:<34} {median(rs, 'wall'):>7.2f} {median(rs, 'cpu'):>7.2f} "
            f"{median(rs, 'peak_mib'):>9.0f} {size:>8.0f} {ratio(rs, hand):>6.2f}x"
        )
        assert all(r.code == 0 for r in rs), f"{name} failed"
    if "csv" in formats:
        print(
            f"\n  gamedsl's CSV against the hand-written one: {_same_table(out / 'hand.csv', out / 'out.csv')}"
        )
    print("  (ratios: wall against the hand-written script, pair by pair)")


if __name__ == "__main__":
    main()
