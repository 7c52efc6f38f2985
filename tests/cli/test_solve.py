"""End to end: `gamedsl solve` on specs/ through `gamedsl.cli.main`, checked against DESIGN §2.

Expected numbers are closed forms derived by hand (see the comments and specs/*.game headers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy

SPECS = Path(__file__).resolve().parents[2] / "specs"

ABS_TOL = 1e-6
REL_TOL = 1e-6
EXIT_OK = 0
EXIT_SPEC = 2
EXIT_SOLVE = 3

JSON_KEYS = {
    "game",
    "scenario",
    "parameters",
    "equilibrium",
    "payoffs",
    "reports",
    "strategies",
    "stages",
    "equilibria",
    "verification",
    "warnings",
}


def spec(name: str) -> str:
    return str(SPECS / f"{name}.game")


def run(args: list[str], capsys) -> tuple[int, str, str]:
    """Return (exit code, stdout, stderr) of `gamedsl ARGS` run in-process."""
    from gamedsl.cli import main

    try:
        code = main(args)
    except SystemExit as exit_:  # argparse and a main that exits instead of returning
        code = exit_.code
    captured = capsys.readouterr()
    return (0 if code is None else code), captured.out, captured.err


def approx(value):
    return pytest.approx(value, abs=ABS_TOL, rel=REL_TOL)


def solve_json(args: list[str], capsys) -> dict:
    code, out, err = run(["solve", *args, "--format", "json"], capsys)
    assert code == EXIT_OK, err
    return json.loads(out)


def test_solve_json_cournot(capsys) -> None:
    # Cournot at a=12, b=1, c=1 (MWG §12.C): q = (a - c)/(3b) = 11/3, P = (a + 2c)/3 = 14/3,
    # profit = (a - c)^2/(9b) = 121/9, CS = 2(a - c)^2/(9b) = 242/9, welfare = 4(a - c)^2/(9b).
    data = solve_json([spec("cournot"), "--set", "a=12"], capsys)
    assert JSON_KEYS <= set(data)
    assert data["game"] == "Cournot duopoly"
    assert data["scenario"] is None
    assert data["parameters"] == {"a": approx(12), "b": approx(1), "c": approx(1)}
    assert data["equilibrium"] == {"q1": approx(11 / 3), "q2": approx(11 / 3)}
    assert data["payoffs"] == {"F1": approx(121 / 9), "F2": approx(121 / 9)}
    assert data["reports"] == {
        "price": approx(14 / 3),
        "CS": approx(242 / 9),
        "welfare": approx(484 / 9),
    }
    assert isinstance(data["strategies"], dict)
    assert [(st["name"], st["binding"]) for st in data["stages"]] == [("market", [])]
    assert data["stages"][0]["method"] in {"symbolic", "numeric"}
    assert data["verification"]["ok"] is True
    assert 0 <= data["verification"]["max_gain"] <= 1e-6
    assert isinstance(data["equilibria"], list)
    assert isinstance(data["warnings"], list)


INTERIOR_POINTS = [  # params and a leader output where the follower's reply is interior
    {"a": "10", "b": "1", "c": "2", "s": "0", "qL": "3"},
    {"a": "13", "b": "3/2", "c": "1/2", "s": "1/4", "qL": "2"},
    {"a": "9", "b": "1/2", "c": "3", "s": "1", "qL": "7"},
]


def test_solve_json_symbolic_strategies(capsys) -> None:
    # Stackelberg (Gibbons §2.1.B): qL = (a - c + s)/(2b), follower qF(qL) = (a - c + s - b*qL)/(2b);
    # at the defaults qL = 4, qF = 2, profits 8 and 4, CS 18, welfare 30 (DESIGN §2's example).
    data = solve_json([spec("stackelberg"), "--symbolic"], capsys)
    assert data["game"] == "Stackelberg duopoly"
    assert data["parameters"] == {"a": approx(10), "b": approx(1), "c": approx(2), "s": approx(0)}
    assert data["equilibrium"] == {"qL": approx(4), "qF": approx(2)}
    assert data["payoffs"] == {"L": approx(8), "F": approx(4)}
    assert data["reports"] == {"CS": approx(18), "welfare": approx(30)}
    assert [(st["name"], st["method"]) for st in data["stages"]] == [
        ("lead", "symbolic"),
        ("follow", "symbolic"),
    ]
    names = {n: sympy.Symbol(n, real=True) for n in ("a", "b", "c", "s", "qL", "qF")}
    leader = sympy.sympify(data["strategies"]["qL"], locals=names)
    follower = sympy.sympify(data["strategies"]["qF"], locals=names)
    # compared at interior points (any equivalent form, e.g. a Max with the bound, passes)
    for point in INTERIOR_POINTS:
        at = {names[k]: sympy.Rational(v) for k, v in point.items()}
        a, b, c, s, qL = (float(sympy.Rational(point[n])) for n in ("a", "b", "c", "s", "qL"))
        assert float(leader.subs(at)) == approx((a - c + s) / (2 * b))
        assert float(follower.subs(at)) == approx((a - c + s - b * qL) / (2 * b))


def test_solve_json_reports_binding_bounds(capsys) -> None:
    # Hotelling with quadratic transport costs (d'Aspremont et al. 1979): maximal
    # differentiation at the bounds l1 = 0, l2 = 1; p = c + t = 1, profits t/2.
    data = solve_json([spec("hotelling")], capsys)
    stages = {st["name"]: st for st in data["stages"]}
    assert sorted(stages["locate"]["binding"]) == ["l1 >= 0", "l2 <= 1"]
    assert stages["price"]["binding"] == []
    assert data["equilibrium"] == {
        "l1": approx(0),
        "l2": approx(1),
        "p1": approx(1),
        "p2": approx(1),
    }


def test_solve_json_scenario_integrated(capsys) -> None:
    # Double marginalisation merged (Spengler 1950): p = (a + c)/2 = 6, q = (a - c)/(2b) = 4,
    # joint profit (a - c)^2/(4b) = 16 = payoff(M) + payoff(R); separate: p = 8, profits 8 + 4.
    data = solve_json([spec("double_marginalisation"), "--scenario", "integrated"], capsys)
    assert data["scenario"] == "integrated"
    assert data["equilibrium"]["p"] == approx(6)
    assert data["reports"]["quantity"] == approx(4)
    assert data["payoffs"]["MR"] == approx(16)
    assert data["payoffs"]["MR"] == approx(data["payoffs"]["M"] + data["payoffs"]["R"])
    baseline = solve_json([spec("double_marginalisation")], capsys)
    assert baseline["scenario"] is None
    assert baseline["equilibrium"] == {"w": approx(6), "p": approx(8)}
    assert baseline["payoffs"] == {"M": approx(8), "R": approx(4)}


def test_solve_json_set_overrides_param(capsys) -> None:
    # Cournot with capacity: at K=5 the capacity is slack, q = (a - c)/(3b) = 3, no binding bound;
    # at the default K=2 it binds: q2 = 2, q1 = (a - c - b*K)/(2b) = 3.5.
    slack = solve_json([spec("cournot_capacity"), "--set", "K=5"], capsys)
    assert slack["equilibrium"] == {"q1": approx(3), "q2": approx(3)}
    assert slack["stages"][0]["binding"] == []
    tight = solve_json([spec("cournot_capacity")], capsys)
    assert tight["equilibrium"] == {"q1": approx(3.5), "q2": approx(2)}
    assert tight["stages"][0]["binding"] == ["q2 <= K"]


@pytest.mark.parametrize("fmt", ["text", "latex"])
def test_solve_other_formats(fmt: str, capsys) -> None:
    code, out, err = run(["solve", spec("cournot"), "--set", "a=12", "--format", fmt], capsys)
    assert code == EXIT_OK, err
    assert out.strip()
    if fmt == "latex":
        assert "\\begin{align" in out
    else:
        assert "q1" in out and "F1" in out


def test_solve_text_scenario(capsys) -> None:
    code, out, err = run(
        ["solve", spec("double_marginalisation"), "--scenario", "integrated", "--format", "text"],
        capsys,
    )
    assert code == EXIT_OK, err
    assert "MR" in out


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param("nosuch=1", id="unknown-param"),
        pytest.param("b=-1", id="outside-domain"),  # param b = 1 > 0
        pytest.param("c=12", id="outside-domain-of-other-param"),  # c in [0, a) with a = 10
    ],
)
def test_bad_set_is_a_spec_error(setting: str, capsys) -> None:
    code, _out, err = run(["solve", spec("cournot"), "--set", setting, "--format", "json"], capsys)
    assert code == EXIT_SPEC
    assert err.strip()
    assert setting.split("=")[0] in err


def test_failed_assume_is_a_spec_error(capsys) -> None:
    # coordination.game assumes h > s; h = 2 < s = 3 violates it.
    code, _out, err = run(["solve", spec("coordination"), "--set", "h=2"], capsys)
    assert code == EXIT_SPEC
    assert "h > s" in err


def test_unknown_scenario_is_a_spec_error(capsys) -> None:
    code, _out, err = run(["solve", spec("double_marginalisation"), "--scenario", "nosuch"], capsys)
    assert code == EXIT_SPEC
    assert "nosuch" in err


UNBOUNDED = """\
game "Unbounded"
player F
stage grab:
  F chooses qF >= 0
