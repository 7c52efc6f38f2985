"""One function per command of the command line: load the spec, call the solver or an analysis,
format the result with `gamedsl.report`, write it.  Each takes the parsed arguments
(`arguments.build_parser` + `finish_args`) and returns the exit code; a wrong option raises
`SpecError` (exit 2), which `gamedsl.cli.main` prints.

Output paths (`-o`, `--plot`) are checked before any work, and a command records the phase it is
in (`phase`) so that an unexpected failure can say where it happened.  What goes to stdout has its
control characters escaped (`printable`)."""

from __future__ import annotations

import argparse
import gc
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gamedsl.cli.arguments import MAX_GRID_POINTS, Range, option_error
from gamedsl.model.errors import SolveError, printable
from gamedsl.report.writing import emit, output_problem


def phase(args: argparse.Namespace) -> str:
    """Return what the command was doing (for the message of an unexpected failure)."""
    return getattr(args, "phase", None) or f"running {getattr(args, 'command', 'the command')}"


def _enter(args: argparse.Namespace, what: str) -> None:
    args.phase = what


if TYPE_CHECKING:  # numpy is imported where a grid is made: `check` and `list` start faster
    import numpy as np


def _load(args: argparse.Namespace):
    """Return the checked game of FILE: the scenario applied, families written out at the
    `--set` values of the params that size them; its output paths checked against its files."""
    from gamedsl.language import load_game

    _enter(args, "reading the spec")
    values = dict(getattr(args, "set", None) or {})
    game = load_game(args.file, scenario=getattr(args, "scenario", None), values=values)
    _check_outputs(args, inputs=list(game.sources))
    _enter(args, f"running {args.command}")
    return game


def _outputs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Return the (option, path) of the files the command will write."""
    pairs = [("-o", getattr(args, "output", None)), ("--plot", getattr(args, "plot", None))]
    return [(option, path) for option, path in pairs if path is not None]


def _check_outputs(args: argparse.Namespace, inputs: list[str] = ()) -> None:
    """Raise SpecError when an output path cannot be written (a missing directory, a
    directory, a FIFO or device, a read-only file, the spec itself), before any work."""
    read = [args.file, *inputs] if getattr(args, "file", None) else list(inputs)
    for option, path in _outputs(args):
        problem = output_problem(path, read)
        if problem is not None:
            raise option_error(f"{option} {path!r}: cannot write there: {problem}")
    if len({path for _option, path in _outputs(args)}) < len(_outputs(args)):
        raise option_error("-o and --plot name the same file")


def _print(text: str) -> None:
    """Write text and a new line to stdout, control characters escaped."""
    sys.stdout.write(printable(text) + "\n")


def _write(args: argparse.Namespace, path: str | None, text: str) -> None:
    """Write a command's text output to `path` (atomically) or stdout, escaped."""
    _enter(args, "writing the output")
    emit(path, printable(text))


def _note(args: argparse.Namespace, message: str) -> None:
    """Print a note on stderr unless --quiet."""
    if not getattr(args, "quiet", False):
        print(printable(message), file=sys.stderr)


def _executor(args: argparse.Namespace):
    from gamedsl.analysis.executor import make_executor

    return make_executor(args.workers, args.dask, bool(args.quiet))


def _axis(r: Range) -> np.ndarray:
    import numpy as np

    return np.linspace(r.start, r.stop, r.n)


def _cap_points(option: str, ranges: list[Range]) -> None:
    """Raise SpecError when a grid would have more than MAX_GRID_POINTS points (before any
    array is made)."""
    total = 1
    for r in ranges:
        total *= r.n
    if total > MAX_GRID_POINTS:
        counts = f"{total:,}"
        if len(ranges) > 1:
            counts = " x ".join(f"{r.n:,}" for r in ranges) + " = " + counts
        raise option_error(
            f"{option}: {counts} points; at most {MAX_GRID_POINTS:,} are allowed",
            "use fewer points (N in NAME=START:STOP:N), or split the range over several runs",
        )


def _suffix(path: str, allowed: tuple[str, ...], option: str) -> str:
    """Return the file's extension, one of `allowed`; raise SpecError otherwise."""
    ext = Path(path).suffix.lower()
    if ext not in allowed:
        raise option_error(f"{option} {path}: expected a file ending in {' or '.join(allowed)}")
    return ext


# ---------------------------------------------------------------------------- the spec
def check(args: argparse.Namespace) -> int:
    """`gamedsl check`: what the checker understood, and the stage graph."""
    from gamedsl.report.summary import summary

    _print(summary(_load(args)))
    return 0


def graph(args: argparse.Namespace) -> int:
    """`gamedsl graph`: the stage graph as text, dot or mermaid."""
    from gamedsl.report.graph import render

    _print(render(_load(args), args.format))
    return 0


