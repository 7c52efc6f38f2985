"""Comparative statics as JSON and as a text table per param."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gamedsl.model.numbers import json_value, number

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.analysis import Derivative, Statics

HEADER = ("kind", "value", "sign", "sign where it holds", "derivative", "method")


def derivative_dict(d: Derivative) -> dict[str, Any]:
    """Return the JSON object of one derivative."""
    return {
        "quantity": d.quantity,
        "kind": d.kind,
        "value": json_value(d.value),
        "sign": d.sign,
        "sign_everywhere": d.sign_everywhere,
        "derivative": d.expression,
        "method": d.method,
        "difference": json_value(d.difference),
    }


def statics_dict(s: Statics) -> dict[str, Any]:
    """Return the JSON object of the statics: the point, its regime and, per param, the
    derivatives."""
    return {
        "game": s.game,
        "scenario": s.scenario,
        "parameters": {k: json_value(v) for k, v in s.parameters.items()},
        "regime": s.regime,
        "closed_form": dict(s.closed_form),
        "wrt": {w: [derivative_dict(d) for d in s.derivatives if d.wrt == w] for w in s.wrt},
        "warnings": list(s.warnings),
    }


def statics_json(s: Statics) -> str:
    """Return the statics as JSON."""
    return json.dumps(statics_dict(s), indent=2, allow_nan=False)


def statics_text(s: Statics) -> str:
    """Return a readable table per param: value, sign, sign where the closed form holds,
    derivative, method."""
    lines = [
        f"{s.game or 'game'}: comparative statics"
        + (f" (scenario {s.scenario})" if s.scenario else "")
    ]
    lines.append("at " + ", ".join(f"{k} = {number(v)}" for k, v in s.parameters.items()))
    lines.append(f"regime: {s.regime}")
    for w in s.wrt:
        rows = [
            [
                d.quantity,
                d.kind,
                number(d.value),
                d.sign,
                d.sign_everywhere or "",
                d.expression if d.expression is not None else "",
                d.method,
            ]
            for d in s.derivatives
            if d.wrt == w
        ]
        header = [f"d/d{w}", *HEADER]
        widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
        lines.append("")
        lines.append("  ".join(h.ljust(wd) for h, wd in zip(header, widths)).rstrip())
        lines.append("  ".join("-" * wd for wd in widths))
        for r in rows:
            lines.append("  ".join(c.ljust(wd) for c, wd in zip(r, widths)).rstrip())
    if s.warnings:
        lines.append("")
        lines += [f"warning: {w}" for w in s.warnings]
    return "\n".join(lines)
