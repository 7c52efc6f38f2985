"""The checked game: the contract between the checker (which builds it) and the solver.

Every expression here is a sympy object built straight from the AST (never from text).  Symbols
are `sympy.Symbol(name, real=True)` for params and choice variables.  Lets, defs and `payoff(P)`
references are already inlined, so payoffs, reports, bounds and conditions mention only param
symbols and choice symbols.  `[C]` is `Piecewise((1, C), (0, True))`, `if C then X else Y` is
`Piecewise((X, C), (Y, True))`, `min/max/abs` are `Min/Max/Abs`, `inf` is `sympy.oo`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy

from gamedsl.model.errors import Span, SpecError


def symbol(name: str) -> sympy.Symbol:
    """Return the sympy symbol gamedsl uses for a param or choice variable called `name`."""
    return sympy.Symbol(name, real=True)


@dataclass(frozen=True)
class Domain:
    """Where a param or a choice lives: an interval (bounds may be None = unbounded) or a finite set.

    `lower_text`/`upper_text` are the bound expressions as written (for messages such as the
    binding bound "qF >= 0").  For a finite set, `elements` lists the values in written order; a
    range `{lo..hi}` whose ends are not literal integers is kept as `int_range` and expanded at
    param values by the solver.
    """

    lower: sympy.Expr | None = None
    lower_strict: bool = False
    upper: sympy.Expr | None = None
    upper_strict: bool = False
    elements: tuple[sympy.Expr, ...] | None = None
    int_range: tuple[sympy.Expr, sympy.Expr] | None = None
    lower_text: str | None = None
    upper_text: str | None = None
    text: str = ""
    span: Span | None = None

    @property
    def is_finite(self) -> bool:
        """Return True for a finite set (a discrete choice)."""
        return self.elements is not None or self.int_range is not None

    def free_symbols(self) -> set[sympy.Symbol]:
        """Return the symbols the bounds or elements depend on."""
        out: set[sympy.Symbol] = set()
        for e in (self.lower, self.upper, *(self.elements or ()), *(self.int_range or ())):
            if e is not None:
                out |= set(getattr(e, "free_symbols", ()))
        return out


@dataclass(frozen=True)
class Param:
    """A parameter (`param`) or a policy parameter (`policy`)."""

    name: str
    symbol: sympy.Symbol
    default: sympy.Expr | None
    domain: Domain | None
    description: str | None
    policy: bool
    span: Span


@dataclass(frozen=True)
class Player:
    """A player.  A merged player (scenario `merge A, B as AB`) lists its `members`; each member
    keeps its entry with `merged_into` set to the merged player's name.  A player who chooses
    knowing a draw acts through one agent per value it sees (`F2[c2=1]`, DESIGN §1b): an agent
    names the player it acts for in `agent_of` and is not reported as a player of its own."""

    name: str
    description: str | None
    span: Span
    members: tuple[str, ...] = ()
    merged_into: str | None = None
    agent_of: str | None = None


@dataclass(frozen=True)
class Choice:
    """One choice line: `PLAYER chooses VAR [DOMAIN] [when COND otherwise EXPR] ["description"]`.

    `player` is the decision maker after scenario merges.  `condition` is the combined `when` of
    the stage and the line (None = always chosen); when it is false the variable equals
    `otherwise`.  `fixed` is set by a scenario `fix VAR = EXPR`: nobody chooses it then.
    """

    var: str
    symbol: sympy.Symbol
    player: str
    stage: str
    domain: Domain | None
    condition: sympy.Basic | None = None
    otherwise: sympy.Expr | None = None
    fixed: sympy.Expr | None = None
    description: str | None = None
    span: Span | None = None


@dataclass(frozen=True)
class Draw:
    """A chance move: `nature draws VAR in {v: p, ...} [private to P, ...]` (DESIGN §1b).

    `outcomes` pairs each value with its probability (expressions of params); a range `{lo..hi}`
    with equal probabilities is kept as `value_range` and expanded at param values.  Players in
    `private_to` observe the value; everyone else does not.
    """

    var: str
    symbol: sympy.Symbol
    stage: str
    outcomes: tuple[tuple[sympy.Expr, sympy.Expr], ...] = ()
    value_range: tuple[sympy.Expr, sympy.Expr] | None = None
    private_to: tuple[str, ...] = ()
    description: str | None = None
    span: Span | None = None
    value_texts: tuple[str, ...] = ()  # the values as written (for names such as q2[c2=1])
    line_span: Span | None = None  # the whole chance line (`nature draws ...`)
    probability_spans: tuple[Span | None, ...] = ()  # each written probability (None: implied)


def distribution_error(draw: Draw, subs: Mapping) -> SpecError | None:
    """Return the error when the probabilities of `draw` at param values `subs` are not a
    distribution: one negative (pointing at it) or a total other than 1 (at the chance line)."""
    from gamedsl.model.numbers import number

    total = 0.0
    spans = draw.probability_spans or (None,) * len(draw.outcomes)
    for (value, prob), span in zip(draw.outcomes, spans):
        p = float(prob.xreplace(subs))
        at = ", ".join(
            f"{s.name} = {number(subs[s])}"
            for s in sorted(prob.free_symbols, key=lambda s: s.name)
            if s in subs
        )
        if not math.isfinite(p) or p < -1e-12:
            return SpecError(
                f"the probability of {draw.var} = {number(float(value.xreplace(subs)))} is "
                f"{number(p)}{' at ' + at if at else ''}: a probability cannot be negative",
                span or draw.line_span or draw.span,
                "change the param values or the probabilities",
            )
        total += p
    if abs(total - 1.0) > 1e-9:
        return SpecError(
            f"the probabilities of {draw.var} sum to {number(total)}: they must sum to 1",
            draw.line_span or draw.span,
            "make the probabilities add up to 1 (write the last one as 1 minus the others)",
        )
    return None


@dataclass(frozen=True)
class Branch:
    """One combination of draw values: `label` (`c2=1`), its probability (an expression of
    params) and the substitution that makes an expression of the written-out game this
    branch's (draw symbols to values, choices made knowing the draws to their copies)."""

    label: str
    probability: sympy.Expr
    substitution: Mapping[sympy.Symbol, sympy.Expr]


