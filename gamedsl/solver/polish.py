"""Polishing: a numeric stage's values on the path, solved exactly on the pieces active there.

A numeric search locates a maximum only as well as payoffs can be told apart (a smooth maximum
is flat to the tie tolerance over about its square root).  Where a stage was searched
numerically but the play after it has closed forms, the stage's problem at the path history is
smooth near the values found: every `min`, `max`, `abs`, `if` and bracket takes the piece that
holds there.  The first-order conditions of those pieces (a variable at a bound stays there; a
variable at a kink keeps the kink's equation) are solved exactly, and the exact profile replaces
the numeric one when it lies on the same pieces and no player then gains more by deviating than
at the numeric one (verification checks the whole path afterwards anyway).

`accuracy` reports, per choice, how far the reported value may be from the exact one: 0 for
closed forms and polished values; for a value only searched, the width of the interval around it
over which the payoff stays within the tie tolerance of its best.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy

from gamedsl.solver import candidates as cands
from gamedsl.solver.budget import time_budget
from gamedsl.solver.evaluate import evaluate
from gamedsl.solver.select import TIE_TOL

KINK_TOL = 1e-7  # two pieces within this (relative) of each other at a value: it sits on the kink
BOUND_TOL = 1e-7  # a value this close (relative) to its bound sits on it
AGREE = 1e-4  # the exact profile must be this close (relative) to the numeric one it polishes
ACCURACY_STEPS = 40  # halvings of the probe step in `accuracy_of`
EXACT_BUDGET = 2.0  # seconds of sympy for the exact solution of one stage's polish
NEWTON_ACCURACY = 1e-12  # relative accuracy of a value polished by Newton's method (floats)
MIXED_ACCURACY = 1e-9  # relative accuracy of the expected value of a numeric mixed equilibrium


def exact_number(x: float) -> sympy.Expr:
    """Return a float as the simple fraction it stands for when it is one (to a few ulps),
    else exactly."""
    frac = Fraction(x).limit_denominator(10**6)
    if abs(float(frac) - x) <= 4 * np.spacing(abs(x)):
        return sympy.Rational(frac.numerator, frac.denominator)
    return sympy.Rational(Fraction(x))


def resolve_pieces(e: sympy.Basic, point: dict, kinks: list) -> sympy.Basic:
    """Return `e` with every piecewise part replaced by the piece that holds at `point`
    (symbol -> float); where two pieces tie there, the piece's equation goes to `kinks`."""
    if not e.has(sympy.Piecewise, sympy.Min, sympy.Max, sympy.Abs):
        return e
    if isinstance(e, (sympy.Min, sympy.Max)):
        args = [resolve_pieces(a, point, kinks) for a in e.args]
        values = [_value(a, point) for a in args]
        best = (min if isinstance(e, sympy.Min) else max)(range(len(args)), key=lambda i: values[i])
        for i, v in enumerate(values):
            if i != best and _same(v, values[best]) and (args[i] - args[best]).free_symbols:
                kinks.append(args[i] - args[best])
        return args[best]
    if isinstance(e, sympy.Abs):
        inner = resolve_pieces(e.args[0], point, kinks)
        v = _value(inner, point)
        if _same(v, 0.0) and inner.free_symbols:
            kinks.append(inner)
        return inner if v >= 0 else -inner
    if isinstance(e, sympy.Piecewise):
        for expr, cond in e.args:
            if cond is sympy.true or bool(_holds(cond, point)):
                return resolve_pieces(expr, point, kinks)
        return sympy.nan
    return e.func(*[resolve_pieces(a, point, kinks) for a in e.args])


def _value(e: sympy.Basic, point: dict) -> float:
    return float(evaluate([e], {s: np.array([v]) for s, v in point.items()}, 1)[0][0])


def _holds(cond: sympy.Basic, point: dict) -> bool:
    return _value(sympy.Piecewise((1, cond), (0, True)), point) > 0.5


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= KINK_TOL * (1 + max(abs(a), abs(b)))


