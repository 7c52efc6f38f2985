"""Interval enclosures of closed forms: every value expressions take over a box of params.

`enclosure(exprs, symbols)` compiles sympy expressions once into a function of a box (one
(lo, hi) per symbol) that returns, per expression, an interval holding the expression's value at
every point of the box — or None when an enclosure is unknown: an operation it does not cover
(pieces, relations, functions other than exp/log/abs/min/max, symbolic exponents), or a point of
the box where an expression is undefined or infinite (a division by an interval holding 0, a
root of a negative number, an overflow).

Plain interval arithmetic: each operation's result holds every result of the operation on values
of its operands' intervals, widened outward by a few units of rounding (WIDEN of the largest
magnitude involved, plus TINY), so an enclosure holds the exact values, and numpy's within their
rounding.  It is an upper bound, not a tight one: a variable met twice counts as two independent ones.  The
sweep's compiled pieces use it to learn, before evaluating anything point by point, that a grid
stays in one cell away from every switch.

The enclosure is straight-line Python generated from the expression tree (one pair of float
locals per distinct node) and compiled once, since a tree walk costs microseconds per node.  The
generated text holds nothing from a spec: only the operations below, local names of our own
(`l3`, `h3`), positions in the box and float literals (`repr` of finite floats).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy

Interval = tuple[float, float]
Box = Sequence[Interval]

WIDEN = 8 * 2.0**-52  # relative outward widening after each operation (rounding of the endpoints)
TINY = 1e-300  # ... and absolute (below the normal floats, rounding is not relative)


class _Unknown(Exception):
    """An enclosure is not known (see the module)."""


class _Unsupported(Exception):
    """An expression holds an operation the enclosures do not cover."""


def _widen(lo: float, hi: float, size: float = 0.0) -> Interval:
    """Return [lo, hi] widened outward by WIDEN of the largest magnitude involved (`size`: the
    operands', for the cancellation in a sum); unknown when not finite (or nan)."""
    if not (-math.inf < lo <= hi < math.inf):
        raise _Unknown
    d = WIDEN * max(-lo, hi, size) + TINY
    return lo - d, hi + d


def _reciprocal(lo: float, hi: float) -> Interval:
    if lo > 0 or hi < 0:
        return _widen(1.0 / hi, 1.0 / lo)
    raise _Unknown  # 1/0 at a point of the box


def _integer_power(lo: float, hi: float, n: int) -> Interval:
    if n < 0:
        return _reciprocal(*_integer_power(lo, hi, -n))
    try:
        pl, ph = lo**n, hi**n
    except OverflowError as exc:
        raise _Unknown from exc
    if n % 2 == 1 or lo >= 0:
        return _widen(pl, ph)
    if hi <= 0:
        return _widen(ph, pl)
    return _widen(0.0, max(pl, ph))


def _real_power(lo: float, hi: float, p: float) -> Interval:
    if lo < 0 or (p < 0 and lo <= 0):
        raise _Unknown  # a root of a negative number, or 0 to a negative power
    try:
        pl, ph = lo**p, hi**p
    except (OverflowError, ZeroDivisionError) as exc:
        raise _Unknown from exc
    return _widen(min(pl, ph), max(pl, ph))


def _exp(lo: float, hi: float) -> Interval:
    try:
        return _widen(math.exp(lo), math.exp(hi))
    except OverflowError as exc:
        raise _Unknown from exc


def _log(lo: float, hi: float) -> Interval:
    if lo <= 0:
        raise _Unknown
    return _widen(math.log(lo), math.log(hi))


def _abs(lo: float, hi: float) -> Interval:
    if lo >= 0:
        return lo, hi
    if hi <= 0:
        return -hi, -lo
    return 0.0, max(-lo, hi)


_HELPERS = {
    "_ipow": _integer_power,
    "_rpow": _real_power,
    "_exp": _exp,
    "_log": _log,
    "_abs": _abs,
}


class _Program:
    """The straight-line program of an enclosure: one (l<k>, h<k>) pair per distinct node."""

    def __init__(self, symbols: Sequence[sympy.Symbol]) -> None:
        self.index = {s: i for i, s in enumerate(symbols)}
        self.lines: list[str] = []
        self.memo: dict = {}

    def new(self, line: str) -> int:
        """Append `line` (with `{k}` the new node's number); return the node's number."""
        k = len(self.lines)  # one node per line
        self.lines.append(line.format(k=k))
        return k

    def node(self, e: sympy.Basic) -> int:
        k = self.memo.get(e)
        if k is None:
            k = self.memo[e] = self._node(e)
        return k

    def _node(self, e: sympy.Basic) -> int:
        if e.is_Symbol:
            if e not in self.index:
                raise _Unsupported
            return self.new(f"l{{k}}, h{{k}} = box[{self.index[e]}]")
        if e.is_Number:
            v = float(e)
            if not math.isfinite(v):
                raise _Unsupported
            lo, hi = (v, v) if e.is_Integer else _widen(v, v)
            return self.new(f"l{{k}}, h{{k}} = {lo!r}, {hi!r}")
        if isinstance(e, sympy.Add):
            ks = [self.node(a) for a in e.args]
            lo = " + ".join(f"l{i}" for i in ks)
            hi = " + ".join(f"h{i}" for i in ks)
            size = " + ".join(f"(h{i} if h{i} > -l{i} else -l{i})" for i in ks)
            return self.new(f"d = W * ({size}) + T; l{{k}}, h{{k}} = {lo} - d, {hi} + d")
        if isinstance(e, sympy.Mul):
            ks = [self.node(a) for a in e.args]
            k = ks[0]
            for j in ks[1:]:
                # the four products' min and max by comparisons (faster than calls), widened
                k = self.new(
                    f"p, q, r, s = l{k} * l{j}, l{k} * h{j}, h{k} * l{j}, h{k} * h{j}; "
                    "a, b = (p, q) if p < q else (q, p); c, d = (r, s) if r < s else (s, r); "
                    "a = a if a < c else c; b = b if b > d else d; "
                    "d = W * (b if b > -a else -a) + T; l{k}, h{k} = a - d, b + d"
                )
            return k
        if isinstance(e, sympy.Pow):
            b = self.node(e.args[0])
            x = e.args[1]
            if x.is_Integer:
                return self.new(f"l{{k}}, h{{k}} = _ipow(l{b}, h{b}, {int(x)})")
            if x.is_Number and x.is_real and math.isfinite(float(x)):
                return self.new(f"l{{k}}, h{{k}} = _rpow(l{b}, h{b}, {float(x)!r})")
            raise _Unsupported  # a symbolic exponent
        if isinstance(e, (sympy.exp, sympy.Abs)) or (isinstance(e, sympy.log) and len(e.args) == 1):
            a = self.node(e.args[0])
            fn = (
                "_exp"
                if isinstance(e, sympy.exp)
                else "_abs"
                if isinstance(e, sympy.Abs)
                else "_log"
            )
            return self.new(f"l{{k}}, h{{k}} = {fn}(l{a}, h{a})")
        if isinstance(e, (sympy.Min, sympy.Max)):
            ks = [self.node(a) for a in e.args]
            pick = "min" if isinstance(e, sympy.Min) else "max"
            lo = ", ".join(f"l{i}" for i in ks)
            hi = ", ".join(f"h{i}" for i in ks)
            return self.new(f"l{{k}}, h{{k}} = {pick}({lo}), {pick}({hi})")
        raise _Unsupported  # pieces, relations, other functions


def enclosure(
    exprs: Sequence[sympy.Basic], symbols: Sequence[sympy.Symbol]
) -> Callable[[Box], list[Interval] | None]:
    """Return a function of a box (one finite (lo, hi) per symbol) giving the enclosures of all
    the expressions over it, or None when one is unknown (see the module)."""
    program = _Program(symbols)
    try:
        roots = [program.node(e) for e in exprs]
    except _Unsupported:
        return lambda box: None
    body = "\n".join(f"    {line}" for line in program.lines)
    results = ", ".join(f"(l{k}, h{k})" for k in roots)
    # every node finite (an inf or nan would reach the sum; min and max could hide a nan later)
    total = " + ".join(f"l{k} + h{k}" for k in range(len(program.lines)))
    source = (
        f"def enclose(box):\n{body}\n"
        f"    if not isfinite({total or 0.0}):\n        raise _Unknown\n"
        f"    return [{results}]\n"
    )
    namespace = {**_HELPERS, "W": WIDEN, "T": TINY, "isfinite": math.isfinite, "_Unknown": _Unknown}
    exec(compile(source, "<enclosure>", "exec"), namespace)  # noqa: S102 - our own text (module)
    enclose = namespace["enclose"]

    def run(box: Box) -> list[Interval] | None:
        try:
            return enclose(box)
        except _Unknown:
            return None

    return run


def size(exprs: Sequence[sympy.Basic]) -> int:
    """Return the number of distinct nodes of the expressions (the work of one enclosure)."""
    seen: set = set()
    for e in exprs:
        seen.update(sympy.preorder_traversal(e))
    return len(seen)
