"""Blocks: the indented lines after a `stage ...:` or `scenario ...:` header belong to it.

The grammar reads a file as a flat list of statements; `group_blocks` moves each block's lines
into its header (`StageDecl.choices`, `ScenarioDecl.statements`), using each statement's line and
whether that line is indented, and reports lines in the wrong place.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gamedsl.language import ast
from gamedsl.language.source import Source, short
from gamedsl.model.errors import SpecError

_STAGE_LINES = (ast.ChoiceLine, ast.DrawLine)
_SCENARIO_LINES = (ast.Fix, ast.SetParam, ast.Merge, ast.PayoffDecl, ast.LetDecl)
_BLOCK_ONLY = {
    ast.ChoiceLine: "stage",
    ast.Fix: "scenario",
    ast.SetParam: "scenario",
    ast.Merge: "scenario",
}
_FIRST_WORD = {ast.Fix: "fix", ast.SetParam: "set", ast.Merge: "merge"}


@dataclasses.dataclass
class _OpenBlock:
    """A block header and the lines given to it so far."""

    header: ast.StageDecl | ast.ScenarioDecl
    lines: list = dataclasses.field(default_factory=list)

    @property
    def kind(self) -> str:
        return "stage" if isinstance(self.header, ast.StageDecl) else "scenario"

    def accepts(self, stmt: Any) -> bool:
        return isinstance(stmt, _STAGE_LINES if self.kind == "stage" else _SCENARIO_LINES)

    def closed(self, errors: list[SpecError]) -> Any:
        """Return the header with its lines (a stage without choices is an error)."""
        if self.kind == "scenario":
            return dataclasses.replace(self.header, statements=tuple(self.lines))
        if not self.lines:
            errors.append(
                SpecError(
                    f"stage {short(self.header.name)!r} has no choices",
                    self.header.name_span,
                    "indent its choice lines under the header: '  PLAYER chooses VAR ...'",
                )
            )
        return dataclasses.replace(self.header, choices=tuple(self.lines))


def _misplaced(block: _OpenBlock, stmt: Any) -> SpecError:
    """Return the error for a line indented under a block it cannot be part of."""
    if block.kind == "stage":
        message = (
            "only choice lines (PLAYER chooses VAR ...) and chance moves (nature draws ...) "
            "can be inside a stage block"
        )
    else:
        message = "only fix, set, merge, payoff and let can be inside a scenario block"
    return SpecError(message, stmt.span, "unindent this line to end the block")


def group_blocks(statements: list, source: Source) -> tuple[list, list[SpecError]]:
    """Return the statements with each block's indented lines moved into its header, and the
    errors of lines in the wrong place."""
    lines = source.text.split("\n")
    out: list = []
    errors: list[SpecError] = []
    block: _OpenBlock | None = None
    for stmt in statements:
        line = stmt.span.line
        indented = lines[line - 1][:1] in (" ", "\t")
        if block is not None and (indented or line == block.header.span.line):
            if block.accepts(stmt):
                block.lines.append(stmt)
            else:
                errors.append(_misplaced(block, stmt))
            continue
        if indented and type(stmt) not in _BLOCK_ONLY:
            errors.append(
                SpecError(
                    "unexpected indentation: this line is not inside a stage or scenario block",
                    stmt.span,
                    "remove the leading spaces",
                )
            )
            continue
        if block is not None:
            out.append(block.closed(errors))
            block = None
        if isinstance(stmt, (ast.StageDecl, ast.ScenarioDecl)):
            block = _OpenBlock(stmt)
        elif type(stmt) in _BLOCK_ONLY:
            wanted = _BLOCK_ONLY[type(stmt)]
            what = (
                "a choice line" if type(stmt) is ast.ChoiceLine else f"'{_FIRST_WORD[type(stmt)]}'"
            )
            errors.append(
                SpecError(
                    f"{what} must be inside a {wanted} block (indented under '{wanted} NAME:')",
                    stmt.span,
                )
            )
        else:
            out.append(stmt)
    if block is not None:
        out.append(block.closed(errors))
    return out, errors
