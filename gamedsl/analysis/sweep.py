"""Sweeps: the equilibrium (path values, payoffs, reports, regime) at every point of a param grid.

Two paths give the same table:

- **fast** — when every step of the game solves in closed form with the params kept as symbols,
  the step plans are built once (`solver.symbolic_plans`) and evaluated at all grid points at
  once: by their compiled pieces (`pieces.py`) where the first step lists them, else played over
  numpy arrays of params (`solver.play_everywhere`); payoffs and reports are evaluated
  vectorised too.  A few random points are re-solved one by one with
  `solve` and must agree, or the sweep falls back to
- **slow** — `solve` at every point, the points spread over the executor's workers.

Either way the regime of a point is named from its values (`regime.regimes`), so both paths name
it the same.  Points whose params leave their domains or break an `assume` are kept with regime
`invalid`; points without an equilibrium get `no equilibrium` (or `unbounded`), their values nan.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from gamedsl.analysis import executor as ex
from gamedsl.analysis.pieces import Pieces, is_constant
from gamedsl.analysis.regime import regimes
from gamedsl.model.analysis import INVALID, NO_EQUILIBRIUM, UNBOUNDED, Table
from gamedsl.model.errors import SolveError, SpecError
from gamedsl.model.game import Game
from gamedsl.model.numbers import number
from gamedsl.model.solution import Solution
from gamedsl.solver import (
    BY_ORDER,
    SEVERAL,
    at_points,
    bind_values,
    compile_plays,
    evaluate,
    expected_evaluate,
    play_everywhere,
    solve,
    symbolic_plans,
)

FAST_CHUNK = 5_000  # grid points per work item on the fast path (measured best: 2k-5k)
PIECES_CHUNK = 1 << 20  # ... at most this many when the compiled pieces are evaluated
NUMERIC_CHUNK = 1024  # ... and when a step is solved numerically (measured: 512-4096 alike)
SLOW_ITEMS_PER_WORKER = 4  # slow path: points are split into this many items per worker
PLANS_CACHE = 16  # games whose symbolic plans are kept for the next sweep
CHECK_POINTS = 3  # points re-solved one by one to confirm the fast path
CHECK_SEED = 20240611
CHECK_ABS_TOL = 1e-6  # fast and per-point values agree within ABS + REL*|value|
CHECK_REL_TOL = 1e-6
CONTINUUM = 4  # a flag of per-point solves: a player indifferent along a continuum
NOT_VERIFIED = 8  # ... the profile found failed its verification
STATUS = ("", INVALID, NO_EQUILIBRIUM, UNBOUNDED)  # status codes of points (0: an equilibrium)


# ---------------------------------------------------------------------------- the game
def load(model_or_game: Any, scenario: str | None = None) -> Game:
    """Return the checked game of a Model, a Game or a source (path or stdlib:NAME), with
    `scenario` applied when given."""
    from gamedsl.language import load_game

    game = getattr(model_or_game, "game", model_or_game)
    if isinstance(game, Game):
        if scenario is None or scenario == game.scenario:
            return game
        source = getattr(model_or_game, "source", None) or game.path
        return load_game(source, scenario=scenario)
    if isinstance(model_or_game, str):
        return load_game(model_or_game, scenario=scenario)
    raise TypeError(f"expected a Model, a Game or a path, got {type(model_or_game).__name__}")


_PLANS: dict[int, tuple[Game, Any]] = {}  # id(game) -> (game, plans context or why no plans)


def build_game(source: str, scenario: str | None) -> Game:
    """Return the checked game at `source` with `scenario` applied (a worker's copy)."""
    from gamedsl.language import load_game

    return load_game(source, scenario=scenario)


def build_plans(source: str, scenario: str | None, values: tuple) -> Any:
    """Return the symbolic step plans of that game, built at `values` ((name, value) pairs)."""
    game = ex.resolve(ex.Context(build_game, (source, scenario)))
    return symbolic_plans(game, dict(values))


def game_context(game: Game) -> ex.Context:
    """Return the registry key of `game` (registered here; rebuilt from its path elsewhere)."""
    return ex.register(ex.Context(build_game, (game.path, game.scenario), f"id{id(game)}"), game)


# ---------------------------------------------------------------------------- the grid
def grid(vary: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    """Return the Cartesian product of the varied params' values, flattened (the last varies
    fastest)."""
    names = list(vary)
    axes = [np.asarray(vary[n], dtype=float).reshape(-1) for n in names]
    if not names:
        return {}
    mesh = np.meshgrid(*axes, indexing="ij")
    return {n: m.reshape(-1) for n, m in zip(names, mesh)}


def axis_bounds(vary: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    """Return each varied param's smallest and largest value on its axis (what every point of
    the grid lies between), omitting an axis with a value that is not a finite number."""
    out = {}
    for name, values in vary.items():
        axis = np.asarray(values, dtype=float).reshape(-1)
        if axis.size and np.isfinite(axis).all():
            out[name] = (float(axis.min()), float(axis.max()))
    return out


def _param_bounds(
    params: Mapping[str, np.ndarray], given: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Return an enclosure (lo, hi) of each param's values at the points: a constant's value,
    the grid's bounds of a varied param (`given`, from `axis_bounds`), else its smallest and
    largest value (omitted where it has a value that is not a finite number)."""
    out = {}
    for name, a in params.items():
        if is_constant(a):
            lo = hi = float(a[0])
        elif name in given:
            lo, hi = given[name]
        elif a.size:
            lo, hi = float(np.min(a)), float(np.max(a))
        else:
            continue
        if math.isfinite(lo) and math.isfinite(hi):
            out[name] = (lo, hi)
    return out


def check_param(game: Game, name: str, option: str) -> None:
    """Raise SpecError when `name` is not a param of the game (with a suggestion)."""
    if name in game.params:
        return
    import difflib

    choices = [c.var for c in game.choices]
    close = difflib.get_close_matches(name, list(game.params) + choices, n=1)
    hint = (
        f"'{name}' is a choice variable, not a param"
        + (": use a scenario with fix" if option != "--wrt" else "")
        if name in choices
        else f"did you mean '{close[0]}'?"
        if close
        else f"the params are: {', '.join(game.params)}"
    )
    raise SpecError(f"{option} names unknown param '{name}'", None, hint)


def _param_arrays(
    game: Game, points: Mapping[str, np.ndarray], fixed: Mapping[str, float], n: int
) -> dict[str, np.ndarray]:
    """Return every param's n values: varied, fixed, or its default (evaluated per point).

    A param that does not vary over the points (fixed, or a default of such params only) is one
    value repeated by stride 0 (`pieces.is_constant`): read-only, and the compiled pieces take it
    as a number."""
    for name in points:
        check_param(game, name, "--vary")
    for name in fixed:
        check_param(game, name, "--set")
    out: dict[str, np.ndarray] = {}
    for name, v in points.items():
        out[name] = np.array(v, dtype=float).reshape(-1)  # a copy: the table keeps it
    for name, v in fixed.items():
        if name not in out:
            out[name] = np.broadcast_to(np.float64(v), (n,))
    by_symbol = {p.symbol: name for name, p in game.params.items()}
    pending = [name for name in game.params if name not in out]
    while pending:
        progressed = False
        for name in list(pending):
            default = game.params[name].default
            if default is None:
                raise SpecError(
                    f"param '{name}' has no default: give it a value with --set {name}=VALUE",
                    game.params[name].span,
                )
            deps = [by_symbol[s] for s in default.free_symbols if s in by_symbol]
            if all(d in out for d in deps):
                if all(is_constant(out[d]) for d in deps):
                    env = {game.params[d].symbol: out[d][:1] for d in deps}
                    out[name] = np.broadcast_to(evaluate([default], env, 1)[0][0], (n,))
                else:
                    env = {game.params[d].symbol: out[d] for d in deps}
                    out[name] = evaluate([default], env, n)[0]
                pending.remove(name)
                progressed = True
        if not progressed:
            raise SpecError(
                f"the defaults of {', '.join(pending)} depend on each other",
                game.params[pending[0]].span,
            )
    return {name: out[name] for name in game.params}


def _take(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return a param's values at `rows` (a constant stays one by stride 0)."""
    return np.broadcast_to(a[:1], (len(rows),)) if is_constant(a) else a[rows]


def _valid_points(game: Game, params: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Return the mask of points whose params lie in their domains and satisfy every assume."""
    env = {p.symbol: params[name] for name, p in game.params.items()}
    ok = np.ones(n, bool)
    with np.errstate(invalid="ignore"):
        for name, p in game.params.items():
            v = params[name]
            d = p.domain
            if d is None:
                ok &= ~np.isnan(v)
                continue
            if d.elements is not None:
                els = evaluate(list(d.elements), env, n)
                ok &= np.any([np.abs(v - e) <= 1e-12 * (1 + np.abs(v)) for e in els], axis=0)
                continue
            if d.int_range is not None:
                lo, hi = evaluate(list(d.int_range), env, n)
                ok &= (v == np.round(v)) & (v >= np.ceil(lo)) & (v <= np.floor(hi))
                continue
            if d.lower is None and d.upper is None:
                ok &= ~np.isnan(v)
            if d.lower is not None:
                lo = at_points(d.lower, env, n)
                ok &= (v > lo) if d.lower_strict else (v >= lo)
            if d.upper is not None:
                hi = at_points(d.upper, env, n)
                ok &= (v < hi) if d.upper_strict else (v <= hi)
        for a in game.assumptions:
            c = a.condition
            if isinstance(c, (sympy.Gt, sympy.Ge, sympy.Lt, sympy.Le)):
                lhs, rhs = at_points(c.lhs, env, n), at_points(c.rhs, env, n)
                op = {
                    sympy.Gt: np.greater,
                    sympy.Ge: np.greater_equal,
                    sympy.Lt: np.less,
                    sympy.Le: np.less_equal,
                }[type(c)]
                ok &= op(lhs, rhs)
            else:
                ok &= evaluate([c], env, n)[0] > 0.5
    return ok


# ---------------------------------------------------------------------------- work items
def _value_columns(game: Game) -> list[tuple[str, str]]:
    """Return (column, kind) for the equilibrium values, payoffs and reports, in order."""
    cols = [(c.var, "choice") for c in game.choices]
    cols += [(p, "payoff") for p in game.payoffs]
    cols += [(r, "report") for r in game.reports]
    return cols


def _solve_points(task: tuple) -> list[tuple[str, Any]]:
    """Work item of the slow path: solve at each point; return ("ok", {column: value}) or
    (status, message) per point."""
    context, points = task
    game = ex.resolve(context)
    out: list[tuple[str, Any]] = []
    for values in points:
        try:
            s = solve(game, values)
        except SolveError as e:
            if e.solution is not None:  # not verified: the values found, flagged
                out.append(("ok", _row(e.solution, NOT_VERIFIED)))
                continue
            out.append((UNBOUNDED if e.reason == "unbounded" else NO_EQUILIBRIUM, e.message))
            continue
        except SpecError as e:
            out.append((INVALID, e.message))
            continue
        out.append(("ok", _row(s)))
    return out


def _row(s: Solution, flags: int = 0) -> dict[str, float]:
    """Return a point's value columns and its flags (what the solve had to settle)."""
    row = {k: float(v) for k, v in s.equilibrium.items()}
    row.update({k: float(v) for k, v in s.payoffs.items()})
    row.update({k: float(v) for k, v in s.reports.items()})
    for bit, name in FLAG_NAMES:
        if name in s.flags:
            flags |= bit
    row["__flags__"] = float(flags)
    return row


def _play(plans: list, params: Mapping[str, np.ndarray]) -> tuple[Any, dict[str, np.ndarray]]:
    """Play the step plans at the points `params` (name -> values); return the first step's
    outcome and the value columns with the `__ok__`/`__unbounded__` masks."""
    game = plans[0].problem.game
    n = len(next(iter(params.values())))
    env = {game.params[name].symbol: np.asarray(v, float) for name, v in params.items()}
    outcome = play_everywhere(plans, env, n)
    full = dict(env)
    full.update(outcome.values)
    out: dict[str, np.ndarray] = {}
    for c in game.choices:
        out[c.var] = np.asarray(full.get(c.symbol, np.full(n, np.nan)), float)
    # payoffs and reports: expectations over the lottery where a stage mixed (DESIGN §1b)
    players = list(game.payoffs)
    for name, a in zip(
        players, expected_evaluate([game.payoffs[p] for p in players], env, outcome, n)
    ):
        out[name] = a
    reports = list(game.reports)
    for name, a in zip(
        reports, expected_evaluate([game.reports[r] for r in reports], env, outcome, n)
    ):
        out[name] = a
    out["__ok__"] = np.asarray(outcome.ok, bool)
    out["__unbounded__"] = np.asarray(outcome.unbounded, bool)
    out["__flags__"] = np.asarray(outcome.flags_or_zeros(), np.int8)
    return outcome, out


def pieces_of(plans: list) -> Pieces | None:
    """Return the compiled pieces of fully closed-form plans (built once, kept on the plans), or
    None when the first step has no complete list of pieces and switches."""
    top = plans[0]
    if not hasattr(top, "_sweep_pieces"):
        try:
            top._sweep_pieces = Pieces(top.problem.game, plans)
        except ValueError:
            top._sweep_pieces = None
    return top._sweep_pieces


def _play_points(task: tuple) -> dict[str, np.ndarray]:
    """Work item of the fast path: the value columns and the `ok`/`unbounded` masks at a chunk of
    points, from the compiled pieces where the game has them, else from a play of the plans."""
    context, params, bounds = task
    plans = ex.resolve(context)
    pieces = pieces_of(plans)
    if pieces is not None:
        return pieces.evaluate(params, lambda sub: _play(plans, sub), bounds)
    return _play(plans, params)[1]


# ---------------------------------------------------------------------------- the sweep
def _slow(
    game: Game, overrides: list[dict], executor: ex.Executor, desc: str
) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Return value columns, status and messages from per-point solves."""
    context = game_context(game)
    n = len(overrides)
    per_item = max(1, -(-n // max(1, executor.workers * SLOW_ITEMS_PER_WORKER)))
    per_item = min(per_item, 200)
    ranges = ex.chunks(n, per_item)
    tasks = [(context, overrides[a:b]) for a, b in ranges]
    results = executor.map(_solve_points, tasks, desc=desc, weights=[b - a for a, b in ranges])
    flat = list(itertools.chain.from_iterable(results))
    cols = {name: np.full(n, np.nan) for name, _ in _value_columns(game)}
    cols["__flags__"] = np.zeros(n)
    status = np.zeros(n, np.int8)
    messages = []
    for i, (kind, payload) in enumerate(flat):
        if kind == "ok":
            for k, v in payload.items():
                if k in cols:
                    cols[k][i] = v
        else:
            status[i] = STATUS.index(kind)
            messages.append(payload)
    return cols, status, messages


def _fast(
    game: Game,
    params: dict[str, np.ndarray],
    overrides0: dict,
    executor: ex.Executor,
    desc: str,
    bounds: Mapping[str, tuple[float, float]],
) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """Return (value columns, status, compile seconds) from the step plans built once with the
    params as symbols and evaluated at all points (compiled pieces, or a vectorised play).
    `bounds`: the params' enclosures over the points (`_param_bounds`)."""
    t0 = time.perf_counter()
    cached = _PLANS.get(id(game))
    fresh = not (cached is not None and cached[0] is game)
    if not fresh:
        context = cached[1]
    else:
        # the plans are symbolic in every param: built at one point, they serve every grid
        plans = symbolic_plans(game, overrides0)
        values = tuple(sorted((k, float(v)) for k, v in overrides0.items()))
        context = ex.register(
            ex.Context(build_plans, (game.path, game.scenario, values), f"id{id(game)}"), plans
        )
        while len(_PLANS) >= PLANS_CACHE:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[id(game)] = (game, context)  # holding the game keeps its id from being reused
    n = len(next(iter(params.values()))) if params else 1
    if fresh:
        # the compiled plays of the closed-form steps: a numeric step plays them at hundreds of
        # histories per point (compiled now, they are built once, not once per worker)
        plans = ex.resolve(context)
        if pieces_of(plans) is None and any(p.method == "numeric" for p in plans):
            compile_plays(plans)
    if fresh or executor.workers > 1:
        # compile the numpy functions on a point before forking workers (they inherit them)
        one = {k: v[:1] for k, v in params.items()}
        warm = _play_points((context, one, None))
        _regime(game, one, warm, np.zeros(1, np.int8))  # its numpy functions too
    compile_seconds = time.perf_counter() - t0
    plans = ex.resolve(context)
    if pieces_of(plans) is not None:
        # closed forms cost little per point: larger items, at least a few per worker (one
        # worker: as few items as can be, since each adds its own calls and a copy)
        per = n if executor.workers == 1 else -(-n // (4 * executor.workers))
        size = int(np.clip(per, FAST_CHUNK, PIECES_CHUNK))
    elif any(p.method == "numeric" for p in plans):
        # a numeric step plays the later steps at hundreds of values per point
        size = int(np.clip(-(-n // (4 * executor.workers)), 1, NUMERIC_CHUNK))
    else:
        size = FAST_CHUNK
    ranges = ex.chunks(n, size)
    tasks = [(context, {k: v[a:b] for k, v in params.items()}, bounds) for a, b in ranges]
    run = executor if len(tasks) > 1 else ex.SerialExecutor(quiet=True)
    parts = run.map(_play_points, tasks, desc=desc, weights=[b - a for a, b in ranges])
    if len(parts) == 1:
        cols = dict(parts[0])
    else:
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    ok = cols.pop("__ok__")
    unbounded = cols.pop("__unbounded__")
    cols["__flags__"] = np.asarray(cols.pop("__flags__"), float)
    status = np.zeros(n, np.int8)
    status[~ok] = STATUS.index(NO_EQUILIBRIUM)
    status[unbounded] = STATUS.index(UNBOUNDED)
    good = ok & ~unbounded
    if not good.all():
        cols = {k: np.where(good, v, np.nan) for k, v in cols.items()}
    return cols, status, compile_seconds


def _agree(
    fast: dict[str, np.ndarray],
    fast_regime: np.ndarray,
    slow: dict[str, np.ndarray],
    slow_regime: np.ndarray,
) -> str | None:
    """Return None when the fast and per-point values agree, else what differs."""
    for k, s in slow.items():
        f = fast[k]
        both_nan = np.isnan(f) & np.isnan(s)
        close = np.abs(f - s) <= CHECK_ABS_TOL + CHECK_REL_TOL * np.abs(s)
        same_inf = np.isinf(f) & (f == s)
        bad = ~(both_nan | close | same_inf)
        if bad.any():
            i = int(np.nonzero(bad)[0][0])
            return f"{k}: closed forms give {number(f[i], 10)}, solve gives {number(s[i], 10)}"
    if not np.array_equal(fast_regime, slow_regime):
        i = int(np.nonzero(fast_regime != slow_regime)[0][0])
        return f"regime: closed forms give '{fast_regime[i]}', solve gives '{slow_regime[i]}'"
    return None


def sweep_points(
    game: Game,
    points: Mapping[str, np.ndarray],
    fixed: Mapping[str, float] | None = None,
    *,
    executor: ex.Executor | None = None,
    fast: bool = True,
    desc: str = "sweep",
    n: int | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> Table:
    """Return the table of equilibria at the given points (param name -> values, all of one
    length n; other params from `fixed` or their defaults).  `bounds` (optional, from
    `axis_bounds` of the grid's axes) gives each varied param's smallest and largest value."""
    fixed = dict(fixed or {})
    executor = executor or ex.SerialExecutor(quiet=True)
    if n is None:
        n = len(next(iter(points.values()))) if points else 1
    params = _param_arrays(game, points, fixed, n)
    valid = _valid_points(game, params, n)
    notes: list[str] = []
    given = list(dict.fromkeys(list(points) + list(fixed)))
    idx = np.nonzero(valid)[0]
    _check_valid(game, params, valid, given, notes)
    every = len(idx) == n  # every point valid: no gather and scatter of the columns
    sub_params = params if every else {k: _take(v, idx) for k, v in params.items()}

    def overrides(positions) -> list[dict[str, float]]:
        """Return the --set values of the valid points at these positions (for `solve`)."""
        cols = {k: sub_params[k][positions].tolist() for k in given}
        return [{k: cols[k][j] for k in given} for j in range(len(positions))]

    timings: dict[str, float] = {}
    got = None
    if fast and len(idx) > CHECK_POINTS:  # else the checks would solve every point anyway
        enclosures = _param_bounds(sub_params, bounds or {})
        got = _checked_fast(game, sub_params, overrides, executor, desc, enclosures, notes, timings)
    if got is not None:
        sub_cols, sub_status, evaluation = got
    else:
        evaluation = None
        sub_cols, sub_status, messages = _slow(game, overrides(np.arange(len(idx))), executor, desc)
        if messages:
            notes.append(f"{len(messages)} points without an equilibrium (first: {messages[0]})")
    cols = {name: np.asarray(sub_cols[name], float) for name, _ in _value_columns(game)}
    cols["__flags__"] = np.asarray(sub_cols.get("__flags__", np.zeros(len(idx))), float)
    status = np.asarray(sub_status, np.int8)
    if not every:
        cols, status = _scatter(cols, status, idx, n)
    flagged = _flag_summary(cols["__flags__"])
    if flagged:
        notes.append(flagged)
    meta = {
        "game": game.title,
        "scenario": game.scenario,
        "varied": list(points),
        "path": "slow" if evaluation is None else "fast",
        "points": n,
        "warnings": notes,
    }
    if evaluation is not None:
        # how the points were evaluated: the compiled pieces selected by their switching
        # conditions, or a vectorised play of the step plans at every point
        meta["evaluation"] = evaluation
    meta.update(timings)
    return _table(game, params, cols, status, meta)


def _check_valid(
    game: Game, params: Mapping[str, np.ndarray], valid: np.ndarray, given: list, notes: list
) -> None:
    """Raise the SpecError of the first point when no point is valid; note how many are not."""
    n = len(valid)
    if not valid.any():
        bind_values(game, {k: float(params[k][0]) for k in given})  # raises the first SpecError
        raise SpecError("no point of the grid is valid")  # pragma: no cover - bind_values raised
    if not valid.all():
        bad = int(np.nonzero(~valid)[0][0])
        try:
            bind_values(game, {k: float(params[k][bad]) for k in given})
            why = "outside a param's domain"
        except SpecError as e:
            why = e.message
        notes.append(f"{n - int(valid.sum())} of {n} points are invalid (first: {why})")


def _checked_fast(
    game: Game,
    params: dict[str, np.ndarray],
    overrides: Callable[[Any], list[dict[str, float]]],
    executor: ex.Executor,
    desc: str,
    enclosures: Mapping[str, tuple[float, float]],
    notes: list[str],
    timings: dict[str, float],
) -> tuple[dict[str, np.ndarray], np.ndarray, str] | None:
    """Return (value columns, status, evaluation) from the plans built once, when a few random
    points solved one by one agree with them; None (with a note) when they do not.  The
    seconds spent compiling and checking go to `timings`."""
    fcols, fstatus, timings["compile_seconds"] = _fast(
        game, params, overrides([0])[0], executor, desc, enclosures
    )
    t_check = time.perf_counter()
    m = len(fstatus)
    rng = np.random.default_rng(CHECK_SEED)
    check = np.sort(rng.choice(m, size=min(CHECK_POINTS, m), replace=False))
    scols, sstatus, _ = _slow(game, overrides(check), executor, desc)
    sub = {k: v[check] for k, v in params.items()}
    at_check = {k: v[check] for k, v in fcols.items()}
    freg = _regime(game, sub, at_check, fstatus[check])
    sreg = _regime(game, sub, scols, sstatus)
    # a continuum of optima is found by the per-point solve's own probing, which the plans
    # built once do not do: it is no disagreement (the note says where the checks saw it)
    seen = np.asarray(scols["__flags__"], np.int64) & CONTINUUM
    scols["__flags__"] = np.asarray(scols["__flags__"], np.int64) & ~CONTINUUM
    differs = _agree(at_check, freg, scols, sreg)
    timings["check_seconds"] = time.perf_counter() - t_check
    if differs is None and seen.any():
        notes.append(
            f"per-point solves flag a continuum of optima at {np.count_nonzero(seen)} of the "
            f"{len(check)} points checked; the fast path does not look for it (flags without it)"
        )
    if differs is not None:
        notes.append(f"per-point solves: the plans built once disagree with solve ({differs})")
        return None
    pieces = pieces_of(ex.resolve(_PLANS[id(game)][1]))
    return fcols, fstatus, "pieces" if pieces else "play"


FLAG_NAMES = (
    (SEVERAL, "several equilibria"),
    (BY_ORDER, "first in domain order"),
    (CONTINUUM, "continuum of optima"),
    (NOT_VERIFIED, "not verified"),
)


def flag_texts(flags: np.ndarray) -> np.ndarray:
    """Return each point's flags as text ("" for none; "several equilibria; ...")."""
    codes = np.nan_to_num(np.asarray(flags, float), nan=0.0).astype(np.int64)
    out = np.full(len(codes), "", dtype=object)
    for code in np.unique(codes[codes != 0]):
        out[codes == code] = "; ".join(name for bit, name in FLAG_NAMES if code & bit)
    return out


def _flag_summary(flags: np.ndarray) -> str:
    """Return "k of n points flagged: several equilibria (k1), ..." ("" when none is)."""
    codes = np.nan_to_num(np.asarray(flags, float), nan=0.0).astype(np.int64)
    if not codes.any():
        return ""
    counts = [
        f"{name} ({int(np.count_nonzero(codes & bit))})"
        for bit, name in FLAG_NAMES
        if (codes & bit).any()
    ]
    return f"{int(np.count_nonzero(codes))} of {len(codes)} points flagged: " + ", ".join(counts)


def _scatter(
    cols: dict[str, np.ndarray], status: np.ndarray, idx: np.ndarray, n: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Return the columns and status of the valid points `idx` spread over all n points (the
    others nan and `invalid`)."""
    out = {name: np.full(n, np.nan) for name in cols}
    for k, column in out.items():
        column[idx] = cols[k]
    full = np.full(n, STATUS.index(INVALID), np.int8)
    full[idx] = status
    return out, full


def _table(
    game: Game,
    params: Mapping[str, np.ndarray],
    cols: Mapping[str, np.ndarray],
    status: np.ndarray,
    meta: Mapping[str, Any],
) -> Table:
    """Return the table: every param, the value columns, the regime."""
    data: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for name in game.params:
        data[name] = params[name]  # a constant stays one by stride 0: `Table.column` copies
        kinds[name] = "param"
    for name, kind in _value_columns(game):
        data[name] = cols[name]
        kinds[name] = kind
    data["regime"] = _regime(game, params, cols, status)
    kinds["regime"] = "regime"
    data["flags"] = flag_texts(cols["__flags__"])
    kinds["flags"] = "flags"
    # the columns are this function's own arrays (the params copied from the caller's)
    return Table(data, kinds, meta, copy=False)


def _regime(
    game: Game, params: Mapping[str, np.ndarray], cols: Mapping[str, np.ndarray], status: np.ndarray
) -> np.ndarray:
    n = len(status)
    merged = dict(params)
    merged.update(cols)
    out = regimes(game, merged, n)
    special = status != 0
    if special.any():
        out[special] = np.array(STATUS, dtype=object)[status[special]]
    return out


def sweep(
    model_or_game: Any,
    vary: Mapping[str, Sequence[float]],
    fixed: Mapping[str, float] | None = None,
    scenario: str | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    quiet: bool = True,
    fast: bool = True,
    executor: ex.Executor | None = None,
) -> Table:
    """Return the equilibrium at every point of the grid `vary` (param name -> values; several
    params give their Cartesian product, the last varying fastest).

    `fixed` sets other params (defaults otherwise); `scenario` applies a scenario.  Numeric solves
    run on `workers` processes (None: all cores) or on the Dask cluster `dask` (an address or a
    Client).  `fast=False` skips the closed-form path.
    """
    game = load(model_or_game, scenario)
    if not vary:
        raise SpecError("nothing to vary", None, "give at least one param and its values")
    points = grid(vary)
    own = executor is None
    executor = executor or ex.make_executor(workers, dask, quiet)
    try:
        return sweep_points(
            game, points, fixed, executor=executor, fast=fast, bounds=axis_bounds(vary)
        )
    finally:
        if own:
            executor.close()


__all__ = ["Table", "axis_bounds", "grid", "load", "sweep", "sweep_points"]
