"""The solution of a game from its path: the values reported (integers where discrete),
payoffs, reports, strategies, how each stage was solved, and the paths through the other
equilibria of a stage with several."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy

from gamedsl.model.game import Game
from gamedsl.model.numbers import number
from gamedsl.model.solution import EquilibriumPath, Solution, StageReport
from gamedsl.solver.evaluate import evaluate
from gamedsl.solver.plan import StepRecord
from gamedsl.solver.problem import Problem


def value_of(v, x: float):
    """Return a reported value: integers for discrete choices with integral values."""
    if v is not None and v.discrete and np.isfinite(x) and abs(x - round(x)) < 1e-9:
        return round(x)
    if np.isfinite(x) and abs(x) < 1e15:
        r = round(x)
        if abs(x - r) <= 1e-12 * max(1.0, abs(x)):
            return float(r)
    return float(x)


def make_solution(
    game: Game, problem: Problem, plans, records, path, verification, warnings, select
) -> Solution:
    """Return the Solution of the path: values, payoffs, reports, strategies, stages, the
    equilibria of a stage with several, warnings."""
    var_of = {v.symbol: v for v in problem.all_vars}
    equilibrium = {c.var: value_of(var_of.get(c.symbol), path[c.symbol]) for c in game.choices}
    env = {s: np.array([x]) for s, x in path.items()}
    layers = getattr(path, "layers", None) or [(1.0, dict(path))]
    payoffs = expected_map(problem, _players(game, game.payoffs), layers)
    reports = expected_map(problem, game.reports, layers)
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
                for bound, strict, text, op in (
                    (v.lower, v.lower_strict, d.lower_text if d else None, ">="),
                    (v.upper, v.upper_strict, d.upper_text if d else None, "<="),
                ):
                    if bound is None or strict:
                        continue
                    b = evaluate([bound], env, 1)[0][0]
                    if np.isfinite(b) and abs(x - b) <= 1e-7 * (1 + abs(b)):
                        binding.append(f"{v.name} {op} {text if text is not None else number(b)}")
        stages.append(
            StageReport(
                stage.name, method, tuple(binding), max([len(r.equilibria) for r in recs] or [1])
            )
        )
    equilibria = []
    for rec in records:
        if len(rec.equilibria) > 1:
            if rec.rule == "first":
                shown = [_profile_text(e) for e in rec.equilibria[:SHOWN_PROFILES]]
                extra = len(rec.equilibria) - len(shown)
                alts = "; ".join(shown) + (f"; and {extra} more" if extra > 0 else "")
                why = (
                    "--select first"
                    if select == "first"
                    else "none is Pareto-dominant or preferred by the leaders"
                )
                warnings.append(
                    f"stage '{rec.step.name}' has {len(rec.equilibria)} equilibria "
                    f"({alts}); {why}: the first in domain order is carried"
                )
            else:
                warnings.append(
                    f"stage '{rec.step.name}' has {len(rec.equilibria)} equilibria; "
                    f"the {'Pareto-dominant' if rec.rule == 'pareto' else 'leaders-preferred' if rec.rule == 'leaders' else 'selected'} one is carried"
                )
            if not equilibria:
                equilibria = _alternative_paths(game, problem, plans, rec, path, var_of)
    by_draw = _by_draw(game, problem, layers)
    ties = _ties(records, warnings)
    return Solution(
        by_draw=by_draw,
        mixed=_mixed(game, var_of, layers),
        ties=ties,
        flags=_flags(records, ties, verification),
        game=game.title,
        scenario=game.scenario,
        parameters={n: _paramvalue_of(v) for n, v in problem.values.items()},
        equilibrium=equilibrium,
        payoffs=payoffs,
        reports=reports,
        strategies=strategies,
        stages=tuple(stages),
        verification=verification,
        equilibria=tuple(equilibria),
        warnings=tuple(warnings),
        strategy_exprs=strategy_exprs,
    )


FLAGS = ("several equilibria", "first in domain order", "continuum of optima", "not verified")


def _flags(records, ties, verification) -> tuple[str, ...]:
    """Return what the solve had to settle (in the order of FLAGS)."""
    found = set()
    for rec in records:
        if len(rec.equilibria) > 1:
            found.add(FLAGS[0])
            if rec.rule == "first":
                found.add(FLAGS[1])
    if ties:
        found.add(FLAGS[2])
    if not verification.ok:
        found.add(FLAGS[3])
    return tuple(f for f in FLAGS if f in found)


def _ties(records, warnings: list[str]) -> tuple[dict, ...]:
    """Return the continua of optima on the path (and say so among the warnings)."""
    out = []
    for rec in records:
        for player, start, end in rec.ties:
            names = list(dict.fromkeys([s.name for s in start] + [s.name for s in end]))
            moving = [n for n in names if _moves(start, end, n)]
            out.append({
                "stage": rec.step.name,
                "player": player,
                "variables": moving,
                "from": {s.name: value_of(None, x) for s, x in start.items() if s.name in moving},
                "to": {s.name: value_of(None, x) for s, x in end.items() if s.name in moving},
            })
            warnings.append(
                f"stage '{rec.step.name}': {player} is indifferent along a continuum of "
                f"optima ({', '.join(moving)} from {_ends(out[-1]['from'])} to "
                f"{_ends(out[-1]['to'])}); the one the selection rule picks is reported"
            )
    return tuple(out)


def _moves(start: dict, end: dict, name: str) -> bool:
    a = next((x for s, x in start.items() if s.name == name), None)
    b = next((x for s, x in end.items() if s.name == name), None)
    return a is None or b is None or abs(a - b) > 1e-9 * (1 + abs(a))


def _ends(values: dict) -> str:
    return "(" + ", ".join(f"{k} = {number(v)}" for k, v in values.items()) + ")"


def _players(game: Game, payoffs: Mapping[str, sympy.Expr]) -> dict[str, sympy.Expr]:
    """Return the payoffs of the players (a chance move's agents are not reported)."""
    return {p: e for p, e in payoffs.items() if game.players[p].agent_of is None}


def _by_draw(game: Game, problem: Problem, layers) -> dict[str, dict]:
    """Return, per combination of draw values, its probability and the payoffs and reports
    there (DESIGN §1b `by_draw`); empty without chance moves."""
    chance = game.chance
    if chance is None:
        return {}
    out = {}
    for b in chance.branches:
        payoffs = {p: e.xreplace(b.substitution) for p, e in _players(game, chance.payoffs).items()}
        reports = {r: e.xreplace(b.substitution) for r, e in chance.reports.items()}
        prob = expected_map(problem, {"p": b.probability}, layers)["p"]
        out[b.label] = {
            "probability": prob,
            "payoffs": expected_map(problem, payoffs, layers),
            "reports": expected_map(problem, reports, layers),
        }
    return out


SHOWN_PROFILES = 4  # profiles named in the several-equilibria warning
MAX_PATHS = 1000  # equilibrium paths kept in the JSON (the warning gives the full count)


def _alternative_paths(game, problem, plans, rec: StepRecord, path, var_of):
    """Return the full paths through each equilibrium of a step (upstream play unchanged)."""
    plan = next(p for p in plans if p.step is rec.step)
    out = []
    kept = list(range(min(len(rec.equilibria), MAX_PATHS)))
    if rec.selected is not None and rec.selected >= MAX_PATHS:
        kept[-1] = rec.selected
    for k in kept:
        eq = rec.equilibria[k]
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
        out.append(
            EquilibriumPath(
                equilibrium={
                    c.var: value_of(var_of.get(c.symbol), full[c.symbol]) for c in game.choices
                },
                payoffs=evaluate_map(problem, _players(game, game.payoffs), envf),
                reports=evaluate_map(problem, game.reports, envf),
                selected=(k == rec.selected),
                note=f"stage {rec.step.name}",
            )
        )
    return out


def expected_map(problem: Problem, exprs: Mapping[str, sympy.Expr], layers) -> dict[str, float]:
    """Return the expressions' expected values over a lottery of pure paths (one path of
    probability 1 where nothing mixed)."""
    if len(layers) == 1:
        return evaluate_map(problem, exprs, {s: np.array([x]) for s, x in layers[0][1].items()})
    names = list(exprs)
    total = dict.fromkeys(names, 0.0)
    for p, values in layers:
        env = {s: np.array([x]) for s, x in values.items()}
        vals = evaluate([problem.subs(exprs[n]) for n in names], env, 1)
        for n, v in zip(names, vals):
            total[n] += p * float(v[0])
    return {n: value_of(None, x) for n, x in total.items()}


def _mixed(game: Game, var_of, layers) -> dict[str, tuple[tuple[float, float], ...]]:
    """Return the distribution of every choice whose value differs across the lottery's pure
    paths (values in domain order), for a play where a stage mixed."""
    if len(layers) <= 1:
        return {}
    out = {}
    for c in game.choices:
        dist: dict[float, float] = {}
        for p, values in layers:
            x = values[c.symbol]
            key = next((k for k in dist if abs(k - x) <= 1e-12 * (1 + abs(k))), x)
            dist[key] = dist.get(key, 0.0) + p
        if len(dist) <= 1:
            continue
        v = var_of.get(c.symbol)
        elements = [float(e) for e in v.elements] if v is not None and v.discrete else []

        def rank(x, elements=elements):
            near = [i for i, e in enumerate(elements) if abs(e - x) <= 1e-9 * (1 + abs(e))]
            return (near[0] if near else len(elements), x)

        out[c.var] = tuple(
            (value_of(v, x), p) for x, p in sorted(dist.items(), key=lambda kv: rank(kv[0]))
        )
    return out


def evaluate_map(problem: Problem, exprs: Mapping[str, sympy.Expr], env) -> dict[str, float]:
    names = list(exprs)
    vals = evaluate([problem.subs(exprs[n]) for n in names], env, 1)
    return {n: value_of(None, float(v[0])) for n, v in zip(names, vals)}


def _paramvalue_of(v: sympy.Expr):
    if v == sympy.oo:
        return float("inf")
    if v == -sympy.oo:
        return float("-inf")
    if v.is_Integer:
        return int(v)
    return float(v)


def _profile_text(e: dict) -> str:
    return ", ".join(f"{s.name} = {number(x)}" for s, x in e.items())
