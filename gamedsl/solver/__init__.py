"""The generic solver: subgame-perfect equilibrium by backward induction over the stages.

`solve(game, values)` binds the param values, builds one plan per step (last first, symbolic
where sympy finds the candidates within the time budget, numeric otherwise), plays the game from
the first stage, verifies the result by a search over every player's deviations, and returns a
`Solution`.

This package's namespace is the solver's public face: the analyses (`gamedsl/analysis/`) import
what they need from here, never from the modules inside it.

- `solve`, `SELECT_RULES`;
- step plans built once and played at many points: `symbolic_plans`, `play_everywhere`,
  `compile_plays` (and `build_plans`, `build_problem` for the solver's own tests);
- param values and expressions at numpy points: `bind_values`, `evaluate`, `at_points`,
  `as_expr`; sympy under a time budget: `time_budget`, `BudgetExceeded`;
- cells of switching expressions (`compiled.py`), which `analysis/pieces.py` uses at the level of
  a whole game: `factor_switches`, `closeness`, `signs`, `pack`, `group`, `probe_rows`,
  `lambdify`, `as_columns` and their tolerances `NEAR_TOL`, `ZERO_TOL`, `AGREE_TOL`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import sympy

from gamedsl.model.errors import SolveError
from gamedsl.model.game import Game
from gamedsl.model.numbers import number
from gamedsl.model.solution import EquilibriumPath, Solution, StageReport
from gamedsl.solver.budget import DEFAULT_STAGE_BUDGET, BudgetExceeded, time_budget
from gamedsl.solver.compiled import (
    AGREE_TOL,
    NEAR_TOL,
    ZERO_TOL,
    as_columns,
    closeness,
    factor_switches,
    group,
    lambdify,
    pack,
    probe_rows,
    signs,
)
from gamedsl.solver.conditions import piece_conditions
from gamedsl.solver.evaluate import as_expr, at_points, evaluate
from gamedsl.solver.outcome import Outcome
from gamedsl.solver.plan import StepPlan, StepRecord, Terminal
from gamedsl.solver.problem import Problem, bind_values, build_problem
from gamedsl.solver.verify import verify

__all__ = [
    "AGREE_TOL",
    "NEAR_TOL",
    "SELECT_RULES",
    "ZERO_TOL",
    "BudgetExceeded",
    "Outcome",
    "SolveError",
    "as_columns",
    "as_expr",
    "at_points",
    "bind_values",
    "build_plans",
    "build_problem",
    "closeness",
    "compile_plays",
    "evaluate",
    "factor_switches",
    "group",
    "lambdify",
    "pack",
    "play_everywhere",
    "probe_rows",
    "signs",
    "solve",
    "symbolic_plans",
    "time_budget",
]

SELECT_RULES = ("pareto", "first", "all")  # how a stage with several equilibria is settled


def symbolic_plans(game: Game, values: Mapping[str, object] | None = None) -> list:
    """Return the step plans of `game` built with the params kept as symbols (`values` only
    checks the domains and fills params without defaults): one build serves every point."""
    return build_plans(build_problem(game, values, symbolic=True))


def play_everywhere(plans: list, env: Mapping[sympy.Symbol, np.ndarray], n: int) -> Outcome:
    """Return the outcome of the plans played from the first step at n points (`env`: the
    params' values), each point searched as `solve` searches it and unbounded payoffs flagged
    per point."""
    for p in plans:
        p.probe = True
        p.full_grid = True
    try:
        return plans[0].play(dict(env), n)
    finally:
        for p in plans:
            p.probe = p.full_grid = False


def compile_plays(plans: list) -> None:
    """Compile the plays of the closed-form steps now (a numeric step plays them at hundreds of
    histories per point; compiled before workers fork, they are built once)."""
    for p in plans:
        p.compile_now()


def build_plans(problem: Problem, budget: float | None = DEFAULT_STAGE_BUDGET,
                numeric_only: bool = False, select: str = "pareto",
                force: Mapping[int, int] | None = None) -> list:
    """Return the step plans, first step first (each knows the plan of the step after it).

    `force` maps a step index to the rank (in domain order) of the equilibrium that step carries
    wherever it has several (the selection rule `all`); other steps follow the selection rule.
    """
    plans: list = []
    nxt = Terminal()
    for step in reversed(problem.steps):
        nxt = StepPlan(problem, step, nxt, budget, numeric_only=numeric_only,
                       select_mode="first" if select == "first" else "pareto",
                       force_rank=(force or {}).get(step.index))
        plans.append(nxt)
    plans.reverse()
    for before, p in zip([None, *plans], plans):
        p.prev = before
        p.built()
    return plans


def solve(game: Game, values: Mapping[str, object] | None = None, *, symbolic: bool = False,
          select: str = "pareto", strict: bool = False, budget: float | None = DEFAULT_STAGE_BUDGET,
          numeric_only: bool = False) -> Solution:
    """Return the subgame-perfect equilibrium of `game` at the given param values.

    `select` is one of `SELECT_RULES`: `pareto` (the rule of docs/solver.md), `first` (the first
    equilibrium in domain order) or `all` (every continuation equilibrium in `equilibria`).
    Raises ValueError for another `select`, SpecError for bad param values and SolveError when no
    equilibrium can be found (or, with `strict`, certified).
    """
    if select not in SELECT_RULES:
        raise ValueError(f"select must be one of {', '.join(SELECT_RULES)}, not {select!r}")
    warnings: list[str] = []
    conditions: dict[str, str] = {}
    problem = build_problem(game, values, symbolic=False)
    sym_problem = None
    if symbolic:
        sym_problem = build_problem(game, values, symbolic=True)
        sym_plans = build_plans(sym_problem, budget)
        failed = [p for p in sym_plans if p.method == "numeric"]
        if failed:
            names = ", ".join(dict.fromkeys(p.step.name for p in failed))
            warnings.append(f"no closed form in the params for stage {names}; "
                            "those strategies are given at the param values")
    plans = build_plans(problem, budget, numeric_only=numeric_only, select=select)
    for p in plans:
        if p.failure and "BudgetExceeded" in p.failure:
            warnings.append(f"stage '{p.step.name}': symbolic step ran past its time budget; "
                            "solved numerically")
    # exact candidates first; the numeric safety net only when verification finds a gain
    records, path = _play_path(problem, plans)
    verification = verify(problem, plans, path)
    if not verification.ok and any(p.complete for p in plans):
        for p in plans:
            p.safety_net = True
        records2, path2 = _play_path(problem, plans)
        verification2 = verify(problem, plans, path2)
        if verification2.ok or verification2.max_gain < verification.max_gain:
            records, path, verification = records2, path2, verification2
    if symbolic and sym_problem is not None:
        sym_first: list[StepRecord] = []
        env0 = {sym_problem.game.params[n].symbol: np.array([float(v)]) for n, v in sym_problem.values.items()}
        sym_plans[0].play(env0, 1, record=sym_first)
        sym_records = sym_first + _records(sym_problem, sym_plans[1:], path, env_params=True)[0]
        values = {sym_problem.game.params[n].symbol: float(v) for n, v in sym_problem.values.items()}
        values.update(path)
        by_step = {p.step.index: p for p in sym_plans}
        for rec, srec in zip(records, sym_records):
            if srec.strategy and srec.method == "symbolic":
                rec.strategy = srec.strategy
                try:
                    conds = piece_conditions(by_step[srec.step.index], srec, values)
                except (BudgetExceeded, RecursionError, TypeError, ValueError):
                    conds = []
                if conds:
                    conditions[srec.step.vars[0].name] = " and ".join(conds)
    if not verification.ok:
        msg = (f"verification found a profitable deviation ({verification.worst}, gain "
               f"{number(verification.max_gain, 3)}): the equilibrium may be wrong")
        if strict:
            raise SolveError(msg, None, "the numeric search may have missed a candidate", "not_certified")
        warnings.append(msg)
    solution = _solution(game, problem, plans, records, path, verification, warnings, select)
    if conditions:
        solution = dataclasses.replace(solution, conditions=conditions)
    if select == "all":
        solution = _all_continuations(game, problem, records, path, solution, budget, numeric_only)
    return solution


MAX_CONTINUATIONS = 8  # select "all": equilibria of one stage re-solved at most


def _all_continuations(game, problem, records, path, solution, budget, numeric_only):
    """Return the solution with `equilibria` = one full SPE per continuation equilibrium.

    For every step on the path with several equilibria, the game is solved again once per
    equilibrium of that step: the step carries its k-th equilibrium (in domain order) wherever
    it has several, and every earlier step re-optimises against that play.
    """
    var_of = {v.symbol: v for v in problem.all_vars}
    paths: list[EquilibriumPath] = []
    seen: list[dict] = []
    notes: list[str] = []

    def add(p_path, verification, note, selected):
        eqm = {c.var: _value(var_of.get(c.symbol), p_path[c.symbol]) for c in game.choices}
        if any(all(abs(eqm[n] - other[n]) <= 1e-7 * (1 + abs(other[n])) for n in eqm) for other in seen):
            return
        seen.append(eqm)
        env = {s: np.array([x]) for s, x in p_path.items()}
        paths.append(EquilibriumPath(
            equilibrium=eqm, payoffs=_evaluate_map(problem, game.payoffs, env),
            reports=_evaluate_map(problem, game.reports, env), selected=selected,
            note=note if verification.ok else f"{note}; not verified (gain {number(verification.max_gain, 3)})"))

    add(path, solution.verification, "selected by the rule", True)
    for rec in records:
        count = len(rec.equilibria)
        if count <= 1:
            continue
        for rank in range(min(count, MAX_CONTINUATIONS)):
            try:
                plans = build_plans(problem, budget, numeric_only=numeric_only,
                                    force={rec.step.index: rank})
                _recs, alt_path = _play_path(problem, plans)
            except SolveError as exc:
                notes.append(f"stage '{rec.step.name}', equilibrium {rank + 1}: {exc.message}")
                continue
            add(alt_path, verify(problem, plans, alt_path),
                f"stage {rec.step.name}: equilibrium {rank + 1} of {count} carried", False)
    warnings = list(solution.warnings)
    if len(paths) > 1:
        warnings.append(f"--select all: {len(paths)} subgame-perfect equilibria (one per "
                        "continuation equilibrium of the stages with several), listed in 'equilibria'")
    warnings += notes
    return dataclasses.replace(solution, equilibria=tuple(paths) if len(paths) > 1 else (),
                               warnings=tuple(warnings))


def _play_path(problem: Problem, plans) -> tuple[list[StepRecord], dict]:
    """Play the game from the first step; return the records of every step and the path.

    The probes for unbounded payoffs run once per step, at the path history (a payoff unbounded
    at some other history cannot change the path: every step keeps its best bounded candidate).
    """
    first: list[StepRecord] = []
    plans[0].probe = True
    try:
        outcome = plans[0].play({}, 1, record=first)
    finally:
        plans[0].probe = False
    path = {s: float(a[0]) for s, a in outcome.values.items()}
    culprit = plans[0] if bool(outcome.unbounded[0]) else None
    rest: list[StepRecord] = []
    if culprit is None and bool(outcome.ok[0]) and all(np.isfinite(v) for v in path.values()):
        rest, culprit = _records(problem, plans[1:], path, probe=True)
    if culprit is not None:
        raise SolveError(*_unbounded_culprit(culprit, path), "unbounded")
    _check_outcome(problem, plans, outcome, path)
    return first + rest, path


def _check_outcome(problem: Problem, plans, outcome, path) -> None:
    """Raise SolveError when the play has no equilibrium."""
    if not bool(outcome.ok[0]) or any(not np.isfinite(v) for v in path.values()):
        # find the first step on the path without an equilibrium
        env: dict = {}
        for plan in plans:
            out = plan.play(env, 1)
            if not bool(out.ok[0]):
                # is it this step, or a later one?
                own_vals = {v.symbol: out.values[v.symbol] for v in plan.step.vars if v.symbol in out.values}
                later_ok = plan.next.play({**env, **own_vals}, 1).ok[0] if own_vals else True
                if later_ok:
                    span = plan.step.vars[0].choice.span if plan.step.vars else None
                    kind = "pure-strategy " if len(plan.deciders) > 1 else ""
                    raise SolveError(
                        f"stage '{plan.step.name}' has no {kind}equilibrium at these param values",
                        span,
                        "no profile of choices is a best reply for every player"
                        if len(plan.deciders) > 1 else "the payoff may have no maximum on the domain",
                        "no_equilibrium", plan.step.name)
            for v in plan.step.vars:
                if v.symbol in out.values:
                    env[v.symbol] = out.values[v.symbol]
        raise SolveError("no equilibrium could be found", None, None, "no_equilibrium")


def _unbounded_culprit(plan, path):
    """Return (message, span, hint) for the step whose payoff grew without bound on the path."""
    for v in plan.step.vars:
        if v.fixed is None and not v.discrete and (v.upper is None or v.lower is None):
            if v.upper is None and v.lower is None:
                what, fix = "unbounded", "bounds"
            elif v.upper is None:
                what, fix = "unbounded above", "an upper bound"
            else:
                what, fix = "unbounded below", "a lower bound"
            return (f"payoff of {v.player} is {what} in {v.name}: add {fix} or a convex cost",
                    v.choice.span, None)
    return ("a payoff is unbounded", None, None)


def _records(problem: Problem, plans, path, env_params: bool = False, probe: bool = False):
    """Return what happened at every step on the path (one play per step at the path history).

    Return (records, the first plan whose payoff is unbounded at the path, or None; only looked
    for with `probe`).
    """
    records: list[StepRecord] = []
    culprit = None
    env: dict = {}
    if env_params:
        env = {problem.game.params[n].symbol: np.array([float(v)]) for n, v in problem.values.items()}
    for plan in plans:
        for s in plan.history:
            if s not in env:
                env[s] = np.array([path[s]])
        rec: list[StepRecord] = []
        before, plan.probe = plan.probe, probe
        try:
            out = plan.play(env, 1, record=rec)
        finally:
            plan.probe = before
        if probe and culprit is None and bool(out.unbounded[0]):
            culprit = plan
        records.append(rec[0])
        for v in plan.step.vars:
            env[v.symbol] = np.array([path[v.symbol]])
    return records, culprit


def _value(v, x: float):
    """Return a reported value: integers for discrete choices with integral values."""
    if v is not None and v.discrete and np.isfinite(x) and abs(x - round(x)) < 1e-9:
        return int(round(x))
    if np.isfinite(x) and abs(x) < 1e15:
        r = round(x)
        if abs(x - r) <= 1e-12 * max(1.0, abs(x)):
            return float(r)
    return float(x)


def _solution(game: Game, problem: Problem, plans, records, path, verification, warnings, select):
    var_of = {v.symbol: v for v in problem.all_vars}
    equilibrium = {c.var: _value(var_of.get(c.symbol), path[c.symbol]) for c in game.choices}
    env = {s: np.array([x]) for s, x in path.items()}
    payoffs = _evaluate_map(problem, game.payoffs, env)
    reports = _evaluate_map(problem, game.reports, env)
    strategies = {}
    strategy_exprs = {}
    for rec in records:
        for s, e in rec.strategy.items():
            if rec.chosen.get(s, True):
                strategies[s.name] = str(e)
                strategy_exprs[s.name] = e
    stages = []
    for si, stage in enumerate(game.stages):
        recs = [r for r in records if r.step.stage_index == si]
        methods = [r.method for r in recs]
        if all(m == "fixed" for m in methods):
            method = "fixed"
        elif all(m in ("skipped", "fixed") for m in methods):
            method = "skipped"
        elif any(m == "numeric" for m in methods):
            method = "numeric"
        else:
            method = "symbolic"
        binding = []
        for r in recs:
            for v in r.step.vars:
                if v.fixed is not None or v.discrete or not r.chosen.get(v.symbol, True):
                    continue
                x = path[v.symbol]
                d = v.choice.domain
                for bound, strict, text, op in ((v.lower, v.lower_strict, d.lower_text if d else None, ">="),
                                                (v.upper, v.upper_strict, d.upper_text if d else None, "<=")):
                    if bound is None or strict:
                        continue
                    b = evaluate([bound], env, 1)[0][0]
                    if np.isfinite(b) and abs(x - b) <= 1e-7 * (1 + abs(b)):
                        binding.append(f"{v.name} {op} {text if text is not None else number(b)}")
        stages.append(StageReport(stage.name, method, tuple(binding),
                                  max([len(r.equilibria) for r in recs] or [1])))
    equilibria = []
    for rec in records:
        if len(rec.equilibria) > 1:
            if rec.rule == "first":
                alts = "; ".join(_profile_text(e) for e in rec.equilibria)
                why = ("--select first" if select == "first" else
                       "none is Pareto-dominant or preferred by the leaders")
                warnings.append(f"stage '{rec.step.name}' has {len(rec.equilibria)} equilibria "
                                f"({alts}); {why}: the first in domain order is carried")
            else:
                warnings.append(f"stage '{rec.step.name}' has {len(rec.equilibria)} equilibria; "
                                f"the {'Pareto-dominant' if rec.rule == 'pareto' else 'leaders-preferred' if rec.rule == 'leaders' else 'selected'} one is carried")
            if not equilibria:
                equilibria = _alternative_paths(game, problem, plans, rec, path, var_of)
    return Solution(
        game=game.title, scenario=game.scenario,
        parameters={n: _param_value(v) for n, v in problem.values.items()},
        equilibrium=equilibrium, payoffs=payoffs, reports=reports, strategies=strategies,
        stages=tuple(stages), verification=verification, equilibria=tuple(equilibria),
        warnings=tuple(warnings), strategy_exprs=strategy_exprs)


def _alternative_paths(game, problem, plans, rec: StepRecord, path, var_of):
    """Return the full paths through each equilibrium of a step (upstream play unchanged)."""
    plan = next(p for p in plans if p.step is rec.step)
    out = []
    for k, eq in enumerate(rec.equilibria):
        env = {s: np.array([path[s]]) for s in plan.history}
        env.update({s: np.array([x]) for s, x in eq.items()})
        for v in plan.step.vars:
            if v.symbol not in env:
                env[v.symbol] = np.array([path[v.symbol]])
        down = plan.next.play(env, 1)
        vals = {s: float(a[0]) for s, a in env.items()}
        vals.update({s: float(a[0]) for s, a in down.values.items()})
        full = dict(path)
        full.update(vals)
        envf = {s: np.array([x]) for s, x in full.items()}
        out.append(EquilibriumPath(
            equilibrium={c.var: _value(var_of.get(c.symbol), full[c.symbol]) for c in game.choices},
            payoffs=_evaluate_map(problem, game.payoffs, envf),
            reports=_evaluate_map(problem, game.reports, envf),
            selected=(k == rec.selected),
            note=f"stage {rec.step.name}"))
    return out


def _evaluate_map(problem: Problem, exprs: Mapping[str, sympy.Expr], env) -> dict[str, float]:
    names = list(exprs)
    vals = evaluate([problem.subs(exprs[n]) for n in names], env, 1)
    return {n: _value(None, float(v[0])) for n, v in zip(names, vals)}


def _param_value(v: sympy.Expr):
    if v == sympy.oo:
        return float("inf")
    if v == -sympy.oo:
        return float("-inf")
    if v.is_Integer:
        return int(v)
    return float(v)


def _profile_text(e: dict) -> str:
    return ", ".join(f"{s.name} = {number(x)}" for s, x in e.items())
