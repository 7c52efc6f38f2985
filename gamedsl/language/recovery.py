"""Going on after a syntax error: the bad statement is replaced by a stub and the file parsed again.

Statements are one line each, so a syntax error belongs to the line it is found on.  `stub`
returns what that line becomes for the next attempt: the start of the statement as written (the
same columns, so later positions do not move) cut to what declares its name — `param a`,
`let x = 0`, `payoff F = 0`, `stage s:`, `  F chooses q` — or a blank line when nothing can be
kept.  Stubs keep declarations and blocks in place, so the checker finds the file's other errors
without tripping over the hole; the names a stub declares are returned too, so that errors which
are only echoes of the syntax error (a type guessed for a stubbed let) can be left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
# (pattern of the start of a statement, what is added after it); group "name" is declared
_STUBS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), suffix)
    for pattern, suffix in (
        (rf"^[ \t]*(?:param|policy)[ \t]+(?P<name>{_NAME})", ""),
        (rf"^[ \t]*player[ \t]+(?P<name>{_NAME})", ""),
        (rf"^[ \t]*(?:let|report)[ \t]+(?P<name>{_NAME})", " = 0"),
        (rf"^[ \t]*payoff[ \t]+(?P<name>{_NAME})(?:[ \t]*\[[ \t]*{_NAME}[ \t]*\])?", " = 0"),
        (
            (
                rf"^[ \t]*def[ \t]+(?P<name>{_NAME})[ \t]*\([ \t]*(?:{_NAME}[ \t]*"
                rf"(?:,[ \t]*{_NAME}[ \t]*)*)?\)"
            ),
            " = 0",
        ),
        (rf"^[ \t]*(?:stage|scenario)[ \t]+(?P<name>{_NAME})", ":"),
        (rf"^[ \t]+{_NAME}[ \t]+chooses[ \t]+(?P<name>{_NAME})", ""),
        (rf"^[ \t]+nature[ \t]+draws[ \t]+(?P<name>{_NAME})", " in {0}"),
    )
)
_HEADER = re.compile(r"^(?:stage|scenario)\b")


@dataclass(frozen=True)
class Patch:
    """What the lines of a bad statement become: `lines` from index `first` on."""

    first: int
    lines: tuple[str, ...]
    name: str | None


def stub(lines: list[str], index: int, stubbed_before: bool) -> Patch:
    """Return the patch for the bad statement on `lines[index]`: its stub, or a blank line when
    it has none or its stub failed too (`stubbed_before`).  A blanked block header blanks its
    indented lines as well (they would all be errors of their own without it)."""
    line = lines[index]
    if not stubbed_before:
        for pattern, suffix in _STUBS:
            m = pattern.match(line)
            if m is not None:
                return Patch(index, (m.group(0) + suffix,), m.group("name"))
    if not _HEADER.match(line):
        return Patch(index, ("",), None)
    end = index + 1
    while end < len(lines) and (
        lines[end][:1] in (" ", "\t") or lines[end].strip()[:1] in ("", "#")
    ):
        end += 1
    return Patch(index, ("",) * (end - index), None)
