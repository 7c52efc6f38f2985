"""The language: `.game` text to a checked `Game`.

The public face of the package, for the solver, the analyses, the command line and tools:
`load_game` (a path or `stdlib:NAME`, with a scenario), `check_text` (text, for tests and tools),
`parse` (text to the syntax tree), `parse_expression` (one expression typed on the command line),
`stdlib_dir`, `param_values` (defaults in dependency order) and `normalize` (the text as the
parser reads it: BOM, CRLF).  The passes are listed in `check.py`.
"""

from gamedsl.language.check import check_text, load_game
from gamedsl.language.files import stdlib_dir
from gamedsl.language.lower import param_values
from gamedsl.language.parser import normalize, parse, parse_expression

__all__ = [
    "check_text",
    "load_game",
    "normalize",
    "param_values",
    "parse",
    "parse_expression",
    "stdlib_dir",
]
