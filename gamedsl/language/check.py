"""The language's pipeline: a spec file (or text) to a checked `Game`, as a list of passes.

1. files and parsing (`files.Loader`, `parser.parse`);
2. collecting declarations across `use`/`extends` (`collect.Collector`);
3. writing families out member by member, at the params' values (`expand`);
4. the chosen scenario's replacements (`scenario.overrides`);
5. type checking: names, types, dependencies, restrictions (`typecheck`), and every scenario;
6. lowering to sympy, the `Game` (`lower`);
7. applying the chosen scenario (`scenario.apply_scenario`);
8. writing chance moves out as choices per value, payoffs as expectations (`chance`).

Every pass records the errors it finds; they are raised together (`SpecErrors`, sorted by
position) at the end of the first pass that found any, with the texts of the files read.  Syntax
errors do not stop the passes up to type checking (the parser stubs the bad statements), so they
are reported with the errors those passes find — less the ones that only echo a syntax error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from gamedsl.language import ast
from gamedsl.language.chance import expand_chance
from gamedsl.language.collect import Collector
from gamedsl.language.expand import expand, structural_params
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


def load_game(
    source: str, scenario: str | None = None, values: Mapping[str, Any] | None = None
) -> Game:
    """Return the checked game in `source` (a path or `stdlib:NAME`) with `scenario` applied.

    `values` (param name -> number, as given with `--set`) decide the size of families; other
    params keep their defaults here and are bound by the solver.  Raises `SpecError` (or
    `SpecErrors`) for anything wrong with the spec; the error carries `.sources` (file -> text)
    for formatting.
    """
    loader = Loader()
    try:
        with _collector_paused():
            display, real = loader.entry(source)
            module = loader.parse_file(real, display)
            return _check(loader, module, real, scenario, values)
    except SpecError as e:
        e.sources = dict(loader.sources)  # type: ignore[attr-defined]
        raise


def check_text(
    text: str,
    filename: str = "<input>",
    scenario: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> Game:
    """Return the checked game in `text` (as if read from `filename`); for tests and tools."""
    loader = Loader()
    if filename.startswith("<"):
        real = os.path.join(os.getcwd(), filename)
    else:
        real = os.path.abspath(filename)
    try:
        with _collector_paused():
            module = loader.parse_file(real, filename, text)
            return _check(loader, module, real, scenario, values)
    except SpecError as e:
        e.sources = dict(loader.sources)  # type: ignore[attr-defined]
        raise


def _shape_values(
    prog: Any, scenario: str | None, values: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return the values that decide the families' sizes: `--set` first, then the chosen
    scenario's `set` of a param (evaluated at expansion), then defaults."""
    out: dict[str, Any] = {}
    sc = prog.scenarios.get(scenario) if scenario is not None else None
    for st in sc.statements if sc is not None else ():
        if isinstance(st, ast.SetParam) and st.index is None:
            out[st.name] = st.expr
    out.update(values or {})
    return out


def _raise(errors: list[SpecError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise SpecErrors(errors)


def _echoes(error: SpecError, loader: Loader) -> bool:
    """Return True when a checker error may only echo a syntax error: it is on a stubbed line,
    or names (in its message or the text it points at) what a stubbed statement declares."""
    span = error.span
    for display, (names, lines) in loader.stubbed.items():
        if span is not None and span.file == display and span.line in lines:
            return True
        if not names:
            continue
        pointed = ""
        if span is not None and span.file in loader.sources and span.end_column is not None:
            text = loader.sources[span.file].split("\n")
            if span.line == (span.end_line or span.line) and span.line <= len(text):
                pointed = text[span.line - 1][span.column - 1 : span.end_column - 1]
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", error.message + " " + pointed))
        if words & names:
            return True
    return False


class _Errors:
    """The errors of the passes, with the syntax errors the loader gathered."""

    def __init__(self, loader: Loader, errors: list[SpecError]) -> None:
        self.loader, self.errors = loader, errors

    def stop(self, always: bool = False) -> None:
        """Raise the errors so far when a pass found any (or, with `always`, when the file has
        syntax errors): the checker's echoes of syntax errors left out."""
        syntax = self.loader.syntax_errors
        if not syntax:
            _raise(self.errors)
            return
        found = [e for e in self.errors if not _echoes(e, self.loader)]
        if self.errors or always:
            _raise(list(syntax) + found)


def _check(
    loader: Loader,
    module: ast.Module,
    real: str,
    scenario: str | None,
    values: Mapping[str, Any] | None,
) -> Game:
    """Return the game of a parsed module: the passes after parsing."""
    errors: list[SpecError] = []
    found = _Errors(loader, errors)
    collector = Collector(loader, errors)
    prog = collector.collect(module, real, (real,))
    if collector.fatal or loader.incomplete:
        found.stop(always=True)
    structural = structural_params(prog)
    prog, families = expand(prog, _shape_values(prog, scenario, values), errors)
    found.stop()
    ck = Checker(prog, errors)
    chosen, lets, payoffs = overrides(ck, scenario, module.file)
    ck.build_items(lets, payoffs)
    ck.check_items(ck.check_cycles())
    check_declarations(ck)
    for sc in prog.scenarios.values():
        check_scenario(ck, sc, lets)
    found.stop(always=True)
    conv = Lowering(ck, errors)
    game = lower_game(conv, lets, payoffs, module.file, loader.sources)
    _raise(errors)
    if families:
        game = dataclasses.replace(
            game,
            families={n: f.members for n, f in families.items()},
            symmetric=tuple(n for n, f in families.items() if f.symmetric),
            structural=structural,
        )
    if chosen is not None:
        game = apply_scenario(game, chosen, conv, errors)
        _raise(errors)
    return expand_chance(game)
