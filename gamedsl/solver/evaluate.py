"""Vectorised evaluation of sympy expressions over batches of points (numpy arrays)."""

from __future__ import annotations

import builtins
import keyword
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import sympy

NUMPY_REJECTS = (ZeroDivisionError, OverflowError, ValueError, TypeError)  # raised by generated code
_TAKEN = frozenset(dir(np)) | frozenset(dir(builtins)) | frozenset(dir(math)) | frozenset(keyword.kwlist)


def safe_names(symbols: Sequence[sympy.Symbol]) -> bool:
    """Return True when every symbol's name can be an argument of a lambdified function as it is
    (an identifier that shadows nothing the generated code calls).  Then lambdify need not
    replace the symbols by dummies, which walks the whole expression (seconds for big ones)."""
    return all(s.name.isidentifier() and s.name not in _TAKEN and not s.name.startswith("_")
               for s in symbols)


def select(condlist, choicelist, default=0):
    """Return numpy's `select` (the choice of the first true condition), as nested `where`s.

    lambdify writes every Piecewise as `select`; numpy's broadcasts all its arguments to one
    shape first, which costs more than the choice itself at the small batches most plays are
    (a conditional choice's candidates, a closed form of a later stage).  A condition that is
    the literal True or False (the last piece's `otherwise`) is decided here.
    """
    out = _as_inexact(default)
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        if cond is True or cond is np.True_:
            out = _as_inexact(choice)
        elif cond is not False and cond is not np.False_:
            out = np.where(cond, _as_inexact(choice), out)
    return out


def _as_inexact(a):
    """Return a as a float (or complex) array: integer and boolean choices, and integers beyond
    int64, are promoted as numpy's `select` promotes them against its nan default."""
    a = np.asarray(a) if not isinstance(a, int) else np.asarray(float(a))
    return a if a.dtype.kind in "fc" else a.astype(float)


MODULES = [{"select": select}, "numpy"]  # the namespace of every lambdified function


def shared_parts(exprs: Sequence[sympy.Basic]) -> tuple[list, list]:
    """Return (assignments, reduced exprs): every subexpression met twice computed once.

    lambdify's `cse`: sympy's own `cse` first rewrites products and sums to find more shared
    parts (`opt_cse`), which takes as long again as the rest of compiling and buys no speed
    in the generated code here; the shared subtrees alone (`tree_cse`) are kept.  The names of
    the parts avoid every symbol of the expressions.
    """
    from sympy.simplify.cse_main import tree_cse

    exprs = list(exprs)
    taken = set().union(*(getattr(e, "free_symbols", set()) for e in exprs)) if exprs else set()
    names = sympy.numbered_symbols("cse", cls=sympy.Symbol, exclude=taken)
    return tree_cse(exprs, names, {}, "none", ())

CSE_ABOVE = 64  # expression trees of more nodes than this, and twice their distinct ones, share them


@lru_cache(maxsize=20000)
def _compile(exprs: tuple[sympy.Basic, ...], symbols: tuple[sympy.Symbol, ...]):
    """Return a numpy function of `symbols` computing `exprs` (lambdify of sympy objects).

    Closed forms composed stage after stage repeat their parts many times over (a later stage's
    solution substituted into every occurrence of a variable): when the trees are much larger
    than their distinct parts, the generated code computes each common part once (sympy's cse),
    which costs little more to compile and runs many times faster.  No function of ours has a
    Python implementation (`use_imps`): lambdify need not walk every tree looking for one
    (seconds for trees that repeat their parts).
    """
    tree, distinct = tree_sizes(exprs)
    share = tree > CSE_ABOVE and tree > 2 * distinct
    return sympy.lambdify(symbols, list(exprs), modules=MODULES, dummify=not safe_names(symbols),
                          cse=shared_parts if share else False, use_imps=False)


def tree_sizes(exprs: Sequence[sympy.Basic]) -> tuple[int, int]:
    """Return (nodes of the expression trees, distinct nodes among them), in time linear in the
    distinct ones."""
    size: dict = {}

    def walk(e) -> int:
        got = size.get(e)
        if got is None:
            got = size[e] = 1 + sum(walk(a) for a in e.args)
        return got

    return sum(walk(e) for e in exprs), len(size)


@lru_cache(maxsize=20000)
def _needed(exprs: tuple[sympy.Basic, ...]) -> tuple[sympy.Symbol, ...]:
    return tuple(sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name))


def evaluate(exprs: Sequence[sympy.Basic], env: Mapping[sympy.Symbol, np.ndarray], n: int) -> list[np.ndarray]:
    """Return each expression evaluated at the n points of `env` as a float array of length n.

    Booleans become 0.0/1.0; values that are not real numbers become nan.
    """
    if not exprs:
        return []
    exprs = tuple(as_expr(e) for e in exprs)
    needed = _needed(exprs)
    missing = [s for s in needed if s not in env]
    if missing:
        raise KeyError(f"no value for {', '.join(s.name for s in missing)}")
    fn = _compile(exprs, needed)
    args = [np.asarray(env[s], dtype=float) for s in needed]
    with np.errstate(all="ignore"):
        try:
            results = fn(*args)
        except NUMPY_REJECTS:
            return [_pointwise(e, needed, args, n) for e in exprs]
    out = []
    for r in results:
        arr = np.asarray(r)
        if arr.dtype == bool:
            arr = arr.astype(float)
        if np.iscomplexobj(arr):
            arr = np.where(np.abs(arr.imag) < 1e-12, arr.real, np.nan)
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            arr = np.full(n, np.nan)
        out.append(np.broadcast_to(arr, (n,)).copy() if arr.shape != (n,) else arr)
    return out


def at_points(e: sympy.Expr, env: Mapping[sympy.Symbol, np.ndarray], n: int) -> float | np.ndarray:
    """Return e at the n points of `env`: a float when e is a number (numpy broadcasts it), a
    symbol's array as it is, else `evaluate`'s array."""
    if e.is_number:
        return float(e)
    if e in env:
        return env[e]
    return evaluate([e], env, n)[0]


def as_expr(x) -> sympy.Basic:
    """Return x as a sympy object (x is already one, or a Python number or bool we produced)."""
    if isinstance(x, sympy.Basic):
        return x
    if isinstance(x, bool):
        return sympy.true if x else sympy.false
    if isinstance(x, int):
        return sympy.Integer(x)
    return sympy.Float(float(x))


def _pointwise(expr: sympy.Basic, symbols, args, n: int) -> np.ndarray:
    """Evaluate one expression point by point (slow path for expressions numpy rejects)."""
    fn = _compile((expr,), tuple(symbols))
    out = np.full(n, np.nan)
    for i in range(n):
        try:
            with np.errstate(all="ignore"):
                v = fn(*[a if np.ndim(a) == 0 else a[i] for a in args])[0]
            v = complex(v)
            out[i] = v.real if abs(v.imag) < 1e-12 else np.nan
        except NUMPY_REJECTS:
            pass
    return out
