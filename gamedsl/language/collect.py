"""Collecting a game's declarations across files: `use` and `extends` merged into one `Program`.

A `Program` holds every declaration by name (one namespace for params, players, choices, lets,
reports and defs), the stages in play order (`stage NAME after OTHER:` placed) and the
scenarios.  Redeclarations an extending file may make (a param, let, report, payoff or the
title) replace the parent's; any other clash is an error.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field, fields
from typing import Any

from gamedsl.language import ast
from gamedsl.language.files import Loader
from gamedsl.language.hints import suggest
from gamedsl.language.source import short
from gamedsl.model.errors import Span, SpecError


@dataclass
class Program:
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

    def copy(self) -> Program:
        """Return a copy whose tables can change without changing this one's."""
        return Program(**{f.name: copy.copy(getattr(self, f.name)) for f in fields(self)})


KIND_WORD = {
    "param": "a param",
    "player": "a player",
    "choice": "a choice variable",
    "draw": "a chance variable (nature draws it)",
    "let": "a let",
    "report": "a report",
    "def": "a function",
}
_REDECLARABLE = {"param", "let", "report"}


class Collector:
    """Merges a file with what it uses and extends into one `Program`."""

    def __init__(self, loader: Loader, errors: list[SpecError]) -> None:
        self.loader = loader
        self.errors = errors
        # a file that could not be brought in: checking names would only add noise
        self.fatal = False

    def collect(self, module: ast.Module, real: str, stack: tuple[str, ...]) -> Program:
        """Return the program of `module` (read from `real`), with its uses and parent merged."""
        statements = module.statements
        prog = Program()
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
    ) -> Program | None:
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

    def _merge_used(self, prog: Program, used: Program, stmt: ast.Use) -> None:
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
                            f"{KIND_WORD[kind]} at {span}",
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
        self, prog: Program, name: str, kind: str, span: Span, own: set[str], extending: bool
    ) -> bool:
        """Record `name`; return False (with an error) when it clashes."""
        if name in prog.names:
            old_kind, old_span, _ = prog.names[name]
            if extending and name not in own and old_kind == kind and kind in _REDECLARABLE:
                own.add(name)
                prog.names[name] = (kind, span, "own")
                return True
            if old_kind == kind:
                msg = f"{KIND_WORD[kind]} named {short(name)!r} is already declared at {old_span}"
                self.errors.append(SpecError(f"duplicate declaration: {msg}", span))
            else:
                self.errors.append(
                    SpecError(
                        f"duplicate declaration: {short(name)!r} is already declared as "
                        f"{KIND_WORD[old_kind]} at {old_span}",
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
        self, prog: Program, stmt: Any, own: set[str], own_payoffs: set[str], extending: bool
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
                kind = "draw" if isinstance(choice, ast.DrawLine) else "choice"
                if choice.var in prog.names and prog.names[choice.var][0] in ("choice", "draw"):
                    _, span, _ = prog.names[choice.var]
                    self.errors.append(
                        SpecError(
                            f"variable {short(choice.var)!r} is chosen twice (first at {span})",
                            choice.var_span,
                            "each variable is chosen by one player in one stage",
                        )
                    )
                    continue
                self._declare(prog, choice.var, kind, choice.var_span, own, False)

    def _place_stages(self, prog: Program, stages: list[ast.StageDecl], extending: bool) -> None:
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
                            p.other_span,
                            suggest(p.other, [s.name for s in order]),
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
