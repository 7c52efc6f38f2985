"""Writing output files whole or not at all, and checking where they go before any work.

`write_bytes` writes to a temporary file in the target's own directory and renames it over the
target (`os.replace`): a reader, an interrupt or a crash sees the old file or the whole new one.
The new file gets the mode a plain `open(path, "w")` would give it (0666 less the umask), or keeps
the mode of the file it replaces; a symbolic link is written through (its target is replaced and
the link stays a link).  `output_problem` says why a path cannot take an output (a missing
directory, a directory, a FIFO or device, a read-only file, one of the inputs), so a command can
refuse it before it computes anything.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO


def _umask() -> int:
    """Return this process's umask (read from /proc where it can be, else set and restored)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target(path: str | os.PathLike) -> Path:
    """Return the file that writing to `path` should replace: the end of a chain of symbolic
    links (which may not exist yet), else `path` itself."""
    p = Path(path)
    if p.is_symlink():
        return Path(os.path.realpath(p))
    return p


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Yield a file open on a temporary file beside `path`'s target, renamed over it when the
    block ends without an error (readers see the old file or the whole new one) and removed when
    it ends with one; `mode` is "wb" or "w" (UTF-8 text, newlines as written).  The new file gets
    the mode of the file it replaces, else 0666 less the umask; a symlink is written through."""
    target = _target(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        perms = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        perms = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        text = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **text) as fh:
            yield fh
            fh.flush()
            os.fchmod(fh.fileno(), perms)
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


def _same_file(a: Path, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return os.path.realpath(a) == os.path.realpath(b)


def output_problem(path: str, inputs: Iterable[str] = ()) -> str | None:
    """Return why `path` cannot take an output file (None when it can): an empty name, a
    missing or unwritable directory, a directory, something that is not a regular file (a
    FIFO, a device, a socket), a read-only file, or one of `inputs` (the files read)."""
    if not path or not path.strip():
        return "the file name is empty"
    if "\x00" in path:
        return "the file name contains a NUL character"
    target = _target(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        return f"the directory {directory} does not exist"
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        return f"cannot use it: {e.strerror or e}"
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            return "it is a directory"
        if not stat.S_ISREG(st.st_mode):
            return "it is not a regular file (a FIFO, device or socket)"
        if any(_same_file(target, source) for source in inputs):
            return "it is an input of this command; writing there would destroy it"
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            return "the file is read-only"  # by its mode too: root may write it, but it asks not
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"the directory {directory} is not writable"
    return None
