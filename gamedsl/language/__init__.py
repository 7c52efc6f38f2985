"""The language: `.game` text to a checked `Game`.

The public face of the package, for the solver, the analyses, the command line and tools:
`load_game` (a path or `stdlib:NAME`, with a scenario), `check_text` (text, for tests and tools),
`parse` (text to the syntax tree), `stdlib_dir`, `param_values` (defaults in dependency order)
and `normalize` (the text as the parser reads it: BOM, CRLF).
"""

from gamedsl.language.checker import check_text, load_game, param_values, stdlib_dir
from gamedsl.language.parser import normalize, parse

__all__ = ["check_text", "load_game", "normalize", "param_values", "parse", "stdlib_dir"]
