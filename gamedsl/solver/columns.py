"""Tables of candidates at a batch of histories: (n, m) arrays, one row per history and one
column per candidate, and the codes that tell regimes apart."""

from __future__ import annotations

import warnings

import numpy as np

SAME_TOL = 1e-5  # profiles whose values all agree within SAME_TOL*(1+|v|) are one equilibrium
HASH_MOD = (1 << 61) - 1  # regime codes are combined modulo this prime


def compact(C: np.ndarray, feasible: np.ndarray, kinds: np.ndarray):
    """Return (C, feasible, kinds) with each row's distinct feasible candidates first, in their
    original order, and the columns no row needs dropped."""
    n, m = C.shape
    rows = np.arange(n)[:, None]
    order = np.argsort(np.where(feasible, C, np.inf), axis=1, kind="stable")
    sorted_c = C[rows, order]
    same = np.zeros_like(feasible)
    with np.errstate(invalid="ignore"):
        # exact equality: the two ends of a bisection are distinct points on either side of a switch
        same[:, 1:] = sorted_c[:, 1:] == sorted_c[:, :-1]
    dup_sorted = same & feasible[rows, order]
    dup = np.zeros_like(feasible)
    dup[rows, order] = dup_sorted
    keep = feasible & ~dup
    order2 = np.argsort(~keep, axis=1, kind="stable")
    width = max(int(keep.sum(axis=1).max()), 1)
    order2 = order2[:, :width]
    return C[rows, order2], keep[rows, order2], np.broadcast_to(kinds, (n, m))[rows, order2]


def all_same(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return, per point, whether all masked candidates have (nearly) the same values.

    `values` is (n, m, k), `mask` (n, m).
    """
    big = np.where(mask[:, :, None], values, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hi = np.nanmax(big, axis=1)
        lo = np.nanmin(big, axis=1)
    spread = np.nan_to_num(hi - lo, nan=0.0)
    scale = 1 + np.nan_to_num(np.abs(hi), nan=0.0)
    return np.all(spread <= SAME_TOL * scale, axis=1)


def clusters(rows: list[np.ndarray]) -> list[int]:
    """Return the index of the first row of each group of (nearly) equal rows."""
    reps: list[int] = []
    for k, r in enumerate(rows):
        same = False
        for q in reps:
            o = rows[q]
            both = np.isfinite(r) & np.isfinite(o)
            if np.array_equal(np.isfinite(r), np.isfinite(o)) and np.all(
                np.abs(r[both] - o[both]) <= SAME_TOL * (1 + np.abs(o[both]))
            ):
                same = True
                break
        if not same:
            reps.append(k)
    return reps


def combine_codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return one regime code per point from two (a hash that changes when either does)."""
    return (a.astype(np.int64) * 1_000_003 + b.astype(np.int64)) % HASH_MOD
