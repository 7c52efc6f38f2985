"""Pictures of sweeps and region maps (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
import itertools
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gamedsl.model.analysis import SPECIAL
from gamedsl.model.numbers import number
from gamedsl.report.writing import write_bytes

if TYPE_CHECKING:  # pragma: no cover
    from gamedsl.model.analysis import Comparison, RegionMap, Statics, Table

DPI = 110
MAX_SERIES = 8  # lines per column when a second param is varied
MAX_REGIME_LABELS = 6  # regime names written along the top of a sweep plot
MAX_DISTINCT = 6  # a region map whose values are this few integers gets a colour per value
REGIME_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # regimes named on a map coloured by values
SPECIAL_COLOURS = {"invalid": "#dddddd", "no equilibrium": "#999999", "unbounded": "#555555"}
KIND_TITLES = {
    "choice": "equilibrium",
    "payoff": "payoffs",
    "report": "reports",
    "param": "params",
    "expression": "computed",
}
SCENARIO = "scenario"  # the column naming each row's scenario (`analysis.scenarios`)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | None) -> None:
    if path is None:
        return
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    write_bytes(path, buf.getvalue())


def _descriptions(game) -> dict[str, str]:
    """Return the description of every name a plot may show: params, choices, players (their
    payoff columns).  `game` is a Game, a mapping of params (older callers) or None."""
    if game is None:
        return {}
    if not hasattr(game, "params"):  # a mapping of params
        return {n: p.description for n, p in game.items() if getattr(p, "description", None)}
    out = {n: p.description for n, p in game.params.items() if p.description}
    out.update({c.var: c.description for c in game.choices if c.description})
    out.update({n: p.description for n, p in game.players.items() if p.description})
    return out


def _label(game_or_params, name: str) -> str:
    """Return `name (its description)`, or the name when it has none."""
    desc = _descriptions(game_or_params).get(name)
    return f"{name} ({desc})" if desc else name


def default_columns(table: Table) -> list[str]:
    """Return the columns a sweep plot shows by default: equilibrium values and payoffs."""
    return table.columns_of("choice") + table.columns_of("payoff")


def _scenario_titles(game) -> dict[str, str]:
    """Return each scenario's title (for the legend)."""
    infos = getattr(game, "scenarios", None) or {}
    return {n: i.title for n, i in infos.items() if getattr(i, "title", None)}


def _series_label(column: str | None, scenario: str | None, combo: str, titles) -> str:
    """Return a line's legend entry: the column (when the panel has several), the scenario with
    its title (when there are several), the other varied params' values."""
    parts = [column] if column else []
    if scenario is not None:
        title = titles.get(scenario)
        parts.append(f"{scenario}: {_short(title, 40)}" if title else scenario)
    if combo:
        parts.append(combo)
    return ", ".join(parts)


def _panel_label(cols: Sequence[str], kind: str, descriptions: Mapping[str, str]) -> str:
    """Return a panel's y label: its one column with its description, else the kind."""
    if len(cols) == 1:
        desc = descriptions.get(cols[0])
        name = "\n".join(textwrap.wrap(cols[0], 36)) or cols[0]  # a long expression wraps
        return f"{name}\n({_short(desc, 40)})" if desc else name
    return KIND_TITLES.get(kind, kind)


@dataclass(frozen=True)
class _Series:
    """The rows of one line family of a sweep plot: a scenario and a value of the other varied
    params (`si`, `k`: their positions, for colours and styles)."""

    si: int
    scenario: str | None
    k: int
    combo: str
    rows: np.ndarray


