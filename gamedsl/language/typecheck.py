"""Type checking on the syntax tree: names, types (number or condition), dependencies and the
restrictions of DESIGN §1 on where each thing may be used.

`Checker` resolves every name against the program's one namespace, types every expression,
orders the lets, reports, defs and payoffs by dependency (reporting cycles), and checks what
bounds, conditions, defaults and scenario statements may use (`Allowed`).  All errors of one pass
are collected, not just the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gamedsl.language import ast
from gamedsl.language.builtins import BUILTINS
from gamedsl.language.collect import KIND_WORD, Program
from gamedsl.language.hints import Suggestions
from gamedsl.language.source import short
from gamedsl.language.stagegraph import find_cycle, topological_order
from gamedsl.model.errors import Span, SpecError

MAX_ERRORS_COLLECTED = 200
MAX_INLINED_DEPTH = 300  # levels of an expression once the lets and defs it uses are inlined

NUM = "number"
COND = "condition"

# node type -> (the type its operands must have, its own type)
_OPERANDS: dict[type, tuple[str, str]] = {
    ast.Neg: (NUM, NUM),
    ast.Sum: (NUM, NUM),
    ast.Product: (NUM, NUM),
    ast.Power: (NUM, NUM),
    ast.Compare: (NUM, COND),
    ast.BoolOp: (COND, COND),
    ast.Not: (COND, COND),
    ast.Iverson: (COND, NUM),
}


@dataclass
class Item:
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


class Checker:
    """Names, types, dependencies and restrictions, on the syntax tree."""

    def __init__(self, prog: Program, errors: list[SpecError]) -> None:
        self.prog = prog
        self.errors = errors
        self.kinds: dict[str, str] = {n: k for n, (k, _, _) in prog.names.items()}
        self.stage_of: dict[str, tuple[int, str]] = {}
        for i, stage in enumerate(prog.stages):
            for c in stage.choices:
                self.stage_of.setdefault(c.var, (i, stage.name))
        self.items: dict[tuple[str, str], Item] = {}
        self.extra_players: dict[str, tuple[str, ...]] = {}
        self.suggestions = Suggestions()

    # -- errors --
    def error(self, message: str, span: Span | None, hint: str | None = None) -> None:
        if len(self.errors) < MAX_ERRORS_COLLECTED:
            self.errors.append(SpecError(message, span, hint))

    # -- items --
    def build_items(
        self, lets: Mapping[str, ast.LetDecl], payoffs: Mapping[str, ast.PayoffDecl]
    ) -> None:
        for name, d in lets.items():
            self.items[("let", name)] = Item(("let", name), d.expr, d.name_span)
        for name, d in self.prog.reports.items():
            self.items[("report", name)] = Item(("report", name), d.expr, d.name_span)
        for name, d in self.prog.defs.items():
            self.items[("def", name)] = Item(("def", name), d.body, d.name_span, d.args)
        for player, d in payoffs.items():
            self.items[("payoff", player)] = Item(("payoff", player), d.expr, d.name_span)
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
        allowed: Allowed | None = None,
    ) -> str:
        """Return NUM or COND for `expr`, reporting unknown names and misused conditions."""
        t = type(expr)
        rule = _OPERANDS.get(t)
        if rule is not None:
            operand_type, result = rule
            for x in ast.children(expr):
                self.need(x, operand_type, local, allowed)
            return result
        if t is ast.Number or t is ast.Inf:
            return NUM
        if t is ast.Name:
            return self._name_type(expr, local, allowed)
        if t is ast.Call:
            return self._call_type(expr, local, allowed)
        if t is ast.PayoffRef:
            self._check_payoff_ref(expr, allowed)
            return NUM
        if t is ast.IfElse:
            self.need(expr.condition, COND, local, allowed)
            self.need(expr.then, NUM, local, allowed)
            self.need(expr.otherwise, NUM, local, allowed)
            return NUM
        if t is ast.Column:
            self.error(
                f"'{expr.name}@{expr.scenario}' names a value under a scenario: that is for "
                "expressions on the command line (regions --by), not for a spec",
                expr.span,
            )
            return NUM
        raise AssertionError(f"unknown node {t}")

    def _name_type(self, expr: ast.Name, local: Any, allowed: Allowed | None) -> str:
        name = expr.name
        if name in local:
            return NUM
        kind = self.kinds.get(name)
        if kind is None:
            if name in BUILTINS:
                self.error(f"{name!r} is a built-in function: call it as {name}(...)", expr.span)
            else:
                self.error(
                    f"unknown name {short(name)!r}"
                    + self.suggestions.did_you_mean(name, lambda: list(self.kinds) + list(local)),
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

    def _check_payoff_ref(self, expr: ast.PayoffRef, allowed: Allowed | None) -> None:
        player = expr.player
        if self.kinds.get(player) != "player" and player not in self.extra_players:
            players = [n for n, k in self.kinds.items() if k == "player"]
            self.error(
                f"unknown player {short(player)!r} in payoff(...)"
                + self.suggestions.did_you_mean(player, players),
                expr.player_span,
            )
        elif ("payoff", player) not in self.items and player not in self.extra_players:
            self.error(f"player {player!r} has no payoff", expr.player_span)
        if allowed is not None:
            allowed.check_payoff(self, expr)

    def need(self, expr: ast.Expr, want: str, local: Any, allowed: Allowed | None) -> None:
        """Report an error unless `expr` has type `want` (NUM or COND)."""
        got = self.type_of(expr, local, allowed)
        if got != want:
            message, hint = _type_message(got, want)
            self.error(message, expr.span, hint)

    def _call_type(self, expr: ast.Call, local: Any, allowed: Allowed | None) -> str:
        name = expr.func
        for a in expr.args:
            self.need(a, NUM, local, allowed)
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
        builtin = BUILTINS.get(name)
        if builtin is not None:
            n = len(expr.args)
            if not builtin.accepts(n):
                want = builtin.arity_text()
                self.error(
                    f"{name}() takes {want} argument{'s' if want != '1' else ''}, got {n}",
                    expr.span,
                )
            return NUM
        defs = [n for n, k in self.kinds.items() if k == "def"] + list(BUILTINS)
        self.error(
            f"unknown function {short(name)!r}" + self.suggestions.did_you_mean(name, defs),
            expr.span,
        )
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
                            f"def argument {arg!r} reuses the name of {KIND_WORD[kind]}",
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
            elif k in ("choice", "draw") and choices is not None:
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
class Allowed:
    """What an expression in a restricted place may use (bounds, conditions, defaults...)."""

    where: str  # e.g. "the bound of 'qF'"
    stage: int | None = None  # choices of stages before this index are allowed
    params_only: bool = False  # param defaults: numbers and params only
    lets: bool = True  # lets/defs (of allowed things) may be used

    def check_name(self, ck: Checker, name: str, kind: str, span: Span) -> None:
        if kind == "param":
            return
        if self.params_only:
            ck.error(
                f"{self.where} may use only numbers and params; {short(name)!r} is "
                f"{KIND_WORD[kind]}",
                span,
            )
            return
        if kind in ("choice", "draw"):
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

    def check_payoff(self, ck: Checker, expr: ast.PayoffRef) -> None:
        ck.error(f"{self.where} cannot use payoff({expr.player})", expr.span)


def check_domain(ck: Checker, domain: ast.Domain | None, allowed: Allowed) -> None:
    """Check a domain's bounds or elements (numbers, allowed names) and its shape."""
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
        ck.need(b.expr, NUM, frozenset(), allowed)
    for e in domain.elements:
        ck.need(e, NUM, frozenset(), allowed)


