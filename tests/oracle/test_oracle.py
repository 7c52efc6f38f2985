"""Differential test: gamedsl against the brute-force oracle on random games.

Each game of `generate.py` is written as a `.game` file and solved by gamedsl through its public
API (`gamedsl.load(path, scenario).solve(pure=True)`, the JSON document of `solve --format json`
by `solution_dict`), and solved by `oracle.py` from its structured description.  The run is
deterministic: game i of a run is class `CLASSES[i % 9]` drawn with seed `i // 9`.

What must hold:

- the oracle finds no pure equilibrium (some subgame has none) exactly when gamedsl stops with
  `SolveError` (exit 3);
- otherwise gamedsl's answer is verified (`verification.ok`), its payoffs are the payoff functions
  evaluated at its own path (a check of the language, `EVAL_TOL`), and its path is one of the
  oracle's equilibria: every choice within `X_TOL`, the payoffs of the first players with a
  continuous choice within `LEAD_TOL` and every other payoff within `U_TOL` (all relative to
  1 + |value|).  Where a payoff is flat around the optimum (a player indifferent over a segment,
  a leader's payoff around a smooth optimum), a path off by more than `X_TOL` is also accepted
  when the oracle, playing every later stage itself, finds no deviation at any stage of gamedsl's
  path gaining more than `GAIN_TOL` and the payoffs match one of the oracle's equilibria as
  above (where the oracle found several best replies forming a continuum -- a merged firm
  indifferent between splits -- only the payoffs that are the same at all of them).

Tolerances.  The oracle locates an optimum exactly where the payoff is quadratic or linear on
each side of a kink (the vertex of a parabola, the meeting point of two lines), elsewhere to the
noise of the payoffs it computes through the later stages' own searches (about 1e-11 relative);
a leader over a follower's numeric reply is then placed to about sqrt(noise / curvature), a few
1e-6 where its payoff is flattest (sequential Tullock contests).  That error moves the leader's
own payoff only to second order (under 1e-9) but the others' to first order: hence `LEAD_TOL`
= 1e-6 for the first movers (the value of their own search) and `U_TOL` = 1e-5 for the rest,
`X_TOL` = 1e-3 for choices.  Over the 5,000 games of the slow run the largest differences
between gamedsl and the oracle on the games where they agree are: choices 7e-5 (a principal's
wage where its payoff is flat), first movers' payoffs 2e-7, other payoffs 4e-6 -- while the
solver bug of `regressions/tullock_leader_deters.game` moves a first mover's payoff by 4e-6 to
3e-5.  `GAIN_TOL` is gamedsl's own `VERIFY_TOL` (1e-6) with the oracle's resolution on top.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tests.oracle import oracle
from tests.oracle.generate import GeneratedGame, games, generate, schedule

X_TOL = 1e-3  # choices, relative to 1 + |value|
U_TOL = 1e-5  # payoffs, relative to 1 + |value|
LEAD_TOL = 1e-6  # the payoffs of the first players with a continuous choice (see `leaders`)
GAIN_TOL = 2e-6  # a deviation's gain, relative to 1 + |payoff|
EVAL_TOL = 1e-9  # gamedsl's payoffs against the payoff functions at its own path

DEFAULT_RUN = 300
SLOW_RUN = 5000

# Seeds where gamedsl is wrong (checked by hand; each kind has a spec in regressions/ with a
# strict xfail in test_regressions.py): kept in the run, expected to fail.  Not strict here:
# gamedsl's answer on some of them depends on whether a symbolic step finishes within its time
# budget (so on the machine's load), and both answers seen were wrong, but a third may not be.
TULLOCK_TIE = (
    "solver bug: the leader exploits the follower's tie tolerance and stops short of its "
    "dropout point (regressions/tullock_leader_deters.game)"
)
KNOWN_FAILURES: dict[tuple[str, int], str] = {
    ("contest", 84): TULLOCK_TIE,
    ("contest", 99): TULLOCK_TIE,
}


def solve_with_gamedsl(game: GeneratedGame, folder: Path) -> tuple[dict | None, str]:
    """Return gamedsl's JSON document for the game (None when it stops with exit 3) and the
    reason it gave."""
    import gamedsl
    from gamedsl.model.errors import SolveError
    from gamedsl.report.solution import solution_dict

    path = folder / f"{game.name}.game"
    path.write_text(game.text, encoding="utf-8")
    try:
        solution = gamedsl.load(str(path), scenario=game.scenario).solve(pure=True)
    except SolveError as e:
        return None, str(e)
    return solution_dict(solution), ""


def _close(a: float, b: float, tol: float) -> bool:
    return abs(float(a) - float(b)) <= tol * (1 + abs(float(b)))


def payoffs_at(game: oracle.Game, path: dict) -> dict[str, float]:
    """Return every payoff function evaluated at `path` (the oracle's description)."""
    env = {**game.params, **{v: np.array([float(x)]) for v, x in path.items()}}
    with np.errstate(all="ignore"):
        return {p: float(np.asarray(f(env), float).reshape(-1)[0]) for p, f in game.payoffs.items()}


def leaders(game: oracle.Game) -> set[str]:
    """Return the players of the first stage with a continuous choice: their payoff is the
    value of their own search, which an error in where it is reached changes only to second
    order, so it is compared at `LEAD_TOL`."""
    for stage in game.stages:
        movers = {c.player for c in stage.choices if isinstance(c.domain, oracle.Interval)}
        if movers:
            return movers
    return set()


def disagreement(game: GeneratedGame, answer: dict | None, reason: str, found) -> str:
    """Return '' when gamedsl's answer agrees with the oracle's result `found`, else what
    differs."""
    if not found.exists:
        if answer is None:
            return ""
        return f"oracle: no pure equilibrium ({found.where}); gamedsl: {answer['equilibrium']}"
    best = found.equilibria[0]
    if answer is None:
        return f"gamedsl: exit 3 ({reason.splitlines()[0]}); oracle: {best.path} {best.payoffs}"
    if not answer["verification"]["ok"]:
        return f"gamedsl not verified: {answer['verification']}; oracle: {best.path}"
    path = {v: answer["equilibrium"][v] for v in best.path}
    own = payoffs_at(game.oracle, path)
    for p, u in answer["payoffs"].items():
        if not _close(u, own[p], EVAL_TOL):
            return f"payoff of {p}: gamedsl {u}, the payoff function at its path {own[p]}"
    first = leaders(game.oracle)

    def same_payoff(p: str, u: float) -> bool:
        return _close(answer["payoffs"][p], u, LEAD_TOL if p in first else U_TOL)

    for eq in found.equilibria:
        if all(_close(path[v], x, X_TOL) for v, x in eq.path.items()) and all(
            same_payoff(p, u) for p, u in eq.payoffs.items()
        ):
            return ""
    gain, where = oracle.deviation_gain(game.oracle, path)
    # the payoffs the oracle's equilibria agree on (all, unless it found a continuum of them)
    pinned = [
        p
        for p, u in best.payoffs.items()
        if all(_close(e.payoffs[p], u, U_TOL) for e in found.equilibria)
    ]
    if not found.ties:
        pinned = list(best.payoffs)
    same_outcome = any(
        all(same_payoff(p, eq.payoffs[p]) for p in pinned) for eq in found.equilibria
    )
    scale = 1 + max(abs(u) for u in answer["payoffs"].values())
    if same_outcome and gain <= GAIN_TOL * scale:
        return ""
    listed = "; ".join(f"{e.path} {e.payoffs}" for e in found.equilibria[:4])
    return (
        f"gamedsl {answer['equilibrium']} {answer['payoffs']}; oracle {listed}; "
        f"the oracle's best deviation from gamedsl's path gains {gain:.3g} ({where})"
    )


def check(cls: str, seed: int, folder: Path) -> None:
    check_game(generate(cls, seed), folder)


def check_game(game: GeneratedGame, folder: Path) -> None:
    found = oracle.solve(game.oracle)
    answer, reason = solve_with_gamedsl(game, folder)
    problem = disagreement(game, answer, reason, found)
    assert not problem, f"{game.name}: {problem}\n--- {game.name}.game\n{game.text}"


def _cases(count: int) -> list:
    out = []
    for cls, seed in schedule(count):
        marks = []
        if (cls, seed) in KNOWN_FAILURES:
            marks = [pytest.mark.xfail(strict=False, reason=KNOWN_FAILURES[cls, seed])]
        out.append(pytest.param(cls, seed, id=f"{cls}-{seed}", marks=marks))
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("oracle_games")


@pytest.mark.parametrize(("cls", "seed"), _cases(DEFAULT_RUN))
def test_gamedsl_agrees_with_the_oracle(cls, seed, folder):
    check(cls, seed, folder)


@pytest.mark.slow
@pytest.mark.parametrize(("cls", "seed"), _cases(SLOW_RUN)[DEFAULT_RUN:])
def test_gamedsl_agrees_with_the_oracle_on_more_games(cls, seed, folder):
    check(cls, seed, folder)


@pytest.mark.slow
@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(game=games())
def test_gamedsl_agrees_with_the_oracle_on_games_drawn_by_hypothesis(game, folder):
    check_game(game, folder)


def test_schedule_covers_every_class_evenly():
    from tests.oracle.generate import CLASSES

    counts = {c: 0 for c in CLASSES}
    for cls, _ in schedule(DEFAULT_RUN):
        counts[cls] += 1
    assert min(counts.values()) >= math.floor(DEFAULT_RUN / len(CLASSES))