def plot_sweep(
    table: Table, columns: Sequence[str] | None = None, path: str | None = None, game=None
):
    """Draw the chosen columns against the first varied param, one panel per kind of column
    (equilibrium, payoffs, reports, computed expressions), a line per column, per scenario
    (when the table has a `scenario` column) and per value of the other varied params; regime
    changes as dashed vertical lines (in each scenario's colour when there are several), a zero
    line where values change sign; save to `path`.  `game` (a Game, or its params) gives the
    axis labels their descriptions and the scenarios their titles."""
    plt = _pyplot()
    varied = list(table.meta.get("varied") or table.columns_of("param")[:1])
    columns = list(columns) if columns else default_columns(table)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(missing[0])
    kinds = list(dict.fromkeys(table.kinds.get(c, "report") for c in columns))
    fig, axes = plt.subplots(
        len(kinds), 1, sharex=True, squeeze=False, figsize=(7.5, 2.4 + 2.2 * len(kinds))
    )
    axes = axes[:, 0]
    xv = table.column(varied[0])
    series = _series(table, varied[1:])
    several = len({s.scenario for s in series}) > 1
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, kind in zip(axes, kinds):
        cols = [c for c in columns if table.kinds.get(c, "report") == kind]
        _draw_panel(ax, table, cols, kind, xv, series, several, colours, game)
    if "regime" in table.columns:
        regime = table.column("regime")
        if several:
            firsts = [(s.si, s.rows) for s in series if s.k == 0]
            _mark_scenario_regimes(axes, xv, regime, firsts, colours)
        else:
            _mark_regimes(axes, xv[series[0].rows], regime[series[0].rows])
    for ax in axes:
        ax.legend(fontsize=7, loc="best", framealpha=0.8)
    axes[-1].set_xlabel(_label(game, varied[0]))
    title = table.meta.get("game") or "sweep"
    if table.meta.get("scenario"):
        title += f" — scenario {table.meta['scenario']}"
    elif several:
        title += " — scenarios " + ", ".join(dict.fromkeys(str(s.scenario) for s in series))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig


def _series(table: Table, others: Sequence[str]) -> list[_Series]:
    """Return the line families: per scenario (None without a `scenario` column), per value of
    the other varied params."""
    combos = _combos(table, others)
    if SCENARIO not in table.columns:
        return [_Series(0, None, k, text, rows) for k, (text, rows) in enumerate(combos)]
    labels = table.column(SCENARIO)
    return [
        _Series(si, scenario, k, text, rows & (labels == scenario))
        for si, scenario in enumerate(dict.fromkeys(labels.tolist()))
        for k, (text, rows) in enumerate(combos)
    ]


def _draw_panel(ax, table, cols, kind, xv, series, several, colours, game) -> None:
    """Draw one panel's lines: a colour per scenario when there are several (and a style per
    column, or per scenario where the panel has one: a 0/1 condition's lines may lie on each
    other), else a colour per column and a style per value of the other varied params (a colour
    per value where the panel has one column; a style per column too where there are none)."""
    styles = ["-", "--", ":", "-."]
    descriptions = _descriptions(game)
    titles = _scenario_titles(game)
    for ci, c in enumerate(cols):
        yv = table.column(c)
        named = c
        if len(cols) > 1 and descriptions.get(c):
            named = f"{c}: {_short(descriptions[c], 40)}"
        for s in series:
            order = np.argsort(xv[s.rows], kind="stable")
            label = _series_label(
                named if (len(cols) > 1 or not several) else None,
                s.scenario if several else None,
                s.combo,
                titles,
            )
            if several:
                colour, style = s.si, ci if len(cols) > 1 else s.si
            elif len(cols) == 1:
                colour, style = s.k, 0
            else:  # lines that coincide stay visible: a style per column too, without others
                colour, style = ci, (s.k if len(series) > 1 else ci)
            ax.plot(
                xv[s.rows][order],
                yv[s.rows][order],
                styles[style % len(styles)],
                color=colours[colour % len(colours)],
                label=label,
                lw=1.6,
            )
    values = np.concatenate([table.column(c) for c in cols])
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() < 0 < finite.max():
        ax.axhline(0, color="0.2", lw=0.8)
    ax.set_ylabel(_panel_label(cols, kind, descriptions), fontsize=8)
    ax.grid(alpha=0.25)