@dataclass(frozen=True)
class Chance:
    """The chance moves of a game and their branches (DESIGN §1b): the game's payoffs and
    reports are expectations over the branches; `payoffs`/`reports` here are the expressions
    before the expectation, for the values per draw (`by_draw`).  `copies` maps a choice made
    knowing a draw to the names of its copies (`q2` -> `q2[c2=1]`, `q2[c2=2]`)."""

    draws: tuple[Draw, ...]
    branches: tuple[Branch, ...]
    payoffs: Mapping[str, sympy.Expr]
    reports: Mapping[str, sympy.Expr]
    copies: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Stage:
    """A stage: simultaneous choices (and chance moves), played in order."""

    name: str
    choices: tuple[Choice, ...]
    condition: sympy.Basic | None = None
    span: Span | None = None
    draws: tuple[Draw, ...] = ()

    @property
    def players(self) -> tuple[str, ...]:
        """Return the names of the players choosing in this stage, in order of first appearance."""
        seen: list[str] = []
        for c in self.choices:
            if c.player not in seen:
                seen.append(c.player)
        return tuple(seen)


@dataclass(frozen=True)
class Assumption:
    """An `assume COND` statement."""

    condition: sympy.Basic
    text: str
    span: Span


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario the game declares (its statements are applied by the checker on request)."""

    name: str
    title: str | None
    span: Span


@dataclass(frozen=True)
class Game:
    """A checked game, with one scenario (or none) applied."""

    title: str | None
    path: str
    params: Mapping[str, Param]
    players: Mapping[str, Player]
    stages: tuple[Stage, ...]
    payoffs: Mapping[str, sympy.Expr]
    reports: Mapping[str, sympy.Expr]
    lets: Mapping[str, sympy.Expr] = field(default_factory=dict)
    assumptions: tuple[Assumption, ...] = ()
    scenarios: Mapping[str, ScenarioInfo] = field(default_factory=dict)
    scenario: str | None = None
    payoff_spans: Mapping[str, Span] = field(default_factory=dict)
    report_spans: Mapping[str, Span] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    is_module: bool = False
    # families (DESIGN §1b): name -> its members' names, and the names of `symmetric` ones
    families: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    symmetric: tuple[str, ...] = ()
    # params whose values decide the game's shape (family ranges): another value expands again
    structural: tuple[str, ...] = ()
    chance: Chance | None = None  # the draws, written out as choices per value (DESIGN §1b)

    def __post_init__(self) -> None:
        for name in (
            "params",
            "players",
            "payoffs",
            "reports",
            "lets",
            "scenarios",
            "payoff_spans",
            "report_spans",
            "sources",
            "families",
        ):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    @property
    def choices(self) -> tuple[Choice, ...]:
        """Return every choice in stage order."""
        return tuple(c for s in self.stages for c in s.choices)

    @property
    def draws(self) -> tuple[Draw, ...]:
        """Return every chance move in stage order."""
        return tuple(d for s in self.stages for d in s.draws)

    @property
    def decision_players(self) -> tuple[str, ...]:
        """Return the players who act (members of a merged player are replaced by it)."""
        return tuple(n for n, p in self.players.items() if p.merged_into is None)

    def choice(self, var: str) -> Choice:
        """Return the choice of variable `var`."""
        for c in self.choices:
            if c.var == var:
                return c
        raise KeyError(var)
