"""The `gamedsl` command line (DESIGN §2): arguments in, report out, nothing else.

`arguments` parses the command line, `commands` runs one command (load, solve or analyse,
format with `gamedsl.report`, write); `main` turns errors into messages and exit codes: 0 ok,
2 the spec or the command line is wrong, 3 no equilibrium could be found or certified (an
internal error, running out of memory included: no answer was computed), 130 interrupted (Ctrl-C
or SIGTERM).  Every message is printed with its control characters escaped.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Iterator

from gamedsl.cli import commands
from gamedsl.cli.arguments import Range, build_parser, finish_args, parse_range, parse_set
from gamedsl.model.errors import (
    EXIT_INTERRUPTED,
    EXIT_SOLVE,
    EXIT_SPEC,
    GamedslError,
    SolveError,
    Span,
    SpecError,
    printable,
)


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
    with _terminate_as_interrupt():
        return _run(args, debug)


def console() -> None:
    """The `gamedsl` program: run `main` and exit with its code.  After an interrupt the
    process leaves at once (its workers are stopped and nothing is left to write): tearing the
    interpreter down takes a second or more, and Ctrl-C should stop the program within two."""
    code = main()
    if code == EXIT_INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


def _run(args: argparse.Namespace, debug: bool) -> int:
    """Run the parsed command; return its exit code, every failure turned into a message."""
    try:
        finish_args(args)
        return commands.run(args)
    except GamedslError as e:
        if debug:
            traceback.print_exc()
        _say(_message(e, args))
        return e.exit_code if e.exit_code in (EXIT_SPEC, EXIT_SOLVE) else EXIT_SOLVE
    except KeyboardInterrupt:
        _say("gamedsl: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except MemoryError:
        _say(
            f"gamedsl: error: out of memory while {commands.phase(args)}: the problem is too "
            "large for this machine (reduce the grid, the number of stages or the domains)"
        )
        return EXIT_SOLVE
    except OverflowError:
        _say(
            f"gamedsl: error: a number beyond the range of floats (about ±1.8e308) came up while "
            f"{commands.phase(args)}: the param values are too large for this model (rescale it)"
        )
        return EXIT_SOLVE
    except RecursionError:
        _say(f"gamedsl: error: nested too deeply to handle while {commands.phase(args)}")
        return EXIT_SOLVE
    except Exception as e:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        _say(
            f"gamedsl: internal error while {commands.phase(args)}: "
            f"{type(e).__name__}: {str(e)[:200]} "
            "(a bug in gamedsl, no answer was computed: please report it with the output of "
            "the same command run with --debug)"
        )
        return EXIT_SOLVE


def _say(message: str) -> None:
    """Print a message on stderr, control characters escaped."""
    print(printable(message), file=sys.stderr)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM stops it as Ctrl-C does (exit 130, workers stopped, no
    output written); the previous handler is put back after."""
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except (ValueError, OSError):  # not the main thread: leave signals alone
        pass
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
    raised by the solver), so the message can show the line: only a regular `.game` text file,
    read without blocking (never a FIFO, a device or a file that is not a spec)."""
    from gamedsl.language.files import echo_text

    spans = [getattr(x, "span", None) for x in getattr(error, "errors", (error,))]
    for span in spans:
        if span is None or span.file in sources:
            continue
        text = echo_text(span.file)
        if text is not None:
            sources[span.file] = text


__all__ = ["Range", "Span", "build_parser", "console", "main", "parse_range", "parse_set"]
