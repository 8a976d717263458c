"""Sweep charts, drawn from ``probabilities.csv`` only: the budget–probability curve (every target and all of
them, one line per combination of the other axes) and the heatmap of one outcome's probability over two axes.
``innosim sweep`` writes ``budget_curve.png`` and ``heatmap_<target>.png``; the briefing draws the budget curve
of one line (PNG + PDF)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import BLUE, GREY, RED, SEQUENTIAL, SERIES, WIDE, save, style


def is_budget_axis(field: str) -> bool:
    """True for the axes that change the budget (``budget_scale``, ``budget.<instrument>``)."""
    return field == "budget_scale" or field.startswith("budget.")


def _panel_title(outcome: str, targets: Mapping[str, float], lang: str) -> str:
    name = i18n.indicator(outcome, lang)
    return f"{name} ({i18n.t('target_gt', lang, v=f'{targets[outcome]:,.0f}')})" if outcome in targets else name


def _curves(groups: list[tuple[str | None, pd.DataFrame]], base: pd.DataFrame | None, lang: str,
            targets: Mapping[str, float], title: str) -> plt.Figure:
    """Panels of P(met) (%) against the mean yearly budget (亿元), one per outcome; one line per group."""
    outcomes = i18n.outcomes(targets)
    ncol = 3
    nrow = int(np.ceil(len(outcomes) / ncol))
    fig, axs = plt.subplots(nrow, ncol, figsize=(WIDE[0] + 2, 3.4 * nrow + 0.6), sharex=True, sharey=True,
                            squeeze=False)
    single = len(groups) == 1
    for ax, outcome in itertools.zip_longest(axs.flat, outcomes):
        if outcome is None:
            ax.set_visible(False)
            continue
        for j, (label, g) in enumerate(groups):
            s = g[g["target"] == outcome].sort_values("budget_yi_per_year")
            colour = (GREY if outcome == "all" else BLUE) if single else SERIES[j % len(SERIES)]
            ax.fill_between(s["budget_yi_per_year"], s["ci_low"] * 100, s["ci_high"] * 100, color=colour, alpha=0.2,
                            lw=0)
            ax.plot(s["budget_yi_per_year"], s["p_met"] * 100, marker="o", ms=5 if single else 3.5, lw=2.2,
                    color=colour, label=label)
        if base is not None:
            b = base[base["target"] == outcome]
            if len(b):
                ax.plot(b["budget_yi_per_year"], b["p_met"] * 100, marker="*", ms=13, color=RED, ls="none",
                        label=i18n.t("base_scenario", lang))
        ax.set_title(_panel_title(outcome, targets, lang), fontsize=11, loc="left", fontweight="normal")
        ax.set_ylim(-2, 102)
        ax.yaxis.set_major_formatter(PercentFormatter())
    for ax in axs[-1]:
        ax.set_xlabel(i18n.t("budget_axis_short", lang))
        ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axs[:, 0]:
        ax.set_ylabel(i18n.t("prob_axis_short", lang))
    handles, labels = axs.flat[0].get_legend_handles_labels()
    shown = [(h, lab) for h, lab in zip(handles, labels, strict=True) if lab and not lab.startswith("_")]
    if shown:
        fig.legend(*zip(*shown, strict=True), loc="lower center", ncol=min(len(shown), 4), fontsize=9)
    fig.suptitle(f"{title}  —  {i18n.t('shaded95', lang)}", x=0.02, ha="left", fontsize=13, fontweight="bold")
    fig.tight_layout(rect=(0, 0.06 if shown else 0, 1, 1))
    return fig


def budget_curve(probs: pd.DataFrame, axes: list[str], out: Path, name: str, *, lang: str = "en",
                 targets: Mapping[str, float]) -> Path | None:
    """``budget_curve.png``: P(met) of each target and of all of them against the mean yearly budget of the plan
    years (亿元), with 95% intervals; one line per combination of the non-budget axes, the base scenario starred.
    None when the sweep has a single budget level."""
    if probs["budget_yi_per_year"].round(6).nunique() < 2:
        return None
    others = [a for a in axes if not is_budget_axis(a)]
    grid = probs[probs["label"] != "base"] if (probs["label"] != "base").any() else probs
    groups = list(grid.groupby(others, sort=True, dropna=False)) if others else [((), grid)]
    lines = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{i18n.field(a, lang)} = {i18n.value(v)}" for a, v in zip(others, key, strict=True))
        lines.append((label or None, g))
    base = probs[probs["is_base"].astype(bool)]
    with style(lang):
        fig = _curves(lines, base, lang, targets, i18n.t("budget_title", lang, sweep=name))
        return save(fig, out, "budget_curve", pdf=False)


def budget_curve_brief(curve: pd.DataFrame, sweep: str, folder: Path, stem: str, *, lang: str = "en",
                       targets: Mapping[str, float]) -> Path:
    """The briefing's budget curve: one line (the other axes held at the base), PNG + PDF. ``curve``:
    budget_yi_per_year (亿元), target, p_met, ci_low, ci_high."""
    with style(lang):
        fig = _curves([(None, curve)], None, lang, targets, i18n.t("budget_title", lang, sweep=sweep))
        return save(fig, folder, stem)


def heatmap(probs: pd.DataFrame, x: str, y: str, axes: list[str], target: str, out: Path, name: str, *,
            lang: str = "en", targets: Mapping[str, float], target_year: int) -> Path:
    """``heatmap_<target>.png``: P(met) of ``target`` over axes ``x`` and ``y`` (cells annotated with P and n);
    one panel per combination of any further axes."""
    grid = probs[(probs["label"] != "base") & (probs["target"] == target)]
    others = [a for a in axes if a not in (x, y)]
    panels = list(grid.groupby(others, sort=True)) if others else [((), grid)]
    ncol = min(len(panels), 3)
    nrow = int(np.ceil(len(panels) / ncol))
    xs = sorted(grid[x].unique())
    ys = sorted(grid[y].unique())
    what = _panel_title(target, targets, lang)
    with style(lang):
        fig, axs = plt.subplots(nrow, ncol, figsize=(5.6 * ncol, 4.6 * nrow), squeeze=False)
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
            image = ax.imshow(m, origin="lower", cmap=SEQUENTIAL, vmin=0, vmax=1, aspect="auto")
            for (i, j), v in np.ndenumerate(m):
                if np.isfinite(v):
                    ax.text(j, i, f"{i18n.percent(v)}\nn={int(n[i, j])}", ha="center", va="center", fontsize=8,
                            color="white" if v > 0.6 else "black")
            ax.set_xticks(range(len(xs)), [i18n.value(v) for v in xs])
            ax.set_yticks(range(len(ys)), [i18n.value(v) for v in ys])
            ax.set_xlabel(i18n.field(x, lang))
            ax.set_ylabel(i18n.field(y, lang))
            ax.grid(False)
            key = key if isinstance(key, tuple) else (key,)
            if others:
                ax.set_title(", ".join(f"{i18n.field(a, lang)} = {i18n.value(v)}"
                                       for a, v in zip(others, key, strict=True)), fontsize=10, fontweight="normal")
        bar = fig.colorbar(image, ax=axs, shrink=0.85, label=i18n.t("heatmap_scale", lang))
        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
        fig.suptitle(i18n.t("heatmap_title", lang, name=what, year=target_year, sweep=name), fontweight="bold")
        return save(fig, out, f"heatmap_{target}", pdf=False)
