"""Lowering: the checked syntax tree to sympy, and the `Game` the solver works on.

Every expression becomes a sympy object built straight from the syntax tree (never from text):
params and choices are real symbols, lets, defs and `payoff(P)` are inlined (dependencies
first, iteratively: chains can be long), `[C]` and `if` are `Piecewise`, built-ins come from the
`builtins` table.  Params get their defaults (evaluated in dependency order) and domains; a
default outside its domain is an error.  Numbers are exact, but the solver computes in floats: a
number beyond the floats' range (`10^400`, `1e308*1e308`) is an error where it is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import sympy

from gamedsl.language import ast
from gamedsl.language.builtins import BUILTINS
from gamedsl.language.collect import Program
from gamedsl.language.source import short
from gamedsl.language.stagegraph import find_cycle
from gamedsl.language.typecheck import Checker
from gamedsl.model.errors import Span, SpecError
from gamedsl.model.game import (
    Assumption,
    Choice,
    Domain,
    Draw,
    Game,
    Param,
    Player,
    ScenarioInfo,
    Stage,
    symbol,
)
from gamedsl.model.numbers import beyond_floats

MAX_RANGE_SIZE = 100_000  # elements of a range domain {lo..hi}
MAX_POWER_DIGITS = 10_000  # digits of an exact power
MAX_LITERAL_EXPONENT = 400  # the e in 1e400
MAX_LITERAL_LENGTH = 400  # characters of a number literal
UNDEFINED = "this expression is undefined (a division by zero, log(0) or the like)"


def out_of_range(value: Any, span: Span) -> SpecError:
    """Return the error of a value beyond the floats at `span`."""
    try:
        shown = "about " + str(sympy.N(value, 3)).lower().replace("e+", "e")
    except (TypeError, ValueError, ArithmeticError):
        shown = "a number"
    return SpecError(
        f"{shown} is beyond the range of numbers the solver computes with (about ±1.8e308)",
        span,
        "rescale the model: measure in larger units so the numbers stay below 1e308",
    )


def number(text: str, span: Span) -> sympy.Expr:
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


def power(base: sympy.Expr, exponent: sympy.Expr, span: Span) -> sympy.Expr:
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


def undefined(value: Any) -> bool:
    """Return True when a sympy value contains zoo or nan (1/0, log(0), 0/0...)."""
    return isinstance(value, sympy.Basic) and value.has(sympy.zoo, sympy.nan)


class Lowering:
    """Converts checked syntax trees to sympy, inlining items on demand (dependencies first)."""

    def __init__(self, ck: Checker, errors: list[SpecError]) -> None:
        self.ck = ck
        self.errors = errors
        self.memo: dict[tuple[str, str], Any] = {}
        self.def_memo: dict[str, tuple[tuple[sympy.Dummy, ...], Any]] = {}

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
        merged = self.ck.extra_players
        if item is None:
            if key[0] == "payoff" and key[1] in merged:
                return [("payoff", m) for m in merged[key[1]]]
            return []
        return [r for r in item.refs if r in self.ck.items or (r[0] == "payoff" and r[1] in merged)]

    def _convert(self, key: tuple[str, str]) -> None:
        if key in self.memo:
            return
        kind, name = key
        if kind == "payoff" and name in self.ck.extra_players:
            members = self.ck.extra_players[name]
            self.memo[key] = sympy.Add(*[self.memo[("payoff", m)] for m in members])
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
        """Return the sympy value of `e` (items are converted on demand)."""
        return _LOWER[type(e)](self, e, local)

    def _name(self, e: ast.Name, local: dict[str, Any]) -> Any:
        if e.name in local:
            return local[e.name]
        kind = self.ck.kinds.get(e.name)
        if kind in ("param", "choice", "draw"):
            return symbol(e.name)
        return self.item((kind, e.name))

    def _product(self, e: ast.Product, local: dict[str, Any]) -> Any:
        out = []
        for x, op in zip(e.factors, e.ops):
            v = self.expr(x, local)
            if op == "/":
                if v == 0:
                    raise SpecError("division by zero", x.span)
                v = sympy.Pow(v, -1)
            out.append(v)
        return sympy.Mul(*out)

    def _call(self, e: ast.Call, local: dict[str, Any]) -> Any:
        args = [self.expr(a, local) for a in e.args]
        if self.ck.kinds.get(e.func) == "def":
            self.item(("def", e.func))
            dummies, body = self.def_memo[e.func]
            return body.xreplace(dict(zip(dummies, args)))
        return BUILTINS[e.func].sympy(*args, span=e.span)

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
        if undefined(value):
            self.errors.append(SpecError(UNDEFINED, e.span))
            return None
        big = beyond_floats(value)
        if big is not None:
            self.errors.append(out_of_range(big, e.span))
            return None
        return value

    def safe_item(self, key: tuple[str, str]) -> Any:
        """Return `item(key)`, recording a SpecError (and returning nan) instead of raising."""
        try:
            value = self.item(key)
        except SpecError as e:
            self.errors.append(e)
            return sympy.nan
        if undefined(value):
            self.errors.append(SpecError(UNDEFINED, self.ck.items[key].expr.span))
            return value
        big = beyond_floats(value)
        if big is not None:
            self.errors.append(out_of_range(big, self.ck.items[key].expr.span))
            return sympy.nan
        return value


def _piecewise(e: ast.IfElse, lo: Lowering, local: dict[str, Any]) -> Any:
    cond = lo.expr(e.condition, local)
    return sympy.Piecewise((lo.expr(e.then, local), cond), (lo.expr(e.otherwise, local), True))


_LOWER = {
    ast.Number: lambda lo, e, local: number(e.text, e.span),
    ast.Inf: lambda lo, e, local: sympy.oo,
    ast.Name: Lowering._name,
    ast.Sum: lambda lo, e, local: sympy.Add(
        *[v if s == "+" else -v for v, s in zip((lo.expr(x, local) for x in e.terms), e.signs)]
    ),
    ast.Product: Lowering._product,
    ast.Power: lambda lo, e, local: power(
        lo.expr(e.base, local), lo.expr(e.exponent, local), e.span
    ),
    ast.Neg: lambda lo, e, local: -lo.expr(e.operand, local),
    ast.Call: Lowering._call,
    ast.PayoffRef: lambda lo, e, local: lo.item(("payoff", e.player)),
    ast.Compare: lambda lo, e, local: _COMPARE_CLASS[e.op](
        lo.expr(e.left, local), lo.expr(e.right, local)
    ),
    ast.BoolOp: lambda lo, e, local: (sympy.And if e.op == "and" else sympy.Or)(
        *[lo.expr(x, local) for x in e.operands]
    ),
    ast.Not: lambda lo, e, local: sympy.Not(lo.expr(e.operand, local)),
    ast.Iverson: lambda lo, e, local: sympy.Piecewise((1, lo.expr(e.condition, local)), (0, True)),
    ast.IfElse: lambda lo, e, local: _piecewise(e, lo, local),
}


class LazyLets(Mapping):
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


def _choice(conv: Lowering, stage: ast.StageDecl, stage_cond: Any, c: ast.ChoiceLine) -> Choice:
    """Return the `Choice` of one choice line (its condition joined with the stage's)."""
    cond = conv.safe(c.condition) if c.condition is not None else None
    if stage_cond is not None:
        cond = stage_cond if cond is None else sympy.And(stage_cond, cond)
    return Choice(
        var=c.var,
        symbol=symbol(c.var),
        player=c.player,
        stage=stage.name,
        domain=build_domain(conv, c.domain),
        condition=cond,
        otherwise=conv.safe(c.otherwise) if c.otherwise is not None else None,
        description=c.description,
        span=c.var_span,
    )


def _draw(conv: Lowering, stage: ast.StageDecl, d: ast.DrawLine) -> Draw:
    """Return the `Draw` of one chance line (equal probabilities where none are written)."""
    values = [conv.safe(v) for v, _p in d.outcomes]
    probs = [
        conv.safe(p) if p is not None else sympy.Rational(1, len(values)) for _v, p in d.outcomes
    ]
    kept = [v is not None and p is not None for v, p in zip(values, probs)]
    prob_spans = tuple(
        (p.span if p is not None else None) for (_v, p), k in zip(d.outcomes, kept) if k
    )
    value_range = None
    if d.value_range is not None:
        value_range = (conv.safe(d.value_range[0]), conv.safe(d.value_range[1]))
    return Draw(
        var=d.var,
        symbol=symbol(d.var),
        stage=stage.name,
        outcomes=tuple((v, p) for v, p in zip(values, probs) if v is not None and p is not None),
        value_range=value_range,
        private_to=tuple(name for name, _index, _span in d.private_to),
        description=d.description,
        span=d.var_span,
        value_texts=d.value_texts,
        line_span=d.span,
        probability_spans=prob_spans,
    )


def lower_game(
    conv: Lowering,
    lets: Mapping[str, ast.LetDecl],
    payoffs: Mapping[str, ast.PayoffDecl],
    path: str,
    sources: Mapping[str, str],
) -> Game:
    """Return the `Game` of the checked program (errors are recorded in `conv.errors`)."""
    prog = conv.ck.prog
    params = build_params(conv, prog)
    assumptions = []
    for a in prog.assumes:
        cond = conv.safe(a.condition)
        if cond is not None:
            assumptions.append(Assumption(cond, a.text, a.span))
    stages = []
    for st in prog.stages:
        stage_cond = conv.safe(st.condition) if st.condition is not None else None
        lines = [c for c in st.choices if isinstance(c, ast.ChoiceLine)]
        choices = tuple(_choice(conv, st, stage_cond, c) for c in lines)
        draws = tuple(_draw(conv, st, d) for d in st.choices if isinstance(d, ast.DrawLine))
        stages.append(Stage(st.name, choices, stage_cond, st.name_span, draws))
    players = {n: Player(n, d.description, d.name_span) for n, d in prog.players.items()}
    payoff_values = {p: conv.safe_item(("payoff", p)) for p in prog.payoffs if p in players}
    reports = {name: conv.safe_item(("report", name)) for name in prog.reports}
    return Game(
        title=prog.title.text if prog.title else None,
        path=path,
        params=params,
        players=players,
        stages=tuple(stages),
        payoffs=payoff_values,
        reports=reports,
        lets=MappingProxyType(LazyLets(list(lets), conv.item)),
        assumptions=tuple(assumptions),
        scenarios={n: ScenarioInfo(n, s.title, s.name_span) for n, s in prog.scenarios.items()},
        scenario=None,
        payoff_spans={p: d.name_span for p, d in payoffs.items() if p in players},
        report_spans={n: d.name_span for n, d in prog.reports.items()},
        sources=dict(sources),
        is_module=not prog.stages,
    )


def build_params(conv: Lowering, prog: Program) -> dict[str, Param]:
    """Return the params with sympy defaults and domains, checking defaults against domains."""
    params: dict[str, Param] = {}
    defaults: dict[str, Any] = {}
    for name, p in prog.params.items():
        defaults[name] = conv.safe(p.default) if p.default is not None else None
        params[name] = Param(
            name,
            symbol(name),
            defaults[name],
            build_domain(conv, p.domain),
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
        if value is not None and p.default is not None and beyond_floats(value) is not None:
            conv.errors.append(out_of_range(value, p.default.span))
            continue
        domain = params[name].domain
        if value is None or domain is None or p.default is None:
            continue
        problem = outside(value, domain, values)
        if problem is not None:
            conv.errors.append(
                SpecError(
                    f"the default of {name!r} ({show(value)}) is outside its domain "
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


def show(value: Any) -> str:
    try:
        if value.is_Integer:
            return str(int(value))
        if value.is_Rational or value.is_number:
            f = float(value)
            return f"{f:g}"
    except (TypeError, AttributeError, ValueError):
        pass
    return str(value)


def outside(value: Any, domain: Domain, values: Mapping[str, Any]) -> str | None:
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
            return f" (= {{{show(lo)}..{show(hi)}}})"
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
                f" (= {left}{show(lo) if lo is not None else '-inf'}, "
                f"{show(hi) if hi is not None else 'inf'}{right})"
            )
        return ""
    except TypeError:
        return None


def build_domain(conv: Lowering, d: ast.Domain | None) -> Domain | None:
    """Return the `Domain` of a domain as written (None for a free real)."""
    if d is None:
        return None
    if d.kind == "set":
        return _set_domain(conv, d)
    if d.kind == "range":
        return _range_domain(conv, d)
    return _interval_domain(conv, d)


def _set_domain(conv: Lowering, d: ast.Domain) -> Domain:
    elements = []
    for e in d.elements:
        v = conv.safe(e)
        if v is None:
            continue
        if v.is_number and any(w.is_number and sympy.simplify(v - w) == 0 for w in elements):
            conv.errors.append(SpecError(f"{show(v)} is listed twice in the set", e.span))
        elements.append(v)
    return Domain(elements=tuple(elements), text=d.text, span=d.span)


def _range_domain(conv: Lowering, d: ast.Domain) -> Domain:
    """Return `{lo..hi}`: its integers, or the range itself when its ends are not numbers yet."""
    empty = Domain(text=d.text, span=d.span)
    lo, hi = conv.safe(d.elements[0]), conv.safe(d.elements[1])
    if lo is None or hi is None:
        return empty
    for v, e in ((lo, d.elements[0]), (hi, d.elements[1])):
        if v.is_number and not v.is_integer:
            message = f"the ends of a range {{lo..hi}} must be integers, not {show(v)}"
            conv.errors.append(SpecError(message, e.span))
            return empty
    if not (lo.is_Integer and hi.is_Integer):
        return Domain(int_range=(lo, hi), text=d.text, span=d.span)
    count = int(hi) - int(lo) + 1
    if count <= 0:
        conv.errors.append(SpecError(f"the range {{{lo}..{hi}}} is empty", d.span))
        return empty
    if count > MAX_RANGE_SIZE:
        conv.errors.append(
            SpecError(
                f"the range has {count} elements (at most {MAX_RANGE_SIZE} are allowed)",
                d.span,
                "use a continuous domain such as in [lo, hi]",
            )
        )
        return empty
    elements = tuple(sympy.Integer(i) for i in range(int(lo), int(hi) + 1))
    return Domain(elements=elements, text=d.text, span=d.span)


def _interval_domain(conv: Lowering, d: ast.Domain) -> Domain:
    """Return an interval from its bounds (an infinite bound is no bound)."""
    lower = upper = None
    lower_strict = upper_strict = False
    lower_text = upper_text = None
    for b in d.bounds:
        v = conv.safe(b.expr)
        if v is None:
            continue
        is_lower = b.op in (">", ">=")
        if v == (-sympy.oo if is_lower else sympy.oo):
            continue
        if v == (sympy.oo if is_lower else -sympy.oo):
            which = "a lower bound of inf" if is_lower else "an upper bound of -inf"
            conv.errors.append(SpecError(f"{which} leaves nothing", b.span))
        elif is_lower:
            lower, lower_strict, lower_text = v, b.op == ">", b.text
        else:
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
