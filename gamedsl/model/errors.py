"""The one exception family of gamedsl and how errors are shown to a researcher.

`SpecError` (exit 2): the spec or the command line is wrong.  `SolveError` (exit 3): the game has
no equilibrium that could be found or certified.  Both carry a `Span` so the CLI can print
`FILE:LINE:COL: error: MESSAGE`, the source line, a caret under the column and a hint.
Everything a message echoes (names, source lines, file names) goes through `printable`, so a
spec cannot drive the terminal with escape sequences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

EXIT_OK = 0
EXIT_SPEC = 2
EXIT_SOLVE = 3  # also an internal error: no answer could be computed
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and
# isolates (which reorder what a terminal shows)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Return `text` with control characters written as `\\uXXXX` escapes (tabs and newlines
    kept): safe to print on a terminal, and inside a JSON string the same character."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class Span:
    """A position in a source file: 1-based line and column (columns count characters)."""

    file: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class GamedslError(Exception):
    """Base class of every error gamedsl raises on purpose."""

    exit_code = EXIT_SOLVE

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def format(
        self, sources: Mapping[str, str] | None = None, default_file: str = "<input>"
    ) -> str:
        """Return the message as `FILE:LINE:COL: error: ...`, the source line, a caret and a hint."""
        return _format_one(self.message, self.span, self.hint, sources or {}, default_file)

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.message}"


class SpecError(GamedslError):
    """The spec (or the command line) is wrong: exit code 2."""

    exit_code = EXIT_SPEC


class SpecErrors(SpecError):
    """Several spec errors found in one pass, sorted by position."""

    def __init__(self, errors: list[SpecError]):
        errors = sorted(errors, key=_position_key)[:MAX_REPORTED_ERRORS]
        first = errors[0]
        super().__init__(first.message, first.span, first.hint)
        self.errors = tuple(errors)

    def format(
        self, sources: Mapping[str, str] | None = None, default_file: str = "<input>"
    ) -> str:
        parts = [e.format(sources, default_file) for e in self.errors]
        if len(self.errors) > 1:
            parts.append(f"{len(self.errors)} errors")
        return "\n".join(parts)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class SolveError(GamedslError):
    """No equilibrium could be found or certified (no equilibrium, an unbounded payoff or a
    maximum not attained, the time budget, a failed verification; with --strict, a warning):
    exit code 3.  `stage` names the stage reached; `solution`, when there is one, is the best
    profile found (printed before the error)."""

    exit_code = EXIT_SOLVE

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        hint: str | None = None,
        reason: str = "no_equilibrium",
        stage: str | None = None,
        solution: object | None = None,
    ):
        super().__init__(message, span, hint)
        self.reason = reason
        self.stage = stage
        self.solution = solution


def _position_key(error: GamedslError) -> tuple:
    span = error.span
    if span is None:
        return ("", 0, 0)
    return (span.file, span.line, span.column)


def _format_one(
    message: str, span: Span | None, hint: str | None, sources: Mapping[str, str], default_file: str
) -> str:
    if span is None:
        lines = [f"{default_file}: error: {message}"]
    else:
        lines = [f"{span.file}:{span.line}:{span.column}: error: {message}"]
        text = sources.get(span.file)
        if text is not None:
            source_lines = text.splitlines()
            if 1 <= span.line <= len(source_lines):
                line = source_lines[span.line - 1]
                shown = line if len(line) <= 200 else line[: max(200, span.column + 20)][:400]
                # the caret counts the escapes the line is shown with
                width = max(span.column - 1, 0)
                before = line[:width]
                width += len(printable(before)) - len(before)
                lines.append("  " + printable(shown.replace("\t", " ")))
                lines.append("  " + " " * width + "^")
    if hint:
        lines.append(f"  hint: {hint}")
    return printable("\n".join(lines))
