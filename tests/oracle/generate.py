"""Random games for differential testing, each written twice: as `.game` text for gamedsl and as
the structured description `oracle.Game` for the brute-force oracle.

Both come from one small expression tree (`Ex`): a node knows its text (fully parenthesised, so
precedence cannot differ) and its numpy function, so the two renderings cannot drift apart.

`generate(cls, seed)` is the plain seeded generator; `games()` is the hypothesis strategy (a class
and a `random.Random` drawn by hypothesis).  The classes (`CLASSES`):

- `lq`: linear-quadratic quantity games, 2-4 stages (2-3 of quantities, leaders and followers,
  simultaneous Cournot-like stages of up to 3 firms, and an investment stage first), own and cross effects, quadratic costs, capacities (upper bounds, some
  depending on an earlier choice), sometimes a discrete investment stage first;
- `kinks`: one or two stages with `min`, `max`, `abs` in the payoffs;
- `iverson`: a threshold penalty `p*[x < theta]` (or `if ... then ... else`), alone or after a
  regulator who sets the threshold or the fine (the follower switches: strong-Stackelberg ties);
- `entry`: entry `{0, 1}` then quantity competition (commitment before entry, or Cournot after);
- `contract`: a contract (a wage, a bonus rate, or a wage and a quality in one stage),
  accept/reject `{0, 1}` (participation), then effort when accepted;
- `contest`: Tullock contests `x1/(x1 + x2)` guarded at a zero sum, simultaneous or sequential;
- `merge`: Cournot/Stackelberg firms of which two merge (`merge`), solved in that scenario;
- `fix`: a leader-follower or regulator game solved in a scenario that pins a choice (`fix`);
- `finite`: small discrete games (some with no pure equilibrium, some with several).

Parameters are drawn so that every payoff is bounded on its box and a (pure) equilibrium is
generic; knife-edge ties are left to the classes about them (a merger with equal linear costs is
indifferent between splits; discrete games with equal payoffs), where the test accepts any tied
equilibrium.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tests.oracle import oracle

CLASSES = (
    "lq",
    "kinks",
    "iverson",
    "entry",
    "contract",
    "contest",
    "merge",
    "fix",
    "finite",
)


# ----------------------------------------------------------------------------- expressions
# precedence, loosest first (DESIGN §1): if/then/else, comparisons, + -, * /, unary minus, ^, atoms
IF, CMP, SUM, PRODUCT, UNARY, POWER, ATOM = range(7)


class Ex:
    """An expression: its `.game` text and its numpy function of the env (names -> arrays).
    `prec` is the precedence of its outermost operator: parentheses go in only where needed."""

    def __init__(self, text: str, fn: Callable, prec: int = ATOM) -> None:
        self.text = text
        self.fn = fn
        self.prec = prec

    def at(self, prec: int) -> str:
        """Return the text as an operand needing at least precedence `prec`."""
        return self.text if self.prec >= prec else f"({self.text})"

    def _bin(self, other, op: str, f: Callable, prec: int, swap: bool = False) -> Ex:
        other = lift(other)
        a, b = (other, self) if swap else (self, other)
        fa, fb = a.fn, b.fn
        right = prec + 1 if op in "-/" else prec  # a - (b - c), a / (b * c)
        return Ex(f"{a.at(prec)} {op} {b.at(right)}", lambda v: f(fa(v), fb(v)), prec)

    def __add__(self, o):
        return self._bin(o, "+", np.add, SUM)

    def __radd__(self, o):
        return self._bin(o, "+", np.add, SUM, swap=True)

    def __sub__(self, o):
        return self._bin(o, "-", np.subtract, SUM)

    def __rsub__(self, o):
        return self._bin(o, "-", np.subtract, SUM, swap=True)

    def __mul__(self, o):
        return self._bin(o, "*", np.multiply, PRODUCT)

    def __rmul__(self, o):
        return self._bin(o, "*", np.multiply, PRODUCT, swap=True)

    def __truediv__(self, o):
        return self._bin(o, "/", _divide, PRODUCT)

    def __rtruediv__(self, o):
        return self._bin(o, "/", _divide, PRODUCT, swap=True)

    def __pow__(self, k: int):
        f = self.fn
        return Ex(f"{self.at(ATOM)}^{int(k)}", lambda v: f(v) ** int(k), POWER)

    def __neg__(self):
        f = self.fn
        return Ex(f"-{self.at(POWER)}", lambda v: -f(v), UNARY)

    # comparisons give conditions (non-associative: operands are sums or tighter)
    def _cmp(self, o, op, f) -> Ex:
        o = lift(o)
        fa, fb = self.fn, o.fn
        return Ex(f"{self.at(SUM)} {op} {o.at(SUM)}", lambda v: f(fa(v), fb(v)), CMP)

    def lt(self, o):
        return self._cmp(o, "<", np.less)

    def le(self, o):
        return self._cmp(o, "<=", np.less_equal)

    def gt(self, o):
        return self._cmp(o, ">", np.greater)

    def ge(self, o):
        return self._cmp(o, ">=", np.greater_equal)

    def eq(self, o):
        return self._cmp(o, "==", np.equal)


def _divide(a, b):
    with np.errstate(all="ignore"):
        return np.divide(a, b)


def num(x: float) -> Ex:
    x = float(x)
    text = repr(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)
    return Ex(text, lambda v: x, UNARY if x < 0 else ATOM)


def lift(x) -> Ex:
    return x if isinstance(x, Ex) else num(x)


def name(n: str) -> Ex:
    return Ex(n, lambda v: v[n])


def call(fname: str, f: Callable, *args) -> Ex:
    args = [lift(a) for a in args]
    fns = [a.fn for a in args]
    return Ex(
        f"{fname}({', '.join(a.text for a in args)})",
        lambda v: f(*(g(v) for g in fns)),
    )


def emin(a, b) -> Ex:
    return call("min", np.minimum, a, b)


def emax(a, b) -> Ex:
    return call("max", np.maximum, a, b)


def eabs(a) -> Ex:
    return call("abs", np.abs, a)


def iverson(cond: Ex) -> Ex:
    f = cond.fn
    return Ex(f"[{cond.text}]", lambda v: np.asarray(f(v)).astype(float))


def ite(cond: Ex, a, b) -> Ex:
    a, b = lift(a), lift(b)
    fc, fa, fb = cond.fn, a.fn, b.fn
    return Ex(
        f"if {cond.text} then {a.text} else {b.text}", lambda v: np.where(fc(v), fa(v), fb(v)), IF
    )


def total(terms) -> Ex:
    terms = [lift(t) for t in terms]
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


# ----------------------------------------------------------------------------- games
@dataclass
class _Choice:
    player: str
    var: str
    domain: tuple  # ("interval", lo Ex, hi Ex) or ("finite", values)
    when: Ex | None = None
    otherwise: Ex | None = None


@dataclass
class Builder:
    """Collects a game's statements; `build` renders the text and the oracle's description."""

    title: str
    params: dict[str, float] = field(default_factory=dict)
    players: list[str] = field(default_factory=list)
    lets: dict[str, Ex] = field(default_factory=dict)
    stages: list[tuple[str, list[_Choice]]] = field(default_factory=list)
    payoffs: dict[str, Ex] = field(default_factory=dict)
    fixes: dict[str, Ex] = field(default_factory=dict)  # the scenario's `fix`
    merge: tuple[tuple[str, ...], str] | None = None  # the scenario's `merge`
    scenario: str | None = None
    notes: list[str] = field(default_factory=list)

    def param(self, n: str, value: float) -> Ex:
        self.params[n] = float(value)
        return name(n)

    def let(self, n: str, e: Ex) -> Ex:
        self.lets[n] = e
        f = e.fn
        return Ex(n, lambda v: f(v))

    def stage(self, sname: str, *choices: _Choice) -> None:
        self.stages.append((sname, list(choices)))

    def build(self, cls: str, seed: int) -> GeneratedGame:
        return GeneratedGame(cls, seed, self.text(), self.scenario, self.oracle_game(), self.title)

    # ------------------------------------------------------------------ text
    def text(self) -> str:
        out = [f'game "{self.title}"', ""]
        out += [f"param {n} = {num(v).text}" for n, v in self.params.items()]
        out += [f"player {p}" for p in self.players]
        out += [f"let {n} = {e.text}" for n, e in self.lets.items()]
        for sname, choices in self.stages:
            out.append(f"stage {sname}:")
            for c in choices:
                line = f"  {c.player} chooses {c.var} {_domain_text(c.domain)}"
                if c.when is not None:
                    line += f" when {c.when.text} otherwise {c.otherwise.text}"
                out.append(line)
        out += [f"payoff {p} = {e.text}" for p, e in self.payoffs.items()]
        if self.scenario:
            out.append(f"scenario {self.scenario}:")
            for var, e in self.fixes.items():
                out.append(f"  fix {var} = {e.text}")
            if self.merge:
                members, merged = self.merge
                out.append(f"  merge {', '.join(members)} as {merged}")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ the oracle's game
    def oracle_game(self) -> oracle.Game:
        owner = {}
        payoffs = {p: e.fn for p, e in self.payoffs.items()}
        if self.merge:
            members, merged = self.merge
            owner = {m: merged for m in members}
            fns = [self.payoffs[m].fn for m in members]
            payoffs[merged] = lambda v: sum(f(v) for f in fns)
        stages = []
        for sname, choices in self.stages:
            out = []
            for c in choices:
                player = owner.get(c.player, c.player)
                if c.var in self.fixes:
                    out.append(oracle.Choice(player, c.var, None, otherwise=self.fixes[c.var].fn))
                    continue
                if c.domain[0] == "finite":
                    dom = oracle.Finite(tuple(float(x) for x in c.domain[1]))
                else:
                    dom = oracle.Interval(_bound(c.domain[1]), _bound(c.domain[2]))
                when = c.when.fn if c.when is not None else None
                other = _bound(c.otherwise) if c.otherwise is not None else 0.0
                out.append(oracle.Choice(player, c.var, dom, when, other))
            stages.append(oracle.Stage(sname, tuple(out)))
        return oracle.Game(tuple(stages), payoffs, dict(self.params))


def _bound(e: Ex):
    f = e.fn
    return lambda v: f(v)


def _domain_text(domain) -> str:
    if domain[0] == "finite":
        return "in {" + ", ".join(num(x).text for x in domain[1]) + "}"
    return f"in [{domain[1].text}, {domain[2].text}]"


def interval(lo, hi) -> tuple:
    return ("interval", lift(lo), lift(hi))


def finite(*values) -> tuple:
    return ("finite", tuple(values))


@dataclass(frozen=True)
class GeneratedGame:
    cls: str
    seed: int
    text: str  # the .game source
    scenario: str | None  # the scenario to solve (None: the baseline)
    oracle: oracle.Game = field(repr=False)
    title: str = ""

    @property
    def name(self) -> str:
        return f"{self.cls}_{self.seed}"


# ----------------------------------------------------------------------------- the classes
def _r(rng: random.Random, lo: float, hi: float, digits: int = 2) -> float:
    """A random number in [lo, hi] with `digits` decimals (exact in the text)."""
    return round(rng.uniform(lo, hi), digits)


def _lq(rng: random.Random) -> Builder:
    """Linear-quadratic quantity games: players F1..Fm (m = 2..4) in 2 stages of continuous
    choices (a leader or a simultaneous group, then a follower or a group) or a chain of 3;
    payoff (a_i - b_i*q_i - sum_j d_ij*q_j)*q_i - c_i*q_i^2/2 with d_ij <= b_i (so each stage
    game is diagonally dominant: one equilibrium), sometimes a first stage of investments."""
    m = rng.randint(2, 4)
    b = Builder("Linear-quadratic quantity game")
    players = [f"F{i + 1}" for i in range(m)]
    b.players = list(players)
    # three stages only as a chain of single leaders (the oracle searches a simultaneous stage
    # by best replies, each a search over the later stages: three deep is its budget)
    nstages = 3 if m == 3 and rng.random() < 0.5 else 2
    # an ordered partition of the players into nstages non-empty stages
    cuts = sorted(rng.sample(range(1, m), nstages - 1))
    groups = [players[i:j] for i, j in zip([0, *cuts], [*cuts, m], strict=True)]
    q = {p: name(f"q{p[1:]}") for p in players}
    a = {p: b.param(f"a{p[1:]}", _r(rng, 4, 12)) for p in players}
    slope = {p: _r(rng, 0.6, 1.5) for p in players}
    cost = {p: _r(rng, 0.1, 1.2) for p in players}
    cross = {(p, o): round(slope[p] * rng.uniform(0.1, 0.95), 2) for p in players for o in players}
    invest = rng.random() < 0.3
    inv = {}
    if invest:
        investor = rng.choice(players)
        inv[investor] = name("inv")
        b.stage("invest", _Choice(investor, "inv", finite(0, 1)))
    caps = {}
    for p in players:
        monopoly = b.params[f"a{p[1:]}"] / (2 * slope[p] + cost[p])
        caps[p] = _r(rng, 0.5, 1.6) * monopoly + 0.5
    for k, g in enumerate(groups):
        choices = []
        for p in g:
            hi: Ex = num(round(caps[p], 2))
            if k > 0 and rng.random() < 0.25:  # capacity depending on an earlier choice
                earlier = rng.choice([o for gg in groups[:k] for o in gg])
                e = round(rng.uniform(-0.5, 0.5), 2)
                base = round(caps[p] + max(0.0, -e) * caps[earlier], 2)
                hi = num(base) + e * q[earlier]
            choices.append(_Choice(p, f"q{p[1:]}", interval(0, hi)))
        b.stage(f"s{k + 1}", *choices)
    for p in players:
        demand = a[p] - slope[p] * q[p] - total(cross[p, o] * q[o] for o in players if o != p)
        pay = demand * q[p] - (cost[p] / 2) * q[p] ** 2
        if p in inv:
            boost, fee = _r(rng, 0.5, 3), _r(rng, 0.5, 6)
            pay = pay + boost * inv[p] * q[p] - fee * inv[p]
        b.payoffs[p] = pay
    return b


def _kinks(rng: random.Random) -> Builder:
    """One or two players in sequence, payoffs with `min`, `max` and `abs` kinks."""
    b = Builder("Kinked payoffs")
    U = _r(rng, 2, 8, 1)
    two = rng.random() < 0.7
    b.players = ["A", "B"] if two else ["A"]
    x, y = name("x"), name("y")
    b.stage("first", _Choice("A", "x", interval(0, U)))
    if two:
        b.stage("second", _Choice("B", "y", interval(0, U)))
    pa = _r(rng, 0, 6) * x - _r(rng, 0.3, 2) / 2 * x**2
    if rng.random() < 0.7:
        pa = pa - _r(rng, 0.2, 3) * eabs(x - _r(rng, 0, U))
    if rng.random() < 0.6:
        pa = pa + _r(rng, 0.2, 3) * emin(x, _r(rng, 0, U))
    if two:
        pa = pa + _r(rng, -1, 1) * y
        pb = _r(rng, 0, 6) * y - _r(rng, 0.3, 2) / 2 * y**2
        if rng.random() < 0.7:
            pb = pb - _r(rng, 0.2, 3) * eabs(y - _r(rng, 0, 1.5) * x)
        if rng.random() < 0.6:
            pb = pb - _r(rng, 0.2, 4) * emax(0, x + y - _r(rng, U / 2, 1.5 * U))
        b.payoffs["B"] = pb
    b.payoffs["A"] = pa
    b.payoffs = {p: b.payoffs[p] for p in b.players}
    return b


def _iverson(rng: random.Random) -> Builder:
    """A threshold penalty on x in [0, 1], alone or after a regulator R who sets the threshold
    (or the fine) and wants compliance at a cost."""
    b = Builder("Threshold penalty")
    x = name("x")
    g, k = b.param("g", _r(rng, 0.2, 2)), b.param("k", _r(rng, 0.5, 2))
    variant = rng.choice(["alone", "alone_if", "threshold", "fine"])
    base = g * x - k * x**2
    if variant in ("alone", "alone_if"):
        b.players = ["F"]
        theta, p = b.param("theta", _r(rng, 0, 1)), b.param("p", _r(rng, 0, 0.5))
        b.stage("act", _Choice("F", "x", interval(0, 1)))
        if variant == "alone":
            pay = base - p * iverson(x.lt(theta))
            if rng.random() < 0.5:
                bonus, t2 = _r(rng, 0, 0.3), _r(rng, 0, 1)
                pay = pay + bonus * iverson(x.ge(t2))
        else:
            pay = ite(x.ge(theta), base, base - p)
        b.payoffs["F"] = pay
        return b
    b.players = ["R", "F"]
    beta, gamma = _r(rng, 0.2, 2), _r(rng, 0.1, 2)
    if variant == "threshold":
        p = b.param("p", _r(rng, 0.02, 0.4))
        theta = name("theta")
        b.stage("regulate", _Choice("R", "theta", interval(0, 1)))
        b.stage("act", _Choice("F", "x", interval(0, 1)))
        b.payoffs["R"] = beta * x - gamma * theta**2 + _r(rng, 0, 0.5) * p * iverson(x.lt(theta))
        b.payoffs["F"] = base - p * iverson(x.lt(theta))
    else:
        theta = b.param("theta", _r(rng, 0.3, 1))
        p = name("p")
        b.stage("regulate", _Choice("R", "p", interval(0, _r(rng, 0.1, 1))))
        b.stage("act", _Choice("F", "x", interval(0, 1)))
        b.payoffs["R"] = beta * x - gamma * p**2 + _r(rng, 0, 0.9) * p * iverson(x.lt(theta))
        b.payoffs["F"] = base - p * iverson(x.lt(theta))
    return b


def _entry(rng: random.Random) -> Builder:
    """Entry {0, 1} then quantities: the incumbent commits before entry (Dixit), or competes a
    la Cournot after it."""
    b = Builder("Entry")
    b.players = ["I", "E"]
    a, s = b.param("a", _r(rng, 6, 14)), b.param("s", _r(rng, 0.6, 1.5))
    c, F = b.param("c", _r(rng, 0, 3)), b.param("F", _r(rng, 0.1, 8))
    q1, q2, enter = name("q1"), name("q2"), name("enter")
    U = round(2 * b.params["a"] / b.params["s"], 2)
    price = b.let("P", a - s * (q1 + q2))
    extra = _r(rng, 0, 0.5)
    if rng.random() < 0.5:
        b.title = "Entry deterrence by commitment"
        b.stage("commit", _Choice("I", "q1", interval(0, U)))
        b.stage("entry", _Choice("E", "enter", finite(0, 1)))
        b.stage("market", _Choice("E", "q2", interval(0, U), when=enter.eq(1), otherwise=num(0)))
    else:
        b.title = "Entry then Cournot"
        b.stage("entry", _Choice("E", "enter", finite(0, 1)))
        b.stage(
            "market",
            _Choice("I", "q1", interval(0, U)),
            _Choice("E", "q2", interval(0, U), when=enter.eq(1), otherwise=num(0)),
        )
    b.payoffs["I"] = (price - c) * q1 - extra / 2 * q1**2
    b.payoffs["E"] = enter * ((price - c) * q2 - F)
    return b


def _contract(rng: random.Random) -> Builder:
    """A principal P offers a contract; the agent A accepts or rejects it ({0, 1}: the
    participation constraint, outside option ubar) and, in two variants, then chooses its effort:
    a fixed wage w with a given bonus rate on output, a bonus rate with a given fixed wage, or a
    wage and a quality asked for (two choices of P in one stage, no effort).  The outside option
    is below the surplus, so P wants acceptance (a positive margin: no tie among refusals)."""
    b = Builder("Contract and participation")
    b.players = ["P", "A"]
    v, k = b.param("v", _r(rng, 0.5, 3)), b.param("k", _r(rng, 0.5, 2))
    w, beta, accept, e = name("w"), name("beta"), name("accept"), name("e")
    wlo = _r(rng, -1, 0.3)
    V, K = b.params["v"], b.params["k"]
    variant = rng.choice(["wage", "bonus", "wage_quality"])
    if variant == "wage_quality":  # A accepts iff w - k*q^2/2 >= ubar; P gets v*q - w
        ubar = b.param("ubar", round(rng.uniform(0, 0.8) * V * V / (2 * K), 2))
        q = name("q")
        Q = round(_r(rng, 0.6, 2) * V / K, 2)
        b.stage(
            "offer",
            _Choice("P", "w", interval(wlo, 3 + V * V / K)),
            _Choice("P", "q", interval(0, Q)),
        )
        b.stage("decide", _Choice("A", "accept", finite(0, 1)))
        b.payoffs["P"] = accept * (v * q - w)
        b.payoffs["A"] = accept * (w - k / 2 * q**2) + (1 - accept) * ubar
        return b
    Emax = round(2 * V / K + 0.5, 2)
    if variant == "wage":
        B = _r(rng, 0.1, 1)
        beta = b.param("beta", B)
        surplus = (1 - B / 2) * B * V * V / K  # P's and A's total at e = B*v/k
        ubar = b.param("ubar", round(rng.uniform(0, 0.8) * surplus, 2))
        b.stage("offer", _Choice("P", "w", interval(wlo, 3)))
    else:
        w0 = _r(rng, -0.5, 0.3)
        w = b.param("w", w0)
        ubar = b.param("ubar", round(w0 + rng.uniform(0, 0.8) * V * V / (2 * K), 2))
        b.stage("offer", _Choice("P", "beta", interval(0, 1)))
    b.stage("decide", _Choice("A", "accept", finite(0, 1)))
    b.stage("work", _Choice("A", "e", interval(0, Emax), when=accept.eq(1), otherwise=num(0)))
    b.payoffs["P"] = accept * ((1 - beta) * v * e - w)
    b.payoffs["A"] = accept * (w + beta * v * e - k / 2 * e**2) + (1 - accept) * ubar
    return b


def _contest(rng: random.Random) -> Builder:
    """Tullock contests: 2-3 contestants simultaneously (win probability x_i/s, 1/n when s = 0),
    or a leader then a follower (the leader's effort bounded away from 0)."""
    b = Builder("Tullock contest")
    n = 2 if rng.random() < 0.7 else 3
    sequential = n == 2 and rng.random() < 0.4
    players = [f"C{i + 1}" for i in range(n)]
    b.players = players
    xs = [name(f"x{i + 1}") for i in range(n)]
    values = [_r(rng, 1, 5) for _ in range(n)]
    costs = [_r(rng, 0.5, 2) for _ in range(n)]
    X = round(max(v / c for v, c in zip(values, costs, strict=True)) + 0.5, 2)
    s = b.let("s", total(xs))
    if sequential:
        b.stage("lead", _Choice("C1", "x1", interval(_r(rng, 0.05, 0.3), X)))
        b.stage("follow", _Choice("C2", "x2", interval(0, X)))
    else:
        b.stage(
            "contest", *(_Choice(p, f"x{i + 1}", interval(0, X)) for i, p in enumerate(players))
        )
    for i, p in enumerate(players):
        win = ite(s.gt(0), xs[i] / s, num(round(1 / n, 12)) if n == 2 else 1 / num(n))
        b.payoffs[p] = values[i] * win - costs[i] * xs[i]
    return b


def _merge(rng: random.Random) -> Builder:
    """Quantity competition with P = A - B*Q and costs c_i*q + e_i*q^2/2, two firms of which
    merge (scenario `merged`); equal linear costs make the merged firm indifferent between
    splits (a continuum of optima)."""
    b = Builder("Merger")
    m = rng.randint(2, 3)
    players = [f"F{i + 1}" for i in range(m)]
    b.players = players
    A, B = b.param("A", _r(rng, 8, 16)), b.param("B", _r(rng, 0.6, 1.5))
    q = [name(f"q{i + 1}") for i in range(m)]
    price = b.let("P", A - B * total(q))
    tie = rng.random() < 0.25
    c0 = _r(rng, 0, 3)
    U = round(b.params["A"] / b.params["B"], 2)
    layout = (
        rng.choice(["simultaneous", "leader"])
        if m == 3
        else rng.choice(["simultaneous", "simultaneous", "leader"])
    )
    if layout == "simultaneous":
        b.stage(
            "compete", *(_Choice(p, f"q{i + 1}", interval(0, U)) for i, p in enumerate(players))
        )
    else:
        b.stage("lead", _Choice(players[0], "q1", interval(0, U)))
        b.stage(
            "follow", *(_Choice(p, f"q{i + 1}", interval(0, U)) for i, p in enumerate(players) if i)
        )
    for i, p in enumerate(players):
        c = c0 if tie else _r(rng, 0, 3)
        e = 0.0 if tie else _r(rng, 0.2, 1.5)
        b.payoffs[p] = (price - c) * q[i] - e / 2 * q[i] ** 2
    members = (
        tuple(players[-2:])
        if layout == "simultaneous" or rng.random() < 0.6
        else tuple(players[:2])
    )
    b.merge = (members, "M")
    b.scenario = "merged"
    return b


def _fix(rng: random.Random) -> Builder:
    """A game solved in a scenario that pins one choice with `fix` (to a number, a param, or an
    expression of an earlier choice)."""
    if rng.random() < 0.5:
        b = _lq_two(rng)
        target = rng.choice(["q1", "q2"])
        if target == "q1" or rng.random() < 0.5:
            b.fixes[target] = num(_r(rng, 0, 3))
        else:
            b.fixes[target] = _r(rng, 0.1, 0.9) * name("q1")
    else:
        b = _iverson_regulated(rng)
        if rng.random() < 0.5:
            b.fixes["x"] = name("theta")  # a mandate: comply exactly
        else:
            b.fixes["theta"] = num(_r(rng, 0, 1))
    b.scenario = "pinned"
    return b


def _lq_two(rng: random.Random) -> Builder:
    b = Builder("Leader and follower")
    b.players = ["L", "F"]
    q1, q2 = name("q1"), name("q2")
    a = b.param("a", _r(rng, 5, 12))
    b.stage("lead", _Choice("L", "q1", interval(0, 12)))
    b.stage("follow", _Choice("F", "q2", interval(0, 12)))
    b.payoffs["L"] = (a - _r(rng, 0.6, 1.5) * q1 - _r(rng, 0.2, 0.9) * q2) * q1 - _r(
        rng, 0.1, 1
    ) / 2 * q1**2
    b.payoffs["F"] = (_r(rng, 5, 12) - _r(rng, 0.6, 1.5) * q2 - _r(rng, 0.2, 0.9) * q1) * q2
    return b


def _iverson_regulated(rng: random.Random) -> Builder:
    b = Builder("Threshold set by a regulator")
    b.players = ["R", "F"]
    x, theta = name("x"), name("theta")
    g, k, p = _r(rng, 0.2, 2), _r(rng, 0.5, 2), _r(rng, 0.02, 0.4)
    b.stage("regulate", _Choice("R", "theta", interval(0, 1)))
    b.stage("act", _Choice("F", "x", interval(0, 1)))
    b.payoffs["R"] = _r(rng, 0.2, 2) * x - _r(rng, 0.1, 2) * theta**2
    b.payoffs["F"] = g * x - k * x**2 - p * iverson(x.lt(theta))
    return b


def _finite(rng: random.Random) -> Builder:
    """Two players with 2-3 actions each, simultaneously (sometimes after a leader's discrete
    move that shifts the payoffs, or in sequence); payoffs from random tables (one decimal, so
    some ties), written with Iverson brackets."""
    b = Builder("Finite game")
    b.players = ["P1", "P2"]
    n1, n2 = rng.randint(2, 3), rng.randint(2, 3)
    a1, a2 = name("a1"), name("a2")
    layout = rng.choice(["simultaneous", "simultaneous", "leader", "sequential"])
    if layout == "leader":
        b.players = ["L", "P1", "P2"]
        b.stage("lead", _Choice("L", "z", finite(0, 1)))
    if layout == "sequential":
        b.stage("first", _Choice("P1", "a1", finite(*range(n1))))
        b.stage("second", _Choice("P2", "a2", finite(*range(n2))))
    else:
        b.stage(
            "play", _Choice("P1", "a1", finite(*range(n1))), _Choice("P2", "a2", finite(*range(n2)))
        )
    for p in ("P1", "P2"):
        terms = []
        for i in range(n1):
            for j in range(n2):
                u = round(rng.uniform(-3, 3), 1)
                if u:
                    terms.append(u * (iverson(a1.eq(i)) * iverson(a2.eq(j))))
        pay = total(terms) if terms else num(0)
        if layout == "leader":
            pay = pay + _r(rng, -2, 2, 1) * name("z") * iverson(a1.eq(a2))
        b.payoffs[p] = pay
    if layout == "leader":
        b.payoffs["L"] = _r(rng, -1, 1, 1) * name("z") + _r(rng, 0, 2, 1) * iverson(a1.eq(0))
        b.payoffs = {p: b.payoffs[p] for p in b.players}
    return b


_MAKERS = {
    "lq": _lq,
    "kinks": _kinks,
    "iverson": _iverson,
    "entry": _entry,
    "contract": _contract,
    "contest": _contest,
    "merge": _merge,
    "fix": _fix,
    "finite": _finite,
}


def generate(cls: str, seed: int) -> GeneratedGame:
    """Return the random game of class `cls` drawn with `seed` (the same for the same pair)."""
    rng = random.Random(f"{cls}:{seed}")
    return _MAKERS[cls](rng).build(cls, seed)


def generate_from(cls: str, rng: random.Random) -> GeneratedGame:
    """Return a game of class `cls` drawn with `rng` (for hypothesis: `st.randoms()`)."""
    return _MAKERS[cls](rng).build(cls, -1)


def games():
    """Return the hypothesis strategy of generated games (every class)."""
    from hypothesis import strategies as st

    return st.builds(generate_from, st.sampled_from(CLASSES), st.randoms(use_true_random=False))


def schedule(count: int) -> list[tuple[str, int]]:
    """Return the (class, seed) pairs of a run of `count` games: the classes in turn."""
    return [(CLASSES[i % len(CLASSES)], i // len(CLASSES)) for i in range(count)]