def check_declarations(ck: Checker) -> None:
    """Check the players and payoffs, the params and assumes, and the stages of the program."""
    _check_players(ck)
    prog = ck.prog
    for name, p in prog.params.items():
        if p.default is not None:
            allowed = Allowed(f"the default of {name!r}", params_only=True)
            ck.need(p.default, NUM, frozenset(), allowed)
        check_domain(ck, p.domain, Allowed(f"the domain of {name!r}", stage=None))
    for a in prog.assumes:
        ck.need(a.condition, COND, frozenset(), Allowed("an assume", stage=None))
    for i, stage in enumerate(prog.stages):
        if stage.condition is not None:
            where = Allowed(f"the condition of stage {stage.name!r}", stage=i)
            ck.need(stage.condition, COND, frozenset(), where)
        for c in stage.choices:
            if isinstance(c, ast.DrawLine):
                _check_draw(ck, i, c)
            else:
                _check_choice(ck, i, stage, c)


def _check_players(ck: Checker) -> None:
    """Every payoff names a player; in a game every player has a payoff; a file with payoffs or
    scenarios has stages (a module, for `use`, has neither)."""
    prog = ck.prog
    players = [n for n, k in ck.kinds.items() if k == "player"]
    for player, d in prog.payoffs.items():
        if ck.kinds.get(player) != "player":
            ck.error(
                f"payoff for unknown player {short(player)!r}"
                + ck.suggestions.did_you_mean(player, players),
                d.name_span,
            )
    if not prog.stages:
        found = list(prog.payoffs.values()) + list(prog.scenarios.values())
        if found:
            first = min(found, key=lambda d: (d.span.line, d.span.column))
            what = "payoffs" if prog.payoffs else "scenarios"
            ck.error(
                f"a game with {what} needs at least one stage: this file has none",
                first.span,
                "add a stage (stage NAME: / PLAYER chooses VAR); a module for 'use' has params, "
                "players, lets, defs and reports only",
            )
        return
    for name, d in prog.players.items():
        if name not in prog.payoffs:
            ck.error(f"player {name!r} has no payoff", d.name_span, f"add: payoff {name} = ...")


