"""Source text as the parser reads it: normalisation, positions, limits and lexical errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gamedsl.model.errors import Span, SpecError

# DESIGN §1: these words are keywords wherever they appear, never names.
KEYWORDS = frozenset(
    [
        "game",
        "param",
        "policy",
        "assume",
        "player",
        "let",
        "def",
        "stage",
        "chooses",
        "when",
        "otherwise",
        "payoff",
        "report",
        "scenario",
        "fix",
        "set",
        "merge",
        "as",
        "use",
        "extends",
        "after",
        "before",
        "in",
        "if",
        "then",
        "else",
        "and",
        "or",
        "not",
        "inf",
    ]
)

MAX_BRACKET_DEPTH = 100  # brackets nested on one line
MAX_EXPR_DEPTH = 200  # levels of an expression tree (chains of one operator are one level)
MAX_NUMBER_LENGTH = 400  # characters of a number literal

# Characters Python's str.splitlines() treats as line breaks; they would make the line numbers
# of error messages disagree with the lexer's, so they are read as spaces.
_ODD_BREAKS = {c: " " for c in (0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}
_NEWLINE = re.compile("\n")
# what bracket nesting looks at: brackets, and what hides them (strings, comments, new lines)
_NESTING = re.compile(r'[()\[\]{}\n#"]')
_STRING_END = re.compile(r'(?:[^"\\\n]|\\.)*"')


def normalize(text: str) -> str:
    """Return `text` with a leading BOM removed, CRLF and CR turned into LF, and the other
    characters that Python counts as line breaks turned into spaces."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_ODD_BREAKS)


def short(name: str, limit: int = 40) -> str:
    """Return `name` cut to `limit` characters for a message."""
    return name if len(name) <= limit else name[: limit - 3] + "..."


@dataclass
class Source:
    """A file's normalised text and the offsets where its lines start."""

    file: str
    text: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def offset(self, line: int, column: int) -> int:
        """Return the index in `text` of a 1-based line and column."""
        if not self._line_starts:
            self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        return self._line_starts[line - 1] + column - 1

    def text_of(self, span: Span) -> str:
        """Return the text between the ends of `span`."""
        start = self.offset(span.line, span.column)
        end = self.offset(span.end_line or span.line, span.end_column or span.column)
        return self.text[start:end]

    def check_nesting(self) -> None:
        """Raise a SpecError at the first bracket nested more than MAX_BRACKET_DEPTH deep on a
        line (checked before parsing, so that absurd nesting costs no parse)."""
        depth, pos, text = 0, 0, self.text
        while True:
            m = _NESTING.search(text, pos)
            if m is None:
                return
            ch, pos = m.group(), m.end()
            if ch in "([{":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    raise SpecError(
                        f"nested too deeply: more than {MAX_BRACKET_DEPTH} levels of brackets",
                        self._span_at(m.start()),
                        "split the expression with `let`",
                    )
            elif ch in ")]}":
                depth = max(depth - 1, 0)
            elif ch == "\n":
                depth = 0
            elif ch == "#":
                end = text.find("\n", pos)
                pos = len(text) if end < 0 else end
            else:  # a string: skip to its closing quote (an unterminated one is the lexer's)
                s = _STRING_END.match(text, pos)
                if s is not None:
                    pos = s.end()

    def _span_at(self, index: int) -> Span:
        line = self.text.count("\n", 0, index) + 1
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return Span(self.file, line, column)


def bad_character(data: str, pos: int, line: int, column: int, file: str) -> SpecError:
    """Return the error for a character that cannot start a token at `pos`."""
    ch = data[pos]
    span = Span(file, line, column)
    if ch == '"':
        end = data.find("\n", pos)
        rest = data[pos + 1 : end if end >= 0 else len(data)]
        bad = re.search(r'\\(?!["\\])', rest)
        closing = rest.find('"')
        if bad is not None and (closing < 0 or bad.start() < closing):
            escape = rest[bad.start() : bad.start() + 2]
            return SpecError(
                f'unknown escape {escape!r} in a string (the escapes are \\" and \\\\)', span
            )
        return SpecError("unterminated string: a string ends with '\"' on the same line", span)
    if ch == "_":
        return SpecError("names start with a letter (A-Z, a-z), not '_'", span)
    if ch == "\x00":
        return SpecError("unexpected NUL character (is this a binary file?)", span)
    if ch == "!":
        return SpecError("unexpected '!': write 'not' for negation and '!=' for 'not equal'", span)
    if ch == "&" or ch == "|":
        word = "and" if ch == "&" else "or"
        return SpecError(f"unexpected {ch!r}: write '{word}'", span)
    if ch == ".":
        return SpecError("unexpected '.'", span)
    if ch.isdigit() or ch.isnumeric():  # a digit of another script: ASCII digits only
        return SpecError(
            f"unexpected character {ch!r} (U+{ord(ch):04X}): numbers are written with the "
            "digits 0-9",
            span,
        )
    if ch.isalpha():
        return SpecError(
            f"unexpected character {ch!r}: names use the letters A-Z, a-z, digits and '_'", span
        )
    if ch.isprintable():
        return SpecError(f"unexpected character {ch!r}", span)
    return SpecError(f"unexpected character {ch!r} (U+{ord(ch):04X})", span)
