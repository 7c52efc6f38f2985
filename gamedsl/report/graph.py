"""The stage graph drawn as text, Graphviz dot or Mermaid, and expressions in spec syntax."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy
from sympy.printing.str import StrPrinter

from gamedsl.language.stagegraph import is_conditional, stage_graph
from gamedsl.model.game import Game

if TYPE_CHECKING:
    import networkx as nx


class _SpecPrinter(StrPrinter):
    """Prints sympy expressions in the syntax of the language (`==`, `and`, `^`, `[C]`)."""

    def _print_Equality(self, e):
        return f"{self._print(e.lhs)} == {self._print(e.rhs)}"

    def _print_Unequality(self, e):
        return f"{self._print(e.lhs)} != {self._print(e.rhs)}"

    def _print_And(self, e):
        return " and ".join(
            f"({self._print(a)})" if isinstance(a, sympy.Or) else self._print(a) for a in e.args
        )

    def _print_Or(self, e):
        return " or ".join(self._print(a) for a in e.args)

    def _print_Not(self, e):
        return f"not ({self._print(e.args[0])})"

    def _print_Piecewise(self, e):
        if (
            len(e.args) == 2
            and e.args[0].expr == 1
            and e.args[1].expr == 0
            and e.args[1].cond == True
        ):
            return f"[{self._print(e.args[0].cond)}]"
        out = self._print(e.args[-1].expr)
        for piece in reversed(e.args[:-1]):
            out = f"(if {self._print(piece.cond)} then {self._print(piece.expr)} else {out})"
        return out

    def _print_Pow(self, e, rational=False):
        return super()._print_Pow(e, rational).replace("**", "^")

    def _print_Infinity(self, e):
        return "inf"

    def _print_NegativeInfinity(self, e):
        return "-inf"


def spec_text(expr) -> str:
    """Return a sympy expression written in the syntax of `.game` files."""
    return _SpecPrinter().doprint(expr).replace("**", "^")


def _choice_text(c) -> str:
    domain = f" {c.domain.text}" if c.domain is not None and c.domain.text else ""
    out = f"{c.player} chooses {c.var}{domain}"
    if c.fixed is not None:
        out += f"  [fixed = {spec_text(c.fixed)}]"
    elif c.condition is not None:
        out += f"  [when {spec_text(c.condition)}, otherwise {spec_text(c.otherwise)}]"
    return out


def render(game: Game, fmt: str = "text") -> str:
    """Return the stage graph of `game` as `text`, `dot` (Graphviz) or `mermaid`."""
    if fmt == "text":  # a chain needs no graph library (`check` starts without networkx)
        return _render_text(game)
    g = stage_graph(game)
    if fmt == "dot":
        return _render_dot(game, g)
    if fmt == "mermaid":
        return _render_mermaid(game, g)
    raise ValueError(f"unknown graph format {fmt!r} (use text, dot or mermaid)")


def _render_text(game: Game) -> str:
    if not game.stages:
        return "(no stages: a module)"
    lines = []
    for i, stage in enumerate(game.stages):
        mark = " (conditional)" if is_conditional(stage) else ""
        when = f" when {spec_text(stage.condition)}" if stage.condition is not None else ""
        lines.append(f"{i + 1}. {stage.name}{when}{mark}")
        for c in stage.choices:
            lines.append(f"     {_choice_text(c)}")
        if i + 1 < len(game.stages):
            lines.append("     |")
            lines.append("     v")
    return "\n".join(lines)


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _render_dot(game: Game, g: nx.DiGraph) -> str:
    title = game.title or game.path
    lines = [
        "digraph stages {",
        f"  label={_dot_quote(title)};",
        "  rankdir=TB;",
        "  node [shape=box];",
    ]
    for stage in game.stages:
        label = "\n".join([stage.name] + [_choice_text(c) for c in stage.choices])
        style = ", style=dashed" if g.nodes[stage.name]["conditional"] else ""
        lines.append(f"  {_dot_quote(stage.name)} [label={_dot_quote(label)}{style}];")
    for a, b, data in g.edges(data=True):
        style = " [style=dashed]" if data.get("conditional") else ""
        lines.append(f"  {_dot_quote(a)} -> {_dot_quote(b)}{style};")
    lines.append("}")
    return "\n".join(lines)


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;")


def _render_mermaid(game: Game, g: nx.DiGraph) -> str:
    lines = ["flowchart TD"]
    ids = {stage.name: f"s{i}" for i, stage in enumerate(game.stages)}
    for stage in game.stages:
        label = "<br/>".join([stage.name] + [_choice_text(c) for c in stage.choices])
        lines.append(f'  {ids[stage.name]}["{_mermaid_label(label)}"]')
    for a, b, data in g.edges(data=True):
        arrow = "-.->" if data.get("conditional") else "-->"
        lines.append(f"  {ids[a]} {arrow} {ids[b]}")
    return "\n".join(lines)
