"""The derivation of an equilibrium, as a paper's appendix shows it (`gamedsl derive`).

Per stage from the last: each player's problem (the payoff with the later stages' best replies
substituted in, maximised over the player's own choices on their domains), the first-order
condition and the second-order (concavity) condition with where it holds, the best reply; a
stage solved only numerically or a finite choice says so.  Then the equilibrium in the params
with its regime conditions (`closed_forms`) and the signs of its comparative statics.  The
values are sympy objects; `gamedsl.report.derive` writes them as LaTeX.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from gamedsl.model.game import Game
from gamedsl.model.solution import Solution
from gamedsl.solver.closed_forms import positive_symbols, sample_params, simplest

STATICS_POINTS = 400  # points of the param domain a derivative's sign is checked at
SIMPLE_OPS = 400  # larger derivatives are shown unsimplified


@dataclass(frozen=True)
class ChoiceStep:
    """One player's problem in one stage."""

    player: str
    var: str
    domain: str
    objective: sympy.Expr
    discrete: bool
    numeric: bool
    foc: sympy.Expr | None = None
    soc: sympy.Expr | None = None
    concave: str = ""  # "everywhere", "where ... < 0" or "" (not decided)
    best_reply: sympy.Expr | None = None
    conditions: str = ""
    value: float | None = None


@dataclass(frozen=True)
class StageStep:
    """A stage of the derivation: its name and its players' problems."""

    name: str
    method: str
    choices: tuple[ChoiceStep, ...]


@dataclass(frozen=True)
class Static:
    """The sign of d(quantity)/d(param) in one piece of the equilibrium."""

    key: str
    param: str
    derivative: sympy.Expr
    sign: str  # "> 0", "< 0", "= 0" or "" (changes sign on the domain)
    when: sympy.Basic
    proved: bool = True  # False: the sign seen at every sampled point of the piece, not proved


@dataclass(frozen=True)
class Derivation:
    """The derivation of a solved game."""

    title: str
    solution: Solution
    stages: tuple[StageStep, ...]
    statics: tuple[Static, ...] = field(default_factory=tuple)


def derive(game: Game, solution: Solution) -> Derivation:
    """Return the derivation of `solution` (solved with `symbolic=True`)."""
    positive = positive_symbols(game)
    later: dict[sympy.Symbol, sympy.Expr] = {}
    method = {s.name: s.method for s in solution.stages}
    steps = []
    for stage in reversed(game.stages):
        choices = []
        for c in stage.choices:
            if c.fixed is not None:
                continue
            choices.append(_choice_step(game, c, later, method.get(stage.name), solution, positive))
        for c in stage.choices:
            reply = solution.strategy_exprs.get(c.var)
            if reply is not None:
                later[c.symbol] = reply
        steps.append(StageStep(stage.name, method.get(stage.name, ""), tuple(choices)))
    return Derivation(
        game.title or game.path, solution, tuple(steps), tuple(_statics(game, solution, positive))
    )


def _choice_step(game, c, later, method, solution, positive) -> ChoiceStep:
    """Return one player's problem: objective, first- and second-order conditions, best reply."""
    payoff = game.payoffs.get(c.player)
    objective = sympy.sympify(payoff).xreplace(later) if payoff is not None else sympy.nan
    discrete = c.domain is not None and c.domain.is_finite
    numeric = method == "numeric"
    reply = solution.strategy_exprs.get(c.var)
    value = solution.equilibrium.get(c.var)
    base = {
        "player": c.player,
        "var": c.var,
        "domain": c.domain.text if c.domain is not None else "",
        "objective": simplest(objective, positive) if not numeric else objective,
        "discrete": discrete,
        "numeric": numeric,
        "best_reply": reply,
        "conditions": solution.conditions.get(c.var, ""),
        "value": float(value) if value is not None else None,
    }
    if discrete or numeric or payoff is None:
        return ChoiceStep(**base)
    foc = _tidy(sympy.diff(objective, c.symbol), positive)
    soc = _tidy(sympy.diff(objective, c.symbol, 2), positive)
    return ChoiceStep(**base, foc=foc, soc=soc, concave=_concavity(soc, positive))


def _tidy(e: sympy.Expr, positive) -> sympy.Expr:
    """Return e simplified when it is small enough to simplify quickly."""
    return simplest(e, positive) if sympy.count_ops(e) <= SIMPLE_OPS else e


def _concavity(soc: sympy.Expr, positive) -> str:
    """Return where the second-order condition soc < 0 holds, as far as sympy can tell."""
    s = soc.xreplace(positive)
    if s.is_negative:
        return "everywhere"
    if s.is_nonpositive:
        return "everywhere (weakly)"
    if s.is_positive:
        return "nowhere"
    return "where it is negative"


def _statics(game: Game, solution: Solution, positive) -> list[Static]:
    """Return the signs of d(choice)/d(param) in each piece of the equilibrium's closed forms."""
    if not solution.closed_forms:
        return []
    params = {n: float(v) for n, v in solution.parameters.items()}
    points = sample_params(game, params, STATICS_POINTS)
    out = []
    for key, pieces in solution.closed_forms.items():
        if key not in solution.equilibrium:
            continue
        for piece in pieces:
            value = piece.value
            if not isinstance(value, sympy.Expr):
                continue
            for name, p in game.params.items():
                if p.symbol not in value.free_symbols:
                    continue
                d = _tidy(sympy.diff(value, p.symbol), positive)
                sign, proved = _sign(d, piece.when, game, points, positive)
                out.append(Static(key, name, d, sign, piece.when, proved))
    return out


def _sign(d: sympy.Expr, when, game: Game, points, positive) -> tuple[str, bool]:
    """Return the sign of d on the piece's region and whether sympy proved it; else the sign at
    the sampled points of the domain where the piece holds ("" when it changes there)."""
    s = d.xreplace(positive)
    if s.is_zero:
        return "= 0", True
    if s.is_positive:
        return "> 0", True
    if s.is_negative:
        return "< 0", True
    if points is None:
        return "", False
    names = list(game.params)
    symbols = [game.params[n].symbol for n in names]
    args = [np.asarray(points[n], float) for n in names]
    try:
        with np.errstate(all="ignore"):
            v = np.broadcast_to(
                np.asarray(sympy.lambdify(symbols, d, "numpy")(*args), float), args[0].shape
            )
            held = np.broadcast_to(
                np.asarray(sympy.lambdify(symbols, when, "numpy")(*args), bool), args[0].shape
            )
    except (TypeError, ValueError, NameError, KeyError, ZeroDivisionError):
        return "", False
    v = v[held & np.isfinite(v)]
    if len(v) and np.all(v > 0):
        return "> 0", False
    if len(v) and np.all(v < 0):
        return "< 0", False
    return "", False
