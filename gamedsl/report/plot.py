"""Pictures of sweeps and region maps (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
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
SPECIAL_COLOURS = {"invalid": "#dddddd", "no equilibrium": "#999999", "unbounded": "#555555"}
KIND_TITLES = {"choice": "equilibrium", "payoff": "payoffs", "report": "reports", "param": "params"}


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


def _label(game_params, name: str) -> str:
    p = game_params.get(name) if game_params else None
    desc = getattr(p, "description", None)
    return f"{name} ({desc})" if desc else name


def default_columns(table: Table) -> list[str]:
    """Return the columns a sweep plot shows by default: equilibrium values and payoffs."""
    return table.columns_of("choice") + table.columns_of("payoff")


def plot_sweep(
    table: Table, columns: Sequence[str] | None = None, path: str | None = None, params=None
):
    """Draw the chosen columns against the first varied param, one panel per kind of column
    (equilibrium, payoffs, reports), regime changes as dashed vertical lines; save to `path`."""
    plt = _pyplot()
    varied = list(table.meta.get("varied") or table.columns_of("param")[:1])
    x = varied[0]
    columns = list(columns) if columns else default_columns(table)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(missing[0])
    kinds = list(dict.fromkeys(table.kinds.get(c, "report") for c in columns))
    fig, axes = plt.subplots(
        len(kinds), 1, sharex=True, squeeze=False, figsize=(7.5, 2.4 + 2.2 * len(kinds))
    )
    axes = axes[:, 0]
    xv = table.column(x)
    regime = table.column("regime") if "regime" in table.columns else None
    others = varied[1:]
    combos = [()]
    if others:
        values = [np.unique(table.column(o)) for o in others]
        combos = list(itertools.product(*values))
        if len(combos) > MAX_SERIES:
            keep = np.unique(np.linspace(0, len(combos) - 1, MAX_SERIES).round().astype(int))
            combos = [combos[k] for k in keep]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    styles = ["-", "--", ":", "-."]
    first_mask = None
    for ax, kind in zip(axes, kinds):
        cols = [c for c in columns if table.kinds.get(c, "report") == kind]
        for ci, c in enumerate(cols):
            yv = table.column(c)
            for si, combo in enumerate(combos):
                mask = np.ones(len(xv), bool)
                for o, v in zip(others, combo):
                    mask &= table.column(o) == v
                if first_mask is None:
                    first_mask = mask
                order = np.argsort(xv[mask], kind="stable")
                label = (
                    c
                    if not others
                    else f"{c}, " + ", ".join(f"{o}={number(v)}" for o, v in zip(others, combo))
                )
                ax.plot(
                    xv[mask][order],
                    yv[mask][order],
                    styles[si % len(styles)],
                    color=colours[ci % len(colours)],
                    label=label,
                    lw=1.6,
                )
        ax.set_ylabel(KIND_TITLES.get(kind, kind))
        ax.grid(alpha=0.25)
    if regime is not None and first_mask is not None:
        _mark_regimes(axes, xv[first_mask], regime[first_mask])
    for ax in axes:
        ax.legend(fontsize=7, loc="best", framealpha=0.8)
    axes[-1].set_xlabel(_label(params, x))
    title = table.meta.get("game") or "sweep"
    if table.meta.get("scenario"):
        title += f" — scenario {table.meta['scenario']}"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig


def _mark_regimes(axes, x: np.ndarray, regime: np.ndarray) -> None:
    """Draw the regime changes along a series as dashed vertical lines, and name the regimes
    along the top when there are few."""
    order = np.argsort(x, kind="stable")
    xs, rs = x[order], regime[order]
    changes = [k for k in range(1, len(rs)) if rs[k] != rs[k - 1]]
    for ax in axes:
        for k in changes:
            ax.axvline((xs[k - 1] + xs[k]) / 2, color="0.35", ls="--", lw=1)
    if changes:
        axes[0].plot([], [], color="0.35", ls="--", lw=1, label="regime change")
    bounds = [xs[0]] + [(xs[k - 1] + xs[k]) / 2 for k in changes] + [xs[-1]]
    segments = [rs[0]] + [rs[k] for k in changes]
    if len(segments) <= MAX_REGIME_LABELS:
        top = axes[0].secondary_xaxis("top")
        top.set_ticks([(a + b) / 2 for a, b in itertools.pairwise(bounds)])
        top.set_xticklabels([_short(s) for s in segments], fontsize=7)


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
    if handles:
        ax.legend(
            handles=handles,
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.11),
            ncol=2 if max(len(h.get_label()) for h in handles) < 40 else 1,
            title="regime" + (f" (everywhere: {common})" if common else ""),
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


def _draw_values(fig, ax, rmap: RegionMap, extent) -> list:
    """Colour the cells by the expression's value (diverging around 0, its zero line drawn);
    return the legend handles."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.lines import Line2D

    v = rmap.values
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
