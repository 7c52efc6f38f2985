"""`solve --symbolic` states the conditions under which each closed-form piece holds.

Hand derivations (specs/threshold_penalty.game header): with x0 = g/(2k), the firm complies at
x = theta iff theta > x0 and p >= k*(theta - x0)^2; it pays at x = x0 otherwise.  Entry
deterrence (specs/entry_deterrence.game): after quantity q1, E's duopoly profit is
(a - c - b*q1)^2/(4b), so E stays out iff F >= (a - c - b*q1)^2/(4b).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy

import gamedsl
from gamedsl.cli import main

SPECS = Path(__file__).resolve().parents[2] / "specs"
g, k, theta, p, a, b, c, F, q1 = sympy.symbols("g k theta p a b c F q1", positive=True)


def _parts(text: str) -> list[tuple[str, str, sympy.Expr]]:
    """Split "A op B and C op D" (our own output, not a spec) into (lhs, op, rhs) triples."""
    out = []
    for part in text.split(" and "):
        for op in (">=", "<=", ">", "<"):
            if f" {op} " in part:
                lhs, rhs = part.split(f" {op} ")
                out.append(
                    (
                        lhs.strip(),
                        op,
                        sympy.sympify(
                            rhs,
                            locals={
                                n: s for n, s in globals().items() if isinstance(s, sympy.Symbol)
                            },
                        ),
                    )
                )
                break
    return out


def _threshold(**values):
    return gamedsl.load(str(SPECS / "threshold_penalty.game")).solve(symbolic=True, **values)


@pytest.mark.parametrize(
    "values", [{}, {"g": 1.2, "k": 1.5, "theta": 0.9, "p": 0.5}]
)  # switch at p = 0.375
def test_comply_iff_the_penalty_is_high_enough(values):
    s = _threshold(**values)
    assert s.strategies["x"] == "theta"
    parts = _parts(s.conditions["x"])
    ((_lhs, op, rhs),) = [q for q in parts if q[0] == "p"]
    assert op == ">="
    assert sympy.simplify(rhs - k * (theta - g / (2 * k)) ** 2) == 0
    ((_lhs, op, rhs),) = [q for q in parts if q[0] == "theta"]
    assert op == ">" and sympy.simplify(rhs - g / (2 * k)) == 0


def test_pay_below_the_switching_penalty():
    s = _threshold(p=0.05)  # switch at p = 0.09
    assert s.strategies["x"] == "g/(2*k)"
    parts = _parts(s.conditions["x"])
    ((_lhs, op, rhs),) = [q for q in parts if q[0] == "p"]
    assert op == "<=" and sympy.simplify(rhs - k * (theta - g / (2 * k)) ** 2) == 0


def test_no_penalty_piece_when_the_threshold_is_below_the_optimum():
    s = _threshold(theta=0.3)
    assert s.strategies["x"] == "g/(2*k)"
    assert not any(q[0] == "p" for q in _parts(s.conditions["x"]))


def test_entry_condition_in_the_leaders_quantity():
    s = gamedsl.load(str(SPECS / "entry_deterrence.game")).solve(symbolic=True)
    ((lhs, op, rhs),) = _parts(s.conditions["enter"])
    assert lhs == "F" and op == ">="
    assert sympy.simplify(rhs - (a - c - b * q1) ** 2 / (4 * b)) == 0


def test_conditions_in_json_and_text(capsys):
    assert (
        main(["solve", str(SPECS / "threshold_penalty.game"), "--symbolic", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert "p >= " in data["conditions"]["x"]
    assert main(["solve", str(SPECS / "threshold_penalty.game"), "--symbolic"]) == 0
    assert "x = theta    when theta > g/(2*k) and p >= " in capsys.readouterr().out


def test_no_conditions_without_symbolic():
    s = gamedsl.load(str(SPECS / "threshold_penalty.game")).solve()
    assert s.conditions == {}