def _check_choice(ck: Checker, i: int, stage: ast.StageDecl, c: ast.ChoiceLine) -> None:
    """Check one choice line of stage number `i`: its player, domain, condition and otherwise."""
    if ck.kinds.get(c.player) != "player":
        if c.player in ck.kinds:
            ck.error(
                f"{c.player!r} is {KIND_WORD[ck.kinds[c.player]]}, not a player", c.player_span
            )
        else:
            players = [n for n, k in ck.kinds.items() if k == "player"]
            ck.error(
                f"choice by undeclared player {short(c.player)!r}"
                + ck.suggestions.did_you_mean(c.player, players),
                c.player_span,
                f"declare it: player {short(c.player)}",
            )
    check_domain(ck, c.domain, Allowed(f"the domain of {c.var!r}", stage=i))
    if c.condition is not None:
        where = Allowed(f"the condition of {c.var!r}", stage=i)
        ck.need(c.condition, COND, frozenset(), where)
    if c.otherwise is not None:
        where = Allowed(f"the otherwise value of {c.var!r}", stage=i)
        ck.need(c.otherwise, NUM, frozenset(), where)
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


def _check_draw(ck: Checker, i: int, d: ast.DrawLine) -> None:
    """Check a chance move of stage number `i`: numbers for values and probabilities (of params
    only), and players for `private to`."""
    for value, prob in d.outcomes:
        ck.need(value, NUM, frozenset(), Allowed(f"a value of {d.var!r}", params_only=True))
        if prob is not None:
            where = Allowed(f"the probability of a value of {d.var!r}", params_only=True)
            ck.need(prob, NUM, frozenset(), where)
    for end in d.value_range or ():
        ck.need(end, NUM, frozenset(), Allowed(f"the range of {d.var!r}", params_only=True))
    players = [n for n, k in ck.kinds.items() if k == "player"]
    for name, _index, span in d.private_to:
        if ck.kinds.get(name) != "player":
            ck.error(
                f"'private to' names {short(name)!r}, which is not a player"
                + ck.suggestions.did_you_mean(name, players),
                span,
            )
