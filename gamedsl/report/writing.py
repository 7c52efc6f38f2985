"""Writing output files whole or not at all (write to a temporary file, then rename)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Yield a file open on a temporary file beside `path`, renamed to `path` when the block
    ends without an error (readers see the old file or the whole new one) and removed when it
    ends with one; `mode` is "wb" or "w" (UTF-8 text, newlines as written)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        text = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **text) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically: readers see the old file or the whole new one."""
    with atomic_file(path, "wb") as fh:
        fh.write(data)


def write_chunks(path: str | os.PathLike, chunks: Iterable[str]) -> None:
    """Write the text `chunks` (UTF-8) to `path` atomically, one chunk at a time: a table of a
    million rows is never held whole in memory."""
    with atomic_file(path, "w") as fh:
        for chunk in chunks:
            fh.write(chunk)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write text (UTF-8) to `path` atomically."""
    write_bytes(path, text.encode("utf-8"))


def save_text(path: str | os.PathLike | None, text: str) -> str:
    """Write `text` to `path` atomically when a path is given; return the text (the Python
    API's `to_csv(path)`, `to_json(path)`)."""
    if path is not None:
        write_text(path, text)
    return text


def emit(path: str | os.PathLike | None, text: str) -> None:
    """Write a command's output: to `path` atomically when given, else to stdout."""
    if path:
        write_text(path, text + "\n")
    else:
        sys.stdout.write(text + "\n")