def local_solution(plan, history: dict, values: dict) -> dict | None:
    """Return the exact values of the step's variables on the pieces active at `values`
    (symbol -> float, the numeric solution at `history`), or None when they cannot be found."""
    active = [v for v in plan._active() if v.condition is None or values.get(v.symbol) is not None]
    if not active or plan.next.branches is None or plan.next.switches is None:
        return None
    env = {s: np.array([x]) for s, x in {**history, **values}.items()}
    down = plan.next.play(env, 1)
    b = -1 if down.branch is None else int(down.branch[0])
    if b < 0:
        return None
    branch = plan.next.branches[b]
    point = {**history, **values, **{s: float(a[0]) for s, a in down.values.items()}}
    subs = {s: exact_number(x) for s, x in history.items()}
    equations, unknowns = [], []
    for v in active:
        x = v.symbol
        bound = _bound_at(v, values[x], subs)
        if bound is not None:
            subs_x = bound
            equations.append(x - subs_x)
            unknowns.append(x)
            continue
        kinks: list = []
        u = cands.replace(plan.problem.payoffs[v.player], branch)
        smooth = resolve_pieces(u, point, kinks).xreplace(subs)
        own = [k.xreplace(subs) for k in kinks if x in k.free_symbols]
        equations.append(own[0] if own else sympy.diff(smooth, x))
        unknowns.append(x)
    return _nearest_solution(equations, unknowns, values)


def _bound_at(v, value: float, subs: dict) -> sympy.Expr | None:
    """Return the bound the value sits on (exact), or None."""
    for b in (v.lower, v.upper):
        if b is None:
            continue
        exact = b.xreplace(subs)
        if exact.free_symbols:
            continue
        if abs(value - float(exact)) <= BOUND_TOL * (1 + abs(float(exact))):
            return exact
    return None


def _nearest_solution(equations, unknowns, values: dict) -> dict | None:
    """Return the solution of the equations nearest the numeric values (None if none is near):
    exact where sympy solves them, else by Newton's method from the numeric values (scipy)."""
    equations = [sympy.fraction(sympy.together(e))[0] for e in equations]
    if any(e.has(sympy.Piecewise, sympy.nan, sympy.zoo) for e in equations):
        return None
    transcendental = any(
        e.has(sympy.exp, sympy.log, sympy.Pow) and not e.is_polynomial(*unknowns) for e in equations
    )
    solutions = [] if transcendental else _exact_solutions(equations, unknowns)
    best = _nearest(solutions, unknowns, values)
    return best if best is not None else _newton(equations, unknowns, values)


def _exact_solutions(equations, unknowns) -> list[dict]:
    try:
        with time_budget(EXACT_BUDGET):
            return sympy.solve(equations, unknowns, dict=True)
    except Exception:  # noqa: BLE001 - no exact solution: Newton's method from the numeric values
        return []


def _newton(equations, unknowns, values: dict) -> dict | None:
    """Return the root of the equations near the numeric values, to rounding (floats)."""
    from scipy.optimize import root

    f = sympy.lambdify([unknowns], equations, "numpy")
    jac = sympy.lambdify([unknowns], sympy.Matrix(equations).jacobian(unknowns), "numpy")
    start = np.array([values[x] for x in unknowns], dtype=float)
    try:
        with np.errstate(all="ignore"):
            found = root(
                lambda z: np.asarray(f(z), float),
                start,
                jac=lambda z: np.asarray(jac(z), float),
                tol=1e-15,
            )
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None
    if not found.success or not np.all(np.isfinite(found.x)):
        return None
    got = {x: float(v) for x, v in zip(unknowns, found.x)}
    close = all(abs(got[x] - values[x]) <= AGREE * (1 + abs(values[x])) for x in unknowns)
    return {x: sympy.Float(got[x], 17) for x in unknowns} if close else None


def _nearest(solutions: list[dict], unknowns, values: dict) -> dict | None:
    best, distance = None, np.inf
    for s in solutions:
        if any(x not in s or s[x].free_symbols for x in unknowns):
            continue
        try:
            got = {x: complex(s[x]) for x in unknowns}
        except TypeError:
            continue
        if any(abs(g.imag) > 1e-12 for g in got.values()):
            continue
        d = max(abs(got[x].real - values[x]) / (1 + abs(values[x])) for x in unknowns)
        if d < distance:
            best, distance = {x: s[x] for x in unknowns}, d
    return best if distance <= AGREE else None


