"""The analysis commands of the command line: `sweep`, `regions`, `statics`, `compare`.

Each takes the parsed argparse namespace (see `gamedsl/cli.py`), runs the analysis and writes its
output (atomically, by `gamedsl.report.writing`), and returns the exit code.  Bad options raise
`SpecError` (exit 2), which `gamedsl.cli.main` prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from gamedsl.analysis import executor as ex
from gamedsl.model.errors import SpecError
from gamedsl.report.writing import emit


def _executor(args) -> ex.Executor:
    return ex.make_executor(
        getattr(args, "workers", None),
        getattr(args, "dask", None),
        bool(getattr(args, "quiet", False)),
    )


def _axis(r) -> np.ndarray:
    return np.linspace(r.start, r.stop, r.n)


def _note(args, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def _suffix(path: str, allowed: tuple[str, ...], option: str) -> str:
    ext = Path(path).suffix.lower()
    if ext not in allowed:
        raise SpecError(f"{option} {path}: expected a file ending in {' or '.join(allowed)}", None)
    return ext


def _warn(args, notes) -> None:
    for w in notes or ():
        _note(args, f"note: {w}")


def sweep(args) -> int:
    """`gamedsl sweep`: the table to -o (CSV/JSON) or stdout; the plot to --plot."""
    from gamedsl.analysis.sweep import axis_bounds, grid, load, sweep_points

    vary: dict[str, np.ndarray] = {}
    for r in args.vary_ranges:
        if r.name in vary:
            raise SpecError(f"--vary {r.name} is given twice", None)
        vary[r.name] = _axis(r)
    out_ext = _suffix(args.output, (".csv", ".json"), "-o") if args.output else None
    if args.plot:
        _suffix(args.plot, (".png",), "--plot")
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    game = load(args.file, args.scenario)
    with _executor(args) as executor:
        table = sweep_points(
            game,
            grid(vary),
            dict(args.set),
            executor=executor,
            desc="sweep",
            bounds=axis_bounds(vary),
        )
    if columns:
        unknown = [c for c in columns if c not in table.columns]
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], table.columns, n=1)
            raise SpecError(
                f"--columns: unknown column '{unknown[0]}'",
                None,
                f"did you mean '{close[0]}'?"
                if close
                else f"the columns are: {', '.join(table.columns)}",
            )
    _warn(args, table.meta.get("warnings"))
    if args.output:
        if out_ext == ".csv":
            table.to_csv(args.output)
        else:
            table.to_json(args.output)
        _note(args, f"wrote {args.output} ({len(table)} rows, {table.meta['path']} path)")
    if args.plot:
        from gamedsl.analysis.plot import close, plot_sweep

        close(plot_sweep(table, columns, args.plot, game.params))
        _note(args, f"wrote {args.plot}")
    if not args.output:
        shown = (
            table
            if not columns
            else table.select(list(dict.fromkeys(list(vary) + columns + ["regime"])))
        )
        sys.stdout.write(shown.text(max_rows=None) + "\n")
    return 0


def regions(args) -> int:
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
    _warn(args, rmap.notes)
    if ext == ".png":
        from gamedsl.analysis.plot import close

        close(rmap.plot(args.output))
        _note(args, f"wrote {args.output}")
    elif ext == ".csv":
        rmap.to_csv(args.output)
        _note(args, f"wrote {args.output} ({rmap.regime.size} cells)")
    else:
        sys.stdout.write(rmap.ascii() + "\n")
        if rmap.values is not None:
            v = rmap.values[np.isfinite(rmap.values)]
            if v.size:
                from gamedsl.report.solution import fmt_number

                sys.stdout.write(
                    f"{rmap.by}: min {fmt_number(v.min())}, max {fmt_number(v.max())}; "
                    f"> 0 on {np.mean(v > 0):.1%} of the cells, < 0 on {np.mean(v < 0):.1%}\n"
                )
    return 0


def statics(args) -> int:
    """`gamedsl statics`: derivatives as text or JSON."""
    from gamedsl.analysis.statics import statics as run

    with _executor(args) as executor:
        result = run(
            args.file,
            list(dict.fromkeys(args.wrt)),
            dict(args.set),
            scenario=args.scenario,
            executor=executor,
        )
    text = result.to_json() if getattr(args, "format", "text") == "json" else result.text()
    sys.stdout.write(text + "\n")
    return 0


def compare(args) -> int:
    """`gamedsl compare`: the baseline and the scenarios side by side (text, JSON or LaTeX)."""
    from gamedsl.analysis.compare import compare as run

    with _executor(args) as executor:
        result = run(
            args.file,
            list(dict.fromkeys(args.scenarios)) or None,
            dict(args.set),
            executor=executor,
        )
    fmt = getattr(args, "format", "text")
    text = (
        result.to_json() if fmt == "json" else result.latex() if fmt == "latex" else result.text()
    )
    emit(getattr(args, "output", None), text)
    return 0
