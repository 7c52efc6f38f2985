"""The LALR tables of `grammar.lark`, built once per user and reused by every later process.

Building the tables costs ~0.1-0.15 s per process; loading them from lark's cache ~0.01 s
(issue 21).  The cache is one file per grammar, lark version and Python version (their hash is in
the name), in `$GAMEDSL_CACHE_DIR`, else `$XDG_CACHE_HOME/gamedsl`, else `~/.cache/gamedsl`
(`GAMEDSL_CACHE_DIR=""` turns the cache off).

- **Atomic**: a process writes the tables (`Lark.save`) to a private temporary file beside the
  cache file and renames it into place, so a reader sees no file or a whole one, and two processes
  starting together at worst both build (the same tables) and both rename.
- **Falls back cleanly**: an unreadable, corrupt or foreign file (its first line names the key it
  was written for), a directory that cannot be made or written (a read-only home) — the grammar
  is then built in memory, as without a cache, and nothing is printed.
- **Safe**: lark's cache is a pickle, so a file is loaded only when it belongs to this user and no
  one else may write it (the directory is made private, mode 0700).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from lark import Lark
from lark import __version__ as lark_version

CACHE_ENV = "GAMEDSL_CACHE_DIR"

# options that hold objects, not tables: given to the parser at load, never written
_NOT_STORED = ("transformer", "lexer_callbacks")


def cache_dir() -> Path | None:
    """Return the directory of gamedsl's cache files (None: the cache is turned off)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gamedsl"


def cache_file(grammar: str, options: dict[str, Any], directory: Path) -> Path:
    """Return the cache file of `grammar` built with `options` by this lark and this Python."""
    hashable = {k: v for k, v in options.items() if k not in _NOT_STORED}
    key = f"{grammar}\0{sorted(hashable.items())!r}\0{lark_version}\0{sys.version_info[:2]}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return directory / f"grammar-{digest}.lark"


def _trusted(path: Path) -> bool:
    """Return True when `path` is a regular file of this user that no one else may write."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):  # Windows: no owner bits to check; the file is the user's
        return path.is_file()
    import stat

    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _private_dir(directory: Path) -> bool:
    """Make `directory` (mode 0700) if it is missing; return True when it is usable."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _load(path: Path, key: str, options: dict[str, Any]) -> Lark | None:
    """Return the parser whose tables are in `path` (None when the file is not for `key`)."""
    with open(path, "rb") as f:
        if f.readline() != _header(key):
            return None
        inst = Lark.__new__(Lark)
        # what lark's own cache and `Lark.load` do, with the options that are not in the tables
        return inst._load(f, **{k: v for k, v in options.items() if k in _NOT_STORED})


def _store(parser: Lark, path: Path, key: str) -> None:
    """Write the tables of `parser` to `path` atomically (a private temporary file renamed into
    place); raise OSError when the directory cannot be written."""
    fd, tmp = tempfile.mkstemp(prefix=".grammar-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_header(key))
            parser.save(f, exclude_options=_NOT_STORED)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _header(key: str) -> bytes:
    return f"gamedsl grammar tables {key}\n".encode("ascii")


def cached_lark(grammar: str, **options: Any) -> Lark:
    """Return the LALR parser of `grammar` with `options`, its tables loaded from the cache when
    they are there and built (and stored) when not."""
    directory = cache_dir()
    if directory is None:
        return Lark(grammar, **options)
    path = cache_file(grammar, options, directory)
    key = path.stem
    if _trusted(path):
        # a cache must never be the reason a spec fails: any trouble reading it, and we build
        with contextlib.suppress(Exception):
            parser = _load(path, key, options)
            if parser is not None:
                return parser
    parser = Lark(grammar, **options)
    if _private_dir(directory):
        with contextlib.suppress(OSError):
            _store(parser, path, key)
    return parser
