"""Helpers shared by the stdlib tests: cached solves (findings share parameter points) and the
tolerance for a value a model card gives rounded to some decimals."""

from __future__ import annotations

import functools

import gamedsl

NUM_TOL = 1e-4  # engine error allowed on top of a card's rounding
EXACT_TOL = 1e-5  # values derived by hand in closed form


def card_tol(decimals: int) -> float:
    """Return the tolerance for a card value given to `decimals` places."""
    return 0.5 * 10.0**-decimals + NUM_TOL


@functools.cache
def _model(source: str, scenario: str | None) -> gamedsl.Model:
    return gamedsl.load(source, scenario=scenario)


@functools.cache
def _solve(source: str, scenario: str | None, items: tuple[tuple[str, float], ...]):
    return _model(source, scenario).solve(**dict(items))


def solve_spec(source: str, scenario: str | None = None, **values: float):
    """Return the engine's Solution of `source` (a path or stdlib:NAME) at these values (cached)."""
    return _solve(source, scenario, tuple(sorted(values.items())))


def solver(source: str):
    """Return solve(scenario=None, **values) for one model."""
    return functools.partial(solve_spec, source)


def eq(s, name: str) -> float:
    """Return the equilibrium value of choice `name` as a float."""
    return float(s.equilibrium[name])


def pay(s, player: str) -> float:
    """Return the equilibrium payoff of `player` as a float."""
    return float(s.payoffs[player])


def rep(s, name: str) -> float:
    """Return report `name` at the equilibrium as a float."""
    return float(s.reports[name])
