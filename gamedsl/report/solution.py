"""Formatting a Solution: a readable text table, the JSON document of DESIGN §2, a LaTeX align
block, and the HTML and LaTeX a notebook shows."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gamedsl.model.numbers import json_value, number
from gamedsl.report.latex import label, latex_name, payoff_name
from gamedsl.report.maths import math_latex, math_text

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.game import Game
    from gamedsl.model.solution import Solution


def solution_dict(solution: Solution) -> dict[str, Any]:
    """Return the JSON object of DESIGN §2 (numbers by `json_value`: NaN is null, infinities
    "inf"/"-inf")."""
    out: dict[str, Any] = {
        "game": solution.game,
        "scenario": solution.scenario,
        "parameters": _numbers(solution.parameters),
        "equilibrium": _numbers(solution.equilibrium),
        "payoffs": _numbers(solution.payoffs),
        "reports": _numbers(solution.reports),
        "strategies": dict(solution.strategies),
        "stages": [
            {"name": s.name, "method": s.method, "binding": list(s.binding)}
            for s in solution.stages
        ],
        "equilibria": [
            {
                "equilibrium": _numbers(e.equilibrium),
                "payoffs": _numbers(e.payoffs),
                "reports": _numbers(e.reports),
                "selected": e.selected,
                **({"note": e.note} if e.note else {}),
            }
            for e in solution.equilibria
        ],
        "verification": {
            "ok": solution.verification.ok,
            "max_gain": json_value(solution.verification.max_gain),
        },
        "warnings": list(solution.warnings),
    }
    if solution.conditions:
        out["conditions"] = dict(solution.conditions)
    if solution.closed_forms:
        out["closed_forms"] = {
            key: [{"value": str(p.value), "when": str(p.when)} for p in pieces]
            for key, pieces in solution.closed_forms.items()
        }
    if solution.regime:
        out["regime"] = solution.regime
    if solution.accuracy:
        out["accuracy"] = _numbers(solution.accuracy)
    if solution.ties:
        out["ties"] = [
            {**t, "from": _numbers(t["from"]), "to": _numbers(t["to"])} for t in solution.ties
        ]
    if solution.mixed:
        out["mixed"] = {
            var: [[json_value(x), json_value(p)] for x, p in dist]
            for var, dist in solution.mixed.items()
        }
    if solution.by_draw:
        out["by_draw"] = {
            label: {
                "probability": json_value(d["probability"]),
                "payoffs": _numbers(d["payoffs"]),
                "reports": _numbers(d["reports"]),
            }
            for label, d in solution.by_draw.items()
        }
    return out


def probability_text(p: float) -> str:
    """Return a probability as a fraction when it is a simple one (3/4), else as a number."""
    from fractions import Fraction

    f = Fraction(p).limit_denominator(10_000)
    if f.denominator > 1 and abs(float(f) - p) <= 1e-12:
        return f"{f.numerator}/{f.denominator}"
    return number(p)


def _numbers(m: Mapping[str, Any]) -> dict[str, Any]:
    return {k: json_value(v) for k, v in m.items()}


def to_json(solution: Solution) -> str:
    """Return the JSON document of DESIGN §2."""
    return json.dumps(solution_dict(solution), indent=2, allow_nan=False)


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return out


def _listed(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {number(v)}" for k, v in values.items())


def to_text(solution: Solution, game: Game, symbolic: bool = False) -> str:
    """Return a readable report of the equilibrium."""
    title = solution.game or game.path
    lines = [f"{title}: subgame-perfect equilibrium"]
    if solution.scenario:
        info = game.scenarios.get(solution.scenario)
        extra = f' "{info.title}"' if info is not None and info.title else ""
        lines.append(f"scenario: {solution.scenario}{extra}")
    if solution.parameters:
        lines.append("parameters: " + _listed(solution.parameters))
    lines.append("")
    lines += _choice_table(solution, game)
    lines.append("")
    lines.append("payoffs:  " + _listed(solution.payoffs))
    if solution.reports:
        lines.append("reports:  " + _listed(solution.reports))
    lines += _by_draw_lines(solution)
    if solution.mixed:
        lines.append("mixed strategies (values above are expectations):")
        for var, dist in solution.mixed.items():
            shown = ", ".join(f"{number(x)} w.p. {probability_text(p)}" for x, p in dist)
            lines.append(f"  {var}: {shown}")
    v = solution.verification
    if v.ok:
        lines.append(
            f"verified: no player gains by deviating (largest gain found {number(v.max_gain, 2)})"
        )
    else:
        lines.append(f"NOT verified: {v.worst} gains {number(v.max_gain, 3)} by deviating")
    if solution.equilibria:
        lines.append("")
        lines += _equilibria_table(solution)
    if solution.strategies and symbolic:
        lines.append("")
        lines.append("best replies (closed forms, in params and earlier choices):")
        for var, expr in solution.strategies.items():
            shown = math_text(solution.strategy_exprs.get(var, expr))
            cond = (solution.conditions.get(var) or "").replace("**", "^")
            lines.append(f"  {var} = {shown}" + (f"    when {cond}" if cond else ""))
    elif solution.strategies:
        lines.append("")
        lines.append("strategies:")
        for var, expr in solution.strategies.items():
            cond = solution.conditions.get(var)
            lines.append(f"  {var} = {expr}" + (f"    when {cond}" if cond else ""))
    if solution.closed_forms:
        lines.append("")
        lines.append("equilibrium in the params (closed forms):")
        lines += closed_form_lines(solution.closed_forms, solution.equilibrium)
    if solution.warnings:
        lines.append("")
        for w in solution.warnings:
            lines.append(f"warning: {w}")
    return "\n".join(lines)


def closed_form_lines(closed: Mapping[str, Any], choices: Mapping[str, Any]) -> list[str]:
    """Return the closed forms as `key* = value  if condition`, one line per piece (a star on
    the choices)."""
    rows = []
    for key, pieces in closed.items():
        star = "*" if key in choices else ""
        for i, p in enumerate(pieces):
            lhs = f"{key}{star} =" if i == 0 else " " * len(f"{key}{star}") + " ="
            cond = "" if p.when in (True,) or str(p.when) == "True" else math_text(p.when)
            rows.append((lhs, math_text(p.value), cond))
    width = max((len(a) + len(b) for a, b, _ in rows), default=0)
    out = []
    for lhs, value, cond in rows:
        text = f"{lhs} {value}"
        out.append("  " + (text.ljust(width + 1) + "   if " + cond if cond else text))
    return out


def _by_draw_lines(solution: Solution) -> list[str]:
    """Return the payoffs and reports per combination of draw values (expectations above)."""
    if not solution.by_draw:
        return []
    lines = ["by draw (payoffs and reports above are expectations):"]
    for draw, d in solution.by_draw.items():
        parts = [_listed(d["payoffs"])] + ([_listed(d["reports"])] if d["reports"] else [])
        lines.append(f"  {draw} (probability {number(d['probability'])}): " + "; ".join(parts))
    return lines


def _shown(solution: Solution, var: str) -> str:
    """Return a choice's value, marked ≈ where it is known only to its accuracy."""
    text = number(solution.equilibrium.get(var))
    return f"≈{text}" if solution.accuracy.get(var, 0.0) > 0 else text


