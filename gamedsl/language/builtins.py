"""The built-in functions of the language: one row each, read by every consumer.

A row says how many arguments the function takes (the checker), how to build its sympy value
(lowering), how to compute it over numpy arrays (command-line expressions such as `regions --by`),
which sympy node its value is and how that node maps an interval of its argument to an interval of
its value (the enclosures of `analysis/intervals.py`).  To add a built-in, add a row here; see
`docs/architecture.md`.

Built-in names are not reserved: a name the spec declares wins (DESIGN §1), so a built-in added
later never breaks a spec.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from gamedsl.model.errors import Span, SpecError

if TYPE_CHECKING:  # numpy is imported when a numpy value is computed: `check` starts faster
    import numpy as np

MAX_EXP_ARGUMENT = 10**6  # exp() of a larger number has more digits than anything can hold


@dataclass(frozen=True)
class Builtin:
    """One built-in function."""

    name: str
    min_args: int
    max_args: int | None  # None: any number
    sympy: Callable[..., sympy.Basic]  # sympy arguments -> value (refusing what cannot be built)
    numpy: Callable[..., np.ndarray]  # numpy arrays -> values
    node: type | None  # the sympy class of the value, for interval enclosures
    interval: Callable[..., tuple[float, float]] | None  # (lo, hi) per argument -> (lo, hi)
    description: str

    def arity_text(self) -> str:
        """Return "1", "1 or 2", "at least 1": how many arguments it takes."""
        lo, hi = self.min_args, self.max_args
        if lo == hi:
            return f"{lo}"
        return f"{lo} or {hi}" if hi == lo + 1 else (f"{lo} to {hi}" if hi else f"at least {lo}")

    def accepts(self, n: int) -> bool:
        """Return True when `n` arguments are allowed."""
        return n >= self.min_args and (self.max_args is None or n <= self.max_args)


class Unknown(ArithmeticError):
    """An interval rule cannot bound the value over this interval (a log of 0, an overflow)."""


def _exp(arg: sympy.Expr, span: Span | None = None) -> sympy.Expr:
    if arg.is_Number and abs(arg) > MAX_EXP_ARGUMENT:
        raise SpecError("exp() of a number this large cannot be computed", span)
    return sympy.exp(arg)


def _exp_interval(x: tuple[float, float]) -> tuple[float, float]:
    try:
        return math.exp(x[0]), math.exp(x[1])
    except OverflowError as exc:
        raise Unknown from exc


def _log_interval(x: tuple[float, float]) -> tuple[float, float]:
    if x[0] <= 0:
        raise Unknown
    return math.log(x[0]), math.log(x[1])


def _abs_interval(x: tuple[float, float]) -> tuple[float, float]:
    lo, hi = x
    if lo >= 0:
        return lo, hi
    if hi <= 0:
        return -hi, -lo
    return 0.0, max(-lo, hi)


def _numpy(name: str) -> Callable[..., np.ndarray]:
    """Return numpy's function `name`, numpy imported on the first call."""

    def call(*args: np.ndarray) -> np.ndarray:
        import numpy as np

        return getattr(np, name)(*args)

    call.__name__ = name
    return call


def _numpy_log(x: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
    import numpy as np

    return np.log(x) if base is None else np.log(x) / np.log(base)


def _monotone(pick: Callable) -> Callable[..., tuple[float, float]]:
    """Return the interval rule of a function increasing in every argument."""
    return lambda *xs: (pick(x[0] for x in xs), pick(x[1] for x in xs))


def _n_ary(name: str) -> Callable[..., np.ndarray]:
    """Return numpy's ufunc `name` reduced over any number of arguments."""

    def call(*args: np.ndarray) -> np.ndarray:
        import numpy as np

        return getattr(np, name).reduce(np.broadcast_arrays(*args))

    return call


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin(
            "min",
            1,
            None,
            lambda *a, span=None: sympy.Min(*a),
            _n_ary("minimum"),
            sympy.Min,
            _monotone(min),
            "the smallest argument",
        ),
        Builtin(
            "max",
            1,
            None,
            lambda *a, span=None: sympy.Max(*a),
            _n_ary("maximum"),
            sympy.Max,
            _monotone(max),
            "the largest argument",
        ),
        Builtin(
            "abs",
            1,
            1,
            lambda a, span=None: sympy.Abs(a),
            _numpy("abs"),
            sympy.Abs,
            _abs_interval,
            "the absolute value",
        ),
        Builtin(
            "sqrt",
            1,
            1,
            lambda a, span=None: sympy.sqrt(a),
            _numpy("sqrt"),
            None,
            None,
            "the square root (a power 1/2 for sympy)",
        ),
        Builtin(
            "exp",
            1,
            1,
            lambda a, span=None: _exp(a, span),
            _numpy("exp"),
            sympy.exp,
            _exp_interval,
            "e to the power of the argument",
        ),
        Builtin(
            "log",
            1,
            2,
            lambda *a, span=None: sympy.log(*a),
            _numpy_log,
            sympy.log,
            _log_interval,
            "the natural logarithm; log(x, b) in base b",
        ),
    )
}

INTERVAL_RULES: dict[type, Callable[..., tuple[float, float]]] = {
    b.node: b.interval for b in BUILTINS.values() if b.node is not None and b.interval is not None
}