def _combos(table: Table, others: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """Return (legend text, rows) per combination of the other varied params' values (at most
    MAX_SERIES, spread over them); one entry of every row when there are none."""
    n = len(table)
    if not others:
        return [("", np.ones(n, bool))]
    values = [np.unique(table.column(o)) for o in others]
    combos = list(itertools.product(*values))
    if len(combos) > MAX_SERIES:
        keep = np.unique(np.linspace(0, len(combos) - 1, MAX_SERIES).round().astype(int))
        combos = [combos[k] for k in keep]
    out = []
    for combo in combos:
        mask = np.ones(n, bool)
        for o, v in zip(others, combo):
            mask &= table.column(o) == v
        out.append((", ".join(f"{o}={number(v)}" for o, v in zip(others, combo)), mask))
    return out


def _mark_scenario_regimes(axes, x, regime, series_masks, colours) -> None:
    """Draw each scenario's regime changes as dashed vertical lines in its colour."""
    drawn = False
    for si, mask in series_masks:
        order = np.argsort(x[mask], kind="stable")
        xs, rs = x[mask][order], regime[mask][order]
        for k in range(1, len(rs)):
            if rs[k] != rs[k - 1]:
                drawn = True
                for ax in axes:
                    ax.axvline(
                        (xs[k - 1] + xs[k]) / 2,
                        color=colours[si % len(colours)],
                        ls="--",
                        lw=0.9,
                        alpha=0.7,
                    )
    if drawn:
        axes[0].plot([], [], color="0.35", ls="--", lw=0.9, label="regime change (its colour)")


def _mark_regimes(axes, x: np.ndarray, regime: np.ndarray) -> None:
    """Draw the regime changes along a series as dashed vertical lines and, when there are few
    regimes, letter each stretch along the top with a key below the figure (the parts every
    regime shares, such as `enter=1`, said once)."""
    order = np.argsort(x, kind="stable")
    xs, rs = x[order], regime[order]
    changes = [k for k in range(1, len(rs)) if rs[k] != rs[k - 1]]
    for ax in axes:
        for k in changes:
            ax.axvline((xs[k - 1] + xs[k]) / 2, color="0.35", ls="--", lw=1)
    if not changes:
        return
    axes[0].plot([], [], color="0.35", ls="--", lw=1, label="regime change")
    bounds = [xs[0]] + [(xs[k - 1] + xs[k]) / 2 for k in changes] + [xs[-1]]
    segments = [str(rs[0])] + [str(rs[k]) for k in changes]
    names = list(dict.fromkeys(segments))
    if len(names) > len(REGIME_LETTERS) or len(segments) > 4 * MAX_REGIME_LABELS:
        return
    letters = {n: REGIME_LETTERS[k] for k, n in enumerate(names)}
    top = axes[0].secondary_xaxis("top")
    top.set_ticks([(a + b) / 2 for a, b in itertools.pairwise(bounds)])
    top.set_xticklabels([letters[n] for n in segments], fontsize=8)
    common, labels = _common_parts(names)
    key = [f"{letters[n]}: {_short(labels[n], 90)}" for n in names]
    title = "regimes" + (f" (everywhere: {_short(common, 60)})" if common else "")
    axes[-1].annotate(
        title + "\n" + "\n".join(key),
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -42),
        textcoords="offset points",
        va="top",
        fontsize=7,
    )


def _short(regime: str, limit: int = 28) -> str:
    return regime if len(regime) <= limit else regime[: limit - 1] + "…"