_TITLE = re.compile(r'^\s*game\s+"((?:[^"\\\n]|\\["\\])*)"', re.MULTILINE)


def _title(path: Path) -> str | None:
    """Return the `game "..."` title of a stdlib file (None if it has none or is unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = _TITLE.search(text)
    if m is None:
        return None
    return re.sub(r"\\([\"\\])", r"\1", m.group(1))


def list_models(args: argparse.Namespace) -> int:
    """`gamedsl list`: the standard library's models, with their titles."""
    from gamedsl.language import stdlib_dir

    rows = [(path.stem, _title(path)) for path in sorted(stdlib_dir().glob("*.game"))]
    if not rows:
        print("(the standard library is empty)")
        return 0
    width = max(len(n) for n, _ in rows)
    for name, title in rows:
        _print(f"stdlib:{name:<{width}}  {title or ''}".rstrip())
    return 0


# ---------------------------------------------------------------------------- solving
def solve(args: argparse.Namespace) -> int:
    """`gamedsl solve`: the equilibrium as text, JSON or LaTeX; exit 0 (3 if none)."""
    from gamedsl.report.solution import to_json, to_latex, to_text
    from gamedsl.solver import solve as run

    _check_outputs(args)
    game = _load(args)

    def report(solution) -> None:
        if args.format == "json":
            text = to_json(solution)
        elif args.format == "latex":
            text = to_latex(solution, game)
        else:
            text = to_text(solution, game, symbolic=args.symbolic)
        _write(args, args.output, text)

    _enter(args, "solving")
    try:
        solution = run(
            game,
            dict(args.set),
            symbolic=args.symbolic,
            select=args.select,
            strict=args.strict,
            pure=args.pure,
        )
    except SolveError as e:
        if e.solution is not None:  # the best profile found, then the reason (exit 3)
            report(e.solution)
        raise
    report(solution)
    return 0


def derive(args: argparse.Namespace) -> int:
    """`gamedsl derive`: the derivation as a standalone LaTeX document; exit 0 (3 if no
    equilibrium)."""
    from gamedsl.report.derive import derivation_latex
    from gamedsl.solver import solve as run
    from gamedsl.solver.derivation import derive as derivation_of

    _check_outputs(args)
    game = _load(args)
    _enter(args, "solving")
    solution = run(game, dict(args.set), symbolic=True)
    _enter(args, "deriving")
    text = derivation_latex(derivation_of(game, solution), game).rstrip("\n")
    _write(args, args.output, text)
    return 0


# ---------------------------------------------------------------------------- analyses
def sweep(args: argparse.Namespace) -> int:
    """`gamedsl sweep`: the table to -o (CSV/JSON/Parquet) or stdout; the plot to --plot.
    Several `--scenario`s stack their tables (a `scenario` column first); `--columns` may hold
    expressions, computed per row (`analysis.scenarios`)."""
    from gamedsl.analysis.scenarios import SCENARIO, Grids, parse_columns, split_columns, stack
    from gamedsl.analysis.sweep import axis_bounds, grid

    names = [r.name for r in args.vary_ranges]
    for name in names:
        if names.count(name) > 1:
            raise option_error(f"--vary {name} is given twice")
    _cap_points("--vary", args.vary_ranges)
    _check_outputs(args)
    out_ext = _suffix(args.output, (".csv", ".json", ".parquet"), "-o") if args.output else None
    if out_ext == ".parquet":
        _need_parquet(args.output)
    if args.plot:
        _suffix(args.plot, (".png",), "--plot")
    vary = {r.name: _axis(r) for r in args.vary_ranges}
    columns = parse_columns(split_columns(args.columns))
    scenarios = list(dict.fromkeys(args.scenarios)) or [None]
    _enter(args, "sweeping")
    with _executor(args) as executor:
        grids = Grids(args.file, grid(vary), dict(args.set), executor, bounds=axis_bounds(vary))
        _check_outputs(args, list(grids.game(scenarios[0]).sources))
        table = stack(grids, scenarios, columns)
    shown = [c.text for c in columns] or None
    for w in table.meta.get("warnings") or ():
        _note(args, f"note: {w}")
    _enter(args, "writing the output")
    if args.output:
        from gamedsl.analysis.executor import default_workers
        from gamedsl.report.table import write_csv, write_json, write_parquet

        writers = {".csv": write_csv, ".json": write_json, ".parquet": write_parquet}
        # a large table's text is made by the local worker processes too (issue 21)
        writers[out_ext](table, args.output, workers=args.workers or default_workers())
        _note(args, f"wrote {args.output} ({len(table)} rows, {table.meta['path']} path)")
    if args.plot:
        from gamedsl.report.plot import close, plot_sweep

        close(plot_sweep(table, shown, args.plot, grids.game(scenarios[0])))
        _note(args, f"wrote {args.plot}")
    if not args.output:
        from gamedsl.report.table import table_text

        if shown:
            first = [SCENARIO] if SCENARIO in table.columns else []
            table = table.select(list(dict.fromkeys(first + list(vary) + shown + ["regime"])))
        _print(table_text(table, max_rows=None))
    return 0


