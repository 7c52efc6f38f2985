"""Comparative statics: d(equilibrium value, payoff, report)/d(param) at a point.

Where the game has closed forms in the params (`solve(..., symbolic=True)` gives every strategy
on the path as an expression), the path is composed symbolically — each strategy with the earlier
choices replaced by their own path expressions, and every `Piecewise`, `Min`, `Max`, `Abs`
resolved to the piece active at the point — and differentiated.  sympy then says, where it can,
the derivative's sign for every param value in the domains and assumptions (a lower bound 0 makes
the param positive; `assume a > c` writes a as c plus a positive number).  The derivative is also
taken by central differences of `solve` (one-sided at the edge of a domain): that is the value
where no closed form exists, and a check where one does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy
from sympy.core.relational import Relational

from gamedsl.analysis import executor as ex
from gamedsl.analysis.signs import domain_substitutions, sign_everywhere
from gamedsl.analysis.sweep import check_param, load, sweep_points
from gamedsl.model.analysis import SPECIAL, Derivative, Statics, Table
from gamedsl.model.errors import SolveError, SpecError
from gamedsl.model.game import Game
from gamedsl.model.numbers import number
from gamedsl.solver import BudgetExceeded, as_expr, bind_values, simplest, solve, time_budget

STEP = 1e-4  # central-difference step, relative to max(1, |param|)
CHECK_TOL = 1e-4  # closed-form and difference derivatives agree within TOL*(1+|d|)
SIGN_TOL = 1e-10  # a derivative within this of 0 has sign 0
SIMPLIFY_BUDGET = 2.0  # seconds of sympy simplification per derivative


# ---------------------------------------------------------------------------- closed forms
def _active(e: sympy.Basic, at: Mapping[sympy.Symbol, sympy.Expr]) -> sympy.Basic:
    """Return e with every Piecewise, Min, Max and Abs replaced by its piece active at `at`."""
    if not isinstance(e, sympy.Basic) or not e.has(
        sympy.Piecewise, sympy.Min, sympy.Max, sympy.Abs
    ):
        return e
    if isinstance(e, sympy.Piecewise):
        for value, cond in e.args:
            if _holds(cond, at):
                return _active(value, at)
        raise ValueError("no piece holds")
    if isinstance(e, (sympy.Min, sympy.Max)):
        vals = [float(sympy.N(a.xreplace(at))) for a in e.args]
        k = int(np.argmin(vals) if isinstance(e, sympy.Min) else np.argmax(vals))
        return _active(e.args[k], at)
    if isinstance(e, sympy.Abs):
        inner = e.args[0]
        v = float(sympy.N(inner.xreplace(at)))
        return _active(inner if v >= 0 else -inner, at)
    return e.func(*[_active(a, at) for a in e.args])


def _holds(cond: sympy.Basic, at: Mapping[sympy.Symbol, sympy.Expr]) -> bool:
    c = cond.xreplace(at) if isinstance(cond, sympy.Basic) else cond
    if c in (sympy.true, True):
        return True
    if c in (sympy.false, False):
        return False
    if isinstance(c, Relational):
        lhs, rhs = float(sympy.N(c.lhs)), float(sympy.N(c.rhs))
        return bool(
            {
                "<": lhs < rhs,
                "<=": lhs <= rhs,
                ">": lhs > rhs,
                ">=": lhs >= rhs,
                "==": lhs == rhs,
                "!=": lhs != rhs,
            }[c.rel_op]
        )
    if isinstance(c, sympy.And):
        return all(_holds(a, at) for a in c.args)
    if isinstance(c, sympy.Or):
        return any(_holds(a, at) for a in c.args)
    if isinstance(c, sympy.Not):
        return not _holds(c.args[0], at)
    raise ValueError(f"cannot decide {c}")


def closed_path(
    game: Game, values: Mapping[str, object]
) -> tuple[dict[str, sympy.Expr], str | None]:
    """Return the local closed forms (in the params) of every choice, payoff and report on the
    equilibrium path at `values`, or ({}, why not)."""
    sol = solve(game, values, symbolic=True)
    no_closed = [w for w in sol.warnings if "no closed form in the params" in w]
    if no_closed:
        return {}, no_closed[0].split(";")[0]
    exact = bind_values(game, values)
    at = {game.params[n].symbol: v for n, v in exact.items()}
    path: dict[sympy.Symbol, sympy.Expr] = {}
    out: dict[str, sympy.Expr] = {}
    strategies = dict(sol.strategy_exprs)
    for c in game.choices:
        if c.var in strategies:
            e = as_expr(strategies[c.var])
        elif c.fixed is not None:
            e = c.fixed
        elif c.condition is not None and c.otherwise is not None:
            e = c.otherwise
        else:
            return {}, f"no closed form for {c.var} on the path"
        try:
            e = _active(e.xreplace(path), at)
        except (ValueError, TypeError) as err:
            return {}, f"cannot resolve the piece of {c.var} at the point ({err})"
        path[c.symbol] = e
        out[c.var] = e
    for p, e in game.payoffs.items():
        out[p] = _active(e.xreplace(path), at)
    for r, e in game.reports.items():
        out[r] = _active(e.xreplace(path), at)
    # the closed forms must reproduce the solution at the point
    for name, e in out.items():
        want = {**sol.equilibrium, **sol.payoffs, **sol.reports}.get(name)
        got = float(sympy.N(e.xreplace(at)))
        if want is not None and abs(got - float(want)) > 1e-6 * (1 + abs(float(want))):
            return (
                {},
                f"the closed form of {name} gives {number(got)} at the point, solve {number(want)}",
            )
    out = {name: simplest(e) for name, e in out.items()}
    stray = {s for e in out.values() for s in e.free_symbols} - set(at)
    if stray:
        return {}, f"the closed forms still depend on {', '.join(sorted(s.name for s in stray))}"
    return out, None


def _simplify(e: sympy.Expr) -> sympy.Expr:
    try:
        with time_budget(SIMPLIFY_BUDGET):
            return sympy.simplify(e)
    except (BudgetExceeded, RecursionError):
        return e


def _sign(v: float) -> str:
    if v is None or not np.isfinite(v):
        return "?"
    if abs(v) <= SIGN_TOL:
        return "0"
    return "+" if v > 0 else "-"


# ---------------------------------------------------------------------------- statics
def statics(
    model_or_game: Any,
    wrt: str | Sequence[str],
    values: Mapping[str, float] | None = None,
    scenario: str | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    quiet: bool = True,
    symbolic: bool = True,
    executor: ex.Executor | None = None,
) -> Statics:
    """Return d(every equilibrium value, payoff and report)/d(param) for each param in `wrt`, at
    `values` (defaults otherwise)."""
    game = load(model_or_game, scenario)
    wrt = [wrt] if isinstance(wrt, str) else list(wrt)
    values = dict(values or {})
    for w in wrt:
        check_param(game, w, "--wrt")
    exact = bind_values(game, values)  # raises for unknown params, bad values
    base = {n: float(v) for n, v in exact.items()}
    steps = _steps(game, wrt, values, base)
    own = executor is None
    executor = executor or ex.make_executor(workers, dask, quiet)
    try:
        table = _solve_steps(game, base, steps, executor)
    finally:
        if own:
            executor.close()
    regime = table.column("regime")
    if regime[0] in SPECIAL:
        raise SolveError(f"no equilibrium at the point ({regime[0]})", None, None)
    warnings: list[str] = []
    diffs, at_boundary = _differences(table, base, steps, warnings)
    closed: dict[str, sympy.Expr] = {}
    if symbolic:
        closed, why = closed_path(game, values)
        if why:
            warnings.append(f"numeric derivatives (central differences of solve): {why}")
    at = {game.params[n].symbol: v for n, v in exact.items()}
    kinds = dict(_quantities(table))
    out = _derivatives(game, kinds, diffs, closed, at, at_boundary, warnings)
    return Statics(
        game.title,
        game.scenario,
        base,
        str(regime[0]),
        tuple(wrt),
        tuple(out),
        tuple(warnings),
        {k: str(v) for k, v in closed.items()},
    )


def _steps(
    game: Game, wrt: list[str], values: Mapping[str, float], base: Mapping[str, float]
) -> dict[str, tuple[float, float]]:
    """Return each param's neighbours (w - h, w + h), the point itself on a side where the
    domain or an assume ends (a one-sided difference); raise SpecError when neither side is
    allowed."""
    steps: dict[str, tuple[float, float]] = {}
    for w in wrt:
        h = STEP * max(1.0, abs(base[w]))
        lo, hi = base[w] - h, base[w] + h
        if not _valid(game, {**values, w: lo}):
            lo = base[w]
        if not _valid(game, {**values, w: hi}):
            hi = base[w]
        if lo == hi:
            raise SpecError(
                f"cannot vary {w} around {number(base[w])}: its domain or an "
                "assume allows no neighbour",
                None,
            )
        steps[w] = (lo, hi)
    return steps


def _solve_steps(
    game: Game,
    base: Mapping[str, float],
    steps: Mapping[str, tuple[float, float]],
    executor: ex.Executor,
) -> Table:
    """Return the table of solves at the point (row 0), then at w - h and w + h for each w."""
    rows: list[dict[str, float]] = [dict(base)]
    for w, (lo, hi) in steps.items():
        rows.append({**base, w: lo})
        rows.append({**base, w: hi})
    points = {n: np.array([r[n] for r in rows]) for n in game.params}
    return sweep_points(game, points, {}, executor=executor, fast=False, desc="statics")


def _quantities(table: Table) -> list[tuple[str, str]]:
    """Return (name, kind) of the table's equilibrium values, payoffs and reports."""
    return [
        (c, k)
        for c in table.columns
        for k in [table.kinds.get(c)]
        if k in ("choice", "payoff", "report")
    ]


