"""How gamedsl writes a number, wherever it writes one: the one rule for text, JSON and CSV.

Every step that puts a number into words uses `number`: the reports (text tables, LaTeX, plot
labels), and also the names and messages that earlier steps build (a regime `enter=1`, a bound
`qF >= 0`, "cannot vary a around 10").  That is why the rule lives here, under the contracts, and
not in `gamedsl/report/`: the solver and the analyses may not import the report, and a regime
name must show a value exactly as the table beside it does.

- text: integers plainly, other numbers with 6 significant digits (`number(x, digits)` for
  fewer), `nan`, `inf`, `-inf`;
- JSON (`json_value`): numbers as numbers, infinities as the strings `"inf"`/`"-inf"` (JSON has
  no infinity, DESIGN §2), **NaN as `null`**;
- CSV (`csv_cell`): numbers with full precision (`repr`), integral ones plainly, `nan`, `inf`,
  `-inf`, and an empty cell for a missing value.

Numbers are exact where they are written, but solving computes in floats: `beyond_floats` finds
a number too large for them (the language refuses it where it is written, the solver at the
param values it binds).
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

FLOAT_MAX = sys.float_info.max  # about 1.8e308


def beyond_floats(value: Any) -> Any:
    """Return the first number in the sympy expression `value` whose size is beyond the floats
    (None when all fit): an exact number, or a constant such as exp(1000) by its value."""
    import sympy  # here, not at the top: reading numbers must not load sympy

    if not isinstance(value, sympy.Basic):
        return None
    walk = sympy.preorder_traversal(value)
    for node in walk:
        if node.is_Number:
            if node.is_finite and abs(node) > FLOAT_MAX:
                return node
            continue
        if node.is_number and not isinstance(node, sympy.logic.boolalg.Boolean):
            walk.skip()
            try:
                size = sympy.Abs(node).evalf(5)
            except (TypeError, ValueError, ArithmeticError, RecursionError):
                continue
            if size.is_Number and size.is_finite and size > FLOAT_MAX:
                return node
    return None


INTEGRAL_LIMIT = 1e15  # below this, a float within rounding of an integer is written as one
INTEGRAL_TOL = 1e-12  # ... within this relative distance


def _is_bool(x: Any) -> bool:
    """Return True for a Python or numpy bool (numpy is not imported for this: a numpy bool
    exists only once numpy is, and `check` starts faster without it)."""
    if isinstance(x, bool):
        return True
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.bool_)


def number(x: Any, digits: int = 6) -> str:
    """Return the text of a number: integers plainly, others with `digits` significant digits,
    `nan`, `inf`, `-inf`; what is not a number (None, an expression) as `str`."""
    if _is_bool(x):
        return str(int(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if f == 0:
        return "0"
    if abs(f - round(f)) < INTEGRAL_TOL * max(1, abs(f)) and abs(f) < INTEGRAL_LIMIT:
        return str(round(f))
    return f"{f:.{digits}g}"


def json_value(x: Any) -> Any:
    """Return the JSON form of a value: None and text as they are, integers as integers, other
    numbers as floats, NaN as None (`null`), infinities as "inf"/"-inf"; anything else that is
    not a number as its text."""
    if x is None or isinstance(x, str):
        return x
    if _is_bool(x):
        return int(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return None
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def csv_cell(x: Any) -> str:
    """Return a CSV cell: empty for None, text as it is, integers plainly, other numbers with
    full precision, `nan`, `inf`, `-inf`."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    if _is_bool(x):
        return str(int(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    f = float(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if f == int(f) and abs(f) < INTEGRAL_LIMIT:
        return str(int(f))
    return repr(f)