def _choice_table(solution: Solution, game: Game) -> list[str]:
    """Return the table of choices: stage, player, value, method and the bounds that bind."""
    rows = []
    methods = {s.name: s for s in solution.stages}
    for stage in game.stages:
        rep = methods.get(stage.name)
        for c in stage.choices:
            binding = [b for b in (rep.binding if rep else ()) if b.split(" ")[0] == c.var]
            rows.append(
                [
                    stage.name,
                    game.players[c.player].agent_of or c.player,
                    c.var,
                    _shown(solution, c.var),
                    rep.method if rep else "",
                    ", ".join(binding),
                ]
            )
    return _table(rows, ["stage", "player", "choice", "value", "method", "binding"])


SHOWN_ROWS = 20  # equilibria listed in the text output


def _equilibria_table(solution: Solution) -> list[str]:
    """Return the equilibria found, the selected one starred (with a note per row when the
    notes differ)."""
    notes = [e.note or "" for e in solution.equilibria]
    per_row = len(set(notes)) > 1
    heading = f"{len(solution.equilibria)} equilibria found"
    lines = [f"{heading}:" if per_row else f"{heading} ({notes[0]}):"]
    names = list(solution.equilibria[0].equilibrium)
    players = list(solution.equilibria[0].payoffs)
    rows = []
    listed = list(zip(solution.equilibria, notes))
    if len(listed) > SHOWN_ROWS:
        starred = [x for x in listed[SHOWN_ROWS:] if x[0].selected]
        listed = listed[: SHOWN_ROWS - len(starred)] + starred
    for e, note in listed:
        rows.append(
            ["*" if e.selected else ""]
            + [number(e.equilibrium[n]) for n in names]
            + [number(e.payoffs[p]) for p in players]
            + ([note] if per_row else [])
        )
    header = ["sel"] + names + [f"payoff({p})" for p in players] + (["note"] if per_row else [])
    more = len(solution.equilibria) - len(rows)
    return lines + _table(rows, header) + ([f"  ({more} more in the JSON output)"] if more else [])


