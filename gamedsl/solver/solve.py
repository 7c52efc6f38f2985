"""The solver's passes, run in order by `solve`.

1. the problem: param values bound and checked, stages split into steps (`problem.py`);
2. the plans: per step, last first, the candidates — symbolic under a budget, numeric where no
   closed form is found (`plan.py`, `candidates.py`);
3. the path: the game played from the first step, each step selecting among its equilibria
   (`path.py`, `select.py`);
4. verification: a search over every player's deviations on the path (`verify.py`); a profile
   that fails it is never the answer while another passes (`_verified_first`);
5. the solution: values, payoffs, reports, strategies, stages, equilibria (`assemble.py`).

A failed verification is exit 3 with the profile and the deviation that beats it; `strict`
also turns every warning into exit 3.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import sympy

from gamedsl.model.errors import SolveError
from gamedsl.model.game import Game
from gamedsl.model.numbers import number
from gamedsl.model.solution import Solution
from gamedsl.solver.assemble import make_solution
from gamedsl.solver.budget import DEFAULT_STAGE_BUDGET, BudgetExceeded, time_budget
from gamedsl.solver.closed_forms import path_closed_forms, simplest
from gamedsl.solver.conditions import piece_conditions
from gamedsl.solver.continuations import all_continuations
from gamedsl.solver.path import play_path, records_along
from gamedsl.solver.plan import StepPlan, StepRecord, Terminal
from gamedsl.solver.polish import accuracies, polish_path
from gamedsl.solver.problem import Problem, build_problem
from gamedsl.solver.verify import verify

SELECT_RULES = ("pareto", "first", "all")  # how a stage with several equilibria is settled


def build_plans(
    problem: Problem,
    budget: float | None = DEFAULT_STAGE_BUDGET,
    numeric_only: bool = False,
    select: str = "pareto",
    force: Mapping[int, int] | None = None,
    pure: bool = False,
) -> list:
    """Return the step plans, first step first (each knows the plan of the step after it).

    `force` maps a step index to the rank (in domain order) of the equilibrium that step carries
    wherever it has several (the selection rule `all`); other steps follow the selection rule.
    """
    plans: list = []
    nxt = Terminal()
    for step in reversed(problem.steps):
        nxt = StepPlan(
            problem,
            step,
            nxt,
            budget,
            numeric_only=numeric_only,
            select_mode="first" if select == "first" else "pareto",
            force_rank=(force or {}).get(step.index),
            pure=pure,
        )
        plans.append(nxt)
    plans.reverse()
    for before, p in zip([None, *plans], plans):
        p.prev = before
        p.built()
    return plans


def solve(
    game: Game,
    values: Mapping[str, object] | None = None,
    *,
    symbolic: bool = False,
    select: str = "pareto",
    strict: bool = False,
    budget: float | None = DEFAULT_STAGE_BUDGET,
    numeric_only: bool = False,
    pure: bool = False,
) -> Solution:
    """Return the subgame-perfect equilibrium of `game` at the given param values.

    `pure` keeps pure strategies only (a finite stage of several players with no pure
    equilibrium is otherwise solved in mixed strategies, DESIGN §1b).  `select` is one of
    `SELECT_RULES`: `pareto` (the rule of docs/solver.md), `first` (the first
    equilibrium in domain order) or `all` (every continuation equilibrium in `equilibria`).
    Raises ValueError for another `select`, SpecError for bad param values, and SolveError
    (exit 3) when no equilibrium can be found or certified — a profile that fails verification
    comes with the error (`SolveError.solution`).
    """
    if select not in SELECT_RULES:
        raise ValueError(f"select must be one of {', '.join(SELECT_RULES)}, not {select!r}")
    warnings: list[str] = []
    problem = build_problem(game, values, symbolic=False)
    plans = build_plans(problem, budget, numeric_only=numeric_only, select=select, pure=pure)
    for p in plans:
        if p.failure and "BudgetExceeded" in p.failure:
            warnings.append(
                f"stage '{p.step.name}': symbolic step ran past its time budget; solved numerically"
            )
    records, path, verification = _verified_first(problem, plans, budget, numeric_only, pure)
    conditions: dict[str, str] = {}
    closed: dict = {}
    if symbolic:
        warnings += _closed_forms(game, values, budget, records, path, conditions, pure, closed)
    if not verification.ok:
        warnings.append(
            f"verification found a profitable deviation ({verification.worst}, gain "
            f"{number(verification.max_gain, 3)}): the equilibrium may be wrong"
        )
    solution = make_solution(game, problem, plans, records, path, verification, warnings, select)
    accuracy = accuracies(problem, plans, records, path)
    solution = dataclasses.replace(
        solution,
        conditions=conditions,
        closed_forms=_checked_closed_forms(closed, solution, problem, warnings),
        accuracy={s.name: accuracy.get(s, 0.0) for s in accuracy if s.name in solution.equilibrium},
    )
    if select == "all":
        solution = all_continuations(
            game,
            problem,
            records,
            path,
            solution,
            lambda force: build_plans(
                problem, budget, numeric_only=numeric_only, force=force, pure=pure
            ),
        )
    _certify(solution, strict)
    return solution


def _verified_first(problem: Problem, plans: list, budget, numeric_only: bool, pure: bool):
    """Return (records, path, verification) of the first verified play: the plans' own, then
    with the numeric safety net beside exact candidates, then each other equilibrium of a stage
    on the path carried instead; the best of them when none is verified."""
    records, path = play_path(problem, plans)
    records, path, _polished = polish_path(problem, plans, records, path)
    verification = verify(problem, plans, path)
    if verification.ok:
        return records, path, verification
    best = (records, path, verification)
    if any(p.complete for p in plans):
        for p in plans:
            p.safety_net = True
        records2, path2 = play_path(problem, plans)
        records2, path2, _polished = polish_path(problem, plans, records2, path2)
        verification2 = verify(problem, plans, path2)
        if verification2.ok:
            return records2, path2, verification2
        if verification2.max_gain < verification.max_gain:
            best = (records2, path2, verification2)
    for rec in records:
        for rank in range(len(rec.equilibria)):
            if rank == rec.selected:
                continue
            try:
                alt_plans = build_plans(
                    problem,
                    budget,
                    numeric_only=numeric_only,
                    force={rec.step.index: rank},
                    pure=pure,
                )
                alt_records, alt_path = play_path(problem, alt_plans)
            except SolveError:
                continue
            alt = verify(problem, alt_plans, alt_path)
            if alt.ok:
                return alt_records, alt_path, alt
            if alt.max_gain < best[2].max_gain:
                best = (alt_records, alt_path, alt)
    return best


def _certify(solution: Solution, strict: bool) -> None:
    """Raise exit 3 for a failed verification (and, with `strict`, for any warning), the
    solution attached so that it is still printed."""
    v = solution.verification
    if not v.ok:
        raise SolveError(
            f"not verified: {v.worst} gains {number(v.max_gain, 3)} by deviating from the "
            "profile found",
            None,
            "the profile above is the best found; the search may have missed a candidate, or "
            "the game may have no pure-strategy equilibrium here",
            "not_verified",
            solution=solution,
        )
    if strict and solution.warnings:
        raise SolveError(
            f"--strict: {solution.warnings[0]}",
            None,
            None,
            "warning",
            solution=solution,
        )


def _closed_forms(
    game, values, budget, records, path, conditions: dict, pure: bool, closed: dict
) -> list[str]:
    """Put the closed forms in the params (a build with the params kept as symbols) into the
    records' strategies, the conditions of their pieces into `conditions` and the path's closed
    forms in the params only into `closed`; return warnings."""
    warnings = []
    sym_problem = build_problem(game, values, symbolic=True)
    sym_plans = build_plans(sym_problem, budget, pure=pure)
    failed = [p for p in sym_plans if p.method == "numeric"]
    if failed:
        names = ", ".join(dict.fromkeys(p.step.name for p in failed))
        warnings.append(
            f"no closed form in the params for stage {names}; "
            "those strategies are given at the param values"
        )
    params = {sym_problem.game.params[n].symbol: float(v) for n, v in sym_problem.values.items()}
    first: list[StepRecord] = []
    sym_plans[0].play({s: np.array([x]) for s, x in params.items()}, 1, record=first)
    sym_records = first + records_along(sym_problem, sym_plans[1:], path, env_params=True)[0]
    at = {**params, **path}
    by_step = {p.step.index: p for p in sym_plans}
    for rec, srec in zip(records, sym_records):
        if srec.strategy and srec.method == "symbolic":
            rec.strategy = _simplified(srec.strategy, budget)
            try:
                conds = piece_conditions(by_step[srec.step.index], srec, at)
            except (BudgetExceeded, RecursionError, TypeError, ValueError):
                conds = []
            if conds:
                conditions[srec.step.vars[0].name] = " and ".join(conds)
    if not getattr(path, "layers", None):
        try:
            with time_budget(budget):
                found = path_closed_forms(game, sym_plans, params_at(sym_problem))
        except (BudgetExceeded, RecursionError):
            found = None
            warnings.append("the closed forms in the params ran past the time budget")
        closed.update(found or {})
    return warnings


def _simplified(strategy: dict, budget) -> dict:
    """Return the best replies in their simplest forms (as built past the time budget)."""
    try:
        with time_budget(budget):
            return {x: simplest(e) for x, e in strategy.items()}
    except (BudgetExceeded, RecursionError):
        return dict(strategy)


def params_at(problem: Problem) -> dict[str, float]:
    """Return the param values of a problem as floats, by name."""
    return {n: float(v) for n, v in problem.values.items()}


def _checked_closed_forms(closed: dict, solution, problem: Problem, warnings: list) -> dict:
    """Return the closed forms whose piece at the params solved gives the values solved (all
    of them, or none with a warning: a closed form that disagrees with the solve is not shown)."""
    if not closed:
        return {}
    subs = {problem.game.params[n].symbol: _exact(v) for n, v in problem.values.items()}
    numbers = {**solution.equilibrium, **solution.reports}
    numbers.update({f"payoff({p})": v for p, v in solution.payoffs.items()})
    for key, pieces in closed.items():
        if key not in numbers:
            continue
        held = [p for p in pieces if _holds(p.when, subs)]
        want = float(numbers[key])
        for p in held:
            try:
                got = float(p.value.xreplace(subs))
            except (TypeError, ValueError):
                got = math.nan
            if not (abs(got - want) <= 1e-6 * (1 + abs(want))):
                warnings.append(
                    f"the closed form of {key} gives {number(got)} at the params, not "
                    f"{number(want)}: no closed forms are shown"
                )
                return {}
    return closed


def _exact(v) -> sympy.Expr:
    """Return a param value as an exact sympy number."""
    return v if isinstance(v, sympy.Basic) else sympy.Rational(v)


def _holds(when, subs) -> bool:
    """Return True when a piece's condition holds at the params (or cannot be decided there)."""
    t = when.xreplace(subs) if hasattr(when, "xreplace") else when
    return t not in (sympy.false, False)
