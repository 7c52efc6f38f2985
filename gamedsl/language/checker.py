"""Check a parsed spec and build the `Game` the solver works on.

`load_game(source, scenario)` reads a file (or `stdlib:NAME`), follows its `use` and `extends`,
applies a scenario, checks every name, type and restriction of DESIGN §1, and returns a `Game`
whose expressions are sympy objects built straight from the syntax tree (never from text) with
lets, defs, reports and `payoff(P)` inlined.  Every problem is a `SpecError`; all that can be found
in one pass are raised together as `SpecErrors`, sorted by position.

Steps: `_Collector` merges the files into one `_Program` (declarations by name, stages in order);
`_Checker` resolves names, types and dependencies on the syntax tree (cheap, iterative where a
chain can be long); `_Builder` converts to sympy on demand, dependencies first.
"""

from __future__ import annotations

import difflib
import gc
import math
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import sympy

from gamedsl.language import ast
from gamedsl.language.parser import BUILTINS, parse, short
from gamedsl.language.stagegraph import find_cycle, topological_order
from gamedsl.model.errors import Span, SpecError, SpecErrors
from gamedsl.model.game import (
    Assumption,
    Choice,
    Domain,
    Game,
    Param,
    Player,
    ScenarioInfo,
    Stage,
    symbol,
)

MAX_FILE_BYTES = 20_000_000
MAX_RANGE_SIZE = 100_000
MAX_POWER_DIGITS = 10_000
MAX_LITERAL_EXPONENT = 400
MAX_LITERAL_LENGTH = 400
MAX_ERRORS_COLLECTED = 200
MAX_INLINED_DEPTH = 300
BUILTIN_ARITY = {
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "sqrt": (1, 1),
    "exp": (1, 1),
    "log": (1, 2),
}

NUM = "number"
COND = "condition"


# ---- files ------------------------------------------------------------------------------------


def stdlib_dir() -> Path:
    """Return the directory of the installed standard library (`gamedsl.stdlib`)."""
    return Path(str(resources.files("gamedsl.stdlib")))


_STDLIB_NAME = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\.game)?$")


def _stdlib_path(name: str, span: Span) -> Path:
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
        hint = _suggest(name.removesuffix(".game"), available)
        raise SpecError(
            f"no standard-library model stdlib:{short(name)}",
            span,
            hint or (f"available: {', '.join(available)}" if available else None),
        )
    return real


def _read(path: Path, display: str, span: Span | None) -> str:
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


# ---- collecting declarations across files -----------------------------------------------------


@dataclass
class _Program:
    """Every declaration of a game, merged across `use` and `extends`."""

    title: ast.Title | None = None
    params: dict[str, ast.ParamDecl] = field(default_factory=dict)
    players: dict[str, ast.PlayerDecl] = field(default_factory=dict)
    lets: dict[str, ast.LetDecl] = field(default_factory=dict)
    defs: dict[str, ast.DefDecl] = field(default_factory=dict)
    reports: dict[str, ast.ReportDecl] = field(default_factory=dict)
    payoffs: dict[str, ast.PayoffDecl] = field(default_factory=dict)
    stages: list[ast.StageDecl] = field(default_factory=list)
    scenarios: dict[str, ast.ScenarioDecl] = field(default_factory=dict)
    assumes: list[ast.Assume] = field(default_factory=list)
    # name -> (kind, span, owner): one namespace for params, players, choices, lets, reports, defs
    names: dict[str, tuple[str, Span, str]] = field(default_factory=dict)
    included: set[str] = field(default_factory=set)

    def copy(self) -> _Program:
        return _Program(
            self.title,
            dict(self.params),
            dict(self.players),
            dict(self.lets),
            dict(self.defs),
            dict(self.reports),
            dict(self.payoffs),
            list(self.stages),
            dict(self.scenarios),
            list(self.assumes),
            dict(self.names),
            set(self.included),
        )


_KIND_WORD = {
    "param": "a param",
    "player": "a player",
    "choice": "a choice variable",
    "let": "a let",
    "report": "a report",
    "def": "a function",
}
_REDECLARABLE = {"param", "let", "report"}


