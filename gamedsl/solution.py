"""The solved game: the contract between the solver and everything that reports or analyses it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping


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
                {"name": s.name, "method": s.method, "binding": list(s.binding)} for s in self.stages
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
            "verification": {"ok": self.verification.ok, "max_gain": _number(self.verification.max_gain)},
            "warnings": list(self.warnings),
        }
        if self.conditions:
            out["conditions"] = dict(self.conditions)
        if self.regime:
            out["regime"] = self.regime
        return out


def _number(x: Any) -> Any:
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


def _numbers(m: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _number(v) for k, v in m.items()}
