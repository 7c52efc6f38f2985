"""Draw every figure of the documentation into docs/img/ by running the commands the docs show.

The commands are read from README.md, docs/analyses.md and stdlib/README.md: each line of a code
block that starts with `gamedsl ` and writes a PNG into `docs/img/` (`--plot docs/img/NAME.png`
or `-o docs/img/NAME.png`).  Each runs exactly as written (plus `--quiet`), in this process,
through `gamedsl.cli.main`, from the repository's root — so the documentation and its pictures
cannot drift apart, and grids that several commands share are solved once (the sweeps of one
process are kept for the next command, `gamedsl.analysis.scenarios.cached_sweep`).

    python docs/make_figures.py                       # every figure, the grids as documented
    python docs/make_figures.py --only ai_supply_chain --only regions.png
    python docs/make_figures.py --quick 5 --out /tmp/figures   # every axis cut to 5 values
    python docs/make_figures.py --list                # the commands, not run

`--quick N` (or the environment variable GAMEDSL_FIGURES_QUICK=N) cuts every `--vary`, `--x` and
`--y` axis to at most N values: the test that the documented commands run uses it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = "docs/img/"
DOCS = ("README.md", "docs/analyses.md", "stdlib/README.md")
AXES = ("--vary", "--x", "--y")
RANGE = re.compile(r"^(?P<head>[^=]+=[^:]+:[^:]+:)(?P<n>[0-9]+)$")


@dataclass(frozen=True)
class Figure:
    """A documented command that draws a figure."""

    doc: str  # the file it is documented in
    line: int
    argv: tuple[str, ...]  # after `gamedsl`
    image: str  # the PNG it writes, relative to the root

    @property
    def text(self) -> str:
        return "gamedsl " + shlex.join(self.argv)


def _code_lines(text: str) -> list[tuple[int, str]]:
    """Return (line number, line) of the lines inside fenced code blocks, a line ending in `\\`
    joined with the next."""
    out: list[tuple[int, str]] = []
    inside = False
    pending: tuple[int, str] | None = None
    for k, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if not inside:
            continue
        if pending is not None:
            line = pending[1] + " " + line.strip()
            k = pending[0]
            pending = None
        if line.rstrip().endswith("\\"):
            pending = (k, line.rstrip()[:-1])
            continue
        out.append((k, line))
    return out


def figures(root: Path = ROOT) -> list[Figure]:
    """Return the documented commands that write a PNG into docs/img/, in the order of the docs
    (one per image: an image drawn by two commands is an error)."""
    out: list[Figure] = []
    seen: dict[str, Figure] = {}
    for doc in DOCS:
        text = (root / doc).read_text(encoding="utf-8")
        for number, line in _code_lines(text):
            stripped = line.strip()
            stripped = stripped.removeprefix("$ ")
            if not stripped.startswith("gamedsl "):
                continue
            words = shlex.split(stripped, comments=True)[1:]
            images = [
                w
                for prev, w in itertools.pairwise(words)
                if prev in ("-o", "--output", "--plot") and w.startswith(IMG) and w.endswith(".png")
            ]
            if not images:
                continue
            figure = Figure(doc, number, tuple(words), images[0])
            if figure.image in seen and seen[figure.image].argv != figure.argv:
                first = seen[figure.image]
                raise SystemExit(
                    f"{doc}:{number}: {figure.image} is also drawn by {first.doc}:{first.line} "
                    "with another command"
                )
            if figure.image not in seen:
                seen[figure.image] = figure
                out.append(figure)
    return out


def quick_argv(argv: tuple[str, ...], n: int) -> tuple[str, ...]:
    """Return the command with every axis (`--vary`, `--x`, `--y NAME=START:STOP:N`) cut to at
    most `n` values."""
    out = list(argv)
    for k in range(1, len(out)):
        m = RANGE.match(out[k])
        if out[k - 1] in AXES and m and int(m["n"]) > n:
            out[k] = f"{m['head']}{n}"
    return tuple(out)


def run(figure: Figure, out_dir: Path | None, quick: int | None) -> tuple[int, float, str]:
    """Run one figure's command from the root; return (exit code, seconds, what it printed)."""
    from gamedsl.cli import main

    argv = list(quick_argv(figure.argv, quick) if quick else figure.argv)
    if out_dir is not None:
        argv = [str(out_dir / w[len(IMG) :]) if w == figure.image else w for w in argv]
    argv.append("--quiet")
    printed = io.StringIO()
    cwd = os.getcwd()
    started = time.perf_counter()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            code = main(argv)
    finally:
        os.chdir(cwd)
    return code, time.perf_counter() - started, printed.getvalue()


def cpu_seconds() -> float:
    """Return the CPU seconds of this process and of its finished workers so far."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(argv: list[str] | None = None) -> int:
    """Run the figures' commands; return 0 when every one wrote its PNG."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="run the commands whose text or image contains TEXT (repeatable)",
    )
    parser.add_argument(
        "--quick",
        type=int,
        metavar="N",
        default=int(os.environ.get("GAMEDSL_FIGURES_QUICK") or 0) or None,
        help="cut every axis to at most N values",
    )
    parser.add_argument("--out", metavar="DIR", help="write the PNGs here, not into docs/img/")
    parser.add_argument("--list", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    chosen = [f for f in figures() if not args.only or any(t in f.text for t in args.only)]
    if args.list:
        for f in chosen:
            print(f"{f.doc}:{f.line}: {f.text}")
        return 0
    out_dir = Path(args.out).resolve() if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    (ROOT / IMG).mkdir(parents=True, exist_ok=True)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    failed = []
    print("   wall      cpu", flush=True)
    for f in chosen:
        cpu = cpu_seconds()
        code, seconds, printed = run(f, out_dir, args.quick)
        cpu = cpu_seconds() - cpu
        image = (out_dir / f.image[len(IMG) :]) if out_dir else ROOT / f.image
        ok = code == 0 and image.is_file() and image.stat().st_size > 0
        print(
            f"{seconds:7.1f}s {cpu:7.1f}s  {'ok  ' if ok else 'FAIL'}  {f.image}  "
            f"({f.doc}:{f.line})",
            flush=True,
        )
        if not ok:
            failed.append(f)
            print(f"  {f.text}\n  exit {code}\n" + printed, file=sys.stderr)
    total, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    print(
        f"{len(chosen) - len(failed)} of {len(chosen)} figures in {total:.0f} s "
        f"({cpu:.0f} CPU seconds; load average {os.getloadavg()[0]:.1f} at the end)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
