"""The CLI commands that solve or analyse (argument parsing lives in cli.py; formatting in report/)."""

from __future__ import annotations

from gamedsl.report.solution import to_json, to_latex, to_text
from gamedsl.report.writing import emit


def _load(args):
    from gamedsl.language import load_game

    return load_game(args.file, scenario=getattr(args, "scenario", None))


def _values(args) -> dict:
    return dict(getattr(args, "set", None) or {})


def solve(args) -> int:
    """`gamedsl solve`: print the equilibrium as text, json or latex; exit 0 (3 if none)."""
    from gamedsl.solver import solve as run

    game = _load(args)
    solution = run(game, _values(args), symbolic=bool(getattr(args, "symbolic", False)),
                   select=getattr(args, "select", None) or "pareto",
                   strict=bool(getattr(args, "strict", False)))
    fmt = getattr(args, "format", None) or "text"
    if fmt == "json":
        text = to_json(solution)
    elif fmt == "latex":
        text = to_latex(solution, game)
    else:
        text = to_text(solution, game, symbolic=bool(getattr(args, "symbolic", False)))
    emit(getattr(args, "output", None), text)
    return 0


def _analysis(name: str):
    def run(args) -> int:
        from gamedsl.analysis import cli as analysis_cli

        return getattr(analysis_cli, name)(args)

    run.__name__ = name
    run.__doc__ = f"`gamedsl {name}` (see gamedsl.analysis)."
    return run


sweep = _analysis("sweep")
regions = _analysis("regions")
statics = _analysis("statics")
compare = _analysis("compare")
