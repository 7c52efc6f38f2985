"""The syntax tree of a `.game` file: frozen dataclasses, each with the `Span` it was read from.

Expressions keep operator chains flat (`a + b - c` is one `Sum`), so the depth of a tree is the
nesting depth of the text (brackets, calls, `if`), not its length.  `depth` is that nesting depth,
kept so that later steps can refuse absurdly nested input before walking it recursively.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gamedsl.model.errors import Span

# ---- expressions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    """A number literal, kept as written (`0.25`, `1e-3`); converted exactly by the checker."""

    text: str
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Inf:
    """`inf`."""

    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A reference to a param, choice, let, report or def argument."""

    name: str
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Column:
    """`NAME@SCENARIO` (or `payoff(P)@SCENARIO`): a value of the equilibrium under a scenario, in
    an expression typed on the command line (`regions --by`); not part of the spec language."""

    name: str
    scenario: str
    span: Span
    payoff: bool = False
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Indexed:
    """`q[i+1]`: a member of a family by its index (an integer expression of indices and
    params); replaced by the member's name when families are expanded."""

    name: str
    index: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class IndexedSum:
    """`sum(j in LO..HI, BODY)`: BODY summed over the integers j from LO to HI."""

    index: str
    index_span: Span
    lo: Expr
    hi: Expr
    body: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """`f(x, y)`: a def or a built-in (min max abs sqrt exp log)."""

    func: str
    args: tuple[Expr, ...]
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class PayoffRef:
    """`payoff(P)` (or `payoff(F[i])`, a family member's payoff: `index` is set)."""

    player: str
    span: Span
    player_span: Span
    depth: int = field(default=1, compare=False)
    index: Expr | None = None


@dataclass(frozen=True, slots=True)
class Neg:
    """Unary minus."""

    operand: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Sum:
    """`t0 ± t1 ± t2 ...`: `signs[i]` is '+' or '-' for `terms[i]` (the first is '+')."""

    terms: tuple[Expr, ...]
    signs: tuple[str, ...]
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Product:
    """`f0 */ f1 */ f2 ...`: `ops[i]` is '*' or '/' for `factors[i]` (the first is '*')."""

    factors: tuple[Expr, ...]
    ops: tuple[str, ...]
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Power:
    """`base ^ exponent` (right-associative chains are nested Powers)."""

    base: Expr
    exponent: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    """`left OP right` with OP one of < <= > >= == !=."""

    op: str
    left: Expr
    right: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`a and b and c` or `a or b or c`."""

    op: str
    operands: tuple[Expr, ...]
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    """`not C`."""

    operand: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Iverson:
    """`[C]`: 1 when C holds, else 0."""

    condition: Expr
    span: Span
    depth: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class IfElse:
    """`if C then X else Y`."""

    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span
    depth: int = field(default=1, compare=False)


Expr = (
    Number
    | Inf
    | Name
    | Column
    | Indexed
    | IndexedSum
    | Call
    | PayoffRef
    | Neg
    | Sum
    | Product
    | Power
    | Compare
    | BoolOp
    | Not
    | Iverson
    | IfElse
)


def children(expr: Expr) -> tuple[Expr, ...]:
    """Return the direct sub-expressions of `expr`."""
    if isinstance(expr, (Sum,)):
        return expr.terms
    if isinstance(expr, Product):
        return expr.factors
    if isinstance(expr, BoolOp):
        return expr.operands
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, (Neg, Not)):
        return (expr.operand,)
    if isinstance(expr, Power):
        return (expr.base, expr.exponent)
    if isinstance(expr, Compare):
        return (expr.left, expr.right)
    if isinstance(expr, Iverson):
        return (expr.condition,)
    if isinstance(expr, IfElse):
        return (expr.condition, expr.then, expr.otherwise)
    if isinstance(expr, Indexed):
        return (expr.index,)
    if isinstance(expr, IndexedSum):
        return (expr.lo, expr.hi, expr.body)
    if isinstance(expr, PayoffRef) and expr.index is not None:
        return (expr.index,)
    return ()


def walk(expr: Expr):
    """Yield `expr` and all its sub-expressions (iteratively, parents first)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


# ---- domains ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bound:
    """One bound of a domain: `op` is >= > <= <, `text` the bound expression as written."""

    op: str
    expr: Expr
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain as written.  `kind` is 'interval' (`in [lo, hi)`: `bounds` holds a lower bound
    `>=`/`>` and an upper bound `<=`/`<`), 'bounds' (`>= lo`, `>= lo, <= hi`, in written order),
    'set' (`in {a, b}`: `elements`) or 'range' (`in {lo..hi}`: `elements` = (lo, hi))."""

    kind: str
    bounds: tuple[Bound, ...]
    elements: tuple[Expr, ...]
    text: str
    span: Span


# ---- statements -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Family:
    """`[i] for i in LO..HI` after a declared name: the members NAME[LO] .. NAME[HI]."""

    index: str
    lo: Expr
    hi: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Title:
    """`game "TITLE"`."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class ParamDecl:
    """`param NAME [= DEFAULT] [DOMAIN] [DESCRIPTION]` (or `policy ...`)."""

    name: str
    default: Expr | None
    domain: Domain | None
    description: str | None
    policy: bool
    span: Span
    name_span: Span
    family: Family | None = None


