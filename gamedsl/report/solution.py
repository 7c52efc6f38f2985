"""Formatting a Solution: a readable text table, JSON (DESIGN.md §2) and a LaTeX align block."""

from __future__ import annotations

import json
from typing import Any

from gamedsl.model.game import Game
from gamedsl.model.solution import Solution, json_number


def fmt_number(x: Any, digits: int = 6) -> str:
    """Return a number for a table: integers plainly, others with `digits` significant digits."""
    f = json_number(x)  # ints, floats, or the text of nan, infinities and non-numbers
    if not isinstance(f, float):
        return str(f)
    if f == 0:
        return "0"
    if abs(f - round(f)) < 1e-12 * max(1, abs(f)) and abs(f) < 1e15:
        return str(int(round(f)))
    return f"{f:.{digits}g}"


def to_json(solution: Solution) -> str:
    """Return the JSON document of DESIGN.md §2."""
    return json.dumps(solution.to_dict(), indent=2, allow_nan=False)


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return out


def to_text(solution: Solution, game: Game, symbolic: bool = False) -> str:
    """Return a readable report of the equilibrium."""
    title = solution.game or game.path
    lines = [f"{title}: subgame-perfect equilibrium"]
    if solution.scenario:
        info = game.scenarios.get(solution.scenario)
        extra = f' "{info.title}"' if info is not None and info.title else ""
        lines.append(f"scenario: {solution.scenario}{extra}")
    if solution.parameters:
        lines.append("parameters: " + ", ".join(f"{k} = {fmt_number(v)}" for k, v in solution.parameters.items()))
    lines.append("")
    rows = []
    methods = {s.name: s for s in solution.stages}
    for stage in game.stages:
        rep = methods.get(stage.name)
        for c in stage.choices:
            binding = [b for b in (rep.binding if rep else ()) if b.split(" ")[0] == c.var]
            rows.append([stage.name, c.player, c.var, fmt_number(solution.equilibrium.get(c.var)),
                         rep.method if rep else "", ", ".join(binding)])
    lines += _table(rows, ["stage", "player", "choice", "value", "method", "binding"])
    lines.append("")
    lines.append("payoffs:  " + ", ".join(f"{k} = {fmt_number(v)}" for k, v in solution.payoffs.items()))
    if solution.reports:
        lines.append("reports:  " + ", ".join(f"{k} = {fmt_number(v)}" for k, v in solution.reports.items()))
    v = solution.verification
    if v.ok:
        lines.append(f"verified: no player gains by deviating (largest gain found {fmt_number(v.max_gain, 2)})")
    else:
        lines.append(f"NOT verified: {v.worst} gains {fmt_number(v.max_gain, 3)} by deviating")
    if solution.equilibria:
        lines.append("")
        notes = [e.note or "" for e in solution.equilibria]
        per_row = len(set(notes)) > 1
        heading = f"{len(solution.equilibria)} equilibria found"
        lines.append(f"{heading}:" if per_row else f"{heading} ({notes[0]}):")
        names = list(solution.equilibria[0].equilibrium)
        players = list(solution.equilibria[0].payoffs)
        rows = []
        for e, note in zip(solution.equilibria, notes):
            rows.append(["*" if e.selected else ""] + [fmt_number(e.equilibrium[n]) for n in names]
                        + [fmt_number(e.payoffs[p]) for p in players] + ([note] if per_row else []))
        lines += _table(rows, ["sel"] + names + [f"payoff({p})" for p in players]
                        + (["note"] if per_row else []))
    if solution.strategies:
        lines.append("")
        lines.append("strategies (closed forms):" if symbolic else "strategies:")
        for var, expr in solution.strategies.items():
            cond = solution.conditions.get(var)
            lines.append(f"  {var} = {expr}" + (f"    when {cond}" if cond else ""))
    if solution.warnings:
        lines.append("")
        for w in solution.warnings:
            lines.append(f"warning: {w}")
    return "\n".join(lines)


def _latex_name(name: str) -> str:
    if "_" in name:
        head, tail = name.split("_", 1)
        sub = tail.replace("_", r"\_")
        return f"{_latex_name(head)}_{{{sub}}}"
    greek = {"alpha", "beta", "gamma", "delta", "epsilon", "theta", "kappa", "lambda", "mu", "nu",
             "pi", "rho", "sigma", "tau", "phi", "omega", "eta", "zeta", "xi", "psi", "chi"}
    if name in greek:
        return "\\" + name
    if name.rstrip("0123456789") in greek and name[-1].isdigit():
        base = name.rstrip("0123456789")
        return f"\\{base}_{{{name[len(base):]}}}"
    if len(name) > 1 and name[-1].isdigit() and name.rstrip("0123456789"):
        base = name.rstrip("0123456789")
        return f"{base}_{{{name[len(base):]}}}" if len(base) == 1 else f"\\mathit{{{base}}}_{{{name[len(base):]}}}"
    return name if len(name) == 1 else f"\\mathit{{{name}}}"


def to_latex(solution: Solution, game: Game) -> str:
    """Return an `align` block with the equilibrium (and closed forms where found)."""
    import sympy

    from gamedsl.model.game import symbol

    names = {}
    for n in list(game.params) + [c.var for c in game.choices]:
        names[symbol(n)] = _latex_name(n)
    lines = [r"\begin{align}"]
    body = []
    for c in game.choices:
        lhs = _latex_name(c.var) + "^*"
        val = fmt_number(solution.equilibrium.get(c.var))
        expr = solution.strategy_exprs.get(c.var)
        rhs = val
        if expr is not None and expr.free_symbols:
            rhs = f"{sympy.latex(expr, symbol_names=names)} = {val}"
        body.append(f"{lhs} &= {rhs}")
    for p, v in solution.payoffs.items():
        body.append(rf"\pi_{{\mathrm{{{p}}}}} &= {fmt_number(v)}")
    for r, v in solution.reports.items():
        label = r.replace("_", r"\_")
        body.append(rf"\mathrm{{{label}}} &= {fmt_number(v)}")
    lines.append(" \\\\\n".join(body))
    lines.append(r"\end{align}")
    return "\n".join(lines)
