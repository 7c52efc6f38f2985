"""The `gamedsl` command line (DESIGN §2): argument parsing and dispatch, nothing else.

`check`, `graph` and `list` are implemented here; `solve`, `sweep`, `regions`, `statics` and
`compare` are dispatched to `gamedsl.commands.<name>(args) -> int`.  `main` returns the exit code:
0 ok, 2 the spec or the command line is wrong, 3 no equilibrium, 1 an internal error.
"""

from __future__ import annotations

import argparse
import importlib
import math
import re
import sys
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from gamedsl.model.errors import EXIT_SPEC, GamedslError, SolveError, Span, SpecError

DISPATCHED = ("solve", "sweep", "regions", "statics", "compare")


class Range(NamedTuple):
    """A parsed `NAME=START:STOP:N` (for --vary, --x, --y)."""

    name: str
    start: float
    stop: float
    n: int


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _number(text: str) -> float:
    """Return the float in `text` (`inf` and `-inf` allowed), or raise ValueError."""
    t = text.strip().lower()
    if t in ("nan", "+nan", "-nan") or not t:
        raise ValueError(text)
    value = float(t)
    if math.isnan(value):
        raise ValueError(text)
    return value


def parse_set(items: Sequence[str] | None) -> OrderedDict[str, float]:
    """Return the `--set NAME=VALUE` options as an ordered dict; raise SpecError if malformed."""
    out: OrderedDict[str, float] = OrderedDict()
    for item in items or ():
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not _NAME.match(name):
            raise _cli_error(f"--set {item!r}: expected NAME=VALUE, e.g. --set alpha0=0.4")
        try:
            out[name] = _number(value)
        except ValueError:
            raise _cli_error(f"--set {item!r}: {value.strip()!r} is not a number") from None
    return out


def parse_range(option: str, item: str) -> Range:
    """Return the `NAME=START:STOP:N` of `option`; raise SpecError if malformed."""
    name, eq, rest = item.partition("=")
    name = name.strip()
    parts = rest.split(":")
    if not eq or not _NAME.match(name) or len(parts) != 3:
        raise _cli_error(f"{option} {item!r}: expected NAME=START:STOP:N, e.g. theta=0:1:21")
    try:
        start, stop = _number(parts[0]), _number(parts[1])
        n = int(parts[2])
    except ValueError:
        raise _cli_error(f"{option} {item!r}: START and STOP are numbers, N an integer") from None
    if n < 1 or math.isinf(start) or math.isinf(stop):
        raise _cli_error(f"{option} {item!r}: need finite START and STOP and N >= 1")
    return Range(name, start, stop, n)


def _cli_error(message: str) -> SpecError:
    return SpecError(message, None)


def build_parser() -> argparse.ArgumentParser:
    """Return the argparse parser with every command of DESIGN §2."""
    p = argparse.ArgumentParser(
        prog="gamedsl",
        description="Declarative multi-stage games: write the model, get its subgame-perfect "
        "equilibrium.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, help: str, file: bool = True) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help)
        if file:
            c.add_argument("file", metavar="FILE", help="a .game file or stdlib:NAME")
        c.add_argument("--debug", action="store_true", help="show tracebacks (for bug reports)")
        return c

    def sets(c: argparse.ArgumentParser) -> None:
        c.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            dest="set_raw",
            help="a param value (repeatable; overrides defaults and scenarios)",
        )

    def analysis(c: argparse.ArgumentParser) -> None:
        c.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help="parallel worker processes (default: all cores)",
        )
        c.add_argument("--dask", metavar="ADDRESS", help="an existing Dask cluster")
        c.add_argument("--quiet", action="store_true", help="no progress bar")

    c = command("check", "parse and check a spec; print its players, stages and the stage graph")
    c.add_argument("--scenario", metavar="NAME", help="check with this scenario applied")

    c = command("solve", "solve for the subgame-perfect equilibrium")
    sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("--format", choices=("text", "json", "latex"), default="text")
    c.add_argument("--symbolic", action="store_true", help="closed forms in terms of the params")
    c.add_argument("--select", choices=("pareto", "first", "all"), default="pareto")
    c.add_argument("--strict", action="store_true", help="fail when verification fails")
    c.add_argument("-o", "--output", metavar="FILE", help="write the result here, not to stdout")

    c = command("graph", "draw the stage graph")
    c.add_argument("--format", choices=("text", "dot", "mermaid"), default="text")
    c.add_argument("--scenario", metavar="NAME")

    c = command("sweep", "solve over a grid of param values")
    c.add_argument(
        "--vary", action="append", default=[], metavar="NAME=START:STOP:N", required=True
    )
    sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("-o", "--output", metavar="OUT.csv|OUT.json", help="CSV or JSON, by extension")
    c.add_argument("--plot", metavar="OUT.png", help="columns against the first varied param")
    c.add_argument("--columns", metavar="A,B", help="columns to plot (default: choices, payoffs)")
    analysis(c)

    c = command("regions", "map the equilibrium regimes over two params")
    c.add_argument("--x", required=True, metavar="NAME=START:STOP:N")
    c.add_argument("--y", required=True, metavar="NAME=START:STOP:N")
    c.add_argument("--by", metavar="EXPR", help="what colours the regions")
    sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("-o", "--output", metavar="OUT.png|OUT.csv", help="the map, or its cells")
    analysis(c)

    c = command("statics", "signs and values of d(equilibrium)/d(param)")
    c.add_argument("--wrt", required=True, action="append", metavar="NAME")
    sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("--format", choices=("text", "json"), default="text")
    analysis(c)

    c = command("compare", "baseline and scenarios side by side, with deltas")
    c.add_argument("--scenario", action="append", default=[], metavar="NAME", dest="scenarios")
    sets(c)
    c.add_argument("--format", choices=("text", "json", "latex"), default="text")
    c.add_argument("-o", "--output", metavar="FILE", help="write the result here, not to stdout")
    analysis(c)

    command("list", "the standard library's models, with titles", file=False)
    return p


