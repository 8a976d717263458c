"""Sweep charts, drawn from ``probabilities.csv`` only: the budget–probability curve and the heatmap of one
outcome's probability over two axes."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from innosim.experiments.report.run_charts import LABELS  # noqa: E402
from innosim.experiments.sweep.spec import OUTCOMES  # noqa: E402
from innosim.model.indicators import TARGETS  # noqa: E402

TITLES = {k: v[0] for k, v in LABELS.items()} | {"all": "All five targets"}


def _is_budget_axis(field: str) -> bool:
    return field == "budget_scale" or field.startswith("budget.")


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float | int | np.floating | np.integer) else str(v)


def budget_curve(probs: pd.DataFrame, axes: list[str], out: Path, name: str) -> Path | None:
    """``budget_curve.png``: P(met) of each target and of all five against the mean annual budget 2024-2028
    (亿元), with 95% intervals; one line per combination of the non-budget axes. None when the sweep has a
    single budget level."""
    if probs["budget_yi_per_year"].round(6).nunique() < 2:
        return None
    others = [a for a in axes if not _is_budget_axis(a)]
    grid = probs[probs["label"] != "base"] if (probs["label"] != "base").any() else probs
    groups = list(grid.groupby(others, sort=True, dropna=False)) if others else [((), grid)]
    fig, axs = plt.subplots(2, 3, figsize=(14, 8), dpi=130, sharex=True)
    colours = plt.cm.viridis(np.linspace(0, 0.9, max(len(groups), 1)))
    for ax, outcome in zip(axs.flat, OUTCOMES, strict=True):
        for (key, g), colour in zip(groups, colours, strict=True):
            s = g[g["target"] == outcome].sort_values("budget_yi_per_year")
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{a}={_fmt(v)}" for a, v in zip(others, key, strict=True)) or None
            ax.fill_between(s["budget_yi_per_year"], s["ci_low"], s["ci_high"], color=colour, alpha=0.18, lw=0)
            ax.plot(s["budget_yi_per_year"], s["p_met"], marker="o", ms=3.5, color=colour, label=label)
        base = probs[(probs["is_base"]) & (probs["target"] == outcome)]
        if len(base):
            ax.plot(base["budget_yi_per_year"], base["p_met"], marker="*", ms=13, color="tab:red", ls="none",
                    label="base scenario")
        ax.set_title(TITLES[outcome] + (f" (> {TARGETS[outcome]:,.0f})" if outcome in TARGETS else ""), fontsize=10)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    for ax in axs[1]:
        ax.set_xlabel("mean annual budget 2024-2028, 100 million yuan (yi)")
    for ax in axs[:, 0]:
        ax.set_ylabel("probability the 2028 target is met")
    handles, labels = axs.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8, frameon=False)
    fig.suptitle(f"Budget–probability curve — sweep {name} (shaded: 95% interval)")
    fig.tight_layout(rect=(0, 0.06 if handles else 0, 1, 0.97))
    path = out / "budget_curve.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def heatmap(probs: pd.DataFrame, x: str, y: str, axes: list[str], target: str, out: Path, name: str) -> Path:
    """``heatmap_<target>.png``: P(met) of ``target`` over axes ``x`` and ``y`` (cells annotated with P and n);
    one panel per combination of any further axes."""
    grid = probs[(probs["label"] != "base") & (probs["target"] == target)]
    others = [a for a in axes if a not in (x, y)]
    panels = list(grid.groupby(others, sort=True)) if others else [((), grid)]
    ncol = min(len(panels), 3)
    nrow = int(np.ceil(len(panels) / ncol))
    fig, axs = plt.subplots(nrow, ncol, figsize=(5.6 * ncol, 4.6 * nrow), dpi=130, squeeze=False)
    xs = sorted(grid[x].unique())
    ys = sorted(grid[y].unique())
    image = None
    for ax, (key, g) in itertools.zip_longest(axs.flat, panels, fillvalue=(None, None)):
        if g is None:
            ax.axis("off")
            continue
        m = np.full((len(ys), len(xs)), np.nan)
        n = np.zeros_like(m)
        for _, r in g.iterrows():
            m[ys.index(r[y]), xs.index(r[x])] = r["p_met"]
            n[ys.index(r[y]), xs.index(r[x])] = r["n"]
        image = ax.imshow(m, origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(m):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}\nn={int(n[i, j])}", ha="center", va="center", fontsize=7,
                        color="white" if v < 0.6 else "black")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        key = key if isinstance(key, tuple) else (key,)
        if others:
            ax.set_title(", ".join(f"{a}={_fmt(v)}" for a, v in zip(others, key, strict=True)), fontsize=9)
    fig.colorbar(image, ax=axs, shrink=0.85, label=f"P(met): {TITLES[target].lower()}")
    fig.suptitle(f"Probability of meeting {TITLES[target].lower()} by 2028 — sweep {name}")
    path = out / f"heatmap_{target}.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
