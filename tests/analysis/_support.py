"""Helpers of the analysis tests: spec paths and the tolerances of comparisons."""

from __future__ import annotations

from pathlib import Path

SPECS = Path(__file__).resolve().parents[2] / "specs"

ABS_TOL = 1e-6
REL_TOL = 1e-6


def spec(name: str) -> str:
    """Return the path of specs/NAME.game."""
    return str(SPECS / f"{name}.game")


def close(x: float, y: float, abs_tol: float = ABS_TOL, rel_tol: float = REL_TOL) -> bool:
    """Return True when x and y agree within the named tolerances."""
    return abs(float(x) - float(y)) <= abs_tol + rel_tol * abs(float(y))
