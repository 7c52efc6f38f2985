"""Start-up of the command line (issue 21): `gamedsl --help`, `gamedsl list` and a cold `check`
of textbook specs, as whole processes, against `python -c pass` and `python -c "import sympy"`
run in turns with them.

    python benchmarks/startup_bench.py [--repeats 7]

Goals: --help and list under 0.3 s wall, importing none of sympy, numpy, scipy, matplotlib (and
not lark); cold `check` of a textbook spec under 0.5 s.  "Cold" is a new process; the grammar's
LALR tables come from the per-user cache (`grammar_cache.py`) as they do after the first run on a
machine; the row "check, empty grammar cache" pays for building them.

Each figure is the median of the runs (wall and CPU seconds: CPU is steadier on a shared
machine); each ratio the median of the ratios of runs taken one after the other.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _process import PYTHON, gamedsl, in_turns, load_average, median, ratio

ROOT = Path(__file__).resolve().parents[1]
SPECS = ("stackelberg", "cournot_tax", "entry_deterrence", "bertrand_differentiated")
# `gamedsl check FILE` with an empty grammar cache directory of its own
NO_CACHE_CHECK = """
import contextlib, io, os, shutil, sys, tempfile
os.environ["GAMEDSL_CACHE_DIR"] = d = tempfile.mkdtemp(dir=sys.argv[1])
from gamedsl.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["check", sys.argv[2]])
shutil.rmtree(d)
"""
HEAVY = ("sympy", "numpy", "scipy", "matplotlib", "networkx", "lark")


def heavy_imports(*args: str) -> list[str]:
    """Return the heavy packages that `gamedsl ARGS` imports (run in a fresh interpreter)."""
    code = (
        "import sys, io, contextlib\n"
        "from gamedsl.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({list(args)!r})\n"
        f"print(sorted(set({HEAVY!r}) & {{m.split('.')[0] for m in sys.modules}}))\n"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True)
    return eval(out.stdout)  # our own printed list literal


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    empty_cache = tempfile.mkdtemp(prefix="gamedsl-bench-cache-")
    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        'python -c "import sympy"': [PYTHON, "-c", "import sympy"],
        "gamedsl --help": gamedsl("--help"),
        "gamedsl list": gamedsl("list"),
    }
    for name in SPECS:
        commands[f"gamedsl check specs/{name}.game"] = gamedsl("check", f"specs/{name}.game")
    # an empty cache directory each run: the tables are built (and written) every time
    nocache = [PYTHON, "-c", NO_CACHE_CHECK, empty_cache, "specs/stackelberg.game"]
    commands["check, empty grammar cache (stackelberg)"] = nocache
    print(f"gamedsl start-up benchmark: python {sys.version.split()[0]}, {load_average()}")
    print(f"each command {args.repeats} times in turns (after one warm-up round); medians\n")
    runs = in_turns(commands, args.repeats, cwd=str(ROOT))
    base, sympy = runs["python -c pass"], runs['python -c "import sympy"']
    print(f"  {'command':<46} {'wall s':>7} {'cpu s':>7} {'MiB':>6} {'/pass':>7} {'/sympy':>7}")
    for name, rs in runs.items():
        print(
            f"  {name:<46} {median(rs, 'wall'):>7.3f} {median(rs, 'cpu'):>7.3f} "
            f"{median(rs, 'peak_mib'):>6.0f} {ratio(rs, base):>6.2f}x {ratio(rs, sympy):>6.2f}x"
        )
    print("\n  (ratios: of wall times, pair by pair)")
    for args_ in (("--help",), ("list",), ("check", "specs/stackelberg.game")):
        print(f"  gamedsl {' '.join(args_)} imports: {heavy_imports(*args_) or 'none of'} {HEAVY}")
    checks = [k for k in runs if k.startswith("gamedsl check")]
    worst = max(median(runs[k], "wall") for k in checks)
    print(
        f"\n  goals: --help {median(runs['gamedsl --help'], 'wall'):.3f} s and list "
        f"{median(runs['gamedsl list'], 'wall'):.3f} s (< 0.3 s); "
        f"slowest cold check {worst:.3f} s (< 0.5 s)"
    )


if __name__ == "__main__":
    main()
