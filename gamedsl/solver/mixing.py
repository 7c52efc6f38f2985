"""Mixed play (DESIGN §1b): a stage of finite choices, of several players, with no pure
equilibrium at a history is solved in mixed strategies there.

At such a history every profile of the stage's actions (a player's action: one value of each of
its variables chosen here) is played, the later stages solved after each, and the payoffs form
one table per player; `normal_form.mixed_equilibria` finds the game's mixed equilibria (exact
fractions for two players when the payoffs allow), the selection rule of docs/solver.md picks
one by the expected payoffs of all players, and the play becomes a lottery (`Layers`): every
profile in the support, with the later play after it, weighted by its probability.  The steps
before see the expected payoffs of that lottery (`outcome.expected_evaluate`); the values
reported for the stage's variables are their expectations, with their distributions in the
record (`StepRecord.mixed`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from gamedsl.solver.evaluate import evaluate
from gamedsl.solver.normal_form import MixedEquilibrium, mixed_equilibria
from gamedsl.solver.outcome import Layers, Outcome, combine_layers, rule_flags
from gamedsl.solver.problem import Var
from gamedsl.solver.select import select

MIXED_CODE = 3_000_017  # regime codes of mixed play (plus the support's hash)


@dataclass
class MixedPlay:
    """The mixed play at one history: the lottery, the equilibria found, the one selected."""

    layers: Layers
    equilibria: list[MixedEquilibrium]
    distributions: list[dict]  # per equilibrium: symbol -> [(value, probability)]
    payoffs: list[dict]  # per equilibrium: player -> expected payoff
    selected: int
    rule: str
    code: int


class MixedStep:
    """The mixed play of a simultaneous step (a mixin of `plan.StepPlan`)."""

    def _mix_rows(self, env, env1, n, active: list[Var], chosen, fixed_vals, rows) -> dict:
        """Return {history: MixedPlay} for the histories `rows` that have a mixed equilibrium."""
        out = {}
        for i in rows:
            play = self._mix_at(env, env1, n, int(i), active, chosen, fixed_vals)
            if play is not None:
                out[int(i)] = play
        return out

    def _mix_at(self, env, env1, n, i: int, active, chosen, fixed_vals) -> MixedPlay | None:
        at = np.array([i])
        row_env = self._rows_of_env(env, at)
        row_env1 = self._rows_of_env(env1, at)
        # each player's actions: the profiles of its own variables chosen at this history
        owners: dict[str, list[Var]] = {}
        for v in active:
            owners.setdefault(v.player, []).append(v)
        player_actions: list[tuple[str, list[dict]]] = []
        for player, own in owners.items():
            choices = []
            for v in own:
                if chosen[v.symbol][i]:
                    vals = [float(a[0]) for a in evaluate(list(v.elements), row_env1, 1)]
                else:
                    vals = [float(evaluate([v.otherwise], row_env1, 1)[0][0])]
                choices.append([(v.symbol, x) for x in vals])
            player_actions.append((player, [dict(c) for c in itertools.product(*choices)]))
        deciding = [(p, acts) for p, acts in player_actions if len(acts) > 1]
        if len(deciding) < 2:
            return None
        sizes = [len(acts) for _p, acts in player_actions]
        m = math.prod(sizes)
        profiles = list(itertools.product(*[acts for _p, acts in player_actions]))
        cols = {
            v.symbol: np.array([[prof_value(prof, v.symbol) for prof in profiles]]) for v in active
        }
        cols.update(
            {
                s: np.repeat(np.asarray(a, float)[:, None], m, axis=1)
                for s, a in self._rows_of_env(fixed_vals, at).items()
            }
        )
        down, pay, _ = self._play_columns(row_env, 1, cols)
        if not bool(np.all(down.ok)):
            return None
        tables = [pay[p][:, 0].reshape(sizes) for p, _acts in player_actions]
        if not all(np.all(np.isfinite(t)) for t in tables):
            return None
        equilibria = mixed_equilibria(tables)
        if not equilibria:
            return None
        weights = [e.profile_weights().reshape(-1) for e in equilibria]
        expected = {p: np.array([float(w @ pay[p][:, 0]) for w in weights]) for p in pay}
        order = list(range(len(equilibria)))
        pick = select(
            order,
            expected,
            self.all_players,
            self.leader_groups,
            order,
            self.select_mode,
            self.force_rank,
        )
        chosen_w = weights[pick.index]
        own = {s: a for s, a in cols.items()}
        layers = combine_layers(down, m, 1, chosen_w[None, :], own)
        support = tuple(int(j) for j in np.nonzero(chosen_w > 0)[0])
        return MixedPlay(
            layers=layers,
            equilibria=equilibria,
            distributions=[self._distributions(active, cols, w, row_env1) for w in weights],
            payoffs=[{p: float(expected[p][k]) for p in pay} for k in order],
            selected=pick.index,
            rule=pick.rule,
            code=(MIXED_CODE + hash(support)) % (1 << 61),
        )

    def _distributions(self, active: list[Var], cols: dict, w: np.ndarray, env1: dict) -> dict:
        """Return each variable's distribution (values in domain order, probability > 0)."""
        out = {}
        for v in active:
            elements = list(self._elements_at(v, env1, 1)[0])
            xs = cols[v.symbol][0]
            dist: dict[float, float] = {}
            for x, p in zip(xs, w):
                if p > 0:
                    key = next((k for k in dist if abs(k - x) <= 1e-12 * (1 + abs(k))), float(x))
                    dist[key] = dist.get(key, 0.0) + float(p)
            out[v.symbol] = sorted(
                dist.items(), key=lambda kv: (self._domain_rank(v, kv[0], elements), kv[0])
            )
        return out


