"""The stage graph of a game and the order of its definitions.

`stage_graph(game)` is a networkx DiGraph of the stages in the order they are played (a chain:
each stage sees all earlier choices), with conditional stages and choices marked; the solver
takes its stage order from it.  `find_cycle` and `topological_order` work on plain adjacency
mappings (iteratively: chains of 50,000 lets must not recurse).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # networkx is imported by stage_graph only: `check` starts faster without it
    import networkx as nx

    from gamedsl.model.game import Game, Stage

K = TypeVar("K", bound=Hashable)


def find_cycle(graph: Mapping[K, Iterable[K]]) -> list[K] | None:
    """Return the nodes of one cycle of `graph` (node -> successors) in order, or None.

    A self-loop is returned as `[node]`; `a -> b -> a` as `[a, b]`.
    """
    WHITE, GREY, BLACK = 0, 1, 2
    color: dict = {}
    for root in graph:
        if color.get(root, WHITE) != WHITE:
            continue
        path: list = [root]
        iters = [iter(graph.get(root, ()))]
        color[root] = GREY
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                color[path.pop()] = BLACK
                iters.pop()
                continue
            c = color.get(nxt, WHITE)
            if c == GREY:
                return path[path.index(nxt) :]
            if c == WHITE:
                color[nxt] = GREY
                path.append(nxt)
                iters.append(iter(graph.get(nxt, ())))
    return None


def topological_order(graph: Mapping[K, Iterable[K]]) -> list[K]:
    """Return the nodes of the acyclic `graph` with every node after its successors
    (dependencies first)."""
    done: set = set()
    order: list = []
    for root in graph:
        if root in done:
            continue
        done.add(root)
        stack = [(root, iter(graph.get(root, ())))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                order.append(node)
            elif nxt not in done:
                done.add(nxt)
                stack.append((nxt, iter(graph.get(nxt, ()))))
    return order


def is_conditional(stage: Stage) -> bool:
    """Return True when `stage` is played only under a condition: it has a `when`, or every
    choice in it is conditional."""
    return stage.condition is not None or (
        bool(stage.choices) and all(c.condition is not None for c in stage.choices)
    )


def stage_graph(game: Game) -> nx.DiGraph:
    """Return the stages of `game` as a chain DiGraph in play order.

    Node attributes: `index` (0-based), `players`, `choices` (var names), `conditional` (the
    stage has a `when`, or every choice in it is conditional), `condition` (sympy or None).
    Edge attribute `conditional` marks an edge into a conditional stage.
    """
    import networkx as nx

    g = nx.DiGraph()
    previous = None
    for i, stage in enumerate(game.stages):
        conditional = is_conditional(stage)
        g.add_node(
            stage.name,
            index=i,
            players=stage.players,
            choices=tuple(c.var for c in stage.choices),
            conditional=conditional,
            condition=stage.condition,
        )
        if previous is not None:
            g.add_edge(previous, stage.name, conditional=conditional)
        previous = stage.name
    return g
