"""Signs on a game's param domain: what sympy can decide about an expression for every param value
the domains and assumptions allow.

The domains become sign assumptions (a lower bound 0 makes a param a positive symbol) and an
assumption or a bound between params becomes a shift (`assume a > c` writes a as c plus a positive
number), so that sympy's sign rules (`is_positive`, ...) see them.  Used by the comparative statics
(the sign of a derivative everywhere) and by the compiled pieces of a sweep (a switch factor of
constant sign selects nothing).
"""

from __future__ import annotations

import sympy

from gamedsl.model.game import Game
from gamedsl.solver import BudgetExceeded, time_budget


def domain_substitutions(game: Game) -> list[tuple[sympy.Symbol, sympy.Expr]]:
    """Return substitutions param -> expression with sign assumptions that cover the domains and
    assumptions: b > 0 makes b a positive symbol; `assume a > c` writes a = c + t, t > 0."""
    subs: list[tuple[sympy.Symbol, sympy.Expr]] = []
    replaced: set[sympy.Symbol] = set()
    for name, p in game.params.items():
        d = p.domain
        kw: dict[str, bool] = {}
        if d is not None and not d.is_finite:
            lo, hi = d.lower, d.upper
            if lo is not None and lo.is_number and lo.is_finite:
                if lo > 0 or (lo == 0 and d.lower_strict):
                    kw["positive"] = True
                elif lo == 0:
                    kw["nonnegative"] = True
            if hi is not None and hi.is_number and hi.is_finite:
                if hi < 0 or (hi == 0 and d.upper_strict):
                    kw["negative"] = True
                elif hi == 0:
                    kw["nonpositive"] = True
        if (
            d is not None
            and d.is_finite
            and d.elements is not None
            and all(e.is_number and e > 0 for e in d.elements)
        ):
            kw["positive"] = True
        if kw:
            subs.append((p.symbol, sympy.Symbol(name, real=True, **kw)))
            replaced.add(p.symbol)
    relations: list[sympy.Basic] = [a.condition for a in game.assumptions]
    for p in game.params.values():
        d = p.domain
        if d is None or d.is_finite:
            continue
        if d.lower is not None and not d.lower.is_number:
            relations.append(
                sympy.Gt(p.symbol, d.lower) if d.lower_strict else sympy.Ge(p.symbol, d.lower)
            )
        if d.upper is not None and not d.upper.is_number:
            relations.append(
                sympy.Lt(p.symbol, d.upper) if d.upper_strict else sympy.Le(p.symbol, d.upper)
            )
    shifted: set[sympy.Symbol] = set()
    rhs_symbols: set[sympy.Symbol] = set()
    param_syms = {p.symbol for p in game.params.values()}
    for rel in relations:
        if not isinstance(rel, (sympy.Gt, sympy.Ge, sympy.Lt, sympy.Le)):
            continue
        big, small = (
            (rel.lhs, rel.rhs) if isinstance(rel, (sympy.Gt, sympy.Ge)) else (rel.rhs, rel.lhs)
        )
        strict = isinstance(rel, (sympy.Gt, sympy.Lt))
        for x, other, sign in ((big, small, 1), (small, big, -1)):
            if (
                x in param_syms
                and x not in shifted
                and x not in rhs_symbols
                and x not in other.free_symbols
                and other.free_symbols <= param_syms
            ):
                t = (
                    sympy.Dummy(f"d_{x}", positive=True)
                    if strict
                    else sympy.Dummy(f"d_{x}", nonnegative=True)
                )
                subs.append((x, other + sign * t))
                shifted.add(x)
                rhs_symbols |= other.free_symbols
                break
    return subs


def on_domain(e: sympy.Expr, subs: list[tuple[sympy.Symbol, sympy.Expr]]) -> sympy.Expr:
    """Return e in the symbols of `domain_substitutions`: the shifts (x -> other + t) first, in
    reverse order, then the sign-assumption renames."""
    for x, repl in reversed([s for s in subs if not isinstance(s[1], sympy.Symbol)]):
        e = e.xreplace({x: repl})
    return e.xreplace({x: repl for x, repl in subs if isinstance(repl, sympy.Symbol)})


def sign_everywhere(
    d: sympy.Expr, subs: list[tuple[sympy.Symbol, sympy.Expr]], budget: float
) -> str | None:
    """Return the sign of d for all param values in the domains ("zero", "positive", "negative",
    "nonnegative", "nonpositive"), when sympy can tell within `budget` seconds; else None."""
    try:
        with time_budget(budget):
            e = sympy.factor(sympy.simplify(on_domain(d, subs)))
            for test, name in (
                (e.is_zero, "zero"),
                (e.is_positive, "positive"),
                (e.is_negative, "negative"),
                (e.is_nonnegative, "nonnegative"),
                (e.is_nonpositive, "nonpositive"),
            ):
                if test:
                    return name
    except (BudgetExceeded, RecursionError, TypeError):
        return None
    return None
