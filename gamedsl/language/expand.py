"""Families (DESIGN §1b): `player F[i] for i in 1..n`, `param c[i] ...`, `q[i+1]`, `sum(...)`.

`expand(prog, ...)` returns the program with every family written out member by member, at the
values of the params its ranges use (`--set n=7` expands again): members are named `F[1]`,
`q[2]`, `c[3]` everywhere after this pass, an indexed name `q[i+1]` is replaced by its member's
name, `sum(j in 1..n, EXPR)` by the sum of its terms, and a bracket or `if` on indices alone
(`[j != i]`) by its value.  Later passes see a game without families.

Errors (exit 2, with the line): an index outside its family's range, an index that is not an
integer expression of indices, numbers and params, a member that does not exist, a family used
without an index, and a broken `symmetric` promise.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gamedsl.language import ast
from gamedsl.language.collect import Program
from gamedsl.language.source import short
from gamedsl.model.errors import Span, SpecError

MAX_MEMBERS = 10_000  # members of one family
MAX_SUM_TERMS = 100_000  # terms of one expanded sum


class _Stop(Exception):
    """An error was recorded: give up on the expression being expanded."""


@dataclass(frozen=True)
class FamilyInfo:
    """A family: its kind (player, param, let, report, choice), its members' indices, and whether
    its players promised to be interchangeable (`symmetric`)."""

    name: str
    kind: str
    lo: int
    hi: int
    symmetric: bool = False

    def member(self, k: int) -> str:
        return f"{self.name}[{k}]"

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(self.member(k) for k in range(self.lo, self.hi + 1))


@dataclass
class _Expander:
    """Writes a program's families out, member by member."""

    prog: Program
    values: Mapping[str, Any]  # --set values (and the scenario's) of params, by name
    errors: list[SpecError]
    structural: frozenset[str] = frozenset()  # params of ranges and indices
    families: dict[str, FamilyInfo] = field(default_factory=dict)
    _param_cache: dict[str, Fraction] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)

    def fail(self, message: str, span: Span | None, hint: str | None = None) -> _Stop:
        self.errors.append(SpecError(message, span, hint))
        return _Stop()

    # -- numbers of indices ----------------------------------------------------------------
    def param_value(self, name: str, span: Span) -> Fraction:
        """Return the value of a param an index or a range uses."""
        if name in self._param_cache:
            return self._param_cache[name]
        if name in self.values:
            given = self.values[name]
            value = self.number(given, {}) if isinstance(given, ast.Expr) else _fraction(given)
        else:
            decl = self.prog.params.get(name)
            if name not in self.prog.names:
                raise self.fail(
                    f"unknown index {short(name)!r}: an index is bound by 'for' or 'sum'",
                    span,
                    "e.g. sum(j in 1..n, q[j]), or a family: x[i] for i in 1..n",
                )
            if decl is None or decl.family is not None:
                raise self.fail(
                    f"{short(name)!r} is used in an index or a range, where only numbers, "
                    "params and indices may be",
                    span,
                )
            if decl.default is None:
                raise self.fail(
                    f"param {name!r} sets the size of a family and has no default",
                    decl.name_span,
                    f"give it one, or a value with --set {name}=VALUE",
                )
            if name in self._evaluating:
                raise self.fail(f"the default of {name!r} depends on itself", decl.name_span)
            self._evaluating.add(name)
            try:
                value = self.number(decl.default, {})
            finally:
                self._evaluating.discard(name)
        self._param_cache[name] = value
        return value

    def number(self, e: ast.Expr, env: Mapping[str, int]) -> Fraction:
        """Return the exact value of an expression of numbers, indices and params."""
        t = type(e)
        if t is ast.Number:
            return Fraction(e.text)
        if t is ast.Name:
            if e.name in env:
                return Fraction(env[e.name])
            return self.param_value(e.name, e.span)
        if t is ast.Neg:
            return -self.number(e.operand, env)
        if t is ast.Sum:
            return sum(
                (
                    v if s == "+" else -v
                    for v, s in zip((self.number(x, env) for x in e.terms), e.signs)
                ),
                Fraction(0),
            )
        if t is ast.Product:
            out = Fraction(1)
            for x, op in zip(e.factors, e.ops):
                v = self.number(x, env)
                if op == "/":
                    if v == 0:
                        raise self.fail("division by zero in an index", x.span)
                    v = 1 / v
                out *= v
            return out
        if t is ast.Power:
            base, exponent = self.number(e.base, env), self.number(e.exponent, env)
            if exponent.denominator != 1 or abs(exponent) > 64 or (base == 0 and exponent < 0):
                raise self.fail("an index takes whole powers only", e.span)
            return base ** int(exponent)
        if t is ast.Call and e.func in ("min", "max", "abs") and e.args:
            args = [self.number(a, env) for a in e.args]
            return {"min": min, "max": max, "abs": lambda x: abs(x)}[e.func](*args)
        raise self.fail(
            "an index is an integer expression of indices, numbers and params",
            e.span,
            "e.g. q[i + 1], c[n], sum(j in 1..n, q[j])",
        )

    def integer(self, e: ast.Expr, env: Mapping[str, int], what: str = "an index") -> int:
        """Return an expression's value, which must be an integer."""
        v = self.number(e, env)
        if v.denominator != 1:
            raise self.fail(f"{what} must be an integer, not {v}", e.span)
        return int(v)

    def range_of(self, family: ast.Family | tuple, env: Mapping[str, int]) -> tuple[int, int]:
        lo_e, hi_e = (family.lo, family.hi) if isinstance(family, ast.Family) else family
        lo, hi = self.integer(lo_e, env, "a range's end"), self.integer(hi_e, env, "a range's end")
        if hi - lo + 1 > MAX_MEMBERS:
            raise self.fail(
                f"the range {lo}..{hi} has {hi - lo + 1} members (at most {MAX_MEMBERS})",
                lo_e.span,
            )
        return lo, hi

    # -- members -----------------------------------------------------------------------------
    def member(self, name: str, index: ast.Expr, env: Mapping[str, int], span: Span) -> str:
        """Return the member name of `name[index]`, refusing one outside the family."""
        info = self.families.get(name)
        if info is None:
            raise self.fail(
                f"{short(name)!r} is not a family: it takes no index",
                span,
                f"declare it as a family: {name}[i] for i in 1..n",
            )
        k = self.integer(index, env)
        if not info.lo <= k <= info.hi:
            bound = ", ".join(f"{n} = {v}" for n, v in env.items())
            where = f" (at {bound})" if bound else ""
            raise self.fail(
                f"{name}[{k}] does not exist: {name} has members {info.lo}..{info.hi}{where}",
                span,
            )
        return info.member(k)

    def bound_index(self, index: ast.Expr | None) -> str | None:
        """Return the name of a fresh index (`F[i]` with `i` no declared name), or None."""
        if isinstance(index, ast.Name) and index.name not in self.prog.names:
            return index.name
        return None

    # -- expressions -------------------------------------------------------------------------
    def expr(self, e: ast.Expr, env: Mapping[str, int]) -> ast.Expr:
        """Return `e` with its indices and sums written out."""
        handler = _EXPAND.get(type(e))
        if handler is not None:
            return handler(self, e, env)
        return self._rebuild(e, env)

    def _rebuild(self, e: Any, env: Mapping[str, int]) -> Any:
        changes = {}
        for f in dataclasses.fields(e):
            value = getattr(e, f.name)
            if isinstance(value, ast.Expr):
                changes[f.name] = self.expr(value, env)
            elif isinstance(value, tuple) and value and isinstance(value[0], ast.Expr):
                changes[f.name] = tuple(self.expr(x, env) for x in value)
        return dataclasses.replace(e, **changes) if changes else e

    def _name(self, e: ast.Name, env: Mapping[str, int]) -> ast.Expr:
        if e.name in env:
            return ast.Number(str(env[e.name]), e.span)
        if e.name in self.families:
            raise self.fail(
                f"{e.name!r} is a family: name one member ({e.name}[i]) or sum them "
                f"(sum(j in 1..n, {e.name}[j]))",
                e.span,
            )
        return e

    def _indexed(self, e: ast.Indexed, env: Mapping[str, int]) -> ast.Expr:
        return ast.Name(self.member(e.name, e.index, env, e.span), e.span)

    def _sum(self, e: ast.IndexedSum, env: Mapping[str, int]) -> ast.Expr:
        if e.index in self.prog.names:
            raise self.fail(
                f"the index of a sum needs a new name: {e.index!r} is already declared",
                e.index_span,
            )
        lo, hi = self.range_of((e.lo, e.hi), env)
        if hi - lo + 1 > MAX_SUM_TERMS:
            raise self.fail(f"the sum has {hi - lo + 1} terms (at most {MAX_SUM_TERMS})", e.span)
        terms = [self.expr(e.body, {**env, e.index: k}) for k in range(lo, hi + 1)]
        terms = [t for t in terms if not (isinstance(t, ast.Number) and Fraction(t.text) == 0)]
        if not terms:
            return ast.Number("0", e.span)
        if len(terms) == 1:
            return dataclasses.replace(terms[0], span=e.span)
        depth = 1 + max(t.depth for t in terms)
        return ast.Sum(tuple(terms), ("+",) * len(terms), e.span, depth)

    def _iverson(self, e: ast.Iverson, env: Mapping[str, int]) -> ast.Expr:
        held = self._on_indices(e.condition, env)
        if held is not None:
            return ast.Number("1" if held else "0", e.span)
        return self._rebuild(e, env)

    def _if(self, e: ast.IfElse, env: Mapping[str, int]) -> ast.Expr:
        held = self._on_indices(e.condition, env)
        if held is not None:
            return self.expr(e.then if held else e.otherwise, env)
        return self._rebuild(e, env)

    def _payoff_ref(self, e: ast.PayoffRef, env: Mapping[str, int]) -> ast.Expr:
        if e.index is None:
            return e
        name = self.member(e.player, e.index, env, e.player_span)
        return ast.PayoffRef(name, e.span, e.player_span)

    def _on_indices(self, cond: ast.Expr, env: Mapping[str, int]) -> bool | None:
        """Return the value of a condition on indices, numbers and the params that shape the
        game (None for any other condition)."""
        names = [n.name for n in ast.walk(cond) if isinstance(n, ast.Name)]
        if not env or not all(n in env or n in self.structural for n in names):
            return None
        return _holds(cond, lambda x: self.number(x, env))


