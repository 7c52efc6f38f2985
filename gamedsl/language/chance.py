"""Chance (DESIGN §1b): `nature draws X in {v: p, ...} [private to P]`, made a game of choices.

`expand_chance(game)` returns the game with its draws written out (the agent form): after a
public draw every later choice is made once per value of it (`q[d=0.5]`, `q[d=1.5]`), after a
draw private to some players their choices are, everyone else's are not; a choice made knowing
values is made by an agent of its player for those values (`F2[c2=1]`), whose payoff is the
player's payoff summed over the branches it cannot tell apart, weighted by their probabilities.
Every player's own payoff, and every report, becomes its expectation over the draws.  Each agent
maximising its payoff given what it sees is the player maximising its expected payoff with one
choice per value it sees, so the equilibrium of the written-out game is the subgame-perfect
(public draws) or Bayesian Nash (private draws) equilibrium §1b asks for.  The branches (one per
combination of values, with its probability and its substitution) are kept in `Game.chance` for
the output per draw value (`by_draw`).

A choice made knowing a private draw must be in the last stage (a later stage would have to infer
it from what it sees: signalling is not part of this release); the check says so.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping

import sympy

from gamedsl.model.errors import SpecError
from gamedsl.model.game import (
    Branch,
    Chance,
    Choice,
    Draw,
    Game,
    Player,
    Stage,
    distribution_error,
    symbol,
)

MAX_BRANCHES = 4096  # combinations of draw values


def _values(draw: Draw) -> list[tuple[sympy.Expr, sympy.Expr, str]]:
    """Return (value, probability, value as written) of a draw."""
    if draw.value_range is None:
        texts = draw.value_texts or tuple(str(v) for v, _p in draw.outcomes)
        return [(v, p, t) for (v, p), t in zip(draw.outcomes, texts)]
    lo, hi = draw.value_range
    if not (lo.is_Integer and hi.is_Integer) or hi < lo:
        raise SpecError(
            f"the values of {draw.var!r} must be a range of integers known when the spec is read",
            draw.span,
            "write them out: {1: p, 2: 1 - p}",
        )
    k = int(hi) - int(lo) + 1
    return [(sympy.Integer(v), sympy.Rational(1, k), str(v)) for v in range(int(lo), int(hi) + 1)]


def _knowing(draw: Draw, choice: Choice, stage_index: int, draw_stage: int) -> bool:
    """Return True when `choice` is made knowing `draw` (after it; public, or by an insider)."""
    if stage_index <= draw_stage:
        return False
    return not draw.private_to or choice.player in draw.private_to


def _check_private(game: Game, draw: Draw, draw_stage: int) -> None:
    """A choice made knowing a private draw must be in the last stage."""
    if not draw.private_to:
        return
    last = len(game.stages) - 1
    for i, stage in enumerate(game.stages):
        for c in stage.choices:
            if i != last and _knowing(draw, c, i, draw_stage):
                raise SpecError(
                    f"{c.player} knows {draw.var!r} (drawn privately) and chooses {c.var!r} "
                    f"before the last stage: a later stage would have to infer {draw.var!r} from "
                    "it, which this release does not solve",
                    c.span,
                    f"move {c.var!r} to the last stage, or make the draw public",
                )


def expand_chance(game: Game) -> Game:
    """Return `game` with its chance moves written out as choices per value (see the module)."""
    draws = [(i, d) for i, stage in enumerate(game.stages) for d in stage.draws]
    if not draws:
        return game
    for i, d in draws:
        _check_private(game, d, i)
        _check_distribution(game, d)
    values = [_values(d) for _i, d in draws]
    count = 1
    for v in values:
        count *= len(v)
    if count > MAX_BRANCHES:
        raise SpecError(
            f"the draws have {count} combinations of values (at most {MAX_BRANCHES})",
            draws[0][1].span,
        )
    branches: list[Branch] = []
    copies: dict[str, dict[str, str]] = {}
    for combo in itertools.product(*values):
        branches.append(_branch(game, draws, combo, copies))
    stages = tuple(_stage(game, i, s, draws, values, copies) for i, s in enumerate(game.stages))
    payoffs = {p: _expectation(e, branches) for p, e in game.payoffs.items()}
    reports = {r: _expectation(e, branches) for r, e in game.reports.items()}
    players = dict(game.players)
    for stage in stages:
        for c in stage.choices:
            label = _agent_label(c.player)
            if label is None:
                continue
            owner = c.player[: -len(label) - 2]
            if c.player not in players:
                base = players[owner]
                players[c.player] = Player(c.player, base.description, base.span, agent_of=owner)
                payoffs[c.player] = _conditional(game.payoffs[owner], branches, label)
    chance = Chance(
        draws=tuple(d for _i, d in draws),
        branches=tuple(branches),
        payoffs=game.payoffs,
        reports=game.reports,
        copies={v: tuple(c.values()) for v, c in copies.items()},
    )
    return dataclasses.replace(
        game, stages=stages, players=players, payoffs=payoffs, reports=reports, chance=chance
    )


def _check_distribution(game: Game, draw: Draw) -> None:
    """Raise the error when the probabilities of `draw` at the params' default values (where
    they are numbers) are not a distribution; other values are checked when they are bound."""
    subs = {
        p.symbol: p.default
        for p in game.params.values()
        if p.default is not None and not p.default.free_symbols
    }
    if any(p.xreplace(subs).free_symbols for _v, p in draw.outcomes):
        return
    error = distribution_error(draw, subs)
    if error is not None:
        raise error


def _agent_label(player: str) -> str | None:
    """Return `c2=1` of an agent's name `F2[c2=1]` (None for a player)."""
    if player.endswith("]") and "=" in player and "[" in player:
        return player[player.rindex("[") + 1 : -1]
    return None


