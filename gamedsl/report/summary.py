"""The text `gamedsl check` prints: what the checker understood of a spec."""

from __future__ import annotations

from gamedsl.model.game import Domain, Game
from gamedsl.model.numbers import number
from gamedsl.report.graph import render, spec_text

SMALL = 1e-4  # a fraction smaller than this is written as a fraction, not as 1e-05


def _value(x) -> str:
    """Return a param's default as a researcher would write it: a number as `number` writes it
    (1/10 -> 0.1), except that a fraction below 1e-4 stays exact (1/100000), and an expression
    of other params in spec syntax."""
    if x is None:
        return "-"
    if getattr(x, "is_Rational", False) and not x.is_Integer and x != 0 and abs(x) < SMALL:
        return str(x)
    if getattr(x, "is_Rational", False):
        return number(x)
    return str(x)


def _domain(d: Domain | None) -> str:
    return d.text if d is not None and d.text else "free real"


def summary(game: Game) -> str:
    """Return the summary of a checked game: players, stages (who chooses what, domains),
    params with defaults, payoffs, reports, scenarios and the stage graph."""
    out = _headline(game)
    for section in (_players, _params, _assumptions, _stages, _names, _scenarios, _graph):
        out += section(game)
    return "\n".join(out)


def _headline(game: Game) -> list[str]:
    title = f' "{game.title}"' if game.title else ""
    if game.is_module:
        out = [
            f"{game.path}: ok{title}: a module (no stages): it can be used with 'use', not solved"
        ]
    else:
        n, m = len(game.stages), len(game.decision_players)
        stages = f"{n} stage{'s' if n != 1 else ''}"
        players = f"{m} player{'s' if m != 1 else ''}"
        out = [f"{game.path}: ok{title}: {stages}, {players}"]
    if game.scenario:
        out.append(f"scenario: {game.scenario}")
    return out


def _players(game: Game) -> list[str]:
    if not game.players:
        return []
    out = ["", "players:"]
    width = max(len(n) for n in game.players)
    for name, p in game.players.items():
        extra = ""
        if p.members:
            extra = f"  (merged: {' + '.join(p.members)})"
        elif p.merged_into:
            extra = f"  (merged into {p.merged_into})"
        desc = f"  {p.description}" if p.description else ""
        out.append(f"  {name:<{width}}{desc}{extra}")
    return out


def _params(game: Game) -> list[str]:
    if not game.params:
        return []
    out = ["", "params:"]
    width = max(len(n) for n in game.params)
    for name, p in game.params.items():
        kind = "  (policy)" if p.policy else ""
        default = f"= {_value(p.default)}" if p.default is not None else "(no default)"
        dom = f"  {p.domain.text}" if p.domain is not None else ""
        desc = f"  {p.description}" if p.description else ""
        out.append(f"  {name:<{width}} {default}{dom}{desc}{kind}")
    return out


def _assumptions(game: Game) -> list[str]:
    if not game.assumptions:
        return []
    return ["", "assumptions:"] + [f"  {a.text}" for a in game.assumptions]


def _stages(game: Game) -> list[str]:
    if not game.stages:
        return []
    out = ["", "stages (in order of play):"]
    for i, stage in enumerate(game.stages):
        when = f" when {spec_text(stage.condition)}" if stage.condition is not None else ""
        out.append(f"  {i + 1}. {stage.name}{when}")
        for c in stage.choices:
            line = f"       {c.player} chooses {c.var}: {_domain(c.domain)}"
            if c.fixed is not None:
                line += f"  [fixed at {spec_text(c.fixed)}]"
            elif c.condition is not None:
                line += f"  [when {spec_text(c.condition)}, otherwise {spec_text(c.otherwise)}]"
            if c.description:
                line += f'  "{c.description}"'
            out.append(line)
    return out


def _names(game: Game) -> list[str]:
    """Return the lines naming the payoffs, reports and lets."""
    out = []
    if game.payoffs:
        out += ["", "payoffs: " + ", ".join(game.payoffs)]
    if game.reports:
        out.append("reports: " + ", ".join(game.reports))
    if game.lets:
        names = list(game.lets)
        shown = ", ".join(names[:12]) + (f", ... ({len(names)} lets)" if len(names) > 12 else "")
        out.append("lets: " + shown)
    return out


def _scenarios(game: Game) -> list[str]:
    if not game.scenarios:
        return []
    out = ["", "scenarios:"]
    for name, s in game.scenarios.items():
        title = f'  "{s.title}"' if s.title else ""
        out.append(f"  {name}{title}")
    return out


def _graph(game: Game) -> list[str]:
    if not game.stages:
        return []
    return ["", "stage graph:"] + ["  " + line for line in render(game, "text").splitlines()]