def _holds(cond: ast.Expr, value: Callable[[ast.Expr], Fraction]) -> bool:
    """Return the truth of a condition whose values `value` computes."""
    if isinstance(cond, ast.Compare):
        a, b = value(cond.left), value(cond.right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[
            cond.op
        ]
    if isinstance(cond, ast.BoolOp):
        parts = (_holds(x, value) for x in cond.operands)
        return all(parts) if cond.op == "and" else any(parts)
    if isinstance(cond, ast.Not):
        return not _holds(cond.operand, value)
    return value(cond) != 0


_EXPAND: dict[type, Callable] = {
    ast.Name: _Expander._name,
    ast.Indexed: _Expander._indexed,
    ast.IndexedSum: _Expander._sum,
    ast.Iverson: _Expander._iverson,
    ast.IfElse: _Expander._if,
    ast.PayoffRef: _Expander._payoff_ref,
    ast.Number: lambda self, e, env: e,
    ast.Inf: lambda self, e, env: e,
}


def _fraction(v: Any) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    return Fraction(repr(float(v))) if not hasattr(v, "p") else Fraction(int(v.p), int(v.q))


def structural_params(prog: Program) -> tuple[str, ...]:
    """Return the params a family's range or an index uses: another value of one of them
    changes the game's shape (its players, choices and params)."""
    ends: list[ast.Expr] = []
    decls = [*prog.params.values(), *prog.players.values(), *prog.lets.values()]
    for d in [*decls, *prog.reports.values()]:
        if getattr(d, "family", None) is not None:
            ends += [d.family.lo, d.family.hi]
    exprs = [d.expr for d in [*prog.lets.values(), *prog.reports.values(), *prog.payoffs.values()]]
    for e in exprs:
        for node in ast.walk(e):
            if isinstance(node, ast.IndexedSum):
                ends += [node.lo, node.hi]
            elif isinstance(node, ast.Indexed):
                ends.append(node.index)
    names = {n.name for e in ends for n in ast.walk(e) if isinstance(n, ast.Name)}
    return tuple(sorted(n for n in names if n in prog.params))


def uses_families(prog: Program) -> bool:
    """Return True when the program declares a family or indexes a name."""
    decls = [*prog.params.values(), *prog.players.values(), *prog.lets.values()]
    decls += list(prog.reports.values())
    if any(getattr(d, "family", None) is not None for d in decls):
        return True
    for stage in prog.stages:
        for c in stage.choices:
            if isinstance(c, ast.DrawLine) or c.player_index is not None:
                return True
    exprs = [d.expr for d in [*prog.lets.values(), *prog.reports.values(), *prog.payoffs.values()]]
    return any(isinstance(n, (ast.Indexed, ast.IndexedSum)) for e in exprs for n in ast.walk(e))


def expand(
    prog: Program, values: Mapping[str, Any], errors: list[SpecError]
) -> tuple[Program, dict[str, FamilyInfo]]:
    """Return the program with its families written out, and the families (by name)."""
    if not uses_families(prog):
        return prog, {}
    x = _Expander(prog, dict(values), errors, frozenset(structural_params(prog)))
    _declare_families(x)
    out = Program(title=prog.title, stages=[], scenarios={}, assumes=[])
    out.names = {n: v for n, v in prog.names.items() if n not in x.families}
    _expand_declarations(x, out)
    for stage in prog.stages:
        out.stages.append(
            dataclasses.replace(
                stage,
                condition=_opt(x, stage.condition, {}),
                choices=tuple(_expand_lines(x, stage, out)),
            )
        )
    for name, sc in prog.scenarios.items():
        out.scenarios[name] = dataclasses.replace(
            sc, statements=tuple(s for st in sc.statements for s in _scenario_statement(x, st))
        )
    out.assumes = [
        a
        for a in (
            _guard(x, lambda a=a: dataclasses.replace(a, condition=x.expr(a.condition, {})))
            for a in prog.assumes
        )
        if a is not None
    ]
    _check_symmetric(x)
    return out, x.families


def _guard(x: _Expander, make: Callable[[], Any]) -> Any:
    """Return `make()`, or None when it recorded an error."""
    try:
        return make()
    except _Stop:
        return None


def _opt(x: _Expander, e: ast.Expr | None, env: Mapping[str, int]) -> ast.Expr | None:
    return None if e is None else x.expr(e, env)


def _declare_families(x: _Expander) -> None:
    """Record the range of every family: declared ones, then the choices of player families."""
    prog = x.prog
    kinds = (
        ("player", prog.players),
        ("param", prog.params),
        ("let", prog.lets),
        ("report", prog.reports),
    )
    for kind, table in kinds:
        for name, decl in table.items():
            if decl.family is None:
                continue
            lo, hi = _guard(x, lambda d=decl: x.range_of(d.family, {})) or (1, 0)
            symmetric = getattr(decl, "symmetric", False)
            x.families[name] = FamilyInfo(name, kind, lo, hi, symmetric)
    for stage in prog.stages:
        for c in stage.choices:
            if isinstance(c, ast.ChoiceLine) and c.var_index is not None:
                info = x.families.get(c.player)
                if info is not None and x.bound_index(c.player_index):
                    x.families[c.var] = FamilyInfo(c.var, "choice", info.lo, info.hi)


def _members(x: _Expander, decl: Any, name: str) -> list[tuple[str, dict[str, int]]]:
    """Return (member name, index environment) for every member of a declaration."""
    if decl.family is None:
        return [(name, {})]
    info = x.families[name]
    return [(info.member(k), {decl.family.index: k}) for k in range(info.lo, info.hi + 1)]


def _expand_declarations(x: _Expander, out: Program) -> None:
    """Write out params, players, lets, reports, defs and payoffs."""
    prog = x.prog
    for name, decl in prog.params.items():
        for member, env in _members(x, decl, name):
            made = _guard(
                x,
                lambda d=decl, m=member, e=env: dataclasses.replace(
                    d,
                    name=m,
                    family=None,
                    default=_opt(x, d.default, e),
                    domain=_domain(x, d.domain, e),
                ),
            )
            if made is not None:
                out.params[member] = made
                out.names[member] = ("param", decl.name_span, "own")
    for name, decl in prog.players.items():
        for member, _env in _members(x, decl, name):
            out.players[member] = dataclasses.replace(decl, name=member, family=None)
            out.names[member] = ("player", decl.name_span, "own")
    for table, kind in ((prog.lets, "let"), (prog.reports, "report")):
        target = out.lets if kind == "let" else out.reports
        for name, decl in table.items():
            for member, env in _members(x, decl, name):
                made = _guard(
                    x,
                    lambda d=decl, m=member, e=env: dataclasses.replace(
                        d, name=m, family=None, expr=x.expr(d.expr, e)
                    ),
                )
                if made is not None:
                    target[member] = made
                    out.names[member] = (kind, decl.name_span, "own")
    for name, decl in prog.defs.items():
        made = _guard(x, lambda d=decl: dataclasses.replace(d, body=x.expr(d.body, {})))
        if made is not None:
            out.defs[name] = made
    for decl in prog.payoffs.values():
        for member, made in _payoffs(x, decl):
            out.payoffs[member] = made


def _payoffs(x: _Expander, decl: ast.PayoffDecl) -> list[tuple[str, ast.PayoffDecl]]:
    """Return the payoff declarations of one `payoff P = ...` or `payoff F[i] = ...`."""
    if decl.index is None:
        made = _guard(x, lambda: dataclasses.replace(decl, expr=x.expr(decl.expr, {})))
        return [] if made is None else [(decl.player, made)]
    index = x.bound_index(decl.index)
    info = x.families.get(decl.player)
    if index is None or info is None:
        member = _guard(x, lambda: x.member(decl.player, decl.index, {}, decl.name_span))
        made = _guard(
            x,
            lambda: dataclasses.replace(
                decl, player=member, index=None, expr=x.expr(decl.expr, {})
            ),
        )
        return [] if made is None or member is None else [(member, made)]
    out = []
    for k in range(info.lo, info.hi + 1):
        made = _guard(
            x,
            lambda k=k: dataclasses.replace(
                decl, player=info.member(k), index=None, expr=x.expr(decl.expr, {index: k})
            ),
        )
        if made is not None:
            out.append((info.member(k), made))
    return out


def _domain(x: _Expander, d: ast.Domain | None, env: Mapping[str, int]) -> ast.Domain | None:
    if d is None:
        return None
    bounds = tuple(dataclasses.replace(b, expr=x.expr(b.expr, env)) for b in d.bounds)
    return dataclasses.replace(d, bounds=bounds, elements=tuple(x.expr(e, env) for e in d.elements))


def _expand_lines(x: _Expander, stage: ast.StageDecl, out: Program) -> list:
    """Return the choice and chance lines of a stage, one per member of a choosing family."""
    lines: list = []
    for c in stage.choices:
        if isinstance(c, ast.DrawLine):
            made = _guard(x, lambda c=c: _draw(x, c))
            if made is not None:
                lines.append(made)
            continue
        index = x.bound_index(c.player_index)
        info = x.families.get(c.player)
        if c.player_index is not None and index is not None and info is not None:
            envs = [(info.member(k), {index: k}) for k in range(info.lo, info.hi + 1)]
        elif c.player_index is not None:
            player = _guard(x, lambda c=c: x.member(c.player, c.player_index, {}, c.player_span))
            envs = [] if player is None else [(player, {})]
        else:
            envs = [(c.player, {})]
        if c.var in out.names and out.names[c.var][0] == "choice" and c.var_index is not None:
            del out.names[c.var]
        for player, env in envs:
            made = _guard(x, lambda c=c, p=player, e=env: _choice(x, c, p, e))
            if made is not None:
                lines.append(made)
                out.names[made.var] = ("choice", c.var_span, "own")
    return lines


def _choice(x: _Expander, c: ast.ChoiceLine, player: str, env: dict) -> ast.ChoiceLine:
    if c.var_index is None and env:
        raise x.fail(
            f"every member of {c.player} chooses: the variable needs their index "
            f"({c.var}[{next(iter(env))}])",
            c.var_span,
        )
    var = c.var
    if c.var_index is not None:
        info = x.families.get(c.var)
        k = x.integer(c.var_index, env)
        if info is None:
            raise x.fail(
                f"{c.var}[{k}] needs a family of players choosing it: F[i] chooses {c.var}[i]",
                c.var_span,
            )
        var = info.member(k)
    return dataclasses.replace(
        c,
        player=player,
        var=var,
        player_index=None,
        var_index=None,
        domain=_domain(x, c.domain, env),
        condition=_opt(x, c.condition, env),
        otherwise=_opt(x, c.otherwise, env),
    )


def _draw(x: _Expander, d: ast.DrawLine) -> ast.DrawLine:
    outcomes = tuple((x.expr(v, {}), _opt(x, p, {})) for v, p in d.outcomes)
    private = tuple(
        (name if index is None else x.member(name, index, {}, span), None, span)
        for name, index, span in d.private_to
    )
    value_range = None
    if d.value_range is not None:
        value_range = (x.expr(d.value_range[0], {}), x.expr(d.value_range[1], {}))
    return dataclasses.replace(d, outcomes=outcomes, private_to=private, value_range=value_range)


def _scenario_statement(x: _Expander, st: Any) -> list:
    """Return a scenario statement with its members named (a family payoff: one per member)."""
    if isinstance(st, ast.PayoffDecl):
        return [made for _member, made in _payoffs(x, st)]
    if isinstance(st, ast.Merge):
        names = []
        for name, span, index in zip(st.players, st.player_spans, st.indices or (None,) * 99):
            member = (
                name
                if index is None
                else _guard(x, lambda n=name, i=index, s=span: x.member(n, i, {}, s))
            )
            if member is None:
                return []
            names.append(member)
        return [dataclasses.replace(st, players=tuple(names), indices=())]
    made = _guard(x, lambda: _named_statement(x, st))
    return [] if made is None else [made]


def _named_statement(x: _Expander, st: Any) -> Any:
    if isinstance(st, (ast.Fix, ast.SetParam)) and st.index is not None:
        field_name = "var" if isinstance(st, ast.Fix) else "name"
        member = x.member(getattr(st, field_name), st.index, {}, st.name_span)
        return dataclasses.replace(st, **{field_name: member}, index=None, expr=x.expr(st.expr, {}))
    if isinstance(st, (ast.Fix, ast.SetParam, ast.LetDecl)):
        return dataclasses.replace(st, expr=x.expr(st.expr, {}))
    return st


def _check_symmetric(x: _Expander) -> None:
    """A `symmetric` family's payoff may use a param family through its own index only where
    every member has the same value (DESIGN §1b)."""
    for info in x.families.values():
        if info.kind != "player" or not info.symmetric:
            continue
        decl = x.prog.payoffs.get(info.name)
        index = x.bound_index(decl.index) if decl is not None else None
        if index is None:
            continue
        for node in ast.walk(decl.expr):
            if not isinstance(node, ast.Indexed):
                continue
            param = x.families.get(node.name)
            if param is None or param.kind != "param":
                continue
            if index not in {n.name for n in ast.walk(node.index) if isinstance(n, ast.Name)}:
                continue
            _same_values(x, info, param, node, index)


def _same_values(
    x: _Expander, players: FamilyInfo, param: FamilyInfo, node: ast.Indexed, index: str
) -> None:
    decl = x.prog.params[param.name]
    seen: dict[str, Fraction] = {}
    for k in range(players.lo, players.hi + 1):
        member = _guard(x, lambda k=k: x.member(param.name, node.index, {index: k}, node.span))
        if member is None:
            return
        if member in x.values:
            seen[member] = _fraction(x.values[member])
        elif decl.default is not None:
            env = {decl.family.index: int(member[len(param.name) + 1 : -1])}
            value = _guard(x, lambda e=env: x.number(decl.default, e))
            if value is None:
                return
            seen[member] = value
    if len(set(seen.values())) > 1:
        shown = ", ".join(f"{m} = {float(v):g}" for m, v in list(seen.items())[:4])
        x.errors.append(
            SpecError(
                f"{players.name} is declared symmetric, but its payoff uses {node.name}"
                f"[{index}], which differs across members ({shown})",
                node.span,
                "drop 'symmetric', or give every member the same value",
            )
        )
