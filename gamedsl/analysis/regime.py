"""Naming the regime of an equilibrium from its values: which bounds bind, which discrete values
are played, on which side of each payoff's switching condition the path lies.

The name is computed from the values alone (params, equilibrium path), so a sweep gets the same
name for a point whether it came from the vectorised closed forms or from a per-point `solve`.
Examples: `"interior"`, `"qF>=0 binds"`, `"enter=1; adopt=1; omega=theta"`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy
from sympy.core.relational import Relational

from gamedsl.model.analysis import INTERIOR, INVALID, NO_EQUILIBRIUM, SPECIAL, UNBOUNDED
from gamedsl.model.game import Game
from gamedsl.model.numbers import number
from gamedsl.solver import at_points, evaluate

REGIME_TOL = 1e-7  # a value within REGIME_TOL*(1+|bound|) of a bound binds (as in the solver)


def _close(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(x - y) <= REGIME_TOL * (1 + np.abs(y))


_ATOMS: dict[int, tuple[Game, list[Relational]]] = {}  # id(game) -> (game, its switch atoms)


def _switch_atoms(game: Game) -> list[Relational]:
    """Return the conditions inside payoffs that involve a choice (sorted by their text); kept
    for the last few games (a sweep names regimes several times)."""
    got = _ATOMS.get(id(game))
    if got is not None and got[0] is game:
        return got[1]
    atoms = _find_switch_atoms(game)
    while len(_ATOMS) >= 16:
        _ATOMS.pop(next(iter(_ATOMS)))
    _ATOMS[id(game)] = (game, atoms)  # holding the game keeps its id from being reused
    return atoms


def _find_switch_atoms(game: Game) -> list[Relational]:
    choice_syms = {c.symbol for c in game.choices}
    atoms: set[Relational] = set()
    for e in game.payoffs.values():
        if e.has(sympy.Min, sympy.Max, sympy.Abs):
            e = e.rewrite(sympy.Piecewise)
        for a in e.atoms(Relational):
            if a.free_symbols & choice_syms and not isinstance(a, (sympy.Eq, sympy.Ne)):
                atoms.add(a)
    return sorted(atoms, key=str)


def _compact(e: sympy.Basic) -> str:
    return str(e).replace(" ", "")


PACKED_TABLE = 1 << 20  # packed codes below this are tabulated (no sort)


def _unique_codes(codes: list[np.ndarray], radices: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct rows of the code columns (each in range(radix)) and the row index of
    every point, as `np.unique(..., axis=0, return_inverse=True)` does, without sorting rows."""
    total = 1
    for r in radices:
        total *= max(r, 1)
    if total >= 1 << 62:
        uniq, inverse = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
        return uniq, np.asarray(inverse).reshape(-1)
    packed = np.zeros(len(codes[0]), np.int64)
    mult = 1
    for c, r in zip(codes, radices):
        packed += c * mult
        mult *= max(r, 1)
    if total <= PACKED_TABLE:
        present = np.nonzero(np.bincount(packed, minlength=total))[0]
        lookup = np.zeros(total, np.int64)
        lookup[present] = np.arange(len(present))
        inverse = lookup[packed]
    else:
        present, inverse = np.unique(packed, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
    rows = np.empty((len(present), len(codes)), np.int64)
    rest = present.copy()
    for j, r in enumerate(radices):
        rows[:, j] = rest % max(r, 1)
        rest //= max(r, 1)
    return rows, inverse


def regimes(game: Game, columns: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Return the regime name of each of n points (an object array of strings).

    `columns` maps every param and choice name to its n values.  Choices not made at a point
    (a false `when`) say nothing; a point whose values are not all finite is `no equilibrium`.
    """
    env = {}
    for name, p in game.params.items():
        env[p.symbol] = np.asarray(columns[name], float)
    for c in game.choices:
        env[c.symbol] = np.asarray(columns[c.var], float)
    parts, present = _choice_parts(game, env, n)
    parts += _switch_parts(game, env, present, n)
    finite = np.ones(n, bool)
    for c in game.choices:
        finite &= np.isfinite(env[c.symbol])
    if not parts:
        out = np.empty(n, dtype=object)
        out[:] = INTERIOR
        out[~finite] = NO_EQUILIBRIUM
        return out
    out = _names(parts, n)
    if not finite.all():
        out[~finite] = NO_EQUILIBRIUM
    return out


Part = tuple[np.ndarray, list[str]]  # a code per point, and the label of each code ("" = none)


def _choice_parts(game: Game, env: dict, n: int) -> tuple[list[Part], dict]:
    """Return the parts of the choices (the discrete value played, each bound that binds) and
    where each choice's value is present (chosen or fixed, not skipped)."""
    parts: list[Part] = []
    present: dict[sympy.Symbol, np.ndarray] = {}
    for c in game.choices:
        x = env[c.symbol]
        if c.fixed is not None:
            chosen = np.zeros(n, bool)
        elif c.condition is not None:
            chosen = evaluate([c.condition], env, n)[0] > 0.5
        else:
            chosen = np.ones(n, bool)
        present[c.symbol] = chosen | (c.fixed is not None)
        every = c.fixed is None and c.condition is None  # chosen at every point
        d = c.domain
        if d is None:
            continue
        if d.is_finite:
            vals = np.where(chosen & np.isfinite(x), x, np.nan)
            uniq = [u for u in np.unique(vals[np.isfinite(vals)])]
            code = np.zeros(n, np.int64)
            labels = [""]
            for k, u in enumerate(uniq, start=1):
                code[vals == u] = k
                labels.append(f"{c.var}={number(u)}")
            parts.append((code, labels))
            continue
        for bound, strict, text, op in (
            (d.lower, d.lower_strict, d.lower_text, ">="),
            (d.upper, d.upper_strict, d.upper_text, "<="),
        ):
            if bound is None or strict or bound in (sympy.oo, -sympy.oo):
                continue
            b = at_points(bound, env, n)  # a number stays a scalar
            binds = _close(x, b) & np.isfinite(b)
            if not every:
                binds &= chosen
            label = f"{c.var}{op}{(text or _compact(bound)).replace(' ', '')} binds"
            parts.append((binds.astype(np.int64), ["", label]))
    return parts, present


def _switch_parts(game: Game, env: dict, present: dict, n: int) -> list[Part]:
    """Return the parts of the conditions inside payoffs: the side of each the path is on."""
    parts: list[Part] = []
    for atom in _switch_atoms(game):
        made = np.ones(n, bool)
        for s in atom.free_symbols:
            if s in present:
                made &= present[s]
        lhs, rhs = evaluate([atom.lhs, atom.rhs], env, n)
        with np.errstate(invalid="ignore"):
            eq = _close(lhs, rhs)
            code = np.where(
                ~made | ~np.isfinite(lhs - rhs), 0, np.where(eq, 2, np.where(lhs < rhs, 1, 3))
            )
        L, R = _compact(atom.lhs), _compact(atom.rhs)
        parts.append((code.astype(np.int64), ["", f"{L}<{R}", f"{L}={R}", f"{L}>{R}"]))
    return parts


def _names(parts: list[Part], n: int) -> np.ndarray:
    """Return each point's name: the labels of its parts joined by "; " (interior for none)."""
    # parts with one code at every point name every point alike: only the others are told apart
    fixed = {j: int(p[0][0]) for j, p in enumerate(parts) if n and p[0].min() == p[0].max()}
    varying = [j for j in range(len(parts)) if j not in fixed]
    if varying:
        uniq, inverse = _unique_codes(
            [parts[j][0] for j in varying], [len(parts[j][1]) for j in varying]
        )
    else:
        uniq, inverse = np.zeros((1, 0), np.int64), None
    names = []
    for row in uniq:
        code = dict(fixed)
        code.update(zip(varying, row.tolist()))
        labels = [parts[j][1][code[j]] for j in range(len(parts)) if parts[j][1][code[j]]]
        names.append("; ".join(labels) if labels else INTERIOR)
    if inverse is None:
        out = np.empty(n, dtype=object)
        out[:] = names[0]
        return out
    return np.array(names, dtype=object)[inverse]


__all__ = ["INTERIOR", "INVALID", "NO_EQUILIBRIUM", "SPECIAL", "UNBOUNDED", "regimes"]
