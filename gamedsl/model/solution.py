"""The solved game: the contract between the solver and everything that reports or analyses it."""

from __future__ import annotations

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
class ClosedPiece:
    """One piece of a closed form in the params: its value and the condition on params under
    which it holds (`sympy.true` where it holds throughout); both sympy objects."""

    value: Any
    when: Any


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
    # per choice: how far its value may be from the exact one (0: a closed form or an exact
    # solution; a numeric value's uncertainty otherwise)
    accuracy: Mapping[str, float] = field(default_factory=dict)
    # what the solve had to settle, for the flags of sweeps, regions and compare: "several
    # equilibria", "first in domain order", "continuum of optima", "not verified"
    flags: tuple[str, ...] = ()
    # continua of optima (DESIGN "ties"): the player, the variables and the segment's two ends
    ties: tuple[Mapping[str, Any], ...] = ()
    # per combination of draw values (DESIGN §1b): {"c2=1": {"probability", "payoffs", "reports"}}
    by_draw: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # a choice played in mixed strategies (DESIGN §1b): its distribution, [(value, probability)]
    # in domain order (its expected value is in `equilibrium`)
    mixed: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    # with --symbolic: every choice, `payoff(P)` and report on the path in the params only, as
    # pieces (DESIGN §2 `closed_forms`)
    closed_forms: Mapping[str, tuple[ClosedPiece, ...]] = field(default_factory=dict)

    # the Python API's shortcuts to gamedsl.report.solution
    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of DESIGN §2 (NaN is null, infinities "inf"/"-inf")."""
        from gamedsl.report.solution import solution_dict

        return solution_dict(self)

    def _repr_html_(self) -> str:
        """Return an HTML summary for Jupyter: equilibrium, payoffs, reports, stages, check."""
        from gamedsl.report.solution import solution_html

        return solution_html(self)

    def _repr_latex_(self) -> str:
        """Return the equilibrium, payoffs and reports as a LaTeX aligned block (for Jupyter)."""
        from gamedsl.report.solution import solution_latex

        return solution_latex(self)
