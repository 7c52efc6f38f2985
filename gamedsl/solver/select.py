"""Choosing one equilibrium among several (and breaking a player's ties), by the rule that
docs/solver.md §3 explains:

1. the Pareto-dominant one, judged on the payoffs of all players;
2. the one the leaders prefer: the players of the nearest earlier stage who are not all
   indifferent, if they agree; otherwise the stage before that, and so on;
3. the first in domain order, with a warning naming the alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TIE_TOL = 1e-9  # payoffs within TIE_TOL*(1+|u|) of each other are equal


def close(a: float, b: float) -> bool:
    """Return True when two payoffs are equal within the tie tolerance."""
    return abs(a - b) <= TIE_TOL * (1.0 + max(abs(a), abs(b)))


@dataclass(frozen=True)
class Selected:
    """The chosen candidate and the rule that chose it."""

    index: int
    rule: str  # unique, pareto, leaders, first


def select(
    candidates: Sequence[int],
    payoffs: dict[str, np.ndarray],
    all_players: Sequence[str],
    leader_groups: Sequence[Sequence[str]],
    order: Sequence[int],
    mode: str = "pareto",
    force_rank: int | None = None,
) -> Selected:
    """Return the candidate (an index into the payoff arrays) chosen by the selection rule.

    `payoffs[p][j]` is player p's payoff at candidate j; `leader_groups` lists the players of
    the earlier stages, nearest first; `order` ranks candidates in domain order.  `mode` "first" skips rules 1 and 2.
    `force_rank` k (for the selection rule `all`) takes the k-th candidate in domain order instead (the
    last when there are fewer).
    """
    remaining = list(candidates)
    if len(remaining) == 1:
        return Selected(remaining[0], "unique")
    rank = {j: r for r, j in enumerate(order)}
    ranked = sorted(remaining, key=lambda j: rank.get(j, len(rank)))  # domain order
    if force_rank is not None:
        return Selected(ranked[min(force_rank, len(ranked) - 1)], "forced")
    if mode == "first":
        return Selected(ranked[0], "first")
    # 1. Pareto: drop candidates that another one weakly dominates (strictly for someone)
    undominated = [
        j for j in remaining
        if not any(_dominates(k, j, payoffs, all_players) for k in remaining if k != j)
    ]
    if len(undominated) == 1:
        return Selected(undominated[0], "pareto")
    remaining = undominated or remaining
    # 2. leaders, nearest earlier stage first
    for group in leader_groups:
        group = [p for p in group if p in payoffs]
        if not group:
            continue
        if all(_indifferent(remaining, payoffs[p]) for p in group):
            continue
        best = [j for j in remaining if all(
            payoffs[p][j] >= max(payoffs[p][k] for k in remaining) - TIE_TOL * (1 + abs(payoffs[p][j]))
            for p in group)]
        strict = [j for j in best if any(
            any(not close(payoffs[p][j], payoffs[p][k]) for k in remaining) for p in group)]
        if len(best) >= 1 and strict:
            if len(best) == 1:
                return Selected(best[0], "leaders")
            remaining = best
            break
    # 3. first in domain order
    left = set(remaining)
    return Selected(next(j for j in ranked if j in left), "first")


def _dominates(k: int, j: int, payoffs: dict[str, np.ndarray], players: Sequence[str]) -> bool:
    """Return True when candidate k is weakly better than j for all players, strictly for one."""
    strictly = False
    for p in players:
        a, b = payoffs[p][k], payoffs[p][j]
        if close(a, b):
            continue
        if a < b:
            return False
        strictly = True
    return strictly


def _indifferent(candidates: Sequence[int], u: np.ndarray) -> bool:
    values = [u[j] for j in candidates]
    return all(close(values[0], v) for v in values[1:])