class _Loader:
    """Reads files once each and remembers their text for error messages."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.modules: dict[str, ast.Module] = {}

    def parse_file(self, real: str, display: str, text: str | None = None) -> ast.Module:
        if real in self.modules:
            return self.modules[real]
        if text is None:
            text = _read(Path(real), display, None)
        from gamedsl.language.parser import normalize

        self.sources[display] = normalize(text)
        module = parse(text, display)
        self.modules[real] = module
        return module

    def resolve(
        self, target: str, base_display: str, base_real: str, span: Span
    ) -> tuple[str, str]:
        """Return (display path, real path) of `target` used from the file `base_display`."""
        if target.startswith("stdlib:"):
            real = _stdlib_path(target[len("stdlib:") :], span)
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


class _Collector:
    """Merges a file with what it uses and extends into one `_Program`."""

    def __init__(self, loader: _Loader, errors: list[SpecError]) -> None:
        self.loader = loader
        self.errors = errors
        # a file that could not be brought in: checking names would only add noise
        self.fatal = False

    def collect(self, module: ast.Module, real: str, stack: tuple[str, ...]) -> _Program:
        """Return the program of `module` (read from `real`), with its uses and parent merged."""
        statements = module.statements
        prog = _Program()
        own_names: set[str] = set()
        own_payoffs: set[str] = set()
        parent = None
        for i, stmt in enumerate(statements):
            if isinstance(stmt, ast.Extends):
                if i != 0:
                    self.errors.append(
                        SpecError("'extends' must be the first statement of the file", stmt.span)
                    )
                    continue
                parent = self._load(stmt, module.file, real, stack, "extends")
                if parent is not None:
                    prog = parent.copy()
        for stmt in statements:
            if isinstance(stmt, ast.Extends):
                continue
            if isinstance(stmt, ast.Use):
                used = self._load(stmt, module.file, real, stack, "use")
                if used is not None:
                    self._merge_used(prog, used, stmt)
                continue
            self._add(prog, stmt, own_names, own_payoffs, parent is not None)
        self._place_stages(
            prog, [s for s in statements if isinstance(s, ast.StageDecl)], parent is not None
        )
        return prog

    def _load(
        self,
        stmt: ast.Use | ast.Extends,
        display: str,
        real: str,
        stack: tuple[str, ...],
        word: str,
    ) -> _Program | None:
        try:
            t_display, t_real = self.loader.resolve(stmt.target, display, real, stmt.span)
        except SpecError as e:
            self.errors.append(e)
            self.fatal = True
            return None
        if t_real in stack:
            names = [os.path.basename(p) for p in stack[stack.index(t_real) :]] + [
                os.path.basename(t_real)
            ]
            self.errors.append(SpecError(f"{word} cycle: {' -> '.join(names)}", stmt.span))
            self.fatal = True
            return None
        module = self.loader.parse_file(t_real, t_display)
        return self.collect(module, t_real, stack + (t_real,))

    def _merge_used(self, prog: _Program, used: _Program, stmt: ast.Use) -> None:
        if used.stages or used.payoffs or used.scenarios:
            what = [
                w
                for w, v in (
                    ("stages", used.stages),
                    ("payoffs", used.payoffs),
                    ("scenarios", used.scenarios),
                )
                if v
            ]
            self.errors.append(
                SpecError(
                    f"{stmt.target} declares {' and '.join(what)}: 'use' brings in only params, "
                    f"players, lets, defs and reports",
                    stmt.span,
                    f'to build on the whole game, write: extends "{stmt.target}" as the first '
                    f"statement",
                )
            )
            self.fatal = True
            return
        for table in ("params", "players", "lets", "defs", "reports"):
            mine = getattr(prog, table)
            for name, decl in getattr(used, table).items():
                if name in mine and mine[name] is decl:
                    continue  # the same module reached twice
                if name in prog.names and prog.names[name][1] != decl.name_span:
                    kind, span, _ = prog.names[name]
                    self.errors.append(
                        SpecError(
                            f"{short(name)!r} from {stmt.target} is already declared as "
                            f"{_KIND_WORD[kind]} at {span}",
                            stmt.span,
                        )
                    )
                    continue
                mine[name] = decl
                prog.names[name] = used.names[name]
        for a in used.assumes:
            if a not in prog.assumes:
                prog.assumes.append(a)

    def _declare(
        self, prog: _Program, name: str, kind: str, span: Span, own: set[str], extending: bool
    ) -> bool:
        """Record `name`; return False (with an error) when it clashes."""
        if name in prog.names:
            old_kind, old_span, _ = prog.names[name]
            if extending and name not in own and old_kind == kind and kind in _REDECLARABLE:
                own.add(name)
                prog.names[name] = (kind, span, "own")
                return True
            if old_kind == kind:
                msg = f"{_KIND_WORD[kind]} named {short(name)!r} is already declared at {old_span}"
                self.errors.append(SpecError(f"duplicate declaration: {msg}", span))
            else:
                self.errors.append(
                    SpecError(
                        f"duplicate declaration: {short(name)!r} is already declared as "
                        f"{_KIND_WORD[old_kind]} at {old_span}",
                        span,
                        "params, players, variables, lets, reports and functions share one "
                        "namespace",
                    )
                )
            return False
        own.add(name)
        prog.names[name] = (kind, span, "own")
        return True

    def _add(
        self, prog: _Program, stmt: Any, own: set[str], own_payoffs: set[str], extending: bool
    ) -> None:
        if isinstance(stmt, ast.Title):
            if prog.title is not None and (not extending or "#title" in own):
                self.errors.append(
                    SpecError(f"a second game title (the first is at {prog.title.span})", stmt.span)
                )
                return
            own.add("#title")
            prog.title = stmt
        elif isinstance(stmt, ast.ParamDecl):
            if self._declare(prog, stmt.name, "param", stmt.name_span, own, extending):
                prog.params[stmt.name] = stmt
        elif isinstance(stmt, ast.PlayerDecl):
            if self._declare(prog, stmt.name, "player", stmt.name_span, own, extending):
                prog.players[stmt.name] = stmt
        elif isinstance(stmt, ast.LetDecl):
            if self._declare(prog, stmt.name, "let", stmt.name_span, own, extending):
                prog.lets[stmt.name] = stmt
        elif isinstance(stmt, ast.DefDecl):
            if self._declare(prog, stmt.name, "def", stmt.name_span, own, extending):
                prog.defs[stmt.name] = stmt
        elif isinstance(stmt, ast.ReportDecl):
            if self._declare(prog, stmt.name, "report", stmt.name_span, own, extending):
                prog.reports[stmt.name] = stmt
        elif isinstance(stmt, ast.PayoffDecl):
            if stmt.player in prog.payoffs and (not extending or stmt.player in own_payoffs):
                self.errors.append(
                    SpecError(
                        f"a second payoff for {short(stmt.player)!r} (the first is at "
                        f"{prog.payoffs[stmt.player].span})",
                        stmt.name_span,
                    )
                )
                return
            own_payoffs.add(stmt.player)
            prog.payoffs[stmt.player] = stmt
        elif isinstance(stmt, ast.Assume):
            prog.assumes.append(stmt)
        elif isinstance(stmt, ast.ScenarioDecl):
            if stmt.name in prog.scenarios:
                self.errors.append(
                    SpecError(
                        f"duplicate declaration: scenario {short(stmt.name)!r} is already declared "
                        f"at {prog.scenarios[stmt.name].span}",
                        stmt.name_span,
                    )
                )
                return
            prog.scenarios[stmt.name] = stmt
        elif isinstance(stmt, ast.StageDecl):
            for choice in stmt.choices:
                if choice.var in prog.names and prog.names[choice.var][0] == "choice":
                    _, span, _ = prog.names[choice.var]
                    self.errors.append(
                        SpecError(
                            f"variable {short(choice.var)!r} is chosen twice (first at {span})",
                            choice.var_span,
                            "each variable is chosen by one player in one stage",
                        )
                    )
                    continue
                self._declare(prog, choice.var, "choice", choice.var_span, own, False)

    def _place_stages(self, prog: _Program, stages: list[ast.StageDecl], extending: bool) -> None:
        order = list(prog.stages)
        names = {s.name: s for s in order}
        placed: list[ast.StageDecl] = []
        for stage in stages:
            if stage.name in names:
                self.errors.append(
                    SpecError(
                        f"duplicate declaration: stage {short(stage.name)!r} is already declared "
                        f"at {names[stage.name].span}",
                        stage.name_span,
                    )
                )
                continue
            names[stage.name] = stage
            if stage.placement is None:
                order.append(stage)
            else:
                placed.append(stage)
        last_after: dict[str, str] = {}
        pending = list(placed)
        while pending:
            # a stage may be placed relative to another placed stage: repeat until all are in
            present = {s.name for s in order}
            ready = [st for st in pending if st.placement.other in present]
            if not ready:
                for stage in pending:
                    p = stage.placement
                    self.errors.append(
                        SpecError(
                            f"unknown stage {short(p.other)!r} in '{p.where} {short(p.other)}'",
                            p.span,
                            _suggest(p.other, [s.name for s in order]),
                        )
                    )
                    order.append(stage)
                break
            for stage in ready:
                p = stage.placement
                index = {s.name: i for i, s in enumerate(order)}
                if p.where == "after":
                    anchor = last_after.get(p.other, p.other)
                    order.insert(index[anchor] + 1, stage)
                    last_after[p.other] = stage.name
                else:
                    order.insert(index[p.other], stage)
            pending = [st for st in pending if st not in ready]
        prog.stages = order


# ---- helpers ----------------------------------------------------------------------------------


def _suggest(name: str, candidates: Any) -> str | None:
    """Return "did you mean 'x'?" for the closest candidate, if any is close."""
    if len(name) > 60:
        return None
    pool = [c for c in candidates if len(c) <= 60]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close and len(pool) < 5000:
        lower = {c.lower(): c for c in pool}
        if name.lower() in lower:
            close = [lower[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else None


_SUGGESTIONS = threading.local()
MAX_SUGGESTIONS = 25  # difflib is slow on big namespaces: suggest for the first errors only


def _did_you_mean(name: str, candidates: Any) -> str:
    """Return " (did you mean 'x'?)" for an unknown `name`, or "" (also once the check has
    made MAX_SUGGESTIONS suggestions)."""
    left = getattr(_SUGGESTIONS, "left", MAX_SUGGESTIONS)
    if left <= 0:
        return ""
    _SUGGESTIONS.left = left - 1
    if callable(candidates):
        candidates = candidates()
    hint = _suggest(name, candidates)
    return f" ({hint})" if hint else ""


def _number(text: str, span: Span) -> sympy.Expr:
    """Return the exact rational value of a number literal."""
    if len(text) > MAX_LITERAL_LENGTH:
        raise SpecError(f"number literal too long ({len(text)} characters)", span)
    _, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_LITERAL_EXPONENT:
        raise SpecError(
            f"number {short(text)} is out of range (exponent above {MAX_LITERAL_EXPONENT})", span
        )
    return sympy.Rational(Fraction(text))


def _digits(x: sympy.Rational) -> float:
    """Return the number of decimal digits of numerator and denominator of `x`."""
    p, q = abs(int(x.p)), abs(int(x.q))
    return (p.bit_length() + q.bit_length()) * 0.30103


def _power(base: sympy.Expr, exponent: sympy.Expr, span: Span) -> sympy.Expr:
    """Return base**exponent, refusing numeric powers too large to compute."""
    if exponent.is_Number and base.is_number and base not in (0, 1, -1):
        if exponent.is_infinite:
            return sympy.Pow(base, exponent)
        e = abs(exponent)
        if base.is_Rational:
            if float(e) * max(_digits(base), 1.0) > MAX_POWER_DIGITS:
                raise SpecError(
                    "power too large to compute (the result would have more than "
                    f"{MAX_POWER_DIGITS} digits)",
                    span,
                )
        elif e > MAX_POWER_DIGITS:
            raise SpecError("power too large to compute", span)
    if exponent.is_Number and exponent.is_Rational and abs(exponent) > 10**6:
        raise SpecError("exponent too large", span)
    return sympy.Pow(base, exponent)


_COMPARE_CLASS = {
    "<": sympy.Lt,
    "<=": sympy.Le,
    ">": sympy.Gt,
    ">=": sympy.Ge,
    "==": sympy.Eq,
    "!=": sympy.Ne,
}


# ---- the checker ------------------------------------------------------------------------------


@dataclass
class _Item:
    """A named definition that expressions can refer to: a let, report, def or payoff."""

    key: tuple[str, str]
    expr: ast.Expr
    span: Span
    args: tuple[str, ...] = ()
    refs: set = field(default_factory=set)  # keys of items used directly
    choices: list = field(default_factory=list)  # choice variables named directly
    type: str = NUM
    max_stage: tuple[int, str] = (-1, "")  # latest stage of a choice it depends on
    uses_payoff: bool = False
    inline_depth: int = 1  # estimated depth once everything is inlined


class _Checker:
    """Names, types, dependencies and restrictions, on the syntax tree."""

    def __init__(self, prog: _Program, errors: list[SpecError]) -> None:
        self.prog = prog
        self.errors = errors
        self.kinds: dict[str, str] = {n: k for n, (k, _, _) in prog.names.items()}
        self.stage_of: dict[str, tuple[int, str]] = {}
        for i, stage in enumerate(prog.stages):
            for c in stage.choices:
                self.stage_of.setdefault(c.var, (i, stage.name))
        self.items: dict[tuple[str, str], _Item] = {}
        self.extra_players: dict[str, tuple[str, ...]] = {}

    # -- errors --
    def error(self, message: str, span: Span | None, hint: str | None = None) -> None:
        if len(self.errors) < MAX_ERRORS_COLLECTED:
            self.errors.append(SpecError(message, span, hint))

    # -- items --
    def build_items(
        self, lets: Mapping[str, ast.LetDecl], payoffs: Mapping[str, ast.PayoffDecl]
    ) -> None:
        for name, d in lets.items():
            self.items[("let", name)] = _Item(("let", name), d.expr, d.name_span)
        for name, d in self.prog.reports.items():
            self.items[("report", name)] = _Item(("report", name), d.expr, d.name_span)
        for name, d in self.prog.defs.items():
            self.items[("def", name)] = _Item(("def", name), d.body, d.name_span, d.args)
        for player, d in payoffs.items():
            self.items[("payoff", player)] = _Item(("payoff", player), d.expr, d.name_span)
        for item in self.items.values():
            item.refs = self._refs(item.expr, set(item.args), item.choices)

    def _refs(self, expr: ast.Expr, local: set[str], choices: list | None = None) -> set:
        """Return the keys of the items `expr` refers to (unknown names are skipped here), and
        add the choice variables it names to `choices`."""
        out: set = set()
        _collect_refs(expr, local, self.kinds, out, choices)
        return out

    def check_cycles(self) -> list[tuple[str, str]] | None:
        """Report dependency cycles; return the items in dependency order (None on a cycle)."""
        graph = {k: [r for r in it.refs if r in self.items] for k, it in self.items.items()}
        cycle = find_cycle(graph)
        reported = 0
        while cycle is not None and reported < 5:
            self._cycle_error(cycle)
            reported += 1
            for k in cycle:
                graph[k] = []
            cycle = find_cycle(graph)
        if reported:
            return None
        return topological_order(graph)

    def _cycle_error(self, cycle: list[tuple[str, str]]) -> None:
        kinds = {k for k, _ in cycle}
        first = self.items[cycle[0]]

        def label(key: tuple[str, str]) -> str:
            return f"payoff({key[1]})" if key[0] == "payoff" else key[1]

        path = " -> ".join(label(k) for k in cycle + [cycle[0]])
        if len(cycle) == 1 and cycle[0][0] == "def":
            self.error(
                f"recursive def: {cycle[0][1]!r} calls itself",
                first.span,
                "a def cannot call itself, directly or through other defs",
            )
        elif "payoff" in kinds:
            player = next(n for k, n in cycle if k == "payoff")
            span = self.items[("payoff", player)].span
            self.error(f"the payoff of {player!r} depends on itself: {path}", span)
        elif kinds == {"def"}:
            self.error(f"recursive def: {path}", first.span)
        else:
            word = "let" if kinds == {"let"} else "definition"
            self.error(f"{word} cycle: {path}", first.span)

    # -- types and names --
    def type_of(
        self,
        expr: ast.Expr,
        local: frozenset[str] | set[str] = frozenset(),
        allowed: _Allowed | None = None,
    ) -> str:
        """Return NUM or COND for `expr`, reporting unknown names and misused conditions."""
        t = type(expr)
        if t is ast.Number or t is ast.Inf:
            return NUM
        if t is ast.Name:
            name = expr.name
            if name in local:
                return NUM
            kind = self.kinds.get(name)
            if kind is None:
                if name in BUILTINS:
                    self.error(
                        f"{name!r} is a built-in function: call it as {name}(...)", expr.span
                    )
                else:
                    self.error(
                        f"unknown name {short(name)!r}"
                        + _did_you_mean(name, lambda: list(self.kinds) + list(local)),
                        expr.span,
                    )
                return NUM
            if kind == "player":
                self.error(
                    f"{name!r} is a player, not a value",
                    expr.span,
                    f"for its payoff write payoff({name})",
                )
                return NUM
            if kind == "def":
                self.error(f"{name!r} is a function: call it as {name}(...)", expr.span)
                return NUM
            if allowed is not None:
                allowed.check_name(self, name, kind, expr.span)
            if kind in ("let", "report"):
                item = self.items.get((kind, name))
                return item.type if item else NUM
            return NUM
        if t is ast.Call:
            return self._call_type(expr, local, allowed)
        if t is ast.PayoffRef:
            if self.kinds.get(expr.player) != "player" and expr.player not in self.extra_players:
                self.error(
                    f"unknown player {short(expr.player)!r} in payoff(...)"
                    + _did_you_mean(
                        expr.player, [n for n, k in self.kinds.items() if k == "player"]
                    ),
                    expr.player_span,
                )
            elif (
                "payoff",
                expr.player,
            ) not in self.items and expr.player not in self.extra_players:
                self.error(f"player {expr.player!r} has no payoff", expr.player_span)
            if allowed is not None:
                allowed.check_payoff(self, expr)
            return NUM
        if t is ast.Neg:
            self._need(expr.operand, NUM, local, allowed)
            return NUM
        if t is ast.Sum:
            for x in expr.terms:
                self._need(x, NUM, local, allowed)
            return NUM
        if t is ast.Product:
            for x in expr.factors:
                self._need(x, NUM, local, allowed)
            return NUM
        if t is ast.Power:
            self._need(expr.base, NUM, local, allowed)
            self._need(expr.exponent, NUM, local, allowed)
            return NUM
        if t is ast.Compare:
            self._need(expr.left, NUM, local, allowed)
            self._need(expr.right, NUM, local, allowed)
            return COND
        if t is ast.BoolOp:
            for x in expr.operands:
                self._need(x, COND, local, allowed)
            return COND
        if t is ast.Not:
            self._need(expr.operand, COND, local, allowed)
            return COND
        if t is ast.Iverson:
            self._need(expr.condition, COND, local, allowed)
            return NUM
        if t is ast.IfElse:
            self._need(expr.condition, COND, local, allowed)
            self._need(expr.then, NUM, local, allowed)
            self._need(expr.otherwise, NUM, local, allowed)
            return NUM
        raise AssertionError(f"unknown node {t}")

    def _need(self, expr: ast.Expr, want: str, local: Any, allowed: _Allowed | None) -> None:
        got = self.type_of(expr, local, allowed)
        if got != want:
            message, hint = _type_message(got, want)
            self.error(message, expr.span, hint)

    def _call_type(self, expr: ast.Call, local: Any, allowed: _Allowed | None) -> str:
        name = expr.func
        for a in expr.args:
            self._need(a, NUM, local, allowed)
        kind = self.kinds.get(name)
        if kind == "def":
            d = self.prog.defs[name]
            if len(expr.args) != len(d.args):
                self.error(
                    f"{name}() takes {len(d.args)} argument"
                    f"{'' if len(d.args) == 1 else 's'}, got {len(expr.args)}",
                    expr.span,
                    f"declared at {d.span}",
                )
            if allowed is not None:
                allowed.check_name(self, name, "def", expr.span)
            item = self.items.get(("def", name))
            return item.type if item else NUM
        if kind is not None or name in local:
            self.error(f"{short(name)!r} is not a function", expr.span)
            return NUM
        if name in BUILTIN_ARITY:
            lo, hi = BUILTIN_ARITY[name]
            n = len(expr.args)
            if n < lo or (hi is not None and n > hi):
                want = f"{lo}" if lo == hi else (f"{lo} or {hi}" if hi else f"at least {lo}")
                self.error(
                    f"{name}() takes {want} argument{'s' if want != '1' else ''}, got {n}",
                    expr.span,
                )
            return NUM
        defs = [n for n, k in self.kinds.items() if k == "def"] + list(BUILTINS)
        self.error(f"unknown function {short(name)!r}" + _did_you_mean(name, defs), expr.span)
        return NUM

    def check_items(self, order: list[tuple[str, str]] | None) -> None:
        """Type-check every item (dependencies first) and record what each depends on."""
        keys = order if order is not None else list(self.items)
        for key in keys:
            item = self.items[key]
            local = set(item.args)
            if key[0] == "def":
                for arg, span in zip(self.prog.defs[key[1]].args, self.prog.defs[key[1]].arg_spans):
                    if arg in self.kinds:
                        kind = self.kinds[arg]
                        self.error(
                            f"def argument {arg!r} reuses the name of {_KIND_WORD[kind]}",
                            span,
                            "def arguments are local: pick a new name",
                        )
                if len(set(item.args)) != len(item.args):
                    self.error(f"def {key[1]!r} repeats an argument name", item.span)
            item.type = self.type_of(item.expr, local)
            if key[0] in ("report", "payoff") and item.type != NUM:
                what = "a report" if key[0] == "report" else "a payoff"
                self.error(
                    f"{what} must be a number, not a condition",
                    item.expr.span,
                    "wrap the condition in brackets: [C] is 1 when C holds, else 0",
                )
            # dependency summary: the latest stage of a choice used, and payoff use
            latest = (-1, "")
            uses_payoff = key[0] == "payoff" or any(r[0] == "payoff" for r in item.refs)
            for var in item.choices:
                st = self.stage_of.get(var)
                if st is not None and st[0] > latest[0]:
                    latest = (st[0], var)
            for r in item.refs:
                dep = self.items.get(r)
                if dep is None:
                    continue
                if dep.max_stage[0] > latest[0]:
                    latest = dep.max_stage
                uses_payoff = uses_payoff or dep.uses_payoff
            item.max_stage = latest
            item.uses_payoff = uses_payoff
            # cheap bound first: the precise estimate only when the bound is too deep
            bound = item.expr.depth + max(
                (self.items[r].inline_depth for r in item.refs if r in self.items), default=0
            )
            item.inline_depth = (
                bound if bound <= MAX_INLINED_DEPTH else self._inline_depth(item.expr, local, None)
            )
            if item.inline_depth > MAX_INLINED_DEPTH:
                self.error(
                    f"{key[1]!r} is nested too deeply once the lets and defs it uses are "
                    f"inlined (about {item.inline_depth} levels; at most "
                    f"{MAX_INLINED_DEPTH})",
                    item.span,
                )
                item.inline_depth = 1  # reported once, not again for each user

    def _inline_depth(self, expr: ast.Expr, local: set[str], parent: type | None) -> int:
        """Return an estimate of the depth of `expr` once items are inlined.  A let that is a
        sum used as a term of a sum (or a product used as a factor) adds no level: sympy
        flattens it."""
        t = type(expr)
        if t is ast.Name:
            if expr.name in local:
                return 1
            kind = self.kinds.get(expr.name)
            item = self.items.get((kind, expr.name)) if kind in ("let", "report") else None
            if item is None:
                return 1
            merges = parent is not None and type(item.expr) is parent
            return max(item.inline_depth - (1 if merges else 0), 1)
        if t is ast.PayoffRef:
            item = self.items.get(("payoff", expr.player))
            return item.inline_depth if item else 1
        extra = 0
        if t is ast.Call:
            item = self.items.get(("def", expr.func))
            extra = item.inline_depth if item else 0
        kids = ast.children(expr)
        if not kids:
            return 1 + extra
        flat = t if (t is ast.Sum or t is ast.Product) else None
        return 1 + extra + max(self._inline_depth(k, local, flat) for k in kids)


def _collect_refs(
    e: ast.Expr, local: set[str], kinds: Mapping[str, str], out: set, choices: list | None
) -> None:
    """Add to `out` the keys of the lets, reports, defs and payoffs that `e` refers to, and to
    `choices` (when given) the choice variables it names."""
    t = type(e)
    if t is ast.Name:
        if e.name not in local:
            k = kinds.get(e.name)
            if k == "let" or k == "report":
                out.add((k, e.name))
            elif k == "choice" and choices is not None:
                choices.append(e.name)
        return
    if t is ast.Number or t is ast.Inf:
        return
    if t is ast.Call:
        if e.func not in local and kinds.get(e.func) == "def":
            out.add(("def", e.func))
    elif t is ast.PayoffRef:
        out.add(("payoff", e.player))
        return
    for child in ast.children(e):
        _collect_refs(child, local, kinds, out, choices)


def _type_message(got: str, want: str) -> tuple[str, str]:
    if want == NUM:
        return (
            "a condition is used as a number",
            "wrap it in brackets: [C] is 1 when C holds and 0 otherwise",
        )
    return ("a number is used as a condition", "compare it: e.g. x > 0, x == 1")


@dataclass
class _Allowed:
    """What an expression in a restricted place may use (bounds, conditions, defaults...)."""

    where: str  # e.g. "the bound of 'qF'"
    stage: int | None = None  # choices of stages before this index are allowed
    params_only: bool = False  # param defaults: numbers and params only
    lets: bool = True  # lets/defs (of allowed things) may be used

    def check_name(self, ck: _Checker, name: str, kind: str, span: Span) -> None:
        if kind == "param":
            return
        if self.params_only:
            ck.error(
                f"{self.where} may use only numbers and params; {short(name)!r} is "
                f"{_KIND_WORD[kind]}",
                span,
            )
            return
        if kind == "choice":
            st = ck.stage_of.get(name)
            if self.stage is None:
                ck.error(
                    f"{self.where} may use only params; {short(name)!r} is a choice variable", span
                )
            elif st is not None and st[0] >= self.stage:
                ck.error(
                    f"{self.where} uses {short(name)!r}, chosen in stage {st[1]!r}: "
                    f"bounds and conditions may use params and choices of earlier stages "
                    f"only",
                    span,
                )
            return
        if kind == "report":
            ck.error(f"{self.where} cannot use the report {short(name)!r}", span)
            return
        item = ck.items.get((kind, name))
        if item is None:
            return
        if item.uses_payoff:
            ck.error(f"{self.where} uses {short(name)!r}, which depends on a payoff", span)
            return
        latest, var = item.max_stage
        if latest >= 0:
            if self.stage is None:
                ck.error(
                    f"{self.where} may use only params; {short(name)!r} depends on the "
                    f"choice {var!r}",
                    span,
                )
            elif latest >= self.stage:
                ck.error(
                    f"{self.where} uses {short(name)!r}, which depends on {var!r}, chosen "
                    f"in stage {ck.prog.stages[latest].name!r}: bounds and conditions may "
                    f"use params and choices of earlier stages only",
                    span,
                )

    def check_payoff(self, ck: _Checker, expr: ast.PayoffRef) -> None:
        ck.error(f"{self.where} cannot use payoff({expr.player})", expr.span)


# ---- building sympy ---------------------------------------------------------------------------


class _Sympy:
    """Converts syntax trees to sympy, inlining items on demand (dependencies first)."""

    def __init__(self, ck: _Checker, errors: list[SpecError]) -> None:
        self.ck = ck
        self.errors = errors
        self.memo: dict[tuple[str, str], Any] = {}
        self.def_memo: dict[str, tuple[tuple[sympy.Dummy, ...], Any]] = {}
        self.payoff_override: dict[str, Any] = {}

    def item(self, key: tuple[str, str]) -> Any:
        """Return the inlined sympy value of an item (a let, report, def body or payoff)."""
        if key in self.memo:
            return self.memo[key]
        # convert every unconverted dependency first, iteratively (chains can be long)
        order: list[tuple[str, str]] = []
        seen = {key}
        stack: list[tuple[tuple[str, str], Iterator]] = [(key, iter(self._deps(key)))]
        while stack:
            k, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                order.append(k)
                continue
            if nxt in seen or nxt in self.memo:
                continue
            seen.add(nxt)
            stack.append((nxt, iter(self._deps(nxt))))
        for k in order:
            self._convert(k)
        return self.memo[key]

    def _deps(self, key: tuple[str, str]) -> list[tuple[str, str]]:
        item = self.ck.items.get(key)
        if item is None:
            if key[0] == "payoff" and key[1] in self.ck.extra_players:
                return [("payoff", m) for m in self.ck.extra_players[key[1]]]
            return []
        return [
            r
            for r in item.refs
            if r in self.ck.items or (r[0] == "payoff" and r[1] in self.ck.extra_players)
        ]

    def _convert(self, key: tuple[str, str]) -> None:
        if key in self.memo:
            return
        kind, name = key
        if kind == "payoff" and name in self.ck.extra_players:
            self.memo[key] = sympy.Add(
                *[self.memo[("payoff", m)] for m in self.ck.extra_players[name]]
            )
            return
        item = self.ck.items[key]
        if kind == "def":
            dummies = tuple(sympy.Dummy(a, real=True) for a in item.args)
            self.def_memo[name] = (dummies, self.expr(item.expr, dict(zip(item.args, dummies))))
            self.memo[key] = self.def_memo[name][1]
            return
        try:
            self.memo[key] = self.expr(item.expr, {})
        except RecursionError:
            raise SpecError(
                f"{name!r} is nested too deeply once its lets are inlined", item.span
            ) from None

    def expr(self, e: ast.Expr, local: dict[str, Any]) -> Any:
        """Return the sympy value of `e` (items must be converted already or on demand)."""
        t = type(e)
        if t is ast.Number:
            return _number(e.text, e.span)
        if t is ast.Name:
            name = e.name
            if name in local:
                return local[name]
            kind = self.ck.kinds.get(name)
            if kind in ("param", "choice"):
                return symbol(name)
            return self.item((kind, name))
        if t is ast.Sum:
            parts = [self.expr(x, local) for x in e.terms]
            return sympy.Add(*[p if s == "+" else -p for p, s in zip(parts, e.signs)])
        if t is ast.Product:
            out = []
            for x, op in zip(e.factors, e.ops):
                v = self.expr(x, local)
                if op == "/":
                    if v == 0:
                        raise SpecError("division by zero", x.span)
                    v = sympy.Pow(v, -1)
                out.append(v)
            return sympy.Mul(*out)
        if t is ast.Power:
            return _power(self.expr(e.base, local), self.expr(e.exponent, local), e.span)
        if t is ast.Neg:
            return -self.expr(e.operand, local)
        if t is ast.Inf:
            return sympy.oo
        if t is ast.Call:
            args = [self.expr(a, local) for a in e.args]
            if self.ck.kinds.get(e.func) == "def":
                self.item(("def", e.func))
                dummies, body = self.def_memo[e.func]
                return body.xreplace(dict(zip(dummies, args)))
            f = e.func
            if f == "min":
                return sympy.Min(*args)
            if f == "max":
                return sympy.Max(*args)
            if f == "abs":
                return sympy.Abs(args[0])
            if f == "sqrt":
                return sympy.sqrt(args[0])
            if f == "exp":
                if args[0].is_Number and abs(args[0]) > 10**6:
                    raise SpecError("exp() of a number this large cannot be computed", e.span)
                return sympy.exp(args[0])
            if f == "log":
                return sympy.log(*args)
            raise AssertionError(f)
        if t is ast.PayoffRef:
            return self.item(("payoff", e.player))
        if t is ast.Compare:
            return _COMPARE_CLASS[e.op](self.expr(e.left, local), self.expr(e.right, local))
        if t is ast.BoolOp:
            parts = [self.expr(x, local) for x in e.operands]
            return sympy.And(*parts) if e.op == "and" else sympy.Or(*parts)
        if t is ast.Not:
            return sympy.Not(self.expr(e.operand, local))
        if t is ast.Iverson:
            return sympy.Piecewise((1, self.expr(e.condition, local)), (0, True))
        if t is ast.IfElse:
            c = self.expr(e.condition, local)
            return sympy.Piecewise(
                (self.expr(e.then, local), c), (self.expr(e.otherwise, local), True)
            )
        raise AssertionError(t)

    def safe(self, e: ast.Expr, local: dict[str, Any] | None = None) -> Any:
        """Return `expr(e)`, recording a SpecError (and returning None) instead of raising."""
        try:
            value = self.expr(e, local or {})
        except SpecError as err:
            self.errors.append(err)
            return None
        except RecursionError:
            self.errors.append(SpecError("expression nested too deeply", e.span))
            return None
        if _undefined(value):
            self.errors.append(SpecError(_UNDEFINED, e.span))
            return None
        return value


class _LazyLets(Mapping):
    """The inlined lets of a game, converted to sympy the first time each is read."""

    def __init__(self, names: list[str], convert: Any) -> None:
        self._names = names
        self._set = set(names)
        self._convert = convert

    def __getitem__(self, name: str) -> Any:
        if name not in self._set:
            raise KeyError(name)
        return self._convert(("let", name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


# ---- the whole pipeline -----------------------------------------------------------------------


def load_game(source: str, scenario: str | None = None) -> Game:
    """Return the checked game in `source` (a path or `stdlib:NAME`) with `scenario` applied.

    Raises `SpecError` (or `SpecErrors`) for anything wrong with the spec; the error carries
    `.sources` (file -> text) for formatting.
    """
    with _NoGC():
        return _load_game(source, scenario)


def _load_game(source: str, scenario: str | None) -> Game:
    loader = _Loader()
    try:
        if source.startswith("stdlib:"):
            real = _stdlib_path(source[len("stdlib:") :], Span(source, 1, 1))
            display = str(real)
        else:
            path = Path(source)
            display = source
            if path.is_dir():
                raise SpecError(f"{source} is a directory, not a .game file", Span(source, 1, 1))
            if not path.exists():
                raise SpecError(f"cannot find {source}", Span(source, 1, 1))
            real = path.resolve()
        module = loader.parse_file(str(real), display)
        return _check(loader, module, str(real), scenario)
    except SpecError as e:
        e.sources = dict(loader.sources)  # type: ignore[attr-defined]
        raise


def check_text(text: str, filename: str = "<input>", scenario: str | None = None) -> Game:
    """Return the checked game in `text` (as if read from `filename`); for tests and tools."""
    with _NoGC():
        return _check_text(text, filename, scenario)


def _check_text(text: str, filename: str, scenario: str | None) -> Game:
    loader = _Loader()
    real = (
        os.path.abspath(filename)
        if not filename.startswith("<")
        else os.path.join(os.getcwd(), filename)
    )
    try:
        module = loader.parse_file(real, filename, text)
        return _check(loader, module, real, scenario)
    except SpecError as e:
        e.sources = dict(loader.sources)  # type: ignore[attr-defined]
        raise


def _raise(errors: list[SpecError]) -> None:
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise SpecErrors(errors)


class _NoGC:
    """Pauses cyclic garbage collection: a check allocates many long-lived objects, which the
    collector would rescan over and over (seconds on a 50,000-let spec) to free nothing."""

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


def _check(loader: _Loader, module: ast.Module, real: str, scenario: str | None) -> Game:
    return _check_program(loader, module, real, scenario)


def _check_program(loader: _Loader, module: ast.Module, real: str, scenario: str | None) -> Game:
    _SUGGESTIONS.left = MAX_SUGGESTIONS
    errors: list[SpecError] = []
    collector = _Collector(loader, errors)
    prog = collector.collect(module, real, (real,))
    if collector.fatal:
        _raise(errors)
    ck = _Checker(prog, errors)

    # scenario: replace lets and payoffs before analysis
    lets = dict(prog.lets)
    payoffs = dict(prog.payoffs)
    chosen: ast.ScenarioDecl | None = None
    if scenario is not None:
        if scenario not in prog.scenarios:
            names = ", ".join(prog.scenarios) or "none"
            raise SpecError(
                f"unknown scenario {short(scenario)!r} (the scenarios are: {names})",
                Span(module.file, 1, 1),
                _suggest(scenario, list(prog.scenarios)),
            )
        chosen = prog.scenarios[scenario]
        for st in chosen.statements:
            # (a replacement of something that is not a let is reported by _check_scenario)
            if isinstance(st, ast.LetDecl) and ck.kinds.get(st.name) == "let":
                lets[st.name] = st
            elif isinstance(st, ast.PayoffDecl) and st.player in payoffs:
                payoffs[st.player] = st
    for st in chosen.statements if chosen else ():
        if isinstance(st, ast.Merge) and st.merged not in ck.kinds:
            ck.extra_players[st.merged] = st.players

    ck.build_items(lets, payoffs)
    order = ck.check_cycles()
    ck.check_items(order)
    is_module = not prog.stages

    # players and payoffs
    for player, d in prog.payoffs.items():
        if ck.kinds.get(player) != "player":
            players = [n for n, k in ck.kinds.items() if k == "player"]
            ck.error(
                f"payoff for unknown player {short(player)!r}" + _did_you_mean(player, players),
                d.name_span,
            )
    if not is_module:
        for name, d in prog.players.items():
            if name not in prog.payoffs:
                ck.error(f"player {name!r} has no payoff", d.name_span, f"add: payoff {name} = ...")

    # params: defaults and domains
    for name, p in prog.params.items():
        if p.default is not None:
            ck._need(
                p.default, NUM, frozenset(), _Allowed(f"the default of {name!r}", params_only=True)
            )
        _check_domain(ck, p.domain, _Allowed(f"the domain of {name!r}", stage=None))
    for a in prog.assumes:
        ck._need(a.condition, COND, frozenset(), _Allowed("an assume", stage=None))

    # stages
    for i, stage in enumerate(prog.stages):
        if stage.condition is not None:
            ck._need(
                stage.condition,
                COND,
                frozenset(),
                _Allowed(f"the condition of stage {stage.name!r}", stage=i),
            )
        for c in stage.choices:
            if ck.kinds.get(c.player) != "player":
                players = [n for n, k in ck.kinds.items() if k == "player"]
                if c.player in ck.kinds:
                    ck.error(
                        f"{c.player!r} is {_KIND_WORD[ck.kinds[c.player]]}, not a player",
                        c.player_span,
                    )
                else:
                    ck.error(
                        f"choice by undeclared player {short(c.player)!r}"
                        + _did_you_mean(c.player, players),
                        c.player_span,
                        f"declare it: player {short(c.player)}",
                    )
            where = f"the domain of {c.var!r}"
            _check_domain(ck, c.domain, _Allowed(where, stage=i))
            if c.condition is not None:
                ck._need(
                    c.condition, COND, frozenset(), _Allowed(f"the condition of {c.var!r}", stage=i)
                )
            if c.otherwise is not None:
                ck._need(
                    c.otherwise,
                    NUM,
                    frozenset(),
                    _Allowed(f"the otherwise value of {c.var!r}", stage=i),
                )
            conditional = c.condition is not None or stage.condition is not None
            if conditional and c.otherwise is None:
                ck.error(
                    f"conditional choice {c.var!r} needs 'otherwise VALUE': the value the "
                    f"variable takes when the condition is false",
                    c.var_span,
                    f"e.g. {c.player} chooses {c.var} ... when COND otherwise 0",
                )
            if not conditional and c.otherwise is not None:
                ck.error(f"'otherwise' without 'when' for {c.var!r}", c.otherwise.span)

    # scenarios (every declared one is checked; the chosen one is applied below)
    for sc in prog.scenarios.values():
        _check_scenario(ck, sc, lets)

    _raise(errors)

    # ---- sympy ----
    conv = _Sympy(ck, errors)
    params = _build_params(ck, conv, prog)
    assumptions = []
    for a in prog.assumes:
        cond = conv.safe(a.condition)
        if cond is not None:
            assumptions.append(Assumption(cond, a.text, a.span))
    stages = []
    for i, st in enumerate(prog.stages):
        stage_cond = conv.safe(st.condition) if st.condition is not None else None
        choices = []
        for c in st.choices:
            cond = conv.safe(c.condition) if c.condition is not None else None
            if stage_cond is not None:
                cond = stage_cond if cond is None else sympy.And(stage_cond, cond)
            choices.append(
                Choice(
                    var=c.var,
                    symbol=symbol(c.var),
                    player=c.player,
                    stage=st.name,
                    domain=_build_domain(conv, c.domain),
                    condition=cond,
                    otherwise=conv.safe(c.otherwise) if c.otherwise is not None else None,
                    description=c.description,
                    span=c.var_span,
                )
            )
        stages.append(Stage(st.name, tuple(choices), stage_cond, st.name_span))

    players = {n: Player(n, d.description, d.name_span) for n, d in prog.players.items()}
    payoff_values = {}
    for player in prog.payoffs:
        if player in players:
            payoff_values[player] = _safe_item(conv, ("payoff", player), errors)
    reports = {}
    for name in prog.reports:
        reports[name] = _safe_item(conv, ("report", name), errors)
    _raise(errors)

    game = Game(
        title=prog.title.text if prog.title else None,
        path=module.file,
        params=params,
        players=players,
        stages=tuple(stages),
        payoffs=payoff_values,
        reports=reports,
        lets=MappingProxyType(_LazyLets(list(lets), conv.item)),
        assumptions=tuple(assumptions),
        scenarios={n: ScenarioInfo(n, s.title, s.name_span) for n, s in prog.scenarios.items()},
        scenario=None,
        payoff_spans={p: d.name_span for p, d in payoffs.items() if p in players},
        report_spans={n: d.name_span for n, d in prog.reports.items()},
        sources=dict(loader.sources),
        is_module=is_module,
    )
    if chosen is not None:
        game = _apply_scenario(game, chosen, conv, errors)
        _raise(errors)
    return game


_UNDEFINED = "this expression is undefined (a division by zero, log(0) or the like)"


def _undefined(value: Any) -> bool:
    """Return True when a sympy value contains zoo or nan (1/0, log(0), 0/0...)."""
    return isinstance(value, sympy.Basic) and value.has(sympy.zoo, sympy.nan)


def _safe_item(conv: _Sympy, key: tuple[str, str], errors: list[SpecError]) -> Any:
    try:
        value = conv.item(key)
    except SpecError as e:
        errors.append(e)
        return sympy.nan
    if _undefined(value):
        item = conv.ck.items[key]
        errors.append(SpecError(_UNDEFINED, item.expr.span))
    return value


def _check_domain(ck: _Checker, domain: ast.Domain | None, allowed: _Allowed) -> None:
    if domain is None:
        return
    if domain.kind == "bounds" and len(domain.bounds) == 2:
        a, b = domain.bounds
        if (a.op in (">", ">=")) == (b.op in (">", ">=")):
            which = "lower" if a.op in (">", ">=") else "upper"
            ck.error(
                f"two {which} bounds: a domain has one lower and one upper bound",
                b.span,
                "e.g. >= 0, <= K",
            )
    for b in domain.bounds:
        ck._need(b.expr, NUM, frozenset(), allowed)
    for e in domain.elements:
        ck._need(e, NUM, frozenset(), allowed)


def _check_scenario(ck: _Checker, sc: ast.ScenarioDecl, lets: Mapping[str, ast.LetDecl]) -> None:
    merged_here: dict[str, tuple[str, ...]] = {}
    for st in sc.statements:
        if isinstance(st, ast.Fix):
            kind = ck.kinds.get(st.var)
            if kind == "param":
                ck.error(
                    f"{st.var!r} is a param: use 'set {st.var} = ...' to change a param",
                    st.name_span,
                )
            elif kind != "choice":
                ck.error(
                    f"scenario {sc.name!r} fixes unknown variable {short(st.var)!r}"
                    + _did_you_mean(st.var, list(ck.stage_of)),
                    st.name_span,
                )
            else:
                stage = ck.stage_of[st.var][0]
                ck._need(st.expr, NUM, frozenset(), _Allowed(f"'fix {st.var}'", stage=stage))
        elif isinstance(st, ast.SetParam):
            kind = ck.kinds.get(st.name)
            if kind == "choice":
                ck.error(
                    f"{st.name!r} is a choice: use 'fix {st.name} = ...' to pin a choice",
                    st.name_span,
                )
            elif kind != "param":
                params = [n for n, k in ck.kinds.items() if k == "param"]
                ck.error(
                    f"scenario {sc.name!r} sets unknown param {short(st.name)!r}"
                    + _did_you_mean(st.name, params),
                    st.name_span,
                )
            else:
                ck._need(st.expr, NUM, frozenset(), _Allowed(f"'set {st.name}'", params_only=True))
        elif isinstance(st, ast.Merge):
            players = [n for n, k in ck.kinds.items() if k == "player"]
            seen: set[str] = set()
            for name, span in zip(st.players, st.player_spans):
                if ck.kinds.get(name) != "player":
                    ck.error(
                        f"scenario {sc.name!r} merges unknown player {short(name)!r}"
                        + _did_you_mean(name, players),
                        span,
                    )
                elif name in seen:
                    ck.error(f"player {name!r} is listed twice in 'merge'", span)
                elif any(name in m for m in merged_here.values()):
                    ck.error(f"player {name!r} is already merged in this scenario", span)
                seen.add(name)
            if st.merged in ck.kinds or st.merged in merged_here:
                ck.error(
                    f"the merged player needs a new name: {short(st.merged)!r} is already declared",
                    st.merged_span,
                )
            merged_here[st.merged] = st.players
        elif isinstance(st, ast.PayoffDecl):
            if ck.kinds.get(st.player) != "player":
                players = [n for n, k in ck.kinds.items() if k == "player"]
                ck.error(
                    f"scenario {sc.name!r} replaces the payoff of unknown player "
                    f"{short(st.player)!r}" + _did_you_mean(st.player, players),
                    st.name_span,
                )
            else:
                ck._need(st.expr, NUM, frozenset(), None)
        elif isinstance(st, ast.LetDecl):
            if ck.kinds.get(st.name) != "let":
                ck.error(
                    f"scenario {sc.name!r} replaces {short(st.name)!r}, which is not a "
                    f"let" + _did_you_mean(st.name, list(lets)),
                    st.name_span,
                )
            else:
                ck.type_of(st.expr)


def _build_params(ck: _Checker, conv: _Sympy, prog: _Program) -> dict[str, Param]:
    """Return the params with sympy defaults and domains, checking defaults against domains."""
    params: dict[str, Param] = {}
    defaults: dict[str, Any] = {}
    for name, p in prog.params.items():
        defaults[name] = conv.safe(p.default) if p.default is not None else None
        params[name] = Param(
            name,
            symbol(name),
            defaults[name],
            _build_domain(conv, p.domain),
            p.description,
            p.policy,
            p.name_span,
        )
    # evaluate defaults in dependency order (params may name other params)
    graph = {
        n: sorted(s.name for s in d.free_symbols if s.name in defaults) if d is not None else []
        for n, d in defaults.items()
    }
    cycle = find_cycle(graph)
    if cycle is not None:
        path = " -> ".join(cycle + [cycle[0]])
        conv.errors.append(
            SpecError(f"param default cycle: {path}", prog.params[cycle[0]].default.span)
        )
        return params
    values = param_values(params)
    for name, p in prog.params.items():
        value = values.get(name)
        domain = params[name].domain
        if value is None or domain is None or p.default is None:
            continue
        problem = _outside(value, domain, values)
        if problem is not None:
            conv.errors.append(
                SpecError(
                    f"the default of {name!r} ({_show(value)}) is outside its domain "
                    f"{domain.text}{problem}",
                    p.default.span,
                )
            )
    return params


def _number_value(v: Any) -> Any:
    """Return a Python or sympy number as a sympy number (exact for ints and Fractions)."""
    if isinstance(v, sympy.Basic):
        return v
    if isinstance(v, bool):
        raise TypeError(f"not a number: {v!r}")
    if isinstance(v, int):
        return sympy.Integer(v)
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    f = float(v)
    if math.isinf(f):
        return sympy.oo if f > 0 else -sympy.oo
    return sympy.Float(f)


def param_values(
    params: Mapping[str, Param], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the value of every param that has one: `overrides` first, then defaults
    evaluated in dependency order (a default may name other params).  Params without a value
    are left out."""
    overrides = dict(overrides or {})
    values: dict[str, Any] = {n: _number_value(v) for n, v in overrides.items() if n in params}
    pending = {n: p.default for n, p in params.items() if n not in values and p.default is not None}
    while pending:
        progress = False
        for name, expr in list(pending.items()):
            needed = [s for s in expr.free_symbols if s.name in params]
            if all(s.name in values for s in needed):
                values[name] = expr.xreplace({s: values[s.name] for s in needed})
                del pending[name]
                progress = True
        if not progress:
            break
    return values