def _differences(
    table: Table,
    base: Mapping[str, float],
    steps: Mapping[str, tuple[float, float]],
    warnings: list[str],
) -> tuple[dict[tuple[str, str], float], set[str]]:
    """Return the differences d(quantity)/d(w) from the table of `_solve_steps`, and the params
    with a regime boundary within their step (warned about)."""
    regime = table.column("regime")
    diffs: dict[tuple[str, str], float] = {}
    at_boundary: set[str] = set()
    for j, (w, (lo, hi)) in enumerate(steps.items()):
        ilo = 0 if lo == base[w] else 1 + 2 * j
        ihi = 0 if hi == base[w] else 2 + 2 * j
        for q, _ in _quantities(table):
            col = table.column(q)
            diffs[(q, w)] = (col[ihi] - col[ilo]) / (hi - lo)
        near = {regime[ilo], regime[ihi]} - {regime[0]}
        if near:
            at_boundary.add(w)
            warnings.append(
                f"a regime boundary is within {number(hi - base[w], 2)} of "
                f"{w} = {number(base[w])} ({regime[0]} | {', '.join(sorted(near))}):"
                " the derivative may differ on each side"
            )
    return diffs, at_boundary


def _derivatives(
    game: Game,
    kinds: Mapping[str, str],
    diffs: Mapping[tuple[str, str], float],
    closed: Mapping[str, sympy.Expr],
    at: Mapping[sympy.Symbol, sympy.Expr],
    at_boundary: set[str],
    warnings: list[str],
) -> list[Derivative]:
    """Return the derivatives: symbolic where a closed form exists (checked against the
    difference, a disagreement warned about), the difference otherwise."""
    subs = domain_substitutions(game) if closed else []
    out: list[Derivative] = []
    for q, w in diffs:
        fd = float(diffs[(q, w)])
        kind = kinds[q]
        if not (closed and q in closed):
            out.append(Derivative(q, kind, w, fd, _sign(fd), "numeric", None, None, fd))
            continue
        d = _simplify(sympy.diff(closed[q], game.params[w].symbol))
        value = float(sympy.N(d.xreplace(at)))
        if abs(value - fd) > CHECK_TOL * (1 + abs(value)) and w not in at_boundary:
            warnings.append(
                f"d{q}/d{w}: the closed form gives {number(value)}, "
                f"central differences {number(fd)}"
            )
        sign = sign_everywhere(d, subs, SIMPLIFY_BUDGET)
        out.append(Derivative(q, kind, w, value, _sign(value), "symbolic", str(d), sign, fd))
    return out


def _valid(game: Game, values: Mapping[str, float]) -> bool:
    """Return True when `values` lie in the params' domains and satisfy every assume."""
    try:
        bind_values(game, values)
        return True
    except SpecError:
        return False


__all__ = ["Derivative", "Statics", "closed_path", "statics"]