def plot_regions(rmap: RegionMap, path: str | None = None):
    """Draw the region map: cells coloured by regime (or by the expression's value, diverging
    around 0 with its zero line), boundaries between regimes drawn; save to `path`."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    names = rmap.regime_names()
    index = {n: k for k, n in enumerate(names)}
    cat = np.vectorize(index.get, otypes=[float])(rmap.regime)
    xs, ys = rmap.xs, rmap.ys
    common, labels = _common_parts(names)
    fig, ax = plt.subplots(figsize=(7.8, 6.2))
    extent = _edges(xs), _edges(ys)
    colours = _regime_colours(plt, names)
    handles: list = []
    if rmap.values is None:
        ax.pcolormesh(
            extent[0],
            extent[1],
            cat,
            cmap=ListedColormap(colours),
            vmin=-0.5,
            vmax=len(names) - 0.5,
            shading="flat",
        )
        handles += [
            Patch(facecolor=c, edgecolor="0.3", label=_short(labels[n], 70))
            for n, c in zip(names, colours)
        ]
    else:
        handles += _draw_values(fig, ax, rmap, extent)
    # boundaries between regimes: the half-way contour of each regime's indicator
    if len(xs) > 1 and len(ys) > 1 and len(names) > 1:
        for kk in range(len(names)):
            ind = (cat == kk).astype(float)
            if 0 < ind.sum() < ind.size:
                ax.contour(xs, ys, ind, levels=[0.5], colors="0.1", linewidths=0.9)
        handles.append(Line2D([], [], color="0.1", lw=0.9, label="regime boundary"))
        if rmap.values is not None:  # the colours show the values: name the regimes by letter
            handles += _letter_regimes(ax, cat, xs, ys, [_short(labels[n], 66) for n in names])
    if handles:
        ax.legend(
            handles=handles,
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.11),
            ncol=2 if max(len(h.get_label()) for h in handles) < 40 else 1,
            title=("regime" if rmap.values is None else "values; regimes")
            + (f" (everywhere: {common})" if common else ""),
            title_fontsize=7,
            framealpha=0.9,
        )
    params = rmap.game.params
    ax.set_xlabel(_label(params, rmap.x))
    ax.set_ylabel(_label(params, rmap.y))
    title = rmap.game.title or "regions"
    if rmap.game.scenario:
        title += f" — scenario {rmap.game.scenario}"
    ax.set_title(title + ("" if rmap.values is None else f"\ncoloured by {rmap.by}"), fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig


def _regime_colours(plt, names: Sequence[str]) -> list:
    """Return a colour per regime: the special regimes in greys, the others from a palette."""
    palette = plt.get_cmap("tab20").colors if len(names) > 10 else plt.get_cmap("tab10").colors
    colours = []
    k = 0
    for n in names:
        if n in SPECIAL_COLOURS:
            colours.append(SPECIAL_COLOURS[n])
        else:
            colours.append(palette[k % len(palette)])
            k += 1
    return colours


def _letter_regimes(ax, cat: np.ndarray, xs, ys, labels: Sequence[str]) -> list:
    """Write each regime's letter in the cell of its area farthest from the others; return the
    legend entries that name them."""
    from matplotlib.lines import Line2D
    from scipy.ndimage import distance_transform_edt

    handles = []
    for k, text in enumerate(labels):
        inside = cat == k
        if not inside.any():
            continue
        depth = distance_transform_edt(np.pad(inside, 1))[1:-1, 1:-1]
        j, i = np.unravel_index(int(np.argmax(depth)), depth.shape)
        letter = REGIME_LETTERS[k % len(REGIME_LETTERS)]
        ax.text(
            xs[i],
            ys[j],
            letter,
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "lw": 0.5},
        )
        handles.append(Line2D([], [], ls="none", label=f"{letter}: {text}"))
    return handles


def _distinct_values(v: np.ndarray) -> np.ndarray | None:
    """Return the values of a map that takes a few integers only (a condition, a count of
    conditions), else None."""
    finite = v[np.isfinite(v)]
    if not finite.size or np.any(finite != np.round(finite)):
        return None
    values = np.unique(finite)
    return values if len(values) <= MAX_DISTINCT else None


def _draw_values(fig, ax, rmap: RegionMap, extent) -> list:
    """Colour the cells by the expression's value (diverging around 0, its zero line drawn; a
    colour per value when it takes a few integers only); return the legend handles."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.lines import Line2D

    v = rmap.values
    distinct = _distinct_values(v)
    if distinct is not None:
        return _draw_distinct(ax, rmap, extent, distinct)
    finite = np.isfinite(v)
    lo, hi = (float(np.min(v[finite])), float(np.max(v[finite]))) if finite.any() else (-1, 1)
    if lo < 0 < hi:
        norm, cmap = TwoSlopeNorm(vcenter=0.0, vmin=lo, vmax=hi), "RdBu_r"
    else:
        norm, cmap = None, "viridis"
    mesh = ax.pcolormesh(
        extent[0], extent[1], np.ma.masked_invalid(v), cmap=cmap, norm=norm, shading="flat"
    )
    fig.colorbar(mesh, ax=ax, label=rmap.by)
    if lo < 0 < hi and len(rmap.xs) > 1 and len(rmap.ys) > 1:
        ax.contour(rmap.xs, rmap.ys, v, levels=[0.0], colors="k", linewidths=1.8)
        return [Line2D([], [], color="k", lw=1.8, label=f"{rmap.by} = 0")]
    return []


