"""Files: reading specs, the standard library (`stdlib:NAME`), and resolving `use`/`extends`.

`Loader` reads and parses each file once and keeps its text for error messages; `stdlib:NAME`
never resolves outside the installed standard library directory.  A spec is a regular file of at
most MAX_FILE_BYTES bytes, opened without blocking (a FIFO or a device is refused, never read).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from gamedsl.language.hints import suggest
from gamedsl.language.source import normalize, short
from gamedsl.model.errors import Span, SpecError

if TYPE_CHECKING:  # the syntax tree's classes: `gamedsl list` needs none of them
    from gamedsl.language import ast

# the check benchmark's generated spec (2,000 stages, 50,000 lets) is 1.4 MB
MAX_FILE_BYTES = 4 * 1024 * 1024


def stdlib_dir() -> Path:
    """Return the directory of the installed standard library (`gamedsl.stdlib`)."""
    return Path(str(resources.files("gamedsl.stdlib")))


_STDLIB_NAME = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\.game)?$")


def stdlib_path(name: str, span: Span) -> Path:
    """Return the file that `stdlib:NAME` names, refusing anything outside the stdlib directory."""
    if not name or not _STDLIB_NAME.match(name) or ".." in name.split("/"):
        raise SpecError(
            f"bad standard-library name {short(name)!r}",
            span,
            "write stdlib:NAME with NAME a file of the standard library, e.g. "
            "stdlib:openness_regulation",
        )
    root = stdlib_dir().resolve()
    candidate = root / (name if name.endswith(".game") else name + ".game")
    real = candidate.resolve()
    if root != real and root not in real.parents:
        raise SpecError(f"stdlib:{short(name)} resolves outside the standard library", span)
    if not real.is_file():
        available = sorted(p.stem for p in root.glob("*.game"))
        hint = suggest(name.removesuffix(".game"), available)
        raise SpecError(
            f"no standard-library model stdlib:{short(name)}",
            span,
            hint or (f"available: {', '.join(available)}" if available else None),
        )
    return real


def _read_regular(path: Path, display: str, where: Span) -> bytes:
    """Return the bytes of the regular file `path`: no FIFO, device, socket or directory (opened
    without blocking and checked before a byte is read) and at most MAX_FILE_BYTES bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise SpecError(f"cannot find {display}", where) from None
    except OSError as e:
        if e.errno == errno.EISDIR:
            raise SpecError(f"{display} is a directory, not a .game file", where) from None
        raise SpecError(f"cannot read {display}: {e.strerror or e}", where) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise SpecError(f"{display} is a directory, not a .game file", where)
        if not stat.S_ISREG(mode):
            raise SpecError(
                f"{display} is not a regular file (a FIFO, device or socket): "
                "a spec is read from a .game file",
                where,
            )
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:  # files in /proc say size 0: count what is read
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise SpecError(f"cannot read {display}: {e.strerror or e}", where) from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise SpecError(
            f"{display} is too large: a spec has at most {MAX_FILE_BYTES // (1024 * 1024)} MB",
            where,
        )
    return b"".join(chunks)


