"""The solved game: the contract between the solver and everything that reports or analyses it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StageReport:
    """How one stage was solved: `method` is symbolic, numeric, fixed or skipped; `binding` lists
    the bounds that hold with equality on the equilibrium path, as written (`"qF >= 0"`)."""

    name: str
    method: str
    binding: tuple[str, ...] = ()
    equilibria: int = 1


@dataclass(frozen=True)
class Verification:
    """The deviation check: for every player and choice on the path, the best deviation found
    (re-solving later stages) gains at most `max_gain`; `ok` when that is within tolerance."""

    ok: bool
    max_gain: float
    worst: str | None = None


@dataclass(frozen=True)
class EquilibriumPath:
    """One subgame-perfect equilibrium: the values on its path, payoffs and reports."""

    equilibrium: Mapping[str, float]
    payoffs: Mapping[str, float]
    reports: Mapping[str, float]
    selected: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Solution:
    """A solved game: the selected subgame-perfect equilibrium and how it was obtained."""

    game: str | None
    scenario: str | None
    parameters: Mapping[str, float]
    equilibrium: Mapping[str, float]
    payoffs: Mapping[str, float]
    reports: Mapping[str, float]
    strategies: Mapping[str, str]
    stages: tuple[StageReport, ...]
    verification: Verification
    equilibria: tuple[EquilibriumPath, ...] = ()
    warnings: tuple[str, ...] = ()
    regime: str = ""
    conditions: Mapping[str, str] = field(default_factory=dict)
    strategy_exprs: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of DESIGN.md §2 (infinite values become "inf"/"-inf")."""
        out: dict[str, Any] = {
            "game": self.game,
            "scenario": self.scenario,
            "parameters": _numbers(self.parameters),
            "equilibrium": _numbers(self.equilibrium),
            "payoffs": _numbers(self.payoffs),
            "reports": _numbers(self.reports),
            "strategies": dict(self.strategies),
            "stages": [
                {"name": s.name, "method": s.method, "binding": list(s.binding)}
                for s in self.stages
            ],
            "equilibria": [
                {
                    "equilibrium": _numbers(e.equilibrium),
                    "payoffs": _numbers(e.payoffs),
                    "reports": _numbers(e.reports),
                    "selected": e.selected,
                    **({"note": e.note} if e.note else {}),
                }
                for e in self.equilibria
            ],
            "verification": {
                "ok": self.verification.ok,
                "max_gain": json_number(self.verification.max_gain),
            },
            "warnings": list(self.warnings),
        }
        if self.conditions:
            out["conditions"] = dict(self.conditions)
        if self.regime:
            out["regime"] = self.regime
        return out

    def _repr_html_(self) -> str:
        """Return an HTML summary for Jupyter: equilibrium, payoffs, reports, stages, check."""
        import html

        def table(title: str, m: Mapping[str, Any]) -> str:
            if not m:
                return ""
            rows = "".join(
                f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_shown(v))}</td></tr>"
                for k, v in m.items()
            )
            return f"<tr><th colspan='2' style='text-align:left'>{title}</th></tr>{rows}"

        head = html.escape(self.game or "game") + (
            f" — scenario {html.escape(self.scenario)}" if self.scenario else ""
        )
        stages = "; ".join(
            f"{html.escape(s.name)}: {s.method}"
            + (f" ({html.escape(', '.join(s.binding))} binds)" if s.binding else "")
            for s in self.stages
        )
        check = (
            "verified: no profitable deviation"
            if self.verification.ok
            else f"NOT verified: {html.escape(str(self.verification.worst))}"
        )
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        return (
            f"<div><b>{head}</b>: subgame-perfect equilibrium<table>"
            + table("parameters", self.parameters)
            + table("equilibrium", self.equilibrium)
            + table("payoffs", self.payoffs)
            + table("reports", self.reports)
            + f"</table><p>stages: {stages}<br>{check}</p>"
            + (f"<ul>{warn}</ul>" if warn else "")
            + "</div>"
        )

    def _repr_latex_(self) -> str:
        """Return the equilibrium, payoffs and reports as a LaTeX aligned block (for Jupyter)."""

        def name(n: str) -> str:
            return (
                n.replace("_", r"\_") if len(n) == 1 else r"\mathrm{" + n.replace("_", r"\_") + "}"
            )

        lines = [f"{name(k)} &= {_shown(v)}" for k, v in self.equilibrium.items()]
        lines += [r"\pi_{" + name(k) + "} &= " + _shown(v) for k, v in self.payoffs.items()]
        lines += [f"{name(k)} &= {_shown(v)}" for k, v in self.reports.items()]
        return "$$\\begin{aligned}" + r" \\ ".join(lines) + "\\end{aligned}$$"


def json_number(x: Any) -> Any:
    """Return a JSON-safe number: ints stay ints, floats stay floats, infinities become "inf"."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def _shown(x: Any) -> str:
    """Return a number for a notebook table (6 significant digits, integers plainly)."""
    v = json_number(x)
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _numbers(m: Mapping[str, Any]) -> dict[str, Any]:
    return {k: json_number(v) for k, v in m.items()}