def accuracy_of(payoff_at, x: float, lo: float, hi: float) -> float:
    """Return the half-width of the interval around x over which `payoff_at` (a function of the
    variable's value) stays within the tie tolerance of its value at x: how well a payoff
    comparison can place x."""
    u0 = payoff_at(x)
    if not np.isfinite(u0):
        return float("nan")
    tol = TIE_TOL * (1 + abs(u0))
    width = (hi - lo) if np.isfinite(hi - lo) else 1 + abs(x)
    h = width
    for _ in range(ACCURACY_STEPS):
        inside = [y for y in (x - h, x + h) if lo <= y <= hi]
        if inside and all(abs(payoff_at(y) - u0) <= tol for y in inside):
            return h
        h /= 2
    return h


def polish_path(problem, plans: list, records: list, path: dict) -> tuple[list, dict, set]:
    """Return (records, path, polished symbols): each numeric step on the path, in order,
    replaced by its exact solution on the pieces active there where that is no worse (its
    players gain no more by deviating), the later steps played again from it."""
    from gamedsl.solver.path import records_along
    from gamedsl.solver.verify import verify

    polished: set = set()
    if getattr(path, "layers", None):
        return records, path, polished  # a stage mixed: its later plays differ by profile
    for i, plan in enumerate(plans):
        if records[i].method != "numeric":
            continue
        history = {s: path[s] for s in plan.history}
        values = {v.symbol: path[v.symbol] for v in plan.step.vars}
        try:
            exact = local_solution(plan, history, values)
        except Exception:  # noqa: BLE001 - a polish that fails leaves the numeric values
            exact = None
        if exact is None:
            continue
        new = {**path, **{s: float(v) for s, v in exact.items()}}
        env = {s: np.array([x]) for s, x in new.items() if s in set(plan.history) | set(exact)}
        down = plan.next.play(env, 1)
        if not bool(down.ok[0]):
            continue
        new.update({s: float(a[0]) for s, a in down.values.items()})
        if verify(problem, [plan], new).max_gain > verify(problem, [plan], path).max_gain + 1e-12:
            continue
        later, _ = records_along(problem, plans[i + 1 :], new)
        records = [*records[: i + 1], *later]
        records[i].strategy = {s: v for s, v in exact.items()}
        path = new
        polished |= set(exact)
    return records, path, polished


def accuracies(problem, plans: list, records: list, path: dict) -> dict:
    """Return, per choice symbol on the path, how far its value may be from the exact one."""
    out = {}
    at = path.history() if hasattr(path, "history") else path
    for plan, rec in zip(plans, records):
        for v in plan.step.vars:
            x = v.symbol
            if rec.mixed:
                scale = 1 + abs(path[x])
                out[x] = 0.0 if rec.mixed_exact else MIXED_ACCURACY * scale
                continue
            polished = rec.method == "numeric" and x in rec.strategy
            exact = rec.method != "numeric" or v.discrete or v.fixed is not None
            if exact or not rec.chosen.get(x, True):
                out[x] = 0.0
                continue
            if polished:
                floating = isinstance(rec.strategy[x], sympy.Float)
                out[x] = NEWTON_ACCURACY * (1 + abs(path[x])) if floating else 0.0
                continue
            history = {s: np.array([at[s]]) for s in plan.history}
            others = {w.symbol: np.array([at[w.symbol]]) for w in plan.step.vars if w is not v}
            lo, hi = plan._bounds(v, {**history, **others}, 1)

            def payoff_at(y: float, plan=plan, v=v, history=history, others=others) -> float:
                u, _ = plan._objective(history, 1, v, np.array([[y]]), others)
                return float(u[0, 0])

            out[x] = accuracy_of(payoff_at, at[x], float(lo[0]), float(hi[0]))
    return out
