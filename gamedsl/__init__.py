"""gamedsl: write a multi-stage game as a `.game` file, get its subgame-perfect equilibrium.

The Python API (the CLI is a thin layer over it)::

    import gamedsl
    model = gamedsl.load("stdlib:openness_regulation")
    s = model.solve(theta=0.5)          # a Solution: s.equilibrium, s.payoffs, s.to_dict()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gamedsl.model.errors import SolveError, SpecError

if TYPE_CHECKING:
    from gamedsl.api import Model, load

__all__ = ["Model", "SolveError", "SpecError", "load"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """Return `Model` and `load` on first use: the API imports sympy, which `gamedsl --help` and
    `gamedsl list` do not need (start-up time, issue 21)."""
    if name in ("Model", "load"):
        from gamedsl import api

        return getattr(api, name)
    raise AttributeError(f"module 'gamedsl' has no attribute {name!r}")
