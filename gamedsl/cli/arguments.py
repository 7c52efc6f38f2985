"""The command line's arguments (DESIGN §2): the argparse parser, and the structured options
(`--set NAME=VALUE`, `--vary`/`--x`/`--y NAME=START:STOP:N`) parsed into values.

A malformed option is a `SpecError` without a position (exit 2, `gamedsl: error: ...`).  Numbers
are ASCII decimals that fit a float (no `1_000`, no digits of other scripts, nothing that
overflows to inf or underflows to 0); a grid has at most MAX_GRID_POINTS points."""

from __future__ import annotations

import argparse
import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from gamedsl.model.errors import SpecError


class Range(NamedTuple):
    """A parsed `NAME=START:STOP:N` (for --vary, --x, --y)."""

    name: str
    start: float
    stop: float
    n: int


# a param, or a member of a family of params (`c[2]`, DESIGN §1b)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MEMBER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\[[0-9]+\]$")


_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$|^[+-]?inf$")
_COUNT = re.compile(r"^[0-9]{1,12}$")
_NONZERO = re.compile(r"[1-9]")
MAX_GRID_POINTS = 10_000_000  # points of a sweep (all --vary together) or a region map (x * y)


def _number(text: str) -> float:
    """Return the float in `text` (a decimal number in ASCII digits, or `inf`/`-inf`); raise
    ValueError otherwise (no `1_000`, no digits of other scripts, no value beyond the floats)."""
    t = text.strip().lower()
    if len(t) > 400 or not _DECIMAL.match(t):
        raise ValueError(text)
    value = float(t)
    if math.isnan(value) or (math.isinf(value) and "inf" not in t):
        raise ValueError(text)
    mantissa = t.partition("e")[0]
    if value == 0 and _NONZERO.search(mantissa):  # 1e-400: not zero, but no float either
        raise ValueError(text)
    return value


def _why_not(text: str) -> str:
    """Return why a --set value is not taken."""
    t = text.strip()
    if _DECIMAL.match(t.lower()) and len(t) <= 400:
        if "inf" not in t.lower() and math.isinf(float(t)):
            return f"{short(t)!r} is beyond the range of numbers here (about ±1.8e308)"
        return f"{short(t)!r} is too small to tell from 0 here (below about 5e-324): write 0"
    if len(t) > 400:
        return f"the value has {len(t)} characters: too long for a number"
    return f"{short(t)!r} is not a number (write digits 0-9, e.g. 0.25, 1e-3, inf)"


def short(text: str, limit: int = 60) -> str:
    """Return text cut to `limit` characters for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def option_error(message: str, hint: str | None = None) -> SpecError:
    """Return the error of a wrong command-line option (no position in a file)."""
    return SpecError(message, None, hint)


def parse_set(items: Sequence[str] | None) -> OrderedDict[str, float]:
    """Return the `--set NAME=VALUE` options as an ordered dict; raise SpecError if malformed."""
    out: OrderedDict[str, float] = OrderedDict()
    for item in items or ():
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not (_NAME.match(name) or _MEMBER.match(name)):
            raise option_error(f"--set {short(item)!r}: expected NAME=VALUE, e.g. --set alpha0=0.4")
        try:
            out[name] = _number(value)
        except ValueError:
            raise option_error(f"--set {short(item)!r}: {_why_not(value)}") from None
    return out


def parse_range(option: str, item: str) -> Range:
    """Return the `NAME=START:STOP:N` of `option`; raise SpecError if malformed."""
    name, eq, rest = item.partition("=")
    name = name.strip()
    parts = rest.split(":")
    if not eq or not (_NAME.match(name) or _MEMBER.match(name)) or len(parts) != 3:
        raise option_error(
            f"{option} {short(item)!r}: expected NAME=START:STOP:N, e.g. theta=0:1:21"
        )
    try:
        start, stop = _number(parts[0]), _number(parts[1])
        if not _COUNT.match(parts[2].strip()):
            raise ValueError(parts[2])
        n = int(parts[2])
    except ValueError:
        raise option_error(
            f"{option} {short(item)!r}: START and STOP are numbers that fit a float, N an integer"
        ) from None
    if n < 1 or math.isinf(start) or math.isinf(stop):
        raise option_error(f"{option} {short(item)!r}: need finite START and STOP and N >= 1")
    return Range(name, start, stop, n)


def finish_args(args: argparse.Namespace) -> None:
    """Parse the structured options (--set, --vary, --x, --y) in place; raise SpecError."""
    args.set = parse_set(getattr(args, "set_raw", None))
    if getattr(args, "vary", None) is not None:
        args.vary_ranges = [parse_range("--vary", v) for v in args.vary]
    for axis in ("x", "y"):
        raw = getattr(args, axis, None)
        if raw is not None:
            setattr(args, f"{axis}_range", parse_range(f"--{axis}", raw))
    if getattr(args, "workers", 1) is not None and getattr(args, "workers", 1) < 1:
        raise option_error("--workers must be at least 1")


class _Parser:
    """Builds the subcommands and their shared options."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser(
            prog="gamedsl",
            description="Declarative multi-stage games: write the model, get its "
            "subgame-perfect equilibrium.",
        )
        self.sub = self.parser.add_subparsers(dest="command", metavar="COMMAND")
        self.sub.required = True

    def command(self, name: str, help: str, file: bool = True) -> argparse.ArgumentParser:
        """Return a new subcommand (with FILE and --debug)."""
        c = self.sub.add_parser(name, help=help, description=help)
        if file:
            c.add_argument("file", metavar="FILE", help="a .game file or stdlib:NAME")
        c.add_argument("--debug", action="store_true", help="show tracebacks (for bug reports)")
        return c

    @staticmethod
    def sets(c: argparse.ArgumentParser) -> None:
        """Add --set (repeatable)."""
        c.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            dest="set_raw",
            help="a param value (repeatable; overrides defaults and scenarios)",
        )

    @staticmethod
    def analysis(c: argparse.ArgumentParser) -> None:
        """Add the options of the parallel analyses: --workers, --dask, --quiet."""
        c.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help="parallel worker processes (default: all cores)",
        )
        c.add_argument("--dask", metavar="ADDRESS", help="an existing Dask cluster")
        c.add_argument("--quiet", action="store_true", help="no progress bar")


