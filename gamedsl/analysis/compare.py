"""Scenario comparison: the baseline and each scenario solved at the same param values, side by
side, with each scenario's change from the baseline."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gamedsl.analysis import executor as ex
from gamedsl.analysis.regime import regimes
from gamedsl.analysis.sweep import game_context, load
from gamedsl.model.errors import SolveError
from gamedsl.model.game import Game
from gamedsl.model.solution import Solution
from gamedsl.report.solution import fmt_number

KINDS = ("param", "choice", "payoff", "report")
KIND_TITLES = {
    "param": "parameters",
    "choice": "equilibrium",
    "payoff": "payoffs",
    "report": "reports",
}


@dataclass(frozen=True)
class Row:
    """One quantity across the columns; None where a column has no such quantity (a merged
    player exists only in its scenario)."""

    name: str
    kind: str
    values: tuple[float | None, ...]

    def delta(self, k: int) -> float | None:
        """Return column k minus the baseline (None when either is missing)."""
        a, b = self.values[0], self.values[k]
        if a is None or b is None:
            return None
        return float(b) - float(a)


@dataclass(frozen=True)
class Comparison:
    """The baseline (column 0) and each scenario, solved at the same param values."""

    game: str | None
    labels: tuple[str, ...]  # "baseline", then the scenario names
    titles: tuple[str | None, ...]
    rows: tuple[Row, ...]
    regimes: tuple[str, ...]
    solutions: tuple[Solution, ...]

    def row(self, name: str, kind: str | None = None) -> Row:
        """Return the row of a quantity (choose the kind when a name is both a param and ...)."""
        for r in self.rows:
            if r.name == name and (kind is None or r.kind == kind):
                return r
        raise KeyError(name)

    def delta(self, name: str, scenario: str) -> float | None:
        """Return scenario's value of `name` minus the baseline's."""
        return self.row(name).delta(self.labels.index(scenario))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"game": self.game, "columns": list(self.labels), "rows": []}
        for r in self.rows:
            entry: dict[str, Any] = {
                "name": r.name,
                "kind": r.kind,
                "values": dict(zip(self.labels, map(_num, r.values))),
            }
            entry["deltas"] = {lab: _num(r.delta(k)) for k, lab in enumerate(self.labels) if k}
            out["rows"].append(entry)
        out["regimes"] = dict(zip(self.labels, self.regimes))
        out["verified"] = {lab: s.verification.ok for lab, s in zip(self.labels, self.solutions)}
        out["warnings"] = {
            lab: list(s.warnings) for lab, s in zip(self.labels, self.solutions) if s.warnings
        }
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def plot(self, path: str | None = None, kinds: Sequence[str] = ("payoff", "report")):
        """Draw grouped bars of the baseline and scenarios; save as PNG to `path` when given."""
        from gamedsl.analysis.plot import plot_compare

        return plot_compare(self, path, kinds)

    def _header(self) -> list[str]:
        head = ["", self.labels[0]]
        for lab in self.labels[1:]:
            head += [lab, "Δ"]
        return head

    def _cells(self, r: Row, fmt) -> list[str]:
        cells = [r.name, fmt(r.values[0])]
        for k in range(1, len(self.labels)):
            d = r.delta(k)
            cells += [fmt(r.values[k]), "" if d is None or d == 0 else _signed(d, fmt)]
        return cells

    def text(self) -> str:
        """Return the side-by-side table."""
        fmt = lambda v: "—" if v is None else fmt_number(v)
        head = self._header()
        body: list[list[str] | str] = []
        for kind in KINDS:
            rows = [r for r in self.rows if r.kind == kind]
            if kind == "param":
                rows = [r for r in rows if any(r.delta(k) for k in range(1, len(self.labels)))]
                if not rows:
                    continue
            body.append(KIND_TITLES[kind] + (" (those that differ)" if kind == "param" else ""))
            body += [["  " + r.name] + self._cells(r, fmt)[1:] for r in rows]
        cells = [c for c in body if isinstance(c, list)] + [head]
        widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
        lines = [f"{self.game or 'game'}: scenarios compared (Δ = scenario − baseline)"]
        for lab, title in zip(self.labels[1:], self.titles[1:]):
            if title:
                lines.append(f"  {lab}: {title}")
        lines.append("")
        lines.append(
            "  ".join(
                h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(head, widths))
            ).rstrip()
        )
        for c in body:
            if isinstance(c, str):
                lines.append(c + ":")
                continue
            lines.append(
                "  ".join(
                    x.ljust(w) if i == 0 else x.rjust(w) for i, (x, w) in enumerate(zip(c, widths))
                ).rstrip()
            )
        lines.append("regimes:")
        width = max(len(lab) for lab in self.labels)
        for lab, reg in zip(self.labels, self.regimes):
            lines.append(f"  {lab.ljust(width)}  {reg}")
        for lab, s in zip(self.labels, self.solutions):
            if not s.verification.ok:
                lines.append(f"warning: {lab}: not verified ({s.verification.worst})")
        return "\n".join(lines)

    def latex(self) -> str:
        """Return a booktabs tabular of the comparison."""
        fmt = lambda v: "--" if v is None else _tex_num(v)
        n = len(self.labels)
        spec = "l" + "r" * (1 + 2 * (n - 1))
        head = ["", _tex(self.labels[0])]
        for lab in self.labels[1:]:
            head += [_tex(lab), r"$\Delta$"]
        lines = [
            r"\begin{tabular}{" + spec + "}",
            r"\toprule",
            " & ".join(head) + r" \\",
            r"\midrule",
        ]
        for kind in KINDS:
            rows = [r for r in self.rows if r.kind == kind]
            if kind == "param":
                rows = [r for r in rows if any(r.delta(k) for k in range(1, n))]
            if not rows:
                continue
            lines.append(
                r"\multicolumn{" + str(len(head)) + "}{l}{\\emph{" + KIND_TITLES[kind] + r"}} \\"
            )
            for r in rows:
                cells = self._cells(r, fmt)
                cells[0] = f"${_tex_name(r.name)}$"
                lines.append(" & ".join(cells) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines)


def _num(x: Any) -> Any:
    if x is None:
        return None
    f = float(x)
    if np.isnan(f):
        return None
    if np.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def _signed(d: float, fmt) -> str:
    s = fmt(d)
    return s if s.startswith("-") else "+" + s


def _tex(s: str) -> str:
    return s.replace("_", r"\_")


def _tex_num(v: float) -> str:
    s = fmt_number(v)
    if "e" in s:
        m, e = s.split("e")
        return f"${m} \\times 10^{{{int(e)}}}$"
    return s


def _tex_name(name: str) -> str:
    head, _, tail = name.partition("_")
    greek = {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "theta",
        "kappa",
        "lambda",
        "mu",
        "pi",
        "rho",
        "sigma",
        "tau",
        "phi",
        "omega",
        "eta",
        "nu",
        "xi",
        "chi",
        "psi",
    }
    base = "\\" + head if head in greek else (head if len(head) == 1 else r"\mathrm{" + head + "}")
    if tail:
        return f"{base}_{{\\mathrm{{{_tex(tail)}}}}}"
    return base


def _solve_scenario(task: tuple) -> tuple[str, Any]:
    """Work item: solve one scenario; return ("ok", Solution) or ("error", message)."""
    from gamedsl.solver import solve

    context, values = task
    game = ex.resolve(context)
    try:
        return "ok", solve(game, values)
    except SolveError as e:  # sent back as fields: exceptions with extra fields pickle badly
        return "error", (e.message, e.span, e.hint, e.reason, e.stage)


def compare(
    model_or_game: Any,
    scenarios: Sequence[str] | None = None,
    values: Mapping[str, float] | None = None,
    *,
    base_scenario: str | None = None,
    workers: int | None = None,
    dask: Any = None,
    quiet: bool = True,
    executor: ex.Executor | None = None,
) -> Comparison:
    """Return the baseline and each scenario (all the game's scenarios when none are named)
    solved at `values` (a value given here overrides a scenario's `set`, as on the command line)."""
    base = load(model_or_game, base_scenario)
    names = list(scenarios) if scenarios else [s for s in base.scenarios if s != base_scenario]
    games: list[Game] = [base] + [load(model_or_game, s) for s in names]
    labels = tuple([base_scenario or "baseline"] + names)
    values = dict(values or {})
    tasks = [(game_context(g), values) for g in games]
    own = executor is None
    executor = executor or ex.make_executor(workers, dask, quiet)
    try:
        results = executor.map(_solve_scenario, tasks, desc="compare")
    finally:
        if own:
            executor.close()
    for lab, (status, payload) in zip(labels, results):
        if status != "ok":
            message, span, hint, reason, stage = payload
            raise SolveError(f"{lab}: {message}", span, hint, reason, stage)
    sols = tuple(payload for _, payload in results)
    rows: list[Row] = []

    def add(kind: str, names_in: Sequence[str], pick) -> None:
        for name in names_in:
            vals = tuple(pick(s).get(name) for s in sols)
            rows.append(Row(name, kind, tuple(None if v is None else float(v) for v in vals)))

    params = list(dict.fromkeys(n for s in sols for n in s.parameters))
    add("param", params, lambda s: s.parameters)
    add("choice", [c.var for c in base.choices], lambda s: s.equilibrium)
    players = list(dict.fromkeys(p for s in sols for p in s.payoffs))
    add("payoff", players, lambda s: s.payoffs)
    add("report", list(dict.fromkeys(r for s in sols for r in s.reports)), lambda s: s.reports)
    regime_names = tuple(_regime_of(g, s) for g, s in zip(games, sols))
    titles = tuple(
        [None] + [base.scenarios[n].title if n in base.scenarios else None for n in names]
    )
    return Comparison(base.title, labels, titles, tuple(rows), regime_names, sols)


def _regime_of(game: Game, s: Solution) -> str:
    cols = {k: np.array([float(v)]) for k, v in {**s.parameters, **s.equilibrium}.items()}
    return str(regimes(game, cols, 1)[0])
