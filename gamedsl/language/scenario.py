"""Scenarios: named variants of a game (`fix`, `set`, `merge`, a replaced `payoff` or `let`).

Every declared scenario is checked (`check_scenario`); the chosen one replaces lets and payoffs
before type checking (`overrides`) and is applied to the lowered game (`apply_scenario`):
params set, choices fixed, players merged into one maximising the sum of their payoffs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import sympy

from gamedsl.language import ast
from gamedsl.language.hints import suggest
from gamedsl.language.lower import Lowering, outside, param_values, show
from gamedsl.language.source import short
from gamedsl.language.typecheck import NUM, Allowed, Checker
from gamedsl.model.errors import Span, SpecError
from gamedsl.model.game import Game, Player


def overrides(
    ck: Checker, scenario: str | None, file: str
) -> tuple[ast.ScenarioDecl | None, dict[str, ast.LetDecl], dict[str, ast.PayoffDecl]]:
    """Return the chosen scenario and the lets and payoffs with its replacements; record its
    merged players (their payoff is the sum of the members')."""
    prog = ck.prog
    lets, payoffs = dict(prog.lets), dict(prog.payoffs)
    if scenario is None:
        return None, lets, payoffs
    if scenario not in prog.scenarios:
        names = ", ".join(prog.scenarios) or "none"
        raise SpecError(
            f"unknown scenario {short(scenario)!r} (the scenarios are: {names})",
            Span(file, 1, 1),
            suggest(scenario, list(prog.scenarios)),
        )
    chosen = prog.scenarios[scenario]
    for st in chosen.statements:
        # (a replacement of something that is not a let is reported by check_scenario)
        if isinstance(st, ast.LetDecl) and ck.kinds.get(st.name) == "let":
            lets[st.name] = st
        elif isinstance(st, ast.PayoffDecl) and st.player in payoffs:
            payoffs[st.player] = st
        elif isinstance(st, ast.Merge) and st.merged not in ck.kinds:
            ck.extra_players[st.merged] = st.players
    return chosen, lets, payoffs


def check_scenario(ck: Checker, sc: ast.ScenarioDecl, lets: Mapping[str, ast.LetDecl]) -> None:
    """Check the statements of scenario `sc` (every declared scenario is checked)."""
    merged_here: dict[str, tuple[str, ...]] = {}
    for st in sc.statements:
        if isinstance(st, ast.Fix):
            kind = ck.kinds.get(st.var)
            if kind == "param":
                ck.error(
                    f"{st.var!r} is a param: use 'set {st.var} = ...' to change a param",
                    st.name_span,
                )
            elif kind == "draw":
                ck.error(
                    f"{st.var!r} is drawn by nature: a scenario can change its probabilities "
                    "(set the params they use), not fix it",
                    st.name_span,
                )
            elif kind != "choice":
                ck.error(
                    f"scenario {sc.name!r} fixes unknown variable {short(st.var)!r}"
                    + ck.suggestions.did_you_mean(st.var, list(ck.stage_of)),
                    st.name_span,
                )
            else:
                stage = ck.stage_of[st.var][0]
                ck.need(st.expr, NUM, frozenset(), Allowed(f"'fix {st.var}'", stage=stage))
        elif isinstance(st, ast.SetParam):
            kind = ck.kinds.get(st.name)
            if kind == "choice":
                ck.error(
                    f"{st.name!r} is a choice: use 'fix {st.name} = ...' to pin a choice",
                    st.name_span,
                )
            elif kind != "param":
                params = [n for n, k in ck.kinds.items() if k == "param"]
                ck.error(
                    f"scenario {sc.name!r} sets unknown param {short(st.name)!r}"
                    + ck.suggestions.did_you_mean(st.name, params),
                    st.name_span,
                )
            else:
                ck.need(st.expr, NUM, frozenset(), Allowed(f"'set {st.name}'", params_only=True))
        elif isinstance(st, ast.Merge):
            players = [n for n, k in ck.kinds.items() if k == "player"]
            seen: set[str] = set()
            for name, span in zip(st.players, st.player_spans):
                if ck.kinds.get(name) != "player":
                    ck.error(
                        f"scenario {sc.name!r} merges unknown player {short(name)!r}"
                        + ck.suggestions.did_you_mean(name, players),
                        span,
                    )
                elif name in seen:
                    ck.error(f"player {name!r} is listed twice in 'merge'", span)
                elif any(name in m for m in merged_here.values()):
                    ck.error(f"player {name!r} is already merged in this scenario", span)
                seen.add(name)
            if st.merged in ck.kinds or st.merged in merged_here:
                ck.error(
                    f"the merged player needs a new name: {short(st.merged)!r} is already declared",
                    st.merged_span,
                )
            merged_here[st.merged] = st.players
        elif isinstance(st, ast.PayoffDecl):
            if ck.kinds.get(st.player) != "player":
                players = [n for n, k in ck.kinds.items() if k == "player"]
                ck.error(
                    f"scenario {sc.name!r} replaces the payoff of unknown player "
                    f"{short(st.player)!r}" + ck.suggestions.did_you_mean(st.player, players),
                    st.name_span,
                )
            else:
                ck.need(st.expr, NUM, frozenset(), None)
        elif isinstance(st, ast.LetDecl):
            if ck.kinds.get(st.name) != "let":
                ck.error(
                    f"scenario {sc.name!r} replaces {short(st.name)!r}, which is not a "
                    f"let" + ck.suggestions.did_you_mean(st.name, list(lets)),
                    st.name_span,
                )
            else:
                ck.type_of(st.expr)


def apply_scenario(
    game: Game, sc: ast.ScenarioDecl, conv: Lowering, errors: list[SpecError]
) -> Game:
    """Return `game` with the fixes, sets and merges of scenario `sc` applied (its lets and
    payoffs were substituted before inlining)."""
    params = dict(game.params)
    players = dict(game.players)
    payoffs = dict(game.payoffs)
    fixes: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for st in sc.statements:
        if isinstance(st, ast.SetParam):
            value = conv.safe(st.expr)
            if value is not None:
                params[st.name] = replace(params[st.name], default=value)
        elif isinstance(st, ast.Fix):
            value = conv.safe(st.expr)
            if value is not None:
                fixes[st.var] = value
        elif isinstance(st, ast.Merge):
            players[st.merged] = Player(st.merged, sc.title, st.span, members=st.players)
            for m in st.players:
                players[m] = replace(players[m], merged_into=st.merged)
                owner[m] = st.merged
            payoffs[st.merged] = sympy.Add(*[payoffs[m] for m in st.players])
    stages = []
    for stage in game.stages:
        choices = []
        for c in stage.choices:
            if c.var in fixes:
                c = replace(c, fixed=fixes[c.var])
            if c.player in owner:
                c = replace(c, player=owner[c.player])
            choices.append(c)
        stages.append(replace(stage, choices=tuple(choices)))
    if any(isinstance(st, ast.SetParam) for st in sc.statements):
        values = param_values(params)
        for st in sc.statements:
            if isinstance(st, ast.SetParam) and st.name in values and params[st.name].domain:
                problem = outside(values[st.name], params[st.name].domain, values)
                if problem is not None:
                    errors.append(
                        SpecError(
                            f"'set {st.name}' gives {show(values[st.name])}, outside its domain "
                            f"{params[st.name].domain.text}{problem}",
                            st.expr.span,
                        )
                    )
    return replace(
        game,
        params=params,
        players=players,
        payoffs=payoffs,
        stages=tuple(stages),
        scenario=sc.name,
        payoff_spans={
            **game.payoff_spans,
            **{m: s for m, s in ((p.name, p.span) for p in players.values() if p.members)},
        },
    )
