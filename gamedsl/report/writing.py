"""Writing output files whole or not at all (write to a temporary file, then rename)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically: readers see the old file or the whole new one."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
