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
    out: list[str] = []
    title = f' "{game.title}"' if game.title else ""
    if game.is_module:
        out.append(
            f"{game.path}: ok{title}: a module (no stages): it can be used with 'use', not solved"
        )
    else:
        n = len(game.stages)
        out.append(
            f"{game.path}: ok{title}: {n} stage{'s' if n != 1 else ''}, "
            f"{len(game.decision_players)} player"
            f"{'s' if len(game.decision_players) != 1 else ''}"
        )
    if game.scenario:
        out.append(f"scenario: {game.scenario}")

    if game.players:
        out.append("")
        out.append("players:")
        width = max(len(n) for n in game.players)
        for name, p in game.players.items():
            extra = ""
            if p.members:
                extra = f"  (merged: {' + '.join(p.members)})"
            elif p.merged_into:
                extra = f"  (merged into {p.merged_into})"
            desc = f"  {p.description}" if p.description else ""
            out.append(f"  {name:<{width}}{desc}{extra}")

    if game.params:
        out.append("")
        out.append("params:")
        width = max(len(n) for n in game.params)
        for name, p in game.params.items():
            kind = "  (policy)" if p.policy else ""
            default = f"= {_value(p.default)}" if p.default is not None else "(no default)"
            dom = f"  {p.domain.text}" if p.domain is not None else ""
            desc = f"  {p.description}" if p.description else ""
            out.append(f"  {name:<{width}} {default}{dom}{desc}{kind}")

    if game.assumptions:
        out.append("")
        out.append("assumptions:")
        for a in game.assumptions:
            out.append(f"  {a.text}")

    if game.stages:
        out.append("")
        out.append("stages (in order of play):")
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

    if game.payoffs:
        out.append("")
        out.append("payoffs: " + ", ".join(game.payoffs))
    if game.reports:
        out.append("reports: " + ", ".join(game.reports))
    if game.lets:
        names = list(game.lets)
        shown = ", ".join(names[:12]) + (f", ... ({len(names)} lets)" if len(names) > 12 else "")
        out.append("lets: " + shown)
    if game.scenarios:
        out.append("")
        out.append("scenarios:")
        for name, s in game.scenarios.items():
            title = f'  "{s.title}"' if s.title else ""
            out.append(f"  {name}{title}")

    if game.stages:
        out.append("")
        out.append("stage graph:")
        out.extend("  " + line for line in render(game, "text").splitlines())
    return "\n".join(out)
