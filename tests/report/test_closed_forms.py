"""`solve --symbolic`: the closed forms in the params (DESIGN §2 `closed_forms`), fast checks.

The answers are textbook results written here by hand (the full table is in
hand_closed_forms.py); each is compared symbolically after parsing the tool's JSON."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest
import sympy as sp

ROOT = Path(__file__).resolve().parents[2]


def solve(spec: str, *extra: str) -> subprocess.CompletedProcess:
    """Return the run of `gamedsl solve SPEC --symbolic EXTRA` (in-process)."""
    from gamedsl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["solve", str(ROOT / spec), "--symbolic", *extra])
        except SystemExit as exit_:
            code = exit_.code
    return subprocess.CompletedProcess([], code or 0, out.getvalue(), err.getvalue())


def pieces(data: dict, key: str, names: str) -> list[tuple[sp.Expr, sp.Basic]]:
    syms = {str(s): s for s in sp.symbols(names, real=True, seq=True)}
    return [
        (sp.parse_expr(p["value"], local_dict=syms), sp.parse_expr(p["when"], local_dict=syms))
        for p in data["closed_forms"][key]
    ]


def test_stackelberg_closed_forms_are_the_textbook_ones() -> None:
    """Stackelberg with a subsidy s: qL = (a - c + s)/(2b), qF = (a - c + s)/(4b) throughout."""
    out = solve("specs/stackelberg.game", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    a, b, c, s = sp.symbols("a b c s", real=True)
    [(qL, when)] = pieces(data, "qL", "a b c s")
    assert when == sp.true
    assert sp.simplify(qL - (a - c + s) / (2 * b)) == 0
    [(qF, _)] = pieces(data, "qF", "a b c s")
    assert sp.simplify(qF - (a - c + s) / (4 * b)) == 0
    [(pL, _)] = pieces(data, "payoff(L)", "a b c s")
    assert sp.simplify(pL - (a - c + s) ** 2 / (8 * b)) == 0


def test_capacity_regimes_have_their_conditions() -> None:
    """Cournot with capacity K: slack iff K >= (a - c)/(3b); binding q1 = (a - c - bK)/(2b)."""
    out = solve("specs/cournot_capacity.game", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    a, b, c, K = sp.symbols("a b c K", real=True)
    found = pieces(data, "q1", "a b c K")
    assert len(found) == 2
    for point, want in (
        ({a: 10, b: 1, c: 1, K: 2}, sp.Rational(7, 2)),
        ({a: 10, b: 1, c: 1, K: 5}, 3),
        ({a: 20, b: 2, c: 2, K: 1}, sp.Rational(4)),
    ):
        held = [v for v, w in found if bool(w.subs(point))]
        assert len(held) == 1, (point, found)
        assert held[0].subs(point) == want


def test_discrete_thresholds_are_exact() -> None:
    """Ultimatum with inequity aversion alpha: the offer steps up at alpha = 1/8, 1/3, 3/4, 2."""
    out = solve("specs/ultimatum.game", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    alpha = sp.Symbol("alpha", real=True)
    found = pieces(data, "offer", "alpha")
    for x, want in ((0, 0), (0.1, 1), (0.2, 2), (0.5, 3), (1, 4), (3, 5)):
        held = [v for v, w in found if bool(w.subs(alpha, sp.nsimplify(x)))]
        assert held == [want], (x, found)


@pytest.mark.parametrize("spec", ["specs/stackelberg.game", "specs/threshold_penalty.game"])
def test_text_shows_maths_not_sympy_reprs(spec: str) -> None:
    out = solve(spec)
    assert out.returncode == 0, out.stderr
    assert "equilibrium in the params (closed forms):" in out.stdout
    assert "Piecewise(" not in out.stdout and "Eq(" not in out.stdout and "**" not in out.stdout
