"""The finite games of specs/ cross-checked against Gambit (pygambit), when it is installed.

pygambit is not a dependency of gamedsl; these tests are skipped without it.  The games are
written out independently here as Gambit .nfg/.efg files (from the payoff formulas in the spec
headers), solved with `pygambit.nash.enumpure_solve` (all pure Nash equilibria of the strategic
form), and compared with gamedsl's answer:

- coordination: a one-shot game, so its pure Nash equilibria are its SPE: the sets must agree.
- centipede: every Nash equilibrium of a centipede game has the backward-induction outcome, so
  the set of Nash payoff vectors is exactly gamedsl's SPE payoff vector.
- ultimatum: Nash outcomes include non-credible threats; the SPE outcome with the responder's
  tie broken towards accepting is the proposer's best Nash outcome.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gamedsl

gbt = pytest.importorskip("pygambit")

SPECS = Path(__file__).resolve().parents[2] / "specs"
ABS_TOL = 1e-6


def spec_path(name: str) -> str:
    return str(SPECS / f"{name}.game")


def payoff_vector(profile, game) -> tuple[float, ...]:
    """Return the players' payoffs under a Gambit profile (pygambit 16 and 17 spell it differently)."""
    if hasattr(profile, "payoff"):
        return tuple(float(profile.payoff(player)) for player in game.players)
    vector = profile.payoffs
    return tuple(float(vector[player]) for player in game.players)


def nash_payoffs(text: str, suffix: str, tmp_path) -> set[tuple[float, ...]]:
    """Return the payoff vectors of all pure Nash equilibria of the Gambit game in `text`."""
    path = tmp_path / f"game.{suffix}"
    path.write_text(text, encoding="utf-8")
    game = gbt.read_nfg(str(path)) if suffix == "nfg" else gbt.read_efg(str(path))
    result = gbt.nash.enumpure_solve(game)
    return {tuple(round(v, 9) for v in payoff_vector(eq, game)) for eq in result.equilibria}


def rounded(*values: float) -> tuple[float, ...]:
    return tuple(round(float(v), 9) for v in values)


# --- coordination -----------------------------------------------------------------------------


def coordination_nfg(h: float, s: float, z: float) -> str:
    # Strategy 1 = action 0 (hare), 2 = action 1 (stag); payoff pairs listed with player 1's
    # strategy varying fastest: (0,0) -> (s, s), (1,0) -> (z, s), (0,1) -> (s, z), (1,1) -> (h, h).
    body = f"{s} {s} {z} {s} {s} {z} {h} {h}"
    return f'NFG 1 R "Stag hunt" {{ "P1" "P2" }} {{ 2 2 }}\n\n{body}\n'


@pytest.mark.parametrize(
    "h, s, z, values",
    [
        pytest.param(4, 3, 0, {}, id="defaults"),
        pytest.param(5, 1, -1, {"h": 5, "s": 1, "z": -1}, id="h5-s1-zm1"),
    ],
)
def test_coordination_matches_gambit(h, s, z, values, tmp_path) -> None:
    gambit = nash_payoffs(coordination_nfg(h, s, z), "nfg", tmp_path)
    solution = gamedsl.load(spec_path("coordination")).solve(**values)
    ours = {rounded(e.payoffs["P1"], e.payoffs["P2"]) for e in solution.equilibria}
    assert ours == gambit == {rounded(s, s), rounded(h, h)}
    best = max(gambit)  # Pareto-dominant: (h, h) with h > s
    assert rounded(solution.payoffs["P1"], solution.payoffs["P2"]) == best


# --- centipede --------------------------------------------------------------------------------


def centipede_efg(big: float, small: float, g: float) -> str:
    # Move k (k = 1..4; player 1 at odd k): "take" ends the game with big*g^(k-1) to the mover
    # and small*g^(k-1) to the other; after four passes player 1 gets big*g^4, player 2 small*g^4.
    lines = ['EFG 2 R "Centipede" { "P1" "P2" }', '""', ""]
    for k in range(1, 5):
        mover = 1 if k % 2 else 2
        pay = [small * g ** (k - 1)] * 2
        pay[mover - 1] = big * g ** (k - 1)
        lines.append(f'p "" {mover} {(k + 1) // 2} "" {{ "take" "pass" }} 0')
        lines.append(f't "" {k} "" {{ {pay[0]} {pay[1]} }}')
    lines.append(f't "" 5 "" {{ {big * g**4} {small * g**4} }}')
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "big, small, g, values",
    [
        pytest.param(4, 1, 2, {}, id="defaults-take"),
        pytest.param(1, 1, 2, {"big": 1, "small": 1}, id="equal-piles-pass"),
    ],
)
def test_centipede_matches_gambit(big, small, g, values, tmp_path) -> None:
    gambit = nash_payoffs(centipede_efg(big, small, g), "efg", tmp_path)
    solution = gamedsl.load(spec_path("centipede")).solve(**values)
    assert len(gambit) == 1
    assert {rounded(solution.payoffs["P1"], solution.payoffs["P2"])} == gambit


# --- ultimatum --------------------------------------------------------------------------------


def ultimatum_efg(alpha: float) -> str:
    # Offers 0..10; the responder (one information set per offer) accepts -> (10 - o,
    # o - alpha*max(10 - 2o, 0)) or rejects -> (0, 0).
    offers = " ".join(f'"{o}"' for o in range(11))
    lines = ['EFG 2 R "Ultimatum" { "P" "R" }', '""', "", f'p "" 1 1 "" {{ {offers} }} 0']
    for o in range(11):
        responder = o - alpha * max(10 - 2 * o, 0)
        lines.append(f'p "" 2 {o + 1} "" {{ "accept" "reject" }} 0')
        lines.append(f't "" {2 * o + 1} "" {{ {10 - o} {responder} }}')
        lines.append(f't "" {2 * o + 2} "" {{ 0 0 }}')
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # enumerating 11 * 2^11 pure profiles takes Gambit ~30 s
@pytest.mark.parametrize(
    "alpha, values",
    [
        pytest.param(0, {}, id="defaults"),
        pytest.param(0.5, {"alpha": 0.5}, id="alpha-0.5"),
    ],
)
def test_ultimatum_matches_gambit(alpha, values, tmp_path) -> None:
    gambit = nash_payoffs(ultimatum_efg(alpha), "efg", tmp_path)
    solution = gamedsl.load(spec_path("ultimatum")).solve(**values)
    ours = rounded(solution.payoffs["P"], solution.payoffs["R"])
    assert ours in gambit
    assert ours[0] == pytest.approx(max(p for p, _ in gambit), abs=ABS_TOL)
