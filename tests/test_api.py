"""The Python API's face: options are checked where they are taken."""

from __future__ import annotations

import pytest

import gamedsl
from tests.analysis._support import spec


def test_unknown_select_rule_is_a_value_error_without_command_line_words():
    model = gamedsl.load(spec("cournot"))
    with pytest.raises(ValueError) as info:
        model.solve(select="best")
    assert "pareto, first, all" in str(info.value) and "--" not in str(info.value)


def test_solver_checks_the_rule_before_any_work():
    from gamedsl.solver import SELECT_RULES, solve

    assert SELECT_RULES == ("pareto", "first", "all")
    with pytest.raises(ValueError, match="select must be one of"):
        solve(gamedsl.load(spec("cournot")).game, {}, select="best")
