"""Simultaneous stages: the Nash profiles of a stage where several players choose at once.

Symbolic candidates: for every later branch, every combination of the smooth pieces of the
payoffs, and every active set of the variables' bounds (interior first), the first-order
conditions are solved jointly (`candidates.kkt_profiles`); finite domains are enumerated.  Each
player's own alternatives (stationary points, breakpoints and the points beside them, the later
play's switches, bounds) are kept as its deviations.  At a batch of histories the candidate
profiles are played; a profile is an equilibrium when no player's best deviation gains.  Where
the symbolic candidates are incomplete (no closed form, or more active sets than were solved and
none of those is an equilibrium at a history), best-response iteration searches numerically.

A player may choose several variables in one stage; each variable's deviations are searched
holding the player's other variables (the per-variable check of verification, docs/solver.md).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import sympy

from gamedsl.solver import candidates as cands
from gamedsl.solver.columns import all_same, clusters, combine_codes
from gamedsl.solver.evaluate import evaluate
from gamedsl.solver.mixing import MixedStep, apply_mixed, mixed_record
from gamedsl.solver.outcome import (
    Layers,
    Outcome,
    StepRecord,
    combine_layers,
    layers_of,
    rule_flags,
)
from gamedsl.solver.problem import Var
from gamedsl.solver.select import TIE_TOL, select

MAX_PIECE_COMBOS = 32  # combinations of smooth pieces of the payoffs solved per later branch
SYMBOLIC_PROFILES = 256  # finite stages with more profiles are enumerated numerically, exactly
MAX_PROFILES = 10**6  # ... up to this many profiles (more: "too many profiles to enumerate")
ENUMERATION_CELLS = 4 * 10**6  # histories x profiles played at once when enumerating
BR_ITERATIONS = 200
BR_TOL = 1e-11
BESIDE = 1e-7  # deviations this far (relative) beside a breakpoint: a supremum approached there
MAX_JOINT_DEVIATIONS = 20_000  # combinations of a player's own deviations checked jointly
NUMERIC_NASH_TOL = 1e-7  # a numeric profile's gains must be this small (relative) to be kept


class SimultaneousStep(MixedStep):
    """The part of a step plan that solves simultaneous stages (mixed into `StepPlan`)."""

    # ------------------------------------------------------------------ symbolic build
    def _build_simultaneous(self, active: list[Var], fixed: dict) -> None:
        if self.next.branches is None or self.next.switches is None:
            raise cands.Incomplete("the later stages have no closed form")
        given: dict = dict(fixed)
        for v in active:
            given.update(cands.condition_equalities(v.condition))
        profiles, origins = self._kkt_candidates(active, given)
        self.origins = origins
        self.candidates = [
            {**fixed, **{v.symbol: self._conditional(v, p[v.symbol]) for v in active}}
            for p in profiles
        ]
        continuous = [v for v in active if not v.discrete]
        # KKT is sufficient when every payoff is concave in the own variable along every later
        # branch and the later game is smooth: then the feasible KKT profiles are the equilibria
        self.kkt_sufficient = (
            len(continuous) == len(active)
            and self._smooth_after()
            and all(
                _concave(u, v.symbol)
                for v in continuous
                for u in self._branch_payoffs(v.player, given)
            )
        )
        for v in active:
            self.deviations[v.symbol] = [
                {v.symbol: self._conditional(v, d)} for d in self._own_deviations(v, given)
            ]

    def _kkt_candidates(self, active: list[Var], given: dict) -> tuple[list[dict], list]:
        """Return the distinct candidate profiles and, per profile, the later branches it was
        found along (None: composed with every branch)."""
        discrete = [v for v in active if v.discrete]
        if math.prod(len(v.elements) for v in discrete) > SYMBOLIC_PROFILES:
            raise cands.Incomplete("many profiles of finite choices: enumerated numerically")
        continuous = [v for v in active if not v.discrete]
        profiles: list[dict] = []
        found_along: list[int | None] = []
        for assignment in itertools.product(*[v.elements for v in discrete]):
            dvals = {v.symbol: e for v, e in zip(discrete, assignment)}
            if not continuous:
                profiles.append(dict(dvals))
                found_along.append(None)
                continue
            for bi, b in enumerate(self.next.branches):
                for prof in self._branch_profiles(continuous, b, {**given, **dvals}):
                    profiles.append({**dvals, **prof})
                    found_along.append(bi)
        return _merge_profiles(profiles, found_along)

    def _branch_profiles(self, continuous: list[Var], branch: dict, given: dict) -> list[dict]:
        """Return the KKT profiles of the continuous variables along one later branch, for every
        combination of the smooth pieces of the payoffs (extra profiles are harmless: each is
        checked against every player's deviations)."""
        us = [
            cands.replace(cands.replace(self.problem.payoffs[v.player], branch), given)
            for v in continuous
        ]
        piece_sets = [cands.smooth_pieces(u) if _piecewise_in(u, continuous) else [u] for u in us]
        combos = list(itertools.islice(itertools.product(*piece_sets), MAX_PIECE_COMBOS + 1))
        if len(combos) > MAX_PIECE_COMBOS:
            raise cands.Incomplete("too many pieces in a simultaneous stage")
        out = []
        for combo in combos:
            profiles, complete = cands.kkt_profiles(
                list(combo),
                [v.symbol for v in continuous],
                [v.lower for v in continuous],
                [v.upper for v in continuous],
            )
            self.kkt_truncated |= not complete
            out += profiles
        return out

    def _own_deviations(self, v: Var, given: dict) -> list[sympy.Expr]:
        """Return a variable's own alternatives against any profile of the others."""
        if v.discrete:
            return list(v.elements)
        x = v.symbol
        devs: list[sympy.Expr] = []
        for u in self._branch_payoffs(v.player, given):
            devs += cands.stationary_points(u, x)
            for b in cands.breakpoints(u, x):
                # beside a breakpoint: a payoff that jumps there is approached, not attained
                width = BESIDE * (1 + abs(b)) if b.is_number else BESIDE
                devs += [b, b - width, b + width]
        if not self.kkt_sufficient:
            roots = []
            for s in self.next.switches:
                if s.has(x):
                    roots += cands.deviation_roots(cands.replace(s, given), x)
            devs += cands.distinct_values(cands.unique(roots))
        devs += [b for b in (v.lower, v.upper) if b is not None]
        return cands.unique(devs)

    # ------------------------------------------------------------------ play
    def _play_simultaneous(self, env, n, record) -> Outcome:
        active = self._active()
        fixed_vals = {
            v.symbol: evaluate([v.fixed], env, n)[0] for v in self.step.vars if v.fixed is not None
        }
        env1 = {**env, **fixed_vals}
        chosen = {
            v.symbol: (evaluate([v.condition], env1, n)[0] > 0.5)
            if v.condition is not None
            else np.ones(n, bool)
            for v in active
        }
        if not self.complete and self._finite(active):
            play = self._enumerate(env, env1, n, active, fixed_vals)
            return self._settle(env, n, active, chosen, fixed_vals, play, record)
        profiles, method_numeric = self._candidate_profiles(env1, n, active, chosen)
        bounds = {v.symbol: self._bounds(v, env1, n) for v in active}
        play = self._nash_profiles(
            env, env1, n, active, chosen, profiles, bounds, fixed_vals, method_numeric
        )
        if self.complete and self.kkt_truncated:
            missing = ~play["nash"].any(axis=1)
            if missing.any():
                play = self._search_missing(
                    env, env1, n, active, chosen, play, missing, bounds, fixed_vals
                )
        return self._settle(env, n, active, chosen, fixed_vals, play, record)

    def _candidate_profiles(self, env1, n, active, chosen) -> tuple[dict, bool]:
        """Return candidate profiles (variable -> (n, m) values) and whether they are numeric."""
        if self.complete:
            profiles = {
                v.symbol: np.stack(
                    evaluate([c[v.symbol] for c in self.candidates], env1, n), axis=1
                )
                for v in active
            }
            return profiles, False
        return self._best_response_iteration(env1, n, active, chosen), True

    # ------------------------------------------------------------------ finite stages
    @staticmethod
    def _finite(active: list[Var]) -> bool:
        """Return True for a stage of finite choices only (none conditional), enumerated."""
        return all(v.discrete and v.condition is None for v in active)

    def _enumerate(self, env, env1, n, active: list[Var], fixed_vals) -> dict:
        """Return the play of a finite stage with every profile checked exactly: the payoffs of
        all profiles at once, and a profile an equilibrium where each player's payoff is the
        best along its own variables' axes of the table of profiles (a deviation is another
        profile of the table: no deviation is played again)."""
        sizes = [len(v.elements) for v in active]
        m = math.prod(sizes)
        if m > MAX_PROFILES:
            from gamedsl.model.errors import SolveError

            raise SolveError(
                f"stage '{self.step.name}' has {m:,} profiles of choices: too many to enumerate "
                f"(at most {MAX_PROFILES:,})",
                active[0].choice.span,
                "fewer players or fewer values per choice; or continuous choices",
                "too_many_profiles",
                self.step.name,
            )
        values = {v.symbol: np.stack(evaluate(list(v.elements), env1, n), axis=1) for v in active}
        index = np.indices(sizes).reshape(len(sizes), m)  # the profiles in domain order
        profiles = {
            v.symbol: values[v.symbol][:, index[i]] for i, v in enumerate(active)
        }  # (n, m) each
        cols = dict(profiles)
        cols.update({s: np.repeat(a[:, None], m, axis=1) for s, a in fixed_vals.items()})
        down, pay, _ = self._play_columns(env, n, cols)
        nash = down.ok.reshape(m, n).T.copy()
        # a profile whose later play has no equilibrium leaves no subgame-perfect one
        nash &= nash.all(axis=1, keepdims=True)
        for player, own in _by_player(active).items():
            u = pay[player].T.reshape((n, *sizes))  # (n, k1, ..., kN)
            axes = tuple(1 + active.index(v) for v in own)
            best = np.max(np.nan_to_num(u, nan=-np.inf), axis=axes, keepdims=True)
            good = u >= best - TIE_TOL * (1 + np.abs(best))
            nash &= good.reshape(n, m) & np.isfinite(u.reshape(n, m))
        order = np.broadcast_to(np.arange(m), (n, m))
        return {
            "profiles": profiles,
            "order": order,
            "down": down,
            "pay": pay,
            "nash": nash,
            "m": m,
            "numeric": False,
        }

    def _nash_profiles(
        self, env, env1, n, active, chosen, profiles, bounds, fixed_vals, numeric: bool
    ) -> dict:
        """Return the feasible profiles played (values, later play, payoffs) with the mask of
        those that are equilibria (no player's best deviation gains)."""
        profiles = dict(profiles)
        m = next(iter(profiles.values())).shape[1]
        feasible = np.ones((n, m), bool)
        for v in active:
            x = v.symbol
            if not v.discrete:
                lo, hi = bounds[x]
                profiles[x] = self._snap(profiles[x], lo, hi)
                f = self._feasible(v, profiles[x], lo, hi)
            else:
                f = np.isfinite(profiles[x])
            if v.condition is not None:
                other = evaluate([v.otherwise], env1, n)[0]
                profiles[x] = np.where(chosen[x][:, None], profiles[x], other[:, None])
                f = np.where(chosen[x][:, None], f, True)
            feasible &= f
        # keep at each point only its feasible profiles (most KKT profiles are infeasible)
        order = np.argsort(~feasible, axis=1, kind="stable")
        m = max(int(feasible.sum(axis=1).max()), 1)
        order = order[:, :m]
        rows_ = np.arange(n)[:, None]
        feasible = feasible[rows_, order]
        profiles = {s: a[rows_, order] for s, a in profiles.items()}
        cols = dict(profiles)
        cols.update({s: np.repeat(a[:, None], m, axis=1) for s, a in fixed_vals.items()})
        down, pay, _ = self._play_columns(env, n, cols)
        nash = feasible & down.ok.reshape(m, n).T
        gain_all = np.zeros((n, m))
        for player, own in _by_player(active).items():
            u_self = pay[player].T  # (n, m)
            if len(own) == 1:
                v = own[0]
                best_dev = self._best_deviation(env1, n, v, profiles, fixed_vals, bounds[v.symbol])
                gain = np.where(chosen[v.symbol][:, None], best_dev - u_self, 0.0)
            else:
                best_dev = self._best_joint_deviation(
                    env1, n, own, profiles, fixed_vals, bounds, chosen
                )
                gain = best_dev - u_self
            gain_all = np.maximum(gain_all, np.nan_to_num(gain, nan=0.0))
            nash &= ~(gain > TIE_TOL * (1 + np.abs(u_self))) & np.isfinite(u_self)
        if numeric:
            nash &= gain_all <= NUMERIC_NASH_TOL * (1 + np.abs(pay[active[0].player].T))
        return {
            "profiles": profiles,
            "order": order,
            "down": down,
            "pay": pay,
            "nash": nash,
            "m": m,
            "numeric": numeric,
        }

    def _search_missing(self, env, env1, n, active, chosen, play, missing, bounds, fixed_vals):
        """Return the play with the histories where no symbolic candidate is an equilibrium
        (more active sets than were solved) searched numerically instead."""
        rows = np.nonzero(missing)[0]
        sub = self._rows_of_env(env1, rows)
        sub_chosen = {s: a[rows] for s, a in chosen.items()}
        numeric = self._best_response_iteration(sub, len(rows), active, sub_chosen)
        found = self._nash_profiles(
            self._rows_of_env(env, rows),
            sub,
            len(rows),
            active,
            sub_chosen,
            numeric,
            {s: (lo[rows], hi[rows]) for s, (lo, hi) in bounds.items()},
            {s: a[rows] for s, a in fixed_vals.items()},
            True,
        )
        return _splice(play, found, rows, n)

    def _settle(self, env, n, active, chosen, fixed_vals, play, record) -> Outcome:
        """Return the outcome: at each history the equilibrium the selection rule carries."""
        profiles, nash, down, pay, m = (play[k] for k in ("profiles", "nash", "down", "pay", "m"))
        rows = np.arange(n)
        sel = np.argmax(nash, axis=1)
        downvals = {s: a.reshape(m, n).T for s, a in down.values.items()}
        stacked = np.stack([profiles[v.symbol] for v in active], axis=2)  # (n, m, k)
        rules = ["unique"] * n
        value_stack = np.concatenate(
            [stacked] + [downvals[t][:, :, None] for t in sorted(downvals, key=lambda t: t.name)],
            axis=2,
        )
        several = (nash.sum(axis=1) > 1) & ~all_same(value_stack, nash)
        equilibria_at0: list[int] = []
        env_all = {**env, **fixed_vals}
        elements = {}
        for i in sorted(set(np.nonzero(several)[0]) | {0}):
            at = np.array([i])
            elements = {
                v.symbol: [list(self._elements_at(v, self._rows_of_env(env_all, at), 1)[0])]
                for v in active
                if v.discrete
            }
            js = list(np.nonzero(nash[i])[0])
            if len(js) > 1:
                js = self._distinct_profiles(i, js, stacked, downvals)
            if i == 0:
                equilibria_at0 = js
            if len(js) <= 1:
                if js:
                    sel[i] = js[0]
                continue
            payoffs = {p: pay[p][:, i] for p in self.all_players}
            order = sorted(
                js,
                key=lambda j: tuple(
                    self._domain_rank(v, stacked[i, j, k], elements.get(v.symbol, [None])[0])
                    for k, v in enumerate(active)
                ),
            )
            chosen_one = select(
                js,
                payoffs,
                self.all_players,
                self.leader_groups,
                order,
                self.select_mode,
                self.force_rank,
            )
            sel[i] = chosen_one.index
            rules[i] = chosen_one.rule
        ok = nash[rows, sel]
        values = {v.symbol: profiles[v.symbol][rows, sel] for v in active}
        values.update(fixed_vals)
        for s, a in downvals.items():
            values[s] = a[rows, sel]
        sel_original = play["order"][rows, sel]
        numeric_rows = play.get("numeric_rows", np.full(n, play["numeric"]))
        own_code = np.where(numeric_rows, 5, sel_original + 11)
        code = combine_codes(own_code, down.code.reshape(m, n).T[rows, sel])
        if record is not None:
            record.append(
                self._simultaneous_record(
                    active,
                    chosen,
                    profiles,
                    equilibria_at0,
                    sel,
                    rules,
                    sel_original,
                    numeric_rows[0],
                )
            )
        dbranch = None if down.branch is None else down.branch.reshape(m, n).T[rows, sel]
        if self.complete:
            branch = np.where(numeric_rows, -1, self._branch_of(sel_original, dbranch))
        else:
            branch = np.full(n, -1, dtype=np.int64)
        dflags = down.flags_or_zeros().reshape(m, n).T[rows, sel]
        out = Outcome(
            values,
            code,
            ok,
            down.unbounded.reshape(m, n).T[rows, sel],
            branch,
            rule_flags(rules) | dflags,
        )
        if down.layers is not None:
            own = {v.symbol: profiles[v.symbol] for v in active}
            own.update(
                {
                    s: np.repeat(np.broadcast_to(a, (n,))[:, None], m, axis=1)
                    for s, a in fixed_vals.items()
                }
            )
            w = np.zeros((n, m))
            w[rows, sel] = 1.0
            out.layers = combine_layers(down, m, n, w, own)
        if self.may_mix and not nash.any(axis=1).all():
            missing = np.nonzero(~nash.any(axis=1))[0]
            env1 = {**env, **fixed_vals}
            mixed = self._mix_rows(env, env1, n, active, chosen, fixed_vals, missing)
            if mixed:
                out = apply_mixed(out, mixed, n, out.layers)
                if record is not None and 0 in mixed:
                    mixed_record(record[-1], mixed[0])
        return out

    def _simultaneous_record(
        self, active, chosen, profiles, equilibria_at0, sel, rules, sel_original, numeric: bool
    ):
        rec = StepRecord(self.step, "numeric" if numeric else self.method)
        rec.chosen = {v.symbol: bool(chosen[v.symbol][0]) for v in active}
        if not any(rec.chosen.values()):
            rec.method = "skipped"
        for j in equilibria_at0:
            rec.equilibria.append({v.symbol: float(profiles[v.symbol][0, j]) for v in active})
        rec.selected = equilibria_at0.index(sel[0]) if sel[0] in equilibria_at0 else 0
        rec.rule = rules[0]
        if self.complete and not numeric:
            rec.strategy = {v.symbol: self.candidates[sel_original[0]][v.symbol] for v in active}
        return rec

    def _domain_rank(self, v: Var, value: float, elements=None):
        """Return the rank of a value in v's domain order (`elements`: its values at the
        history; a continuous variable ranks by value)."""
        if v.discrete:
            if elements is None:
                elements = [float(e) for e in v.elements]
            for k, e in enumerate(elements):
                if abs(e - value) <= 1e-9 * (1 + abs(e)):
                    return k
            return len(elements)
        return value

    @staticmethod
    def _elements_at(v: Var, env: dict, n: int) -> np.ndarray:
        """Return the values of v's finite domain at n histories (their bounds may use params
        and earlier choices): shape (n, k)."""
        vals = evaluate(list(v.elements), env, n)
        return np.stack([np.broadcast_to(np.asarray(a, float), (n,)) for a in vals], axis=1)

    def _distinct_profiles(self, i, js, stacked, downvals) -> list[int]:
        rows = [
            np.concatenate(
                [stacked[i, j], [downvals[s][i, j] for s in sorted(downvals, key=lambda s: s.name)]]
            )
            for j in js
        ]
        return [js[k] for k in clusters(rows)]

    # ------------------------------------------------------------------ deviations
    def _best_deviation(self, env, n, v: Var, profiles, fixed_vals, bounds) -> np.ndarray:
        """Return the best payoff (n, m) of v's player deviating in v against each profile."""
        x = v.symbol
        m = profiles[x].shape[1]
        lo, hi = bounds
        D = self._deviation_values(env, n, v, profiles, bounds)
        nd = D.shape[2]
        if not v.discrete:
            D = np.where(np.isfinite(D), D, np.nan)
            flat_d = self._snap(D.reshape(n, m * nd), lo, hi)
            feas = self._feasible(v, flat_d, lo, hi).reshape(n, m, nd)
            D = flat_d.reshape(n, m, nd)
        else:
            feas = np.isfinite(D)
        cols = {
            s: np.repeat(a[:, :, None], nd, axis=2).reshape(n, m * nd) for s, a in profiles.items()
        }
        cols[x] = D.reshape(n, m * nd)
        cols.update({s: np.repeat(a[:, None], m * nd, axis=1) for s, a in fixed_vals.items()})
        down, pay, _ = self._play_columns(env, n, cols)
        u = pay[v.player].T.reshape(n, m, nd)
        ok = down.ok.reshape(m * nd, n).T.reshape(n, m, nd)
        u = np.where(feas & ok & np.isfinite(u), u, -np.inf)
        return u.max(axis=2)

    def _deviation_values(self, env, n, v: Var, profiles, bounds) -> np.ndarray:
        """Return v's own alternatives (n, m, D) against each profile of the others."""
        x = v.symbol
        m = profiles[x].shape[1]
        lo, hi = bounds
        if v.discrete:
            return np.repeat(self._elements_at(v, env, n)[:, None, :], m, axis=1)
        if self.complete and x in self.deviations:
            big = {s: np.tile(np.asarray(a, float), m) for s, a in env.items()}
            for s, a in profiles.items():
                if s != x:
                    big[s] = a.T.reshape(-1)
            exprs = [d[x] for d in self.deviations[x]]
            flat = np.stack(evaluate(exprs, big, n * m), axis=1)  # (m*n, D)
            return flat.reshape(m, n, -1).transpose(1, 0, 2)
        g = self._grid(lo, hi, self.INNER_GRID_POINTS)
        return np.concatenate(
            [np.repeat(g[:, None, :], m, axis=1), profiles[x][:, :, None]], axis=2
        )

    def _best_joint_deviation(
        self, env, n, own: list[Var], profiles, fixed_vals, bounds, chosen
    ) -> np.ndarray:
        """Return the best payoff (n, m) of a player choosing several variables here, deviating
        in all of them at once: each variable's alternatives are taken given the player's
        earlier-listed variables' deviations (a product, capped at MAX_JOINT_DEVIATIONS)."""
        player = own[0].player
        m = profiles[own[0].symbol].shape[1]
        current = {s: a[:, :, None] for s, a in profiles.items()}  # (n, m, K)
        for v in own:
            x = v.symbol
            k = current[x].shape[2]
            if k * (self.INNER_GRID_POINTS + 8) > MAX_JOINT_DEVIATIONS:
                break
            flat = {s: a.reshape(n, m * k) for s, a in current.items()}
            lo, hi = self._bounds(v, {**env, **{s: a[:, 0] for s, a in profiles.items()}}, n)
            devs = self._deviation_values(env, n, v, flat, (lo, hi))  # (n, m*k, D)
            if not v.discrete:
                d = devs.shape[2]
                snapped = self._snap(devs.reshape(n, -1), lo, hi)
                ok = self._feasible(v, snapped, lo, hi).reshape(n, m * k, d)
                devs = np.where(ok, snapped.reshape(n, m * k, d), np.nan)
            devs = np.where(chosen[x][:, None, None], devs, flat[x][:, :, None])
            d = devs.shape[2]
            current = {s: np.repeat(a, d, axis=2) for s, a in current.items()}
            current[x] = devs.reshape(n, m, k * d)
        total = current[own[0].symbol].shape[2]
        cols = {s: a.reshape(n, m * total) for s, a in current.items()}
        cols.update({s: np.repeat(a[:, None], m * total, axis=1) for s, a in fixed_vals.items()})
        feasible = np.all([np.isfinite(cols[v.symbol]) for v in own], axis=0)
        down, pay, _ = self._play_columns(env, n, cols)
        u = pay[player].T.reshape(n, m, total)
        ok = down.ok.reshape(m * total, n).T.reshape(n, m, total)
        u = np.where(feasible.reshape(n, m, total) & ok & np.isfinite(u), u, -np.inf)
        return u.max(axis=2)

    def _best_response_iteration(self, env, n, active: list[Var], chosen) -> dict:
        """Return one profile (n, 1) per history found by best-response iteration."""
        current = {v.symbol: self._start(v, env, n) for v in active}
        for _ in range(BR_ITERATIONS):
            change = np.zeros(n)
            for v in active:
                x = v.symbol
                others = {s: a for s, a in current.items() if s != x}
                new = np.where(chosen[x], self._best_reply(env, n, v, current, others), current[x])
                change = np.maximum(change, np.abs(np.nan_to_num(new - current[x], nan=0.0)))
                current[x] = new
            scale = 1 + np.max(np.abs(np.concatenate(list(current.values()))))
            if np.all(change <= BR_TOL * scale):
                break
        return {s: a[:, None] for s, a in current.items()}

    def _start(self, v: Var, env, n) -> np.ndarray:
        if v.discrete:
            return np.full(n, float(v.elements[0]))
        lo, hi = self._bounds(v, env, n)
        return np.where(
            np.isfinite(lo) & np.isfinite(hi),
            (lo + hi) / 2,
            np.where(np.isfinite(lo), lo + 1.0, np.where(np.isfinite(hi), hi - 1.0, 0.0)),
        )

    def _best_reply(self, env, n, v: Var, current, others) -> np.ndarray:
        """Return v's best reply to the others (its current value where that is as good)."""
        x = v.symbol
        if v.discrete:
            xs = self._elements_at(v, env, n)
            u, _ = self._objective(env, n, v, xs, others)
            return xs[np.arange(n), np.argmax(np.nan_to_num(u, nan=-np.inf), axis=1)]
        lo, hi = self._bounds(v, {**env, **others}, n)
        colsx = self._numeric_columns(env, n, v, lo, hi, others)
        colsx = self._snap(np.concatenate([colsx, current[x][:, None]], axis=1), lo, hi)
        u, _ = self._objective(env, n, v, colsx, others)
        u = np.where(self._feasible(v, colsx, lo, hi), np.nan_to_num(u, nan=-np.inf), -np.inf)
        j = np.argmax(u, axis=1)
        rows = np.arange(n)
        # keep the current value when it is as good (avoids cycling between ties)
        keep = u[rows, -1] >= u[rows, j] - TIE_TOL * (1 + np.abs(u[rows, j]))
        return np.where(keep, current[x], colsx[rows, j])


def _by_player(active: list[Var]) -> dict[str, list[Var]]:
    """Return the stage's variables grouped by the player who chooses them."""
    out: dict[str, list[Var]] = {}
    for v in active:
        out.setdefault(v.player, []).append(v)
    return out


def _merge_profiles(profiles: list[dict], found_along: list) -> tuple[list[dict], list]:
    """Return the distinct profiles and the later branches each was found along (None: all)."""
    uniq: list[dict] = []
    seen: dict = {}
    origins: list = []
    for p, o in zip(profiles, found_along):
        key = tuple(sorted((k.name, v) for k, v in p.items()))
        if key not in seen:
            seen[key] = len(uniq)
            uniq.append(p)
            origins.append(None if o is None else {o})
        else:
            j = seen[key]
            origins[j] = None if (o is None or origins[j] is None) else origins[j] | {o}
    return uniq, origins


def _splice(play: dict, found: dict, rows: np.ndarray, n: int) -> dict:
    """Return `play` with the histories `rows` replaced by `found` (profiles widened to the
    larger number of columns; the later play's outcome merged row by row)."""
    m = max(play["m"], found["m"])

    def widen(a: np.ndarray, fill) -> np.ndarray:
        if a.shape[1] == m:
            return a.copy()
        pad = np.full((a.shape[0], m - a.shape[1]) + a.shape[2:], fill, dtype=a.dtype)
        return np.concatenate([a, pad], axis=1)

    out = dict(play)
    out["profiles"] = {}
    for s, a in play["profiles"].items():
        merged = widen(a, np.nan)
        merged[rows] = widen(found["profiles"][s], np.nan)
        out["profiles"][s] = merged
    for key, fill in (("nash", False), ("order", 0)):
        merged = widen(play[key], fill)
        merged[rows] = widen(found[key], fill)
        out[key] = merged
    out["pay"] = {
        p: _splice_columns(play["pay"][p], found["pay"][p], rows, m, np.nan) for p in play["pay"]
    }
    out["down"] = _splice_outcome(play["down"], found["down"], rows, n, play["m"], found["m"], m)
    numeric_rows = np.full(n, play["numeric"])
    numeric_rows[rows] = True
    out["numeric_rows"] = numeric_rows
    out["m"] = m
    return out


def _splice_columns(a: np.ndarray, b: np.ndarray, rows: np.ndarray, m: int, fill) -> np.ndarray:
    """Merge payoff arrays of shape (m_a, n) and (m_b, len(rows)) into (m, n)."""
    out = np.full((m, a.shape[1]), fill, dtype=float)
    out[: a.shape[0]] = a
    out[:, rows] = fill
    out[: b.shape[0], rows] = b
    return out


def _splice_outcome(a: Outcome, b: Outcome, rows, n, ma, mb, m) -> Outcome:
    """Merge two flat outcomes (profile j of history i at j*n + i) into one of m profiles."""

    def merge(x, y, fill):
        if x is None or y is None:
            return None
        grid = np.full((m, n), fill, dtype=x.dtype)
        grid[:ma] = x.reshape(ma, n)
        grid[:, rows] = fill
        grid[:mb, rows] = y.reshape(mb, len(rows))
        return grid.reshape(-1)

    values = {s: merge(a.values[s], b.values[s], np.nan) for s in a.values if s in b.values}
    layers = None
    if a.layers is not None or b.layers is not None:
        la, lb = layers_of(a), layers_of(b)
        k = max(la.probs.shape[1], lb.probs.shape[1])

        def merge_k(x, y, fill, pad_first):
            x, y = _widen_layers(x, k, pad_first), _widen_layers(y, k, pad_first)
            grid = np.full((m, n, k), fill, dtype=float)
            grid[:ma] = x.reshape(ma, n, k)
            grid[:, rows] = fill
            grid[:mb, rows] = y.reshape(mb, len(rows), k)
            return grid.reshape(m * n, k)

        layers = Layers(
            merge_k(la.probs, lb.probs, 0.0, False),
            {
                s: merge_k(la.values[s], lb.values[s], np.nan, True)
                for s in la.values
                if s in lb.values
            },
        )
    return Outcome(
        values,
        merge(a.code, b.code, 0),
        merge(a.ok, b.ok, False),
        merge(a.unbounded, b.unbounded, False),
        merge(a.branch, b.branch, -1),
        layers=layers,
    )


def _widen_layers(a: np.ndarray, k: int, pad_first: bool) -> np.ndarray:
    if a.shape[1] == k:
        return a
    pad = (
        np.repeat(a[:, :1], k - a.shape[1], axis=1)
        if pad_first
        else np.zeros((a.shape[0], k - a.shape[1]))
    )
    return np.concatenate([a, pad], axis=1)


def _concave(u: sympy.Expr, x: sympy.Symbol) -> bool:
    """Return True when u has a constant, non-positive second derivative in x."""
    d2 = sympy.diff(u, x, 2)
    if d2.free_symbols:
        d2 = sympy.simplify(d2)
    return bool(d2.is_number and d2.is_real and d2 <= 0)


def _piecewise_in(u: sympy.Expr, vs: Sequence[Var]) -> bool:
    """Return True when a piecewise part of u depends on one of the variables vs."""
    syms = {v.symbol for v in vs}
    e = u.rewrite(sympy.Piecewise) if u.has(sympy.Min, sympy.Max, sympy.Abs) else u
    for pw in e.atoms(sympy.Piecewise):
        for _val, cond in pw.args:
            if cond.free_symbols & syms:
                return True
    return False
