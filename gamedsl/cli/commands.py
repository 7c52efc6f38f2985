"""One function per command of the command line: load the spec, call the solver or an analysis,
format the result with `gamedsl.report`, write it.  Each takes the parsed arguments
(`arguments.build_parser` + `finish_args`) and returns the exit code; a wrong option raises
`SpecError` (exit 2), which `gamedsl.cli.main` prints."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from gamedsl.cli.arguments import Range, option_error
from gamedsl.model.errors import SolveError
from gamedsl.report.writing import emit


def _load(args: argparse.Namespace):
    """Return the checked game of FILE: the scenario applied, families written out at the
    `--set` values of the params that size them."""
    from gamedsl.language import load_game

    values = dict(getattr(args, "set", None) or {})
    return load_game(args.file, scenario=getattr(args, "scenario", None), values=values)


def _note(args: argparse.Namespace, message: str) -> None:
    """Print a note on stderr unless --quiet."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def _executor(args: argparse.Namespace):
    from gamedsl.analysis.executor import make_executor

    return make_executor(args.workers, args.dask, bool(args.quiet))


def _axis(r: Range) -> np.ndarray:
    return np.linspace(r.start, r.stop, r.n)


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

    print(summary(_load(args)))
    return 0


def graph(args: argparse.Namespace) -> int:
    """`gamedsl graph`: the stage graph as text, dot or mermaid."""
    from gamedsl.report.graph import render

    print(render(_load(args), args.format))
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
        print(f"stdlib:{name:<{width}}  {title or ''}".rstrip())
    return 0


# ---------------------------------------------------------------------------- solving
def solve(args: argparse.Namespace) -> int:
    """`gamedsl solve`: the equilibrium as text, JSON or LaTeX; exit 0 (3 if none)."""
    from gamedsl.report.solution import to_json, to_latex, to_text
    from gamedsl.solver import solve as run

    game = _load(args)

    def report(solution) -> None:
        if args.format == "json":
            text = to_json(solution)
        elif args.format == "latex":
            text = to_latex(solution, game)
        else:
            text = to_text(solution, game, symbolic=args.symbolic)
        emit(args.output, text)

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


# ---------------------------------------------------------------------------- analyses
def sweep(args: argparse.Namespace) -> int:
    """`gamedsl sweep`: the table to -o (CSV/JSON) or stdout; the plot to --plot.  Several
    `--scenario`s stack their tables (a `scenario` column first); `--columns` may hold
    expressions, computed per row (`analysis.scenarios`)."""
    from gamedsl.analysis.scenarios import SCENARIO, Grids, parse_columns, split_columns, stack
    from gamedsl.analysis.sweep import axis_bounds, grid

    vary: dict[str, np.ndarray] = {}
    for r in args.vary_ranges:
        if r.name in vary:
            raise option_error(f"--vary {r.name} is given twice")
        vary[r.name] = _axis(r)
    out_ext = _suffix(args.output, (".csv", ".json"), "-o") if args.output else None
    if args.plot:
        _suffix(args.plot, (".png",), "--plot")
    columns = parse_columns(split_columns(args.columns))
    scenarios = list(dict.fromkeys(args.scenarios)) or [None]
    with _executor(args) as executor:
        grids = Grids(args.file, grid(vary), dict(args.set), executor, bounds=axis_bounds(vary))
        table = stack(grids, scenarios, columns)
    names = [c.text for c in columns] or None
    for w in table.meta.get("warnings") or ():
        _note(args, f"note: {w}")
    if args.output:
        from gamedsl.report.table import write_csv, write_json

        (write_csv if out_ext == ".csv" else write_json)(table, args.output)
        _note(args, f"wrote {args.output} ({len(table)} rows, {table.meta['path']} path)")
    if args.plot:
        from gamedsl.report.plot import close, plot_sweep

        close(plot_sweep(table, names, args.plot, grids.game(scenarios[0])))
        _note(args, f"wrote {args.plot}")
    if not args.output:
        from gamedsl.report.table import table_text

        if names:
            first = [SCENARIO] if SCENARIO in table.columns else []
            table = table.select(list(dict.fromkeys(first + list(vary) + names + ["regime"])))
        sys.stdout.write(table_text(table, max_rows=None) + "\n")
    return 0


def regions(args: argparse.Namespace) -> int:
    """`gamedsl regions`: the map to -o (PNG, or CSV of the cells) or a text map on stdout."""
    from gamedsl.analysis.regions import regions as run

    ext = _suffix(args.output, (".png", ".csv"), "-o") if args.output else None
    x, y = args.x_range, args.y_range
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

        sys.stdout.write(ascii_map(rmap) + "\n")
        summary = values_summary(rmap)
        if summary is not None:
            sys.stdout.write(summary + "\n")
    return 0


def statics(args: argparse.Namespace) -> int:
    """`gamedsl statics`: derivatives as text or JSON."""
    from gamedsl.analysis.statics import statics as run
    from gamedsl.report.statics import statics_json, statics_text

    if args.plot:
        _suffix(args.plot, (".png",), "--plot")
    with _executor(args) as executor:
        result = run(
            args.file,
            list(dict.fromkeys(args.wrt)),
            dict(args.set),
            scenario=args.scenario,
            executor=executor,
        )
    text = statics_json(result) if args.format == "json" else statics_text(result)
    sys.stdout.write(text + "\n")
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
    emit(args.output, formats[args.format](result))
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
}


def run(args: argparse.Namespace) -> int:
    """Run the command `args.command`; return its exit code."""
    return int(getattr(sys.modules[__name__], COMMANDS[args.command])(args))


__all__ = ["COMMANDS", "run"]