@dataclass(frozen=True, slots=True)
class Assume:
    """`assume COND`; `text` is the condition as written."""

    condition: Expr
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class PlayerDecl:
    """`player NAME [DESCRIPTION]` (or a family: `player F[i] for i in 1..n [symmetric]`)."""

    name: str
    description: str | None
    span: Span
    name_span: Span
    family: Family | None = None
    symmetric: bool = False


@dataclass(frozen=True, slots=True)
class LetDecl:
    """`let NAME = EXPR ["description"]` (at top level, or inside a scenario to replace a let)."""

    name: str
    expr: Expr
    span: Span
    name_span: Span
    family: Family | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class DefDecl:
    """`def NAME(ARGS) = EXPR`."""

    name: str
    args: tuple[str, ...]
    arg_spans: tuple[Span, ...]
    body: Expr
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class ChoiceLine:
    """`PLAYER chooses VAR [DOMAIN] [when COND] [otherwise EXPR] [DESCRIPTION]`."""

    player: str
    var: str
    domain: Domain | None
    condition: Expr | None
    otherwise: Expr | None
    description: str | None
    span: Span
    player_span: Span
    var_span: Span
    player_index: Expr | None = None  # `F[i] chooses q[i]`: the member's index
    var_index: Expr | None = None


@dataclass(frozen=True, slots=True)
class DrawLine:
    """`nature draws VAR in {v: p, ...} [private to P, ...] ["description"]`: a chance move.
    `outcomes` pairs each value with its probability (None: equal probabilities)."""

    var: str
    outcomes: tuple[tuple[Expr, Expr | None], ...]
    value_range: tuple[Expr, Expr] | None  # `{lo..hi}`, equal probabilities
    private_to: tuple[tuple[str, Expr | None, Span], ...]
    description: str | None
    span: Span
    var_span: Span
    value_texts: tuple[str, ...] = ()  # each value as written (members are named q[c2=1])


@dataclass(frozen=True, slots=True)
class Placement:
    """`after OTHER` or `before OTHER` in a stage header."""

    where: str
    other: str
    span: Span
    other_span: Span


@dataclass(frozen=True, slots=True)
class StageDecl:
    """`stage NAME [after|before OTHER] [when COND]:` and its choice lines."""

    name: str
    placement: Placement | None
    condition: Expr | None
    choices: tuple[ChoiceLine | DrawLine, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class PayoffDecl:
    """`payoff PLAYER = EXPR` (or `payoff F[i] = EXPR` for every member of a family)."""

    player: str
    expr: Expr
    span: Span
    name_span: Span
    index: Expr | None = None


@dataclass(frozen=True, slots=True)
class ReportDecl:
    """`report NAME = EXPR ["description"]`."""

    name: str
    expr: Expr
    span: Span
    name_span: Span
    family: Family | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """`fix VAR = EXPR` (in a scenario)."""

    var: str
    expr: Expr
    span: Span
    name_span: Span
    index: Expr | None = None


@dataclass(frozen=True, slots=True)
class SetParam:
    """`set PARAM = EXPR` (in a scenario)."""

    name: str
    expr: Expr
    span: Span
    name_span: Span
    index: Expr | None = None


@dataclass(frozen=True, slots=True)
class Merge:
    """`merge A, B[, C...] as AB` (in a scenario)."""

    players: tuple[str, ...]
    player_spans: tuple[Span, ...]
    merged: str
    span: Span
    merged_span: Span
    indices: tuple[Expr | None, ...] = ()


ScenarioStatement = Fix | SetParam | Merge | PayoffDecl | LetDecl


@dataclass(frozen=True, slots=True)
class ScenarioDecl:
    """`scenario NAME ["TITLE"]:` and its statements."""

    name: str
    title: str | None
    statements: tuple[ScenarioStatement, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Use:
    """`use "FILE"` or `use stdlib:NAME`; `target` is the path or `stdlib:NAME`."""

    target: str
    span: Span


@dataclass(frozen=True, slots=True)
class Extends:
    """`extends "FILE"` or `extends stdlib:NAME`."""

    target: str
    span: Span


Statement = (
    Title
    | ParamDecl
    | Assume
    | PlayerDecl
    | LetDecl
    | DefDecl
    | StageDecl
    | PayoffDecl
    | ReportDecl
    | ScenarioDecl
    | Use
    | Extends
)


@dataclass(frozen=True, slots=True)
class Module:
    """A parsed `.game` file: its statements in written order (blocks grouped)."""

    file: str
    statements: tuple[Statement, ...]