def prof_value(profile: tuple[dict, ...], s) -> float:
    """Return the value of symbol `s` in a profile of the players' actions."""
    for action in profile:
        if s in action:
            return action[s]
    raise KeyError(s)  # pragma: no cover - every active variable belongs to one player


def apply_mixed(outcome: Outcome, mixed: dict, n: int, base_layers: Layers | None) -> Outcome:
    """Return `outcome` with the mixed plays (`{history: MixedPlay}`) put in: their lotteries,
    expected values, regime codes; ok where a mixed equilibrium was found."""
    from gamedsl.solver.outcome import layers_of, merge_rows

    base = base_layers if base_layers is not None else layers_of(outcome)
    layers = merge_rows(base, {i: mp.layers for i, mp in mixed.items()})
    expected = layers.expected()
    values = {s: np.array(a, float, copy=True) for s, a in outcome.values.items()}
    code = outcome.code.copy()
    ok = outcome.ok.copy()
    branch = None if outcome.branch is None else outcome.branch.copy()
    flags = outcome.flags_or_zeros().copy()
    rows = np.array(sorted(mixed), dtype=np.int64)
    for s, a in values.items():
        if s in expected:
            a[rows] = expected[s][rows]
    for i, mp in mixed.items():
        code[i] = mp.code
        ok[i] = True
        flags[i] = rule_flags([mp.rule])[0]
        if branch is not None:
            branch[i] = -1
    return Outcome(values, code, ok, outcome.unbounded, branch, flags, layers)


def mixed_record(rec, mp: MixedPlay) -> None:
    """Put the mixed play at the path's history into the step's record."""
    rec.method = "symbolic" if all(e.exact for e in mp.equilibria) else "numeric"
    rec.mixed = mp.distributions
    rec.mixed_payoffs = mp.payoffs
    rec.mixed_exact = mp.equilibria[mp.selected].exact
    rec.equilibria = [
        {s: sum(x * p for x, p in dist) for s, dist in d.items()} for d in mp.distributions
    ]
    rec.selected = mp.selected
    rec.rule = mp.rule
    rec.strategy = {}
