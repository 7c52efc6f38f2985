"""The game at given param values, prepared for backward induction.

Binds param values (defaults, `--set` overrides, domains, `assume`), substitutes them, and splits
a stage in which ONE player chooses several variables into consecutive single-variable steps
(maximising over a product is maximising over each variable in turn), which the solver treats
like stages but reports under the original stage name.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy

from gamedsl.model.errors import SpecError
from gamedsl.model.game import Choice, Domain, Game, distribution_error
from gamedsl.model.numbers import beyond_floats, number


@dataclass(frozen=True)
class Var:
    """One choice variable as the solver sees it (params substituted unless symbolic)."""

    choice: Choice
    symbol: sympy.Symbol
    player: str
    lower: sympy.Expr | None
    lower_strict: bool
    upper: sympy.Expr | None
    upper_strict: bool
    elements: tuple[sympy.Expr, ...] | None
    condition: sympy.Basic | None
    otherwise: sympy.Expr | None
    fixed: sympy.Expr | None

    @property
    def name(self) -> str:
        return self.choice.var

    @property
    def discrete(self) -> bool:
        return self.elements is not None


@dataclass(frozen=True)
class Step:
    """A stage (or one variable of a one-player multi-variable stage): simultaneous choices."""

    name: str
    index: int  # position among steps
    stage_index: int  # position of the original stage
    vars: tuple[Var, ...]

    @property
    def players(self) -> tuple[str, ...]:
        out: list[str] = []
        for v in self.vars:
            if v.fixed is None and v.player not in out:
                out.append(v.player)
        return tuple(out)


@dataclass(frozen=True)
class Problem:
    """Everything backward induction needs."""

    game: Game
    values: Mapping[str, sympy.Expr]  # param name -> exact value
    param_symbols: Mapping[sympy.Symbol, sympy.Expr]
    steps: tuple[Step, ...]
    payoffs: Mapping[str, sympy.Expr]  # every player incl. members and merged players
    decision_players: tuple[str, ...]
    symbolic: bool  # params kept as symbols

    def subs(self, expr):
        """Return expr with param values substituted (unless symbolic)."""
        if expr is None or self.symbolic:
            return expr
        return expr.xreplace(self.param_symbols)

    @property
    def all_vars(self) -> tuple[Var, ...]:
        return tuple(v for s in self.steps for v in s.vars)

    def stage_players(self, stage_index: int) -> tuple[str, ...]:
        """Return the deciding players of the original stage `stage_index`."""
        out: list[str] = []
        for s in self.steps:
            if s.stage_index == stage_index:
                for p in s.players:
                    if p not in out:
                        out.append(p)
        return tuple(out)


AS_MEANT_ULPS = 4  # a float this close to a simple fraction stands for the fraction
AS_MEANT_DENOMINATOR = 10**9  # ... whose denominator is at most this


def exact(x: float | str | sympy.Expr) -> sympy.Expr:
    """Return an exact sympy number for a value given on the command line or in the API: the
    number it is meant to be — a float within a few ulps of a simple fraction is that fraction
    (0.1 + 0.2 is 3/10, as 0.3 is; a grid's 0.30000000000000004 is 3/10), so float noise never
    changes an equilibrium; any other float is exactly itself."""
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, bool):
        return sympy.Integer(int(x))
    if isinstance(x, int):
        return sympy.Integer(x)
    f = float(x)
    if f == float("inf"):
        return sympy.oo
    if f == float("-inf"):
        return -sympy.oo
    if math.isnan(f):
        raise SpecError("a param value is not a number (nan)")
    frac = Fraction(f)
    if 0 < abs(f) < 1e15:
        simple = frac.limit_denominator(AS_MEANT_DENOMINATOR)
        if abs(float(simple) - f) <= AS_MEANT_ULPS * math.ulp(f):
            frac = simple
    return sympy.Rational(frac.numerator, frac.denominator)


def bind_values(game: Game, overrides: Mapping[str, object] | None) -> dict[str, sympy.Expr]:
    """Return every param's exact value: `overrides` first, then defaults (in dependency order).

    Raises SpecError for an unknown param, a missing value, a value outside the domain or an
    `assume` that fails at these values.
    """
    overrides = dict(overrides or {})
    names = list(game.params)
    for name in overrides:
        if name not in game.params:
            close = difflib.get_close_matches(name, names + [c.var for c in game.choices], n=1)
            is_choice = any(c.var == name for c in game.choices)
            hint = (f"'{name}' is a choice variable: use a scenario with fix" if is_choice
                    else f"did you mean '{close[0]}'?" if close else
                    f"the params are: {', '.join(names)}")
            raise SpecError(f"--set names unknown param '{name}'", None, hint)
    values: dict[str, sympy.Expr] = {n: exact(v) for n, v in overrides.items()}
    by_symbol = {p.symbol: n for n, p in game.params.items()}
    pending = [n for n in names if n not in values]
    for _ in range(len(pending) + 1):
        progressed = False
        for name in list(pending):
            p = game.params[name]
            if p.default is None:
                raise SpecError(
                    f"param '{name}' has no default: give it a value with --set {name}=VALUE",
                    p.span)
            deps = [by_symbol[s] for s in p.default.free_symbols if s in by_symbol]
            if all(d in values for d in deps):
                subs = {game.params[d].symbol: values[d] for d in deps}
                values[name] = p.default.xreplace(subs)
                pending.remove(name)
                progressed = True
        if not pending or not progressed:
            break
    if pending:
        raise SpecError(f"the defaults of {', '.join(pending)} depend on each other",
                        game.params[pending[0]].span)
    for name, v in values.items():
        if isinstance(v, sympy.Basic) and v.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
            raise SpecError(
                f"param '{name}' is "
                f"{'inf' if v == sympy.oo else '-inf' if v == -sympy.oo else 'not a number'} at "
                "these values: a param must be a finite number",
                game.params[name].span if name not in overrides else None,
                "give it a finite value (an unbounded side belongs in a domain: 'param a >= 0')")
        if beyond_floats(v) is not None:
            size = str(sympy.N(v, 3)).lower().replace("e+", "e")
            raise SpecError(
                f"param '{name}' comes to {size} at these values: beyond the range of numbers "
                "the solver computes with (about ±1.8e308)",
                game.params[name].span if name not in overrides else None,
                "rescale the model: measure in larger units so the numbers stay below 1e308")
    subs = {game.params[n].symbol: v for n, v in values.items()}
    for name, p in game.params.items():
        if p.domain is not None and not _in_domain(values[name], p.domain, subs):
            where = "--set" if name in overrides else "default"
            raise SpecError(
                f"param '{name}' = {number(values[name])} ({where}) is outside its domain {p.domain.text}",
                p.span if name not in overrides else None,
                f"choose a value {p.domain.text}" if p.domain.text else None)
    for a in game.assumptions:
        holds = a.condition.xreplace(subs)
        if holds is not sympy.true and not (isinstance(holds, sympy.Basic) and bool(holds == sympy.true)):
            shown = ", ".join(f"{s.name} = {number(subs[s])}" for s in sorted(
                a.condition.free_symbols, key=lambda s: s.name) if s in subs)
            raise SpecError(f"assume {a.text} fails at {shown}", a.span,
                            "change the param values or the assumption")
    _check_probabilities(game, subs)
    return values


def _check_probabilities(game: Game, subs: Mapping) -> None:
    """Raise SpecError when a draw's probabilities at these param values are not a distribution."""
    for draw in game.chance.draws if game.chance is not None else ():
        error = distribution_error(draw, subs)
        if error is not None:
            raise error


def _in_domain(value: sympy.Expr, domain: Domain, subs: Mapping) -> bool:
    """Return True when `value` lies in `domain` (bounds evaluated at `subs`)."""
    v = float(value) if value.is_finite is not False else (float("inf") if value == sympy.oo else float("-inf"))
    if domain.is_finite:
        elements = _elements(domain, subs)
        return any(abs(v - float(e)) <= 1e-12 * (1 + abs(v)) for e in elements)
    if domain.lower is not None:
        lo = float(domain.lower.xreplace(subs))
        if v < lo or (domain.lower_strict and v <= lo):
            return False
    if domain.upper is not None:
        hi = float(domain.upper.xreplace(subs))
        if v > hi or (domain.upper_strict and v >= hi):
            return False
    return True


def _elements(domain: Domain, subs: Mapping) -> tuple[sympy.Expr, ...]:
    if domain.elements is not None:
        return tuple(e.xreplace(subs) for e in domain.elements)
    lo, hi = (e.xreplace(subs) for e in domain.int_range)
    lo_i, hi_i = int(sympy.ceiling(lo)), int(sympy.floor(hi))
    if hi_i - lo_i > 100_000:
        raise SpecError(f"the range {{{lo}..{hi}}} has more than 100,000 values", domain.span)
    return tuple(sympy.Integer(i) for i in range(lo_i, hi_i + 1))


def build_problem(game: Game, overrides: Mapping[str, object] | None, symbolic: bool = False) -> Problem:
    """Return the Problem for `game` at the given param values."""
    if game.is_module or not game.stages:
        raise SpecError("this file declares no stages: it is a module, there is nothing to solve",
                        None, "add stages, or `use` it from a game")
    values = bind_values(game, overrides)
    param_symbols = {game.params[n].symbol: v for n, v in values.items()}
    subs = (lambda e: e) if symbolic else (lambda e: None if e is None else e.xreplace(param_symbols))
    steps: list[Step] = []
    for si, stage in enumerate(game.stages):
        vars_: list[Var] = []
        for c in stage.choices:
            d = c.domain
            lower = upper = None
            ls = us = False
            elements = None
            if d is not None:
                if d.is_finite:
                    elements = (tuple(subs(e) for e in d.elements) if d.elements is not None
                                else _elements(d, param_symbols))
                else:
                    lower, upper = subs(d.lower), subs(d.upper)
                    if lower is not None and lower == -sympy.oo:
                        lower = None
                    if upper is not None and upper == sympy.oo:
                        upper = None
                    ls, us = d.lower_strict, d.upper_strict
            vars_.append(Var(c, c.symbol, c.player, lower, ls, upper, us, elements,
                             subs(c.condition), subs(c.otherwise), subs(c.fixed)))
        deciders = {v.player for v in vars_ if v.fixed is None}
        if len(deciders) <= 1 and len(vars_) > 1:
            for v in vars_:
                steps.append(Step(stage.name, len(steps), si, (v,)))
        else:
            steps.append(Step(stage.name, len(steps), si, tuple(vars_)))
    payoffs = {p: subs(e) for p, e in game.payoffs.items()}
    return Problem(game, values, param_symbols, tuple(steps), payoffs, game.decision_players, symbolic)