def _finish_args(args: argparse.Namespace) -> None:
    """Parse the structured options (--set, --vary, --x, --y) in place; raise SpecError."""
    args.set = parse_set(getattr(args, "set_raw", None))
    if getattr(args, "vary", None) is not None:
        args.vary_ranges = [parse_range("--vary", v) for v in args.vary]
    for axis in ("x", "y"):
        raw = getattr(args, axis, None)
        if raw is not None:
            setattr(args, f"{axis}_range", parse_range(f"--{axis}", raw))
    if getattr(args, "workers", 1) is not None and getattr(args, "workers", 1) < 1:
        raise _cli_error("--workers must be at least 1")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        try:  # a spec's descriptions may hold characters the terminal cannot show
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    debug = "--debug" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code) if isinstance(e.code, int) else EXIT_SPEC
    try:
        _finish_args(args)
        return _run(args)
    except GamedslError as e:
        if debug:
            traceback.print_exc()
        sources = dict(getattr(e, "sources", None) or {})
        _add_source(sources, e)
        default = getattr(args, "file", None) or "gamedsl"
        if e.span is None and isinstance(e, SpecError) and not isinstance(e, SolveError):
            print(
                f"gamedsl: error: {e.message}" + (f"\n  hint: {e.hint}" if e.hint else ""),
                file=sys.stderr,
            )
        else:
            print(e.format(sources, default_file=default), file=sys.stderr)
        return e.exit_code if isinstance(e, (SpecError, SolveError)) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
            return 1
        print(
            f"gamedsl: internal error: {type(e).__name__}: {str(e)[:200]} "
            f"(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _add_source(sources: dict[str, str], error: GamedslError) -> None:
    """Add the text of the file an error points into, when the error did not bring it (errors
    raised by the solver), so the message can show the line."""
    spans = [getattr(x, "span", None) for x in getattr(error, "errors", (error,))]
    for span in spans:
        if span is None or span.file in sources:
            continue
        try:
            from gamedsl.language import normalize

            with open(span.file, encoding="utf-8") as f:
                sources[span.file] = normalize(f.read())
        except (OSError, UnicodeDecodeError, ValueError):
            pass


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        return _check(args)
    if args.command == "graph":
        return _graph(args)
    if args.command == "list":
        return _list(args)
    try:
        commands = importlib.import_module("gamedsl.commands")
    except ModuleNotFoundError as e:
        if e.name != "gamedsl.commands":
            raise
        print(f"gamedsl {args.command}: not implemented yet", file=sys.stderr)
        return 1
    run = getattr(commands, args.command, None)
    if run is None:
        print(f"gamedsl {args.command}: not implemented yet", file=sys.stderr)
        return 1
    return int(run(args))


def _check(args: argparse.Namespace) -> int:
    from gamedsl.language import load_game
    from gamedsl.report.summary import summary

    game = load_game(args.file, scenario=args.scenario)
    print(summary(game))
    return 0


def _graph(args: argparse.Namespace) -> int:
    from gamedsl.language import load_game
    from gamedsl.report.graph import render

    game = load_game(args.file, scenario=args.scenario)
    print(render(game, args.format))
    return 0


def _list(args: argparse.Namespace) -> int:
    from gamedsl.language import stdlib_dir

    root = stdlib_dir()
    rows = []
    for path in sorted(root.glob("*.game")):
        rows.append((path.stem, _title(path)))
    if not rows:
        print("(the standard library is empty)")
        return 0
    width = max(len(n) for n, _ in rows)
    for name, title in rows:
        print(f"stdlib:{name:<{width}}  {title or ''}".rstrip())
    return 0


_TITLE = re.compile(r'^\s*game\s+"((?:[^"\\\n]|\\["\\])*)"', re.MULTILINE)


def _title(path) -> str | None:
    """Return the `game "..."` title of a stdlib file (None if it has none or is unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = _TITLE.search(text)
    if m is None:
        return None
    return re.sub(r"\\([\"\\])", r"\1", m.group(1))


def entry() -> None:
    """Console-script wrapper: exit with `main()`'s code."""
    sys.exit(main())


if __name__ == "__main__":
    entry()


__all__ = ["Range", "Span", "build_parser", "main", "parse_range", "parse_set"]
