"""Files: reading specs, the standard library (`stdlib:NAME`), and resolving `use`/`extends`.

`Loader` reads and parses each file once and keeps its text for error messages; `stdlib:NAME`
never resolves outside the installed standard library directory.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from gamedsl.language.hints import suggest
from gamedsl.language.source import normalize, short
from gamedsl.model.errors import Span, SpecError

if TYPE_CHECKING:  # the syntax tree's classes: `gamedsl list` needs none of them
    from gamedsl.language import ast

MAX_FILE_BYTES = 20_000_000


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


def read_spec(path: Path, display: str, span: Span | None) -> str:
    """Return the text of `path`, refusing missing files, directories and non-UTF-8 bytes."""
    where = span or Span(display, 1, 1)
    if path.is_dir():
        raise SpecError(f"{display} is a directory, not a .game file", where)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"cannot find {display}", where) from None
    except OSError as e:
        raise SpecError(f"cannot read {display}: {e.strerror or e}", where) from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"{display} is too large ({len(data)} bytes)", where)
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


class Loader:
    """Reads files once each and remembers their text for error messages."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.modules: dict[str, ast.Module] = {}

    def parse_file(self, real: str, display: str, text: str | None = None) -> ast.Module:
        """Return the syntax tree of the file at `real` (shown as `display`), parsed once."""
        if real in self.modules:
            return self.modules[real]
        if text is None:
            text = read_spec(Path(real), display, None)
        self.sources[display] = normalize(text)
        from gamedsl.language.parser import parse  # lark: `gamedsl list` needs none of it

        module = parse(text, display)
        self.modules[real] = module
        return module

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
        if not path.is_file():
            raise SpecError(f"cannot find {target!r} (looked for {path})", span)
        return display, str(path.resolve())

    def entry(self, source: str) -> tuple[str, str]:
        """Return (display path, real path) of the file a command names: a path or
        `stdlib:NAME`."""
        where = Span(source, 1, 1)
        if source.startswith("stdlib:"):
            real = stdlib_path(source[len("stdlib:") :], where)
            return str(real), str(real)
        path = Path(source)
        if path.is_dir():
            raise SpecError(f"{source} is a directory, not a .game file", where)
        if not path.exists():
            raise SpecError(f"cannot find {source}", where)
        return source, str(path.resolve())