def read_spec(path: Path, display: str, span: Span | None) -> str:
    """Return the text of `path`, refusing missing files, directories, anything but a regular
    file, files over MAX_FILE_BYTES and non-UTF-8 bytes."""
    where = span or Span(display, 1, 1)
    data = _read_regular(path, display, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        line_start = data.rfind(b"\n", 0, e.start) + 1
        column = len(data[line_start : e.start].decode("utf-8", errors="replace")) + 1
        raise SpecError(
            f"{display} is not UTF-8 text (byte 0x{data[e.start]:02x})",
            Span(display, line, column),
            "save the file as UTF-8",
        ) from None


def is_game_text(display: str, text: str) -> bool:
    """Return True when a file may be quoted in messages: its name ends in `.game` and it holds
    no NUL byte.  Anything else (`use "/proc/self/environ"`, a binary file) is never echoed."""
    return display.lower().endswith(".game") and "\x00" not in text


def echo_text(path: str) -> str | None:
    """Return the normalised text of the file at `path` for quoting a line of it in a message,
    or None when it is not a readable regular `.game` text file (see `is_game_text`)."""
    if not path.lower().endswith(".game"):
        return None
    try:
        text = read_spec(Path(path), path, None)
    except SpecError:
        return None
    return normalize(text) if is_game_text(path, text) else None


class Loader:
    """Reads files once each and remembers their text for error messages (only of `.game`
    text files: see `is_game_text`).  Syntax errors are gathered in `syntax_errors`, with the
    names and lines of the stubbed statements (`recovery.py`) in `stubbed`."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.modules: dict[str, ast.Module] = {}
        self.syntax_errors: list[SpecError] = []
        self.stubbed: dict[str, tuple[frozenset[str], frozenset[int]]] = {}
        self.incomplete = False  # a tree lacks statements: check no further than the syntax

    def parse_file(self, real: str, display: str, text: str | None = None) -> ast.Module:
        """Return the syntax tree of the file at `real` (shown as `display`), parsed once.
        A file that is not a `.game` text and does not parse is one error that quotes none of
        it."""
        if real in self.modules:
            return self.modules[real]
        from_disk = text is None
        if text is None:
            text = read_spec(Path(real), display, None)
        quiet = from_disk and not is_game_text(display, text)
        if not quiet:
            self.sources[display] = normalize(text)
        from gamedsl.language.parser import parse_all  # lark: `gamedsl list` needs none of it

        parsed = parse_all(text, display)
        if parsed.errors and quiet:
            first = parsed.errors[0].span or Span(display, 1, 1)
            raise SpecError(
                f"{display} is not a .game text file and does not parse "
                f"(line {first.line}, column {first.column}); its content is not shown",
                Span(display, first.line, first.column),
                "a spec, and a file that use or extends names, is a .game text file",
            )
        self.syntax_errors.extend(parsed.errors)
        self.incomplete = self.incomplete or not parsed.complete
        if parsed.errors:
            self.stubbed[display] = (parsed.stubbed_names, parsed.stubbed_lines)
        self.modules[real] = parsed.module
        return parsed.module

    def resolve(
        self, target: str, base_display: str, base_real: str, span: Span
    ) -> tuple[str, str]:
        """Return (display path, real path) of `target` used from the file `base_display`."""
        if target.startswith("stdlib:"):
            real = stdlib_path(target[len("stdlib:") :], span)
            return str(real), str(real)
        if not target:
            raise SpecError("empty file name", span)
        if "\x00" in target:
            raise SpecError("bad file name", span)
        if os.path.isabs(target):
            display = target
            path = Path(target)
        else:
            base_dir = os.path.dirname(base_real)
            path = Path(base_dir) / target
            display = os.path.normpath(os.path.join(os.path.dirname(base_display), target))
        if path.is_dir():
            raise SpecError(f"{target} is a directory, not a .game file", span)
        if path.exists() and not path.is_file():
            raise SpecError(
                f"{short(target)} is not a regular file (a FIFO, device or socket)", span
            )
        if not path.is_file():
            raise SpecError(f"cannot find {target!r} (looked for {path})", span)
        return display, str(path.resolve())

    def entry(self, source: str) -> tuple[str, str]:
        """Return (display path, real path) of the file a command names: a path or
        `stdlib:NAME`."""
        where = Span(source, 1, 1)
        if not source.strip():
            raise SpecError("no file given: the file name is empty")
        if "\x00" in source:
            raise SpecError("bad file name (it contains a NUL character)")
        if source.startswith("stdlib:"):
            real = stdlib_path(source[len("stdlib:") :], where)
            return str(real), str(real)
        path = Path(source)
        if path.is_dir():
            raise SpecError(f"{source} is a directory, not a .game file", where)
        if not path.exists():
            raise SpecError(f"cannot find {source}", where)
        return source, str(path.resolve())
