"""The stage graph, its renderings, and the dependency-graph helpers (cycles, order)."""

from __future__ import annotations

import networkx as nx
import pytest
import sympy

from gamedsl.language import check_text
from gamedsl.language.stagegraph import find_cycle, stage_graph, topological_order
from gamedsl.model.game import symbol
from gamedsl.report.graph import render, spec_text

ENTRY = """\
game "Entry"
player I
player E
stage capacity:
  I chooses k in [0, 10]
stage entry:
  E chooses enter in {0, 1}
stage market when enter == 1:
  I chooses q >= 0 otherwise 0
  E chooses y >= 0 otherwise 0
stage tax:
  I chooses t in [0, 1] when k > 2 otherwise 0
payoff I = q - q^2 - k - t^2
payoff E = y - y^2
"""


def test_stage_graph_is_a_chain_in_play_order_with_conditional_stages_marked() -> None:
    g = stage_graph(check_text(ENTRY, "t.game"))
    assert list(g.nodes) == ["capacity", "entry", "market", "tax"]
    assert list(g.edges) == [("capacity", "entry"), ("entry", "market"), ("market", "tax")]
    assert nx.is_directed_acyclic_graph(g)
    assert [g.nodes[n]["conditional"] for n in g.nodes] == [False, False, True, True]
    assert g.nodes["market"]["condition"] == sympy.Eq(symbol("enter"), 1)
    assert g.nodes["market"]["players"] == ("I", "E")
    assert g.nodes["market"]["choices"] == ("q", "y")
    assert g.edges["entry", "market"]["conditional"] is True
    assert g.edges["capacity", "entry"]["conditional"] is False
    assert [g.nodes[n]["index"] for n in g.nodes] == [0, 1, 2, 3]


def test_render_text() -> None:
    text = render(check_text(ENTRY, "t.game"), "text")
    lines = text.splitlines()
    assert lines[0] == "1. capacity"
    assert "     I chooses k in [0, 10]" in lines
    assert "3. market when enter == 1 (conditional)" in lines
    assert "     I chooses t in [0, 1]  [when k > 2, otherwise 0]" in lines


def test_render_dot_is_a_digraph_with_dashed_conditional_edges() -> None:
    dot = render(check_text(ENTRY, "t.game"), "dot")
    assert dot.startswith("digraph stages {") and dot.rstrip().endswith("}")
    assert 'label="Entry";' in dot
    assert '"capacity" -> "entry";' in dot
    assert '"entry" -> "market" [style=dashed];' in dot
    assert '"market" [label="market\\nI chooses q >= 0' in dot


def test_render_mermaid() -> None:
    mm = render(check_text(ENTRY, "t.game"), "mermaid")
    lines = mm.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  s0["capacity<br/>I chooses k in [0, 10]"]' in lines
    assert "  s0 --> s1" in lines and "  s1 -.-> s2" in lines


def test_render_rejects_unknown_format() -> None:
    with pytest.raises(ValueError):
        render(check_text(ENTRY, "t.game"), "svg")


def test_module_renders_as_a_note() -> None:
    assert render(check_text("param a = 1\n", "t.game"), "text") == "(no stages: a module)"
    assert list(stage_graph(check_text("param a = 1\n", "t.game")).nodes) == []


def test_find_cycle_names_the_cycle_in_order() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert find_cycle({"a": ["b"], "b": ["a"]}) == ["a", "b"]
    assert find_cycle({"x": ["x"]}) == ["x"]
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["b"]}) == ["b", "c"]


def test_find_cycle_and_order_handle_long_chains_without_recursion() -> None:
    n = 100_000
    chain = {i: [i - 1] if i else [] for i in range(n)}
    assert find_cycle(chain) is None
    order = topological_order(chain)
    assert order[0] == 0 and order[-1] == n - 1
    chain[0] = [n - 1]
    assert len(find_cycle(chain)) == n


def test_topological_order_puts_dependencies_first() -> None:
    graph = {"welfare": ["CS", "profit"], "CS": ["Q"], "profit": ["Q", "P"], "Q": [], "P": ["Q"]}
    order = topological_order(graph)
    for node, deps in graph.items():
        assert all(order.index(d) < order.index(node) for d in deps)


def test_spec_text_writes_the_language() -> None:
    x, y = symbol("x"), symbol("y")
    assert spec_text(sympy.Eq(x, 1)) == "x == 1"
    assert spec_text(sympy.Piecewise((1, x < y), (0, True))) == "[x < y]"
    assert spec_text(sympy.And(sympy.Eq(x, 1), sympy.Or(x > 2, y < 1))) in (
        "x == 1 and (x > 2 or y < 1)",
        "x == 1 and (y < 1 or x > 2)",
    )
    assert spec_text(x**2) == "x^2"
