"""A region map as text: a character map of the regimes, and the range of an expression's
values.  (Its cells as CSV are a table: `report.table`; its picture: `report.plot`.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gamedsl.model.numbers import number

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.analysis import RegionMap

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
AXIS_DIGITS = 4  # significant digits of the axis labels


def ascii_map(rmap: RegionMap, width: int = 64, height: int = 24) -> str:
    """Return a character map of the regimes (letters keyed below it), y upwards."""
    names = rmap.regime_names()
    key = {n: (LETTERS[k] if k < len(LETTERS) else "?") for k, n in enumerate(names)}
    ny, nx = rmap.regime.shape
    cols = np.unique(np.linspace(0, nx - 1, min(width, nx)).round().astype(int))
    rows = np.unique(np.linspace(0, ny - 1, min(height, ny)).round().astype(int))
    lines = []
    for j in rows[::-1]:
        y = number(rmap.ys[j], AXIS_DIGITS)
        lines.append(f"{y:>9} |" + "".join(key[rmap.regime[j, i]] for i in cols))
    lines.append(" " * 10 + "+" + "-" * len(cols))
    left, right = number(rmap.xs[0], AXIS_DIGITS), number(rmap.xs[-1], AXIS_DIGITS)
    lines.append(" " * 11 + left + right.rjust(max(1, len(cols) - len(left))))
    lines.append(" " * 11 + f"{rmap.x} ->   (rows: {rmap.y})")
    shares = rmap.shares()
    for n in names:
        lines.append(f"  {key[n]}  {shares[n]:6.1%}  {n}")
    return "\n".join(lines)


def values_summary(rmap: RegionMap) -> str | None:
    """Return the range of `--by`'s values and where they are positive or negative (None
    without an expression or without a finite value)."""
    if rmap.values is None:
        return None
    v = rmap.values[np.isfinite(rmap.values)]
    if not v.size:
        return None
    return (
        f"{rmap.by}: min {number(v.min())}, max {number(v.max())}; "
        f"> 0 on {np.mean(v > 0):.1%} of the cells, < 0 on {np.mean(v < 0):.1%}"
    )
