"""gamedsl: write a multi-stage game as a `.game` file, get its subgame-perfect equilibrium.

The Python API (the CLI is a thin layer over it)::

    import gamedsl
    model = gamedsl.load("stdlib:openness_regulation")
    s = model.solve(theta=0.5)          # a Solution: s.equilibrium, s.payoffs, s.to_dict()
"""

from __future__ import annotations

from gamedsl.api import Model, load
from gamedsl.model.errors import SolveError, SpecError

__all__ = ["Model", "SolveError", "SpecError", "load"]
__version__ = "0.1.0"
