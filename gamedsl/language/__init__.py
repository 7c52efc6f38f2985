"""The language: `.game` text to a checked `Game`.

The public face of the package, for the solver, the analyses, the command line and tools:
`load_game` (a path or `stdlib:NAME`, with a scenario), `check_text` (text, for tests and tools),
`parse` (text to the syntax tree), `parse_expression` (one expression typed on the command line),
`stdlib_dir`, `param_values` (defaults in dependency order) and `normalize` (the text as the
parser reads it: BOM, CRLF).  The passes are listed in `check.py`.

The names are imported on first use (PEP 562), so that `gamedsl list` (which needs only
`stdlib_dir`) does not pay for sympy and the parser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gamedsl.language.check import check_text, load_game
    from gamedsl.language.files import stdlib_dir
    from gamedsl.language.lower import param_values
    from gamedsl.language.parser import normalize, parse, parse_expression

# each public name and the module that defines it
_HOMES = {
    "check_text": "check",
    "load_game": "check",
    "normalize": "source",
    "param_values": "lower",
    "parse": "parser",
    "parse_expression": "parser",
    "stdlib_dir": "files",
}

__all__ = [
    "check_text",
    "load_game",
    "normalize",
    "param_values",
    "parse",
    "parse_expression",
    "stdlib_dir",
]


def __getattr__(name: str):
    """Return a public name of the package, importing its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gamedsl.language' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gamedsl.language.{home}"), name)
    globals()[name] = value
    return value