payoff F = qF
"""


FOLLOWER_UNBOUNDED_BELOW = """\
game "Follower unbounded below"
player L
player F
stage lead:
  L chooses x in [0, 1]
stage follow:
  F chooses y <= x
payoff L = x - x^2
payoff F = -y
"""


@pytest.mark.parametrize(
    ("source", "message"),
    [
        # payoff qF with only qF >= 0: no best reply exists (sup = inf)
        (UNBOUNDED, "4:13: error: payoff of F is unbounded above in qF: add an upper bound"),
        # F gains without limit as y falls: the second stage is named, with the side to bound
        (
            FOLLOWER_UNBOUNDED_BELOW,
            "7:13: error: payoff of F is unbounded below in y: add a lower bound",
        ),
    ],
    ids=["above", "later-stage-below"],
)
def test_an_unbounded_payoff_exits_3_naming_the_side(tmp_path, capsys, source, message) -> None:
    path = tmp_path / "unbounded.game"
    path.write_text(source, encoding="utf-8")
    code, _out, err = run(["solve", str(path)], capsys)
    assert code == EXIT_SOLVE
    assert f"{path}:{message}" in err
    assert "^" in err


def test_matching_pennies_exits_3_with_pure(capsys) -> None:
    # No pure-strategy equilibrium (the only one mixes 1/2-1/2): exit 3 under --pure, and
    # solved in mixed strategies without it (DESIGN §1b).
    code, _out, err = run(["solve", spec("matching_pennies"), "--pure", "--format", "json"], capsys)
    assert code == EXIT_SOLVE
    assert "pure" in err and "--pure" in err
    code, out, err = run(["solve", spec("matching_pennies"), "--format", "json"], capsys)
    assert code == EXIT_OK, err
    assert json.loads(out)["mixed"] == {"h1": [[0, 0.5], [1, 0.5]], "h2": [[0, 0.5], [1, 0.5]]}
