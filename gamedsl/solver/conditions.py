"""The conditions under which the piece of a closed-form strategy holds (`solve --symbolic`).

For a one-player step solved in closed form, the record of the play at the path names the piece
played (a candidate and the later play it leads to) and its closest rival (the exact candidate
with another value that pays the most after it).  The piece holds while

- the pieces of the payoff that hold at the path still hold (the `[...]`/`if` conditions of the
  player's payoff at the chosen value and at the rival, e.g. `g/(2*k) < theta`), and
- the chosen value beats the rival: u(chosen) - u(rival) >= 0, shown solved for a param when it is
  linear in one (e.g. `p >= k*(theta - g/(2*k))**2`: "comply iff the penalty is high enough");
- the chosen value stays in its domain (when its bounds depend on the params).

These are the conditions of the piece at hand, local to the params given: other rivals may take
over far away, and the verification still decides whether the play is an equilibrium.
"""

from __future__ import annotations

import sympy
from sympy.core.relational import Relational

from gamedsl.solver import candidates as cands
from gamedsl.solver.budget import BudgetExceeded, time_budget

SIMPLIFY_BUDGET = 2.0  # seconds per condition; the unsimplified form is shown past it


def piece_conditions(plan, rec, values: dict[sympy.Symbol, float]) -> list[str]:
    """Return the conditions (as text) under which rec's piece of plan's step is played.

    `values` gives every param and earlier choice at the path.
    """
    if rec.piece is None or plan.next.branches is None:
        return []
    active = [v for v in plan.step.vars if v.fixed is None]
    if len(active) != 1:
        return []
    v = active[0]
    problem = plan.problem
    u_sel = _payoff(plan, v.player, *rec.piece)
    if u_sel is None:
        return []
    subs = {s: sympy.Float(x, 17) for s, x in values.items()}
    conds: list[sympy.Basic] = []
    u_sel, held = _resolve(u_sel, subs)
    conds += held
    if rec.rival is not None:
        u_alt = _payoff(plan, v.player, *rec.rival)
        if u_alt is not None:
            u_alt, held = _resolve(u_alt, subs)
            conds += held
            conds.append(sympy.GreaterThan(u_sel - u_alt, 0, evaluate=False))
    chosen = plan.candidates[rec.piece[0]][v.symbol]
    for bound, op in ((v.lower, sympy.GreaterThan), (v.upper, sympy.LessThan)):
        if bound is not None and (chosen - bound).free_symbols:
            conds.append(op(chosen - bound, 0, evaluate=False))
    signed = _with_signs(problem)
    out: list[str] = []
    for c in conds:
        text = _render(c, problem.game, signed, subs)
        if text and text not in out:
            out.append(text)
    return out


def _payoff(plan, player: str, ci: int, bi: int):
    if ci < 0 or bi < 0 or ci >= len(plan.candidates) or bi >= len(plan.next.branches):
        return None
    c = plan.candidates[ci]
    merged = dict(c)
    merged.update({k: cands.replace(e, c) for k, e in plan.next.branches[bi].items()})
    return cands.replace(plan.problem.payoffs[player], merged)


def _truth(cond, subs) -> bool | None:
    t = cond.xreplace(subs)
    if t in (sympy.true, True):
        return True
    if t in (sympy.false, False):
        return False
    return None


def _resolve(expr, subs):
    """Return expr with each piecewise part replaced by the piece that holds at subs, and the
    conditions of those pieces."""
    held: list = []
    for _ in range(50):
        pws = [p for p in expr.atoms(sympy.Piecewise) if not p.args[0].expr.has(sympy.Piecewise)
               and not any(c.has(sympy.Piecewise) for _, c in p.args)]
        if not pws:
            break
        repl = {}
        for pw in pws:
            earlier = []
            for e, c in pw.args:
                t = True if c is sympy.true else _truth(c, subs)
                if t:
                    if c is not sympy.true and c.free_symbols:
                        held.append(c)
                    held += [sympy.Not(d) for d in earlier if d.free_symbols]
                    repl[pw] = e
                    break
                earlier.append(c)
            else:
                return expr, held
        expr = expr.xreplace(repl)
    return expr, held