def _need_parquet(path: str) -> None:
    """Raise SpecError (exit 2, before any solving) when pyarrow is missing for a .parquet."""
    from gamedsl.report.table import PARQUET_HINT, parquet_available

    if not parquet_available():
        raise option_error(f"-o {path}: writing Parquet needs pyarrow", PARQUET_HINT)


def regions(args: argparse.Namespace) -> int:
    """`gamedsl regions`: the map to -o (PNG, or CSV of the cells) or a text map on stdout."""
    from gamedsl.analysis.regions import regions as run

    x, y = args.x_range, args.y_range
    _cap_points("--x and --y", [x, y])
    _check_outputs(args)
    ext = _suffix(args.output, (".png", ".csv"), "-o") if args.output else None
    _enter(args, "mapping the regions")
    with _executor(args) as executor:
        rmap = run(
            args.file,
            (x.name, _axis(x)),
            (y.name, _axis(y)),
            by=args.by,
            fixed=dict(args.set),
            scenario=args.scenario,
            executor=executor,
        )
    for w in rmap.notes:
        _note(args, f"note: {w}")
    _enter(args, "writing the output")
    if ext == ".png":
        from gamedsl.report.plot import close, plot_regions

        close(plot_regions(rmap, args.output))
        _note(args, f"wrote {args.output}")
    elif ext == ".csv":
        from gamedsl.report.table import write_csv

        write_csv(rmap.cells(), args.output)
        _note(args, f"wrote {args.output} ({rmap.regime.size} cells)")
    else:
        from gamedsl.report.regions import ascii_map, values_summary

        _print(ascii_map(rmap))
        summary = values_summary(rmap)
        if summary is not None:
            _print(summary)
    return 0


def statics(args: argparse.Namespace) -> int:
    """`gamedsl statics`: derivatives as text or JSON."""
    from gamedsl.analysis.statics import statics as run
    from gamedsl.report.statics import statics_json, statics_text

    if args.plot:
        _suffix(args.plot, (".png",), "--plot")
    _check_outputs(args)
    _enter(args, "computing the derivatives")
    with _executor(args) as executor:
        result = run(
            args.file,
            list(dict.fromkeys(args.wrt)),
            dict(args.set),
            scenario=args.scenario,
            executor=executor,
        )
    text = statics_json(result) if args.format == "json" else statics_text(result)
    _write(args, None, text)
    if args.plot:
        from gamedsl.report.plot import close, plot_statics

        close(plot_statics(result, args.plot))
        _note(args, f"wrote {args.plot}")
    return 0


def compare(args: argparse.Namespace) -> int:
    """`gamedsl compare`: the baseline and the scenarios side by side (text, JSON, LaTeX or
    CSV)."""
    from gamedsl.analysis.compare import compare as run
    from gamedsl.report import compare as report

    if args.plot:
        _suffix(args.plot, (".png",), "--plot")
    _check_outputs(args)
    _enter(args, "comparing the scenarios")
    with _executor(args) as executor:
        result = run(
            args.file,
            list(dict.fromkeys(args.scenarios)) or None,
            dict(args.set),
            executor=executor,
        )
    formats = {
        "text": report.comparison_text,
        "json": report.comparison_json,
        "latex": report.comparison_latex,
        "csv": lambda c: report.comparison_csv(c).rstrip("\n"),
    }
    _write(args, args.output, formats[args.format](result))
    if args.plot:
        from gamedsl.report.plot import close, plot_compare

        close(plot_compare(result, args.plot))
        _note(args, f"wrote {args.plot}")
    return 0


# the function of each command (`list` is `list_models`: it would hide the built-in)
COMMANDS = {
    "check": "check",
    "graph": "graph",
    "list": "list_models",
    "solve": "solve",
    "sweep": "sweep",
    "regions": "regions",
    "statics": "statics",
    "compare": "compare",
    "derive": "derive",
}


# commands that solve nothing: short-lived, they allocate much (sympy's import, the spec's check)
# and free little, so the cyclic garbage collector is paused while they run (~8% of a cold
# `check`'s CPU time, issue 21)
QUICK = ("check", "graph", "list")


def run(args: argparse.Namespace) -> int:
    """Run the command `args.command`; return its exit code."""
    command = getattr(sys.modules[__name__], COMMANDS[args.command])
    if args.command not in QUICK or not gc.isenabled():
        return int(command(args))
    gc.disable()
    try:
        return int(command(args))
    finally:
        gc.enable()


__all__ = ["COMMANDS", "run"]
