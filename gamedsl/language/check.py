"""The language's pipeline: a spec file (or text) to a checked `Game`, as a list of passes.

1. files and parsing (`files.Loader`, `parser.parse`);
2. collecting declarations across `use`/`extends` (`collect.Collector`);
3. the chosen scenario's replacements (`scenario.overrides`);
4. type checking: names, types, dependencies, restrictions (`typecheck`), and every scenario;
5. lowering to sympy, the `Game` (`lower`);
6. applying the chosen scenario (`scenario.apply_scenario`).

Every pass records the errors it finds; they are raised together (`SpecErrors`, sorted by
position) at the end of the first pass that found any, with the texts of the files read.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

from gamedsl.language import ast
from gamedsl.language.collect import Collector
from gamedsl.language.files import Loader
from gamedsl.language.lower import Lowering, lower_game
from gamedsl.language.scenario import apply_scenario, check_scenario, overrides
from gamedsl.language.typecheck import Checker, check_declarations
from gamedsl.model.errors import SpecError, SpecErrors
from gamedsl.model.game import Game


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a spec is read.  Parsing and checking
    allocate hundreds of thousands of long-lived nodes and free almost none; the collector would
    rescan them again and again (the 50,000-let benchmark: 4.6 s of CPU with it, 1.8 s without).
    Reference counting still frees everything that is dropped."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_game(source: str, scenario: str | None = None) -> Game:
    """Return the checked game in `source` (a path or `stdlib:NAME`) with `scenario` applied.

    Raises `SpecError` (or `SpecErrors`) for anything wrong with the spec; the error carries
    `.sources` (file -> text) for formatting.
    """
    loader = Loader()
    try:
        with _collector_paused():
            display, real = loader.entry(source)
            module = loader.parse_file(real, display)
            return _check(loader, module, real, scenario)
    except SpecError as e:
        e.sources = dict(loader.sources)  # type: ignore[attr-defined]
        raise


def check_text(text: str, filename: str = "<input>", scenario: str | None = None) -> Game:
    """Return the checked game in `text` (as if read from `filename`); for tests and tools."""
    loader = Loader()
    if filename.startswith("<"):
        real = os.path.join(os.getcwd(), filename)
    else:
        real = os.path.abspath(filename)
    try:
        with _collector_paused():
            module = loader.parse_file(real, filename, text)
            return _check(loader, module, real, scenario)
    except SpecError as e:
        e.sources = dict(loader.sources)  # type: ignore[attr-defined]
        raise


def _raise(errors: list[SpecError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise SpecErrors(errors)


def _check(loader: Loader, module: ast.Module, real: str, scenario: str | None) -> Game:
    """Return the game of a parsed module: the passes after parsing."""
    errors: list[SpecError] = []
    collector = Collector(loader, errors)
    prog = collector.collect(module, real, (real,))
    if collector.fatal:
        _raise(errors)
    ck = Checker(prog, errors)
    chosen, lets, payoffs = overrides(ck, scenario, module.file)
    ck.build_items(lets, payoffs)
    ck.check_items(ck.check_cycles())
    check_declarations(ck)
    for sc in prog.scenarios.values():
        check_scenario(ck, sc, lets)
    _raise(errors)
    conv = Lowering(ck, errors)
    game = lower_game(conv, lets, payoffs, module.file, loader.sources)
    _raise(errors)
    if chosen is not None:
        game = apply_scenario(game, chosen, conv, errors)
        _raise(errors)
    return game