def to_latex(solution: Solution, game: Game) -> str:
    """Return an `align` block with the equilibrium (and closed forms where found)."""
    import sympy

    from gamedsl.model.game import symbol

    names = {symbol(n): latex_name(n) for n in list(game.params) + [c.var for c in game.choices]}
    body = []
    for c in game.choices:
        lhs = latex_name(c.var) + "^*"
        val = number(solution.equilibrium.get(c.var))
        expr = solution.strategy_exprs.get(c.var)
        rhs = val
        if expr is not None and expr.free_symbols:
            rhs = f"{sympy.latex(expr, symbol_names=names)} = {val}"
        body.append(f"{lhs} &= {rhs}")
    for p, v in solution.payoffs.items():
        body.append(f"{payoff_name(p)} &= {number(v)}")
    for r, v in solution.reports.items():
        body.append(f"{label(r)} &= {number(v)}")
    for key, pieces in solution.closed_forms.items():
        if key.startswith("payoff("):
            lhs = payoff_name(key[len("payoff(") : -1])
        elif key in solution.reports:
            lhs = label(key)
        elif key in solution.equilibrium:
            lhs = latex_name(key) + "^*"
        else:
            lhs = label(key)
        for i, p in enumerate(pieces):
            cond = "" if str(p.when) == "True" else rf" & \text{{if }} {math_latex(p.when, names)}"
            body.append(f"{lhs if i == 0 else ''} &= {math_latex(p.value, names)}{cond}")
    return "\n".join([r"\begin{align}", " \\\\\n".join(body), r"\end{align}"])


def solution_html(solution: Solution) -> str:
    """Return an HTML summary for a notebook: equilibrium, payoffs, reports, stages, check."""

    def table(title: str, m: Mapping[str, Any]) -> str:
        if not m:
            return ""
        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(number(v))}</td></tr>"
            for k, v in m.items()
        )
        return f"<tr><th colspan='2' style='text-align:left'>{title}</th></tr>{rows}"

    head = html.escape(solution.game or "game")
    if solution.scenario:
        head += f" — scenario {html.escape(solution.scenario)}"
    stages = "; ".join(
        f"{html.escape(s.name)}: {s.method}"
        + (f" ({html.escape(', '.join(s.binding))} binds)" if s.binding else "")
        for s in solution.stages
    )
    v = solution.verification
    check = (
        "verified: no profitable deviation"
        if v.ok
        else f"NOT verified: {html.escape(str(v.worst))}"
    )
    warn = "".join(f"<li>{html.escape(w)}</li>" for w in solution.warnings)
    return (
        f"<div><b>{head}</b>: subgame-perfect equilibrium<table>"
        + table("parameters", solution.parameters)
        + table("equilibrium", solution.equilibrium)
        + table("payoffs", solution.payoffs)
        + table("reports", solution.reports)
        + f"</table><p>stages: {stages}<br>{check}</p>"
        + (f"<ul>{warn}</ul>" if warn else "")
        + "</div>"
    )


def solution_latex(solution: Solution) -> str:
    """Return the equilibrium, payoffs and reports as a LaTeX aligned block (for a notebook)."""
    lines = [f"{latex_name(k)} &= {number(v)}" for k, v in solution.equilibrium.items()]
    lines += [f"{payoff_name(k)} &= {number(v)}" for k, v in solution.payoffs.items()]
    lines += [f"{label(k)} &= {number(v)}" for k, v in solution.reports.items()]
    return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"