def _conditional(payoff: sympy.Expr, branches: list[Branch], label: str) -> sympy.Expr:
    """Return an agent's payoff: the player's payoff over the branches that agree with what the
    agent sees, each weighted by its probability (a positive multiple of the conditional
    expectation, so the same choices maximise it)."""
    seen = set(label.split(", "))
    return sympy.Add(
        *[
            b.probability * payoff.xreplace(b.substitution)
            for b in branches
            if seen <= set(b.label.split(", "))
        ]
    )


def _label(draws: list, combo: tuple, known: list[int] | None = None) -> str:
    """Return `d=0.5` (or `c2=1, d=0.5`) for the values of the draws numbered `known`."""
    picked = range(len(draws)) if known is None else known
    return ", ".join(f"{draws[k][1].var}={combo[k][2]}" for k in picked)


def _copy_name(var: str, label: str) -> str:
    return f"{var}[{label}]"


def _branch(game: Game, draws: list, combo: tuple, copies: dict) -> Branch:
    """Return one combination of draw values: its probability and its substitution."""
    subs: dict[sympy.Symbol, sympy.Expr] = {}
    prob = sympy.Integer(1)
    for (_i, d), (value, p, _text) in zip(draws, combo):
        subs[d.symbol] = value
        prob *= p
    for si, stage in enumerate(game.stages):
        for c in stage.choices:
            known = [k for k, (di, d) in enumerate(draws) if _knowing(d, c, si, di)]
            if known:
                name = _copy_name(c.var, _label(draws, combo, known))
                copies.setdefault(c.var, {})[name] = name
                subs[c.symbol] = symbol(name)
    return Branch(_label(draws, combo), prob, subs)


def _stage(game: Game, si: int, stage: Stage, draws: list, values: list, copies: dict) -> Stage:
    """Return a stage with each choice made knowing a draw replaced by its copies."""
    out: list[Choice] = []
    for c in stage.choices:
        known = [k for k, (di, d) in enumerate(draws) if _knowing(d, c, si, di)]
        if not known:
            out.append(_substituted(c, {}))
            continue
        for combo in itertools.product(*[values[k] for k in known]):
            full = [None] * len(draws)
            for k, v in zip(known, combo):
                full[k] = v
            label = ", ".join(f"{draws[k][1].var}={full[k][2]}" for k in known)
            subs = {draws[k][1].symbol: full[k][0] for k in known}
            for other, names in copies.items():
                # earlier choices made knowing the same values: their copies for this label
                name = _copy_name(other, label)
                if name in names:
                    subs[symbol(other)] = symbol(name)
            name = _copy_name(c.var, label)
            agent = _copy_name(c.player, label)
            copy = dataclasses.replace(c, var=name, symbol=symbol(name), player=agent)
            out.append(_substituted(copy, subs))
    return dataclasses.replace(stage, choices=tuple(out))


def _substituted(c: Choice, subs: Mapping) -> Choice:
    """Return the choice with draw values and copies put into its bounds and conditions."""
    if not subs:
        return c

    def put(e):
        return None if e is None else e.xreplace(subs)

    domain = c.domain
    if domain is not None:
        domain = dataclasses.replace(
            domain,
            lower=put(domain.lower),
            upper=put(domain.upper),
            elements=None if domain.elements is None else tuple(put(e) for e in domain.elements),
        )
    return dataclasses.replace(
        c, domain=domain, condition=put(c.condition), otherwise=put(c.otherwise)
    )


def _expectation(e: sympy.Expr, branches: list[Branch]) -> sympy.Expr:
    """Return the expectation of `e` over the branches."""
    return sympy.Add(*[b.probability * e.xreplace(b.substitution) for b in branches])