def _draw_distinct(ax, rmap: RegionMap, extent, values: np.ndarray) -> list:
    """Colour the cells by value, one colour per value (a condition: 0 grey, 1 blue); return
    the legend entries `EXPR = v (share of the cells)`."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    v = rmap.values
    palette = (
        ["#e0e0e0", "#4a90d9"]
        if list(values) == [0.0, 1.0]
        else list(_pyplot().get_cmap("viridis")(np.linspace(0.1, 0.95, len(values))))
    )
    index = np.full(v.shape, np.nan)
    for k, value in enumerate(values):
        index[v == value] = k
    ax.pcolormesh(
        extent[0],
        extent[1],
        np.ma.masked_invalid(index),
        cmap=ListedColormap(palette),
        vmin=-0.5,
        vmax=len(values) - 0.5,
        shading="flat",
    )
    total = np.isfinite(v).sum()
    return [
        Patch(
            facecolor=colour,
            edgecolor="0.3",
            label=f"{_short(rmap.by, 50)} = {number(value)} ({np.sum(v == value) / total:.0%})",
        )
        for value, colour in zip(values, palette)
    ]


def _common_parts(names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """Return the parts ("enter=1") shared by every regime and each regime's label without them."""
    ordinary = [n for n in names if n not in SPECIAL]
    if len(ordinary) < 2:
        return "", {n: n for n in names}
    split = {n: n.split("; ") for n in ordinary}
    shared = [p for p in split[ordinary[0]] if all(p in split[n] for n in ordinary)]
    labels = {n: n for n in names}
    for n in ordinary:
        rest = [p for p in split[n] if p not in shared]
        labels[n] = "; ".join(rest) if rest else "(only the shared part)"
    return "; ".join(shared), labels


def _edges(c: np.ndarray) -> np.ndarray:
    """Return cell edges around centres c (a single centre gets a unit-wide cell)."""
    c = np.asarray(c, float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def close(fig) -> None:
    """Release a figure's memory."""
    _pyplot().close(fig)


def plot_statics(result: Statics, path: str | None = None):
    """Draw the derivatives as horizontal bars (one panel per param), symbolic ones labelled
    with their sign where it holds; save to `path`."""
    plt = _pyplot()
    fig, axes = plt.subplots(
        1,
        len(result.wrt),
        squeeze=False,
        figsize=(
            4.2 * len(result.wrt) + 1.5,
            0.42 * (len(result.derivatives) // len(result.wrt)) + 1.8,
        ),
    )
    for ax, w in zip(axes[0], result.wrt):
        ds = [d for d in result.derivatives if d.wrt == w]
        names = [d.quantity for d in ds][::-1]
        vals = np.array([d.value for d in ds][::-1])
        colours = ["#b2182b" if v < 0 else "#2166ac" if v > 0 else "#999999" for v in vals]
        ax.barh(names, vals, color=colours)
        ax.axvline(0, color="0.2", lw=0.8)
        for k, d in enumerate(ds[::-1]):
            if d.sign_everywhere:
                # beside the bar's end on the right, beside the zero line for a negative bar
                at = max(vals[k], 0.0)
                ax.annotate(f" {d.sign_everywhere}", (at, k), fontsize=7, va="center", ha="left")
        ax.margins(x=0.25)
        ax.set_title(f"d/d{w}", fontsize=10)
        ax.grid(axis="x", alpha=0.25)
    title = result.game or "comparative statics"
    fig.suptitle(
        f"{title}\nat " + ", ".join(f"{k}={number(v)}" for k, v in result.parameters.items()),
        fontsize=9,
    )
    fig.tight_layout()
    _save(fig, path)
    return fig


def plot_compare(
    result: Comparison, path: str | None = None, kinds: Sequence[str] = ("payoff", "report")
):
    """Draw the baseline and each scenario as grouped bars for the chosen kinds of rows; save to
    `path`."""
    plt = _pyplot()
    rows = [r for r in result.rows if r.kind in kinds]
    labels = list(result.labels)
    fig, ax = plt.subplots(figsize=(max(6.5, 0.9 * len(rows) + 2), 4.2))
    width = 0.8 / len(labels)
    x = np.arange(len(rows))
    for k, lab in enumerate(labels):
        vals = [np.nan if r.values[k] is None else r.values[k] for r in rows]
        ax.bar(x + (k - (len(labels) - 1) / 2) * width, vals, width, label=lab)
    ax.set_xticks(x)
    ax.set_xticklabels([r.name for r in rows], rotation=30, ha="right", fontsize=8)
    ax.axhline(0, color="0.2", lw=0.8)
    ax.grid(axis="y", alpha=0.25)
    ax.legend(fontsize=7, ncol=min(4, len(labels)), loc="upper left", bbox_to_anchor=(0, -0.22))
    ax.set_title(f"{result.game or 'scenarios'}: baseline and scenarios", fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig
