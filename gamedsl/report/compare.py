"""A scenario comparison as text, JSON, CSV and a LaTeX (booktabs) table.

Every format shows the baseline and each scenario side by side with the scenario's change
(Δ = scenario − baseline); text and LaTeX list the params only where some scenario changes one.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gamedsl.model.numbers import csv_cell, json_value, number
from gamedsl.report.latex import escape, label, latex_name, latex_number, payoff_name
from gamedsl.report.writing import save_text

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.analysis import Comparison, Row

KINDS = ("param", "choice", "payoff", "report")
KIND_TITLES = {
    "param": "parameters",
    "choice": "equilibrium",
    "payoff": "payoffs",
    "report": "reports",
}


def comparison_dict(c: Comparison) -> dict[str, Any]:
    """Return the JSON object: columns, rows with values and deltas, regimes, verification and
    warnings per column."""
    out: dict[str, Any] = {"game": c.game, "columns": list(c.labels), "rows": []}
    for r in c.rows:
        entry: dict[str, Any] = {
            "name": r.name,
            "kind": r.kind,
            "values": dict(zip(c.labels, map(json_value, r.values))),
        }
        entry["deltas"] = {lab: json_value(r.delta(k)) for k, lab in enumerate(c.labels) if k}
        out["rows"].append(entry)
    out["regimes"] = dict(zip(c.labels, c.regimes))
    out["verified"] = {lab: s.verification.ok for lab, s in zip(c.labels, c.solutions)}
    out["flags"] = dict(zip(c.labels, c.flags))
    out["warnings"] = {lab: list(s.warnings) for lab, s in zip(c.labels, c.solutions) if s.warnings}
    return out


def comparison_json(c: Comparison) -> str:
    """Return the comparison as JSON."""
    return json.dumps(comparison_dict(c), indent=2, allow_nan=False)


def comparison_csv(c: Comparison) -> str:
    """Return the comparison as CSV: one row per quantity (`kind`, `name`), a column per label
    (`baseline`, then each scenario) followed, for a scenario, by its change `delta_NAME`; a
    missing value is an empty cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["kind", "name", c.labels[0]]
    for lab in c.labels[1:]:
        header += [lab, f"delta_{lab}"]
    w.writerow(header)
    for r in c.rows:
        cells = [r.kind, r.name, csv_cell(r.values[0])]
        for k in range(1, len(c.labels)):
            cells += [csv_cell(r.values[k]), csv_cell(r.delta(k))]
        w.writerow(cells)
    return buf.getvalue()


def write_csv(c: Comparison, path: str | os.PathLike | None = None) -> str:
    """Write the CSV to `path` (atomically) when given; return the CSV text."""
    return save_text(path, comparison_csv(c))


def _cells(c: Comparison, r: Row, fmt: Callable[[Any], str]) -> list[str]:
    """Return a row's cells: its name, the baseline, then each scenario and its change (blank
    where there is none)."""
    cells = [r.name, fmt(r.values[0])]
    for k in range(1, len(c.labels)):
        d = r.delta(k)
        cells += [fmt(r.values[k]), "" if d is None or d == 0 else _signed(d, fmt)]
    return cells


def _signed(d: float, fmt: Callable[[Any], str]) -> str:
    s = fmt(d)
    return s if s.startswith("-") else "+" + s


def _shown_rows(c: Comparison, kind: str) -> list[Row]:
    """Return the rows of one kind that the text and LaTeX tables show (params: those that
    some scenario changes)."""
    rows = [r for r in c.rows if r.kind == kind]
    if kind == "param":
        rows = [r for r in rows if any(r.delta(k) for k in range(1, len(c.labels)))]
    return rows


def comparison_text(c: Comparison) -> str:
    """Return the side-by-side table, the regimes and the columns that failed verification."""
    fmt = lambda v: "—" if v is None else number(v)
    head = [""] + [c.labels[0]] + [x for lab in c.labels[1:] for x in (lab, "Δ")]
    body: list[list[str] | str] = []
    for kind in KINDS:
        rows = _shown_rows(c, kind)
        if kind == "param" and not rows:
            continue
        body.append(KIND_TITLES[kind] + (" (those that differ)" if kind == "param" else ""))
        body += [["  " + r.name] + _cells(c, r, fmt)[1:] for r in rows]
    cells = [x for x in body if isinstance(x, list)] + [head]
    widths = [max(len(x[i]) for x in cells) for i in range(len(head))]
    lines = [f"{c.game or 'game'}: scenarios compared (Δ = scenario − baseline)"]
    for lab, title in zip(c.labels[1:], c.titles[1:]):
        if title:
            lines.append(f"  {lab}: {title}")
    lines.append("")
    lines.append(_aligned(head, widths))
    for x in body:
        lines.append(x + ":" if isinstance(x, str) else _aligned(x, widths))
    lines.append("regimes:")
    width = max(len(lab) for lab in c.labels)
    for lab, reg in zip(c.labels, c.regimes):
        lines.append(f"  {lab.ljust(width)}  {reg}")
    flagged = [(lab, f) for lab, f in zip(c.labels, c.flags) if f]
    if flagged:
        lines.append(f"flags ({len(flagged)} of {len(c.labels)} columns):")
        lines += [f"  {lab.ljust(width)}  {f}" for lab, f in flagged]
    for lab, s in zip(c.labels, c.solutions):
        if not s.verification.ok:
            lines.append(f"warning: {lab}: not verified ({s.verification.worst})")
    return "\n".join(lines)


def _aligned(cells: list[str], widths: list[int]) -> str:
    """Return a line of the text table: the first cell left-aligned, the numbers right."""
    return "  ".join(
        x.ljust(w) if i == 0 else x.rjust(w) for i, (x, w) in enumerate(zip(cells, widths))
    ).rstrip()


def _row_name(r: Row) -> str:
    """Return a row's name in LaTeX, as `solve --format latex` names it."""
    if r.kind == "payoff":
        return payoff_name(r.name)
    if r.kind == "report":
        return label(r.name)
    return latex_name(r.name)


def comparison_latex(c: Comparison) -> str:
    """Return a booktabs tabular of the comparison."""
    fmt = lambda v: "--" if v is None else latex_number(v)
    n = len(c.labels)
    spec = "l" + "r" * (1 + 2 * (n - 1))
    head = ["", escape(c.labels[0])]
    for lab in c.labels[1:]:
        head += [escape(lab), r"$\Delta$"]
    lines = [
        r"\begin{tabular}{" + spec + "}",
        r"\toprule",
        " & ".join(head) + r" \\",
        r"\midrule",
    ]
    for kind in KINDS:
        rows = _shown_rows(c, kind)
        if not rows:
            continue
        lines.append(
            r"\multicolumn{" + str(len(head)) + "}{l}{\\emph{" + KIND_TITLES[kind] + r"}} \\"
        )
        for r in rows:
            cells = _cells(c, r, fmt)
            cells[0] = f"${_row_name(r)}$"
            lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)