def _show(value: Any) -> str:
    try:
        if value.is_Integer:
            return str(int(value))
        if value.is_Rational or value.is_number:
            f = float(value)
            return f"{f:g}"
    except (TypeError, AttributeError, ValueError):
        pass
    return str(value)


def _outside(value: Any, domain: Domain, values: Mapping[str, Any]) -> str | None:
    """Return "" or an explanation when `value` lies outside `domain` at `values`; None when
    it lies inside or cannot be decided."""
    subs = {symbol(n): v for n, v in values.items()}

    def at(e: Any) -> Any:
        return e.xreplace(subs) if e is not None else None

    try:
        if domain.elements is not None:
            elements = [at(e) for e in domain.elements]
            if any(e.free_symbols for e in elements):
                return None
            if any(sympy.simplify(value - e) == 0 for e in elements):
                return None
            return ""
        if domain.int_range is not None:
            lo, hi = (at(e) for e in domain.int_range)
            if lo.free_symbols or hi.free_symbols:
                return None
            if value.is_integer and lo <= value <= hi:
                return None
            return f" (= {{{_show(lo)}..{_show(hi)}}})"
        lo, hi = at(domain.lower), at(domain.upper)
        for bound in (lo, hi):
            if bound is not None and bound.free_symbols:
                return None
        bad = False
        if lo is not None:
            bad |= bool(value <= lo) if domain.lower_strict else bool(value < lo)
        if hi is not None:
            bad |= bool(value >= hi) if domain.upper_strict else bool(value > hi)
        if not bad:
            return None
        symbolic = any(
            b is not None and b != e for b, e in ((lo, domain.lower), (hi, domain.upper))
        )
        if symbolic:
            left = "(" if domain.lower_strict else "["
            right = ")" if domain.upper_strict else "]"
            return (
                f" (= {left}{_show(lo) if lo is not None else '-inf'}, "
                f"{_show(hi) if hi is not None else 'inf'}{right})"
            )
        return ""
    except TypeError:
        return None