def _solving_commands(p: _Parser) -> None:
    """Add check, solve and graph."""
    c = p.command("check", "parse and check a spec; print its players, stages and the stage graph")
    c.add_argument("--scenario", metavar="NAME", help="check with this scenario applied")

    c = p.command("solve", "solve for the subgame-perfect equilibrium")
    p.sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("--format", choices=("text", "json", "latex"), default="text")
    c.add_argument("--symbolic", action="store_true", help="closed forms in terms of the params")
    c.add_argument("--select", choices=("pareto", "first", "all"), default="pareto")
    c.add_argument(
        "--pure",
        action="store_true",
        help="pure strategies only: a finite stage with no pure equilibrium is exit 3 "
        "(without it, such a stage is solved in mixed strategies)",
    )
    c.add_argument(
        "--strict",
        action="store_true",
        help="exit 3 on any warning as well as when verification fails",
    )
    c.add_argument("-o", "--output", metavar="FILE", help="write the result here, not to stdout")

    c = p.command("derive", "write the derivation of the equilibrium as a LaTeX appendix")
    p.sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("-o", "--output", metavar="FILE", help="write the document here (.tex)")

    c = p.command("graph", "draw the stage graph")
    c.add_argument("--format", choices=("text", "dot", "mermaid"), default="text")
    c.add_argument("--scenario", metavar="NAME")


def _analysis_commands(p: _Parser) -> None:
    """Add sweep, regions, statics and compare."""
    c = p.command("sweep", "solve over a grid of param values")
    c.add_argument(
        "--vary", action="append", default=[], metavar="NAME=START:STOP:N", required=True
    )
    p.sets(c)
    c.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        dest="scenarios",
        help="solve under this scenario (repeatable: one table with a scenario column, a line "
        "per scenario; 'baseline' is the spec without a scenario)",
    )
    c.add_argument(
        "-o",
        "--output",
        metavar="OUT.csv|OUT.json|OUT.parquet",
        help="CSV, JSON or Parquet (needs pyarrow: the parquet extra), by extension",
    )
    c.add_argument("--plot", metavar="OUT.png", help="columns against the first varied param")
    c.add_argument(
        "--columns",
        action="append",
        metavar="A,B",
        help="columns to show and plot (default: choices, payoffs), or expressions of them "
        'computed per row: "CS - CS@baseline" (NAME@SCENARIO: the same grid under SCENARIO)',
    )
    p.analysis(c)

    c = p.command("regions", "map the equilibrium regimes over two params")
    c.add_argument("--x", required=True, metavar="NAME=START:STOP:N")
    c.add_argument("--y", required=True, metavar="NAME=START:STOP:N")
    c.add_argument("--by", metavar="EXPR", help="what colours the regions")
    p.sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("-o", "--output", metavar="OUT.png|OUT.csv", help="the map, or its cells")
    p.analysis(c)

    c = p.command("statics", "signs and values of d(equilibrium)/d(param)")
    c.add_argument("--wrt", required=True, action="append", metavar="NAME")
    p.sets(c)
    c.add_argument("--scenario", metavar="NAME")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--plot", metavar="OUT.png", help="the derivatives as bars")
    p.analysis(c)

    c = p.command("compare", "baseline and scenarios side by side, with deltas")
    c.add_argument("--scenario", action="append", default=[], metavar="NAME", dest="scenarios")
    p.sets(c)
    c.add_argument("--format", choices=("text", "json", "latex", "csv"), default="text")
    c.add_argument("-o", "--output", metavar="FILE", help="write the result here, not to stdout")
    c.add_argument(
        "--plot", metavar="OUT.png", help="payoffs and reports as bars, a group per scenario"
    )
    p.analysis(c)


def build_parser() -> argparse.ArgumentParser:
    """Return the argparse parser with every command of DESIGN §2."""
    p = _Parser()
    _solving_commands(p)
    _analysis_commands(p)
    p.command("list", "the standard library's models, with titles", file=False)
    return p.parser