def _render(cond, game, signed: dict, subs) -> str | None:
    """Return a condition as text, solved for a param where it is linear in one; None when it
    holds identically or is implied by a param's own domain."""
    if isinstance(cond, sympy.Not):
        cond = cond.args[0].negated if isinstance(cond.args[0], Relational) else cond
    if not isinstance(cond, Relational):
        return str(cond)
    d, _held = _resolve((cond.lhs - cond.rhs).xreplace(signed), {signed.get(k, k): v for k, v in subs.items()})
    op = cond.rel_op
    try:
        with time_budget(SIMPLIFY_BUDGET):
            d = sympy.factor(sympy.simplify(d))
    except (BudgetExceeded, RecursionError):
        pass
    if not d.free_symbols:
        return None  # a number: holds (it held at the path)
    num, den = sympy.fraction(sympy.together(d))
    if den.is_positive:
        d = sympy.factor(num)
    elif den.is_negative:
        d = sympy.factor(-num)
    holds = {">=": d.is_nonnegative, ">": d.is_positive, "<=": d.is_nonpositive, "<": d.is_negative}
    if holds.get(op):
        return None  # holds for every param value in the domains
    by_name = {x.name: x for x in d.free_symbols}
    policy = [p.name for p in game.params.values() if p.policy]
    params = [p.name for p in reversed(list(game.params.values())) if not p.policy]
    order = [by_name[n] for n in policy + params if n in by_name]
    order += sorted(set(d.free_symbols) - set(order), key=str)
    flipped = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
    for x in order:
        a = sympy.diff(d, x)
        if a == 0 or x in a.free_symbols:
            continue
        if a.is_positive:
            rel_op = op
        elif a.is_negative:
            rel_op = flipped[op]
        else:
            continue
        rhs = sympy.factor(sympy.simplify(x - d / a))
        if x in rhs.free_symbols:
            continue
        if _implied_by_domain(x, rel_op, rhs, game):
            return None
        return f"{x} {rel_op} {rhs}"
    return f"{d} {op} 0"


def _with_signs(problem) -> dict:
    """Return a map from each param and choice symbol to a symbol of the same name carrying the
    sign its domain implies (so that sympy can decide, e.g., that k*(...)**2 >= 0)."""
    out = {}
    for p in problem.game.params.values():
        dom = p.domain
        if dom is None or dom.is_finite or dom.lower is None or dom.lower.free_symbols:
            continue
        lo = float(dom.lower)
        if lo > 0 or (lo == 0 and dom.lower_strict):
            out[p.symbol] = sympy.Symbol(p.symbol.name, positive=True)
        elif lo == 0:
            out[p.symbol] = sympy.Symbol(p.symbol.name, nonnegative=True)
    for v in problem.all_vars:
        if v.discrete:
            vals = [e for e in v.elements if e.is_number]
            if len(vals) == len(v.elements) and all(e >= 0 for e in vals):
                out[v.symbol] = sympy.Symbol(v.symbol.name, nonnegative=True)
        elif v.lower is not None and v.lower.is_number and v.lower >= 0 and v.condition is None:
            out[v.symbol] = sympy.Symbol(v.symbol.name, nonnegative=True)
    return out


def _implied_by_domain(s, op: str, rhs, game) -> bool:
    """Return True when `s op rhs` (rhs a number) follows from the param's declared domain."""
    if rhs.free_symbols:
        return False
    param = next((p for p in game.params.values() if p.symbol.name == s.name), None)
    dom = getattr(param, "domain", None) if param is not None else None
    if dom is None or getattr(dom, "is_finite", False):
        return False
    r = float(rhs)
    if op in (">=", ">") and dom.lower is not None and not dom.lower.free_symbols:
        lo = float(dom.lower)
        return lo > r or (lo == r and (op == ">=" or dom.lower_strict))
    if op in ("<=", "<") and dom.upper is not None and not dom.upper.free_symbols:
        hi = float(dom.upper)
        return hi < r or (hi == r and (op == "<=" or dom.upper_strict))
    return False