def _build_domain(conv: _Sympy, d: ast.Domain | None) -> Domain | None:
    """Return the `Domain` of a domain as written (None for a free real)."""
    if d is None:
        return None
    if d.kind == "set":
        elements = []
        for e in d.elements:
            v = conv.safe(e)
            if v is None:
                continue
            if v.is_number and any(w.is_number and sympy.simplify(v - w) == 0 for w in elements):
                conv.errors.append(SpecError(f"{_show(v)} is listed twice in the set", e.span))
            elements.append(v)
        return Domain(elements=tuple(elements), text=d.text, span=d.span)
    if d.kind == "range":
        lo, hi = conv.safe(d.elements[0]), conv.safe(d.elements[1])
        if lo is None or hi is None:
            return Domain(text=d.text, span=d.span)
        for v, e in ((lo, d.elements[0]), (hi, d.elements[1])):
            if v.is_number and not v.is_integer:
                conv.errors.append(
                    SpecError(
                        f"the ends of a range {{lo..hi}} must be integers, not {_show(v)}", e.span
                    )
                )
                return Domain(text=d.text, span=d.span)
        if lo.is_Integer and hi.is_Integer:
            count = int(hi) - int(lo) + 1
            if count <= 0:
                conv.errors.append(SpecError(f"the range {{{lo}..{hi}}} is empty", d.span))
                return Domain(text=d.text, span=d.span)
            if count > MAX_RANGE_SIZE:
                conv.errors.append(
                    SpecError(
                        f"the range has {count} elements (at most {MAX_RANGE_SIZE} are allowed)",
                        d.span,
                        "use a continuous domain such as in [lo, hi]",
                    )
                )
                return Domain(text=d.text, span=d.span)
            return Domain(
                elements=tuple(sympy.Integer(i) for i in range(int(lo), int(hi) + 1)),
                text=d.text,
                span=d.span,
            )
        return Domain(int_range=(lo, hi), text=d.text, span=d.span)
    lower = upper = None
    lower_strict = upper_strict = False
    lower_text = upper_text = None
    for b in d.bounds:
        v = conv.safe(b.expr)
        if v is None:
            continue
        if b.op in (">", ">="):
            if v == -sympy.oo:
                continue
            if v == sympy.oo:
                conv.errors.append(SpecError("a lower bound of inf leaves nothing", b.span))
                continue
            lower, lower_strict, lower_text = v, b.op == ">", b.text
        else:
            if v == sympy.oo:
                continue
            if v == -sympy.oo:
                conv.errors.append(SpecError("an upper bound of -inf leaves nothing", b.span))
                continue
            upper, upper_strict, upper_text = v, b.op == "<", b.text
    if lower is not None and upper is not None and lower.is_number and upper.is_number:
        try:
            empty = bool(lower > upper) or (bool(lower == upper) and (lower_strict or upper_strict))
        except TypeError:
            empty = False
        if empty:
            conv.errors.append(SpecError(f"the domain {d.text} is empty", d.span))
    return Domain(
        lower=lower,
        lower_strict=lower_strict,
        upper=upper,
        upper_strict=upper_strict,
        lower_text=lower_text,
        upper_text=upper_text,
        text=d.text,
        span=d.span,
    )


