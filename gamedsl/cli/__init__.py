"""The `gamedsl` command line (DESIGN §2): arguments in, report out, nothing else.

`arguments` parses the command line, `commands` runs one command (load, solve or analyse,
format with `gamedsl.report`, write); `main` turns errors into messages and exit codes: 0 ok,
2 the spec or the command line is wrong, 3 no equilibrium, 1 an internal error.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from gamedsl.cli import commands
from gamedsl.cli.arguments import Range, build_parser, finish_args, parse_range, parse_set
from gamedsl.model.errors import EXIT_SPEC, GamedslError, SolveError, Span, SpecError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        try:  # a spec's descriptions may hold characters the terminal cannot show
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # argparse: --help (0) or a usage error (2)
        return int(e.code) if isinstance(e.code, int) else EXIT_SPEC
    try:
        finish_args(args)
        return commands.run(args)
    except GamedslError as e:
        if debug:
            traceback.print_exc()
        print(_message(e, args), file=sys.stderr)
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


def _message(error: GamedslError, args: argparse.Namespace) -> str:
    """Return the message of an error: `FILE:LINE:COL: error: ...` with the source line and a
    caret, or `gamedsl: error: ...` for a wrong option."""
    if error.span is None and isinstance(error, SpecError) and not isinstance(error, SolveError):
        return f"gamedsl: error: {error.message}" + (
            f"\n  hint: {error.hint}" if error.hint else ""
        )
    sources = dict(getattr(error, "sources", None) or {})
    _add_source(sources, error)
    default = getattr(args, "file", None) or "gamedsl"
    return error.format(sources, default_file=default)


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


__all__ = ["Range", "Span", "build_parser", "main", "parse_range", "parse_set"]