def _apply_scenario(
    game: Game, sc: ast.ScenarioDecl, conv: _Sympy, errors: list[SpecError]
) -> Game:
    """Return `game` with the fixes, sets and merges of scenario `sc` applied (its lets and
    payoffs were substituted before inlining)."""
    params = dict(game.params)
    players = dict(game.players)
    payoffs = dict(game.payoffs)
    fixes: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for st in sc.statements:
        if isinstance(st, ast.SetParam):
            value = conv.safe(st.expr)
            if value is not None:
                params[st.name] = replace(params[st.name], default=value)
        elif isinstance(st, ast.Fix):
            value = conv.safe(st.expr)
            if value is not None:
                fixes[st.var] = value
        elif isinstance(st, ast.Merge):
            players[st.merged] = Player(st.merged, sc.title, st.span, members=st.players)
            for m in st.players:
                players[m] = replace(players[m], merged_into=st.merged)
                owner[m] = st.merged
            payoffs[st.merged] = sympy.Add(*[payoffs[m] for m in st.players])
    stages = []
    for stage in game.stages:
        choices = []
        for c in stage.choices:
            if c.var in fixes:
                c = replace(c, fixed=fixes[c.var])
            if c.player in owner:
                c = replace(c, player=owner[c.player])
            choices.append(c)
        stages.append(replace(stage, choices=tuple(choices)))
    if any(isinstance(st, ast.SetParam) for st in sc.statements):
        values = param_values(params)
        for st in sc.statements:
            if isinstance(st, ast.SetParam) and st.name in values and params[st.name].domain:
                problem = _outside(values[st.name], params[st.name].domain, values)
                if problem is not None:
                    errors.append(
                        SpecError(
                            f"'set {st.name}' gives {_show(values[st.name])}, outside its domain "
                            f"{params[st.name].domain.text}{problem}",
                            st.expr.span,
                        )
                    )
    return replace(
        game,
        params=params,
        players=players,
        payoffs=payoffs,
        stages=tuple(stages),
        scenario=sc.name,
        payoff_spans={
            **game.payoff_spans,
            **{m: s for m, s in ((p.name, p.span) for p in players.values() if p.members)},
        },
    )
