"""Sensitivity charts, drawn from ``indices.csv`` only. ``innosim sensitivity`` writes S1/ST bars with intervals
(Sobol') or μ*–σ plots (Morris) per group of outputs (``<method>_values.png``, ``<method>_met.png``) and
index-by-year lines when yearly outputs were analysed (``indices_by_year.png``); the briefing draws the top
factors of each target indicator (PNG + PDF)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import BLUE, GREY, ORANGE, SERIES, WIDE, save, style
from innosim.model.calendar import LAST_YEAR

TOP = 12
YEARLY = re.compile(r"^value\.(\w+)\.(\d{4})$")


def _title(output: str, lang: str, year: int) -> str:
    kind, _, target = output.partition(".")
    name = i18n.indicator(target, lang)
    return i18n.t("sens_value_of" if kind == "value" else "sens_met_of", lang, name=name, year=year)


def _grid(k: int) -> tuple[plt.Figure, np.ndarray]:
    ncol = min(k, 3)
    nrow = int(np.ceil(k / ncol))
    fig, axs = plt.subplots(nrow, ncol, figsize=(5.4 * ncol, 4.4 * nrow), squeeze=False)
    for ax in axs.flat[k:]:
        ax.axis("off")
    return fig, axs


def _finish(fig: plt.Figure, title: str, path: Path) -> Path:
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return save(fig, path.parent, path.stem, pdf=False)


def _empty(ax: plt.Axes, lang: str) -> None:
    ax.text(0.5, 0.5, i18n.t("no_variation", lang), ha="center", transform=ax.transAxes)


def sobol_bars(indices: pd.DataFrame, outputs: list[str], path: Path, title: str, *, lang: str = "en",
               year: int = LAST_YEAR) -> Path:
    """Horizontal bars of S1 and ST (95% intervals) per output, the top factors by ST; writes ``path`` (PNG)."""
    fig, axs = _grid(len(outputs))
    for ax, output in zip(axs.flat, outputs, strict=False):
        g = indices[indices["output"] == output].dropna(subset=["ST"]).nlargest(TOP, "ST").iloc[::-1]
        if g.empty:
            _empty(ax, lang)
        y = np.arange(len(g))
        ax.barh(y - 0.2, g["ST"], 0.4, xerr=g["ST_conf"], color=BLUE, label=i18n.t("sobol_total", lang), capsize=2)
        ax.barh(y + 0.2, g["S1"], 0.4, xerr=g["S1_conf"], color=ORANGE, label=i18n.t("sobol_first", lang),
                capsize=2)
        ax.set_yticks(y, [i18n.factor(p, lang) for p in g["parameter"]], fontsize=8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(_title(output, lang, year), fontsize=10, loc="left")
        ax.set_xlabel(i18n.t("sobol_axis", lang))
        ax.grid(axis="y", visible=False)
    axs.flat[0].legend(fontsize=8, loc="lower right")
    return _finish(fig, title, path)


def morris_plot(indices: pd.DataFrame, outputs: list[str], path: Path, title: str, *, lang: str = "en",
                year: int = LAST_YEAR) -> Path:
    """μ* against σ per output (μ* with its 95% interval), the top factors labelled; writes ``path`` (PNG)."""
    fig, axs = _grid(len(outputs))
    for ax, output in zip(axs.flat, outputs, strict=False):
        g = indices[indices["output"] == output].dropna(subset=["mu_star"])
        if g.empty:
            _empty(ax, lang)
        ax.errorbar(g["mu_star"], g["sigma"], xerr=g["mu_star_conf"], fmt="o", ms=4, color=BLUE, ecolor=GREY,
                    capsize=2)
        top = g[g["mu_star"] > 0].nlargest(8, "mu_star")
        # Binary outputs give few distinct effects: factors on the same spot share one label, not a pile of text.
        for (mu, sd), same in top.groupby([top["mu_star"].round(12), top["sigma"].round(12)], sort=False):
            names = [i18n.factor(p, lang) for p in same["parameter"]]
            label = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            ax.annotate(label, (mu, sd), fontsize=7, xytext=(3, 3), textcoords="offset points")
        lim = float(max(g["mu_star"].max(), g["sigma"].max())) if len(g) else 1.0
        ax.plot([0, lim], [0, lim], color=GREY, lw=0.8, ls="--")  # σ = μ*: effects as uneven as they are large
        ax.set_title(_title(output, lang, year), fontsize=10, loc="left")
        ax.set_xlabel(i18n.t("morris_mu", lang))
        ax.set_ylabel(i18n.t("morris_sigma", lang))
    return _finish(fig, title, path)


def yearly_lines(indices: pd.DataFrame, column: str, path: Path, title: str, *, lang: str = "en") -> Path:
    """The index (``column``: ST or mu_star) of the five most influential factors in the last year, for each
    target, year by year; writes ``path`` (PNG)."""
    m = indices["output"].str.extract(YEARLY)
    data = indices.assign(target=m[0], year=pd.to_numeric(m[1])).dropna(subset=["target"])
    targets = list(dict.fromkeys(data["target"]))
    fig, axs = _grid(len(targets))
    for ax, t in zip(axs.flat, targets, strict=False):
        g = data[data["target"] == t]
        last = g[g["year"] == g["year"].max()].nlargest(5, column)["parameter"]
        for j, p in enumerate(last):
            s = g[g["parameter"] == p].sort_values("year")
            ax.plot(s["year"], s[column], marker="o", ms=3, color=SERIES[j % len(SERIES)], label=i18n.factor(p, lang))
        ax.set_title(i18n.indicator(t, lang), fontsize=10, loc="left")
        ax.set_xlabel(i18n.t("year", lang))
        ax.set_ylabel(i18n.t(f"index_{column}", lang))
        ax.legend(fontsize=7)
    return _finish(fig, title, path)


def charts(indices: pd.DataFrame, method: str, out: Path, name: str, *, lang: str = "en",
           targets: Mapping[str, float], target_year: int) -> list[Path]:
    """Every chart for the outputs analysed (PNG, 300 dpi): values, met (probabilities) and yearly values.
    ``targets`` is accepted for a uniform call; the outputs analysed are read from ``indices``."""
    del targets
    outputs = list(dict.fromkeys(indices["output"]))
    values = [o for o in outputs if o.startswith("value.") and not YEARLY.match(o)]
    met = [o for o in outputs if o.startswith("met.")]
    drawn = []
    label = i18n.t("sens_sobol" if method == "sobol" else "sens_morris", lang)
    with style(lang):
        for kind, group in (("values", values), ("met", met)):
            if group:
                title = i18n.t("sens_group", lang, label=label, name=name, kind=i18n.t(f"sens_{kind}", lang))
                draw = sobol_bars if method == "sobol" else morris_plot
                drawn.append(draw(indices, group, out / f"{method}_{kind}.png", title, lang=lang, year=target_year))
        if any(YEARLY.match(o) for o in outputs):
            col = "ST" if method == "sobol" else "mu_star"
            title = i18n.t("sens_by_year", lang, label=label, name=name)
            drawn.append(yearly_lines(indices, col, out / "indices_by_year.png", title, lang=lang))
    return drawn


def top_factors(indices: pd.DataFrame, method: str, name: str, folder: Path, stem: str, *, lang: str = "en",
                targets: Mapping[str, float], target_year: int, top: int = 6) -> Path:
    """The briefing's chart: the top factors per target indicator in the target year, total-order Sobol' index
    or Morris μ* (scaled to the largest), with the bootstrap interval; PNG + PDF."""
    col, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    k = len(targets)
    ncol = 3
    nrow = int(np.ceil(k / ncol))
    axis = i18n.t("sens_axis_sobol" if method == "sobol" else "sens_axis_morris", lang)
    with style(lang):
        fig, axs = plt.subplots(nrow, ncol, figsize=(WIDE[0] + 3, 3.6 * nrow + 0.4), squeeze=False)
        for ax in axs.flat:
            ax.set_visible(False)
        for ax, ind in zip(axs.flat, targets, strict=False):
            d = indices[indices["output"] == f"value.{ind}"].dropna(subset=[col])
            if d.empty:
                continue
            ax.set_visible(True)
            scale = 1.0 if method == "sobol" else max(float(d[col].max()), 1e-12)
            d = d.assign(v=d[col] / scale, c=d[conf] / scale).sort_values("v", ascending=False).head(top)[::-1]
            ax.barh(range(len(d)), d["v"], xerr=d["c"], color=BLUE, ecolor=GREY, capsize=2, height=0.6)
            ax.set_yticks(range(len(d)), [i18n.factor(p, lang) for p in d["parameter"]], fontsize=9)
            ax.set_title(i18n.indicator(ind, lang), fontsize=11, loc="left")
            ax.set_xlim(0, max(1.05, float((d["v"] + d["c"]).max()) * 1.05) if method == "morris" else None)
            ax.set_xlabel(axis)
            ax.grid(axis="y", visible=False)
        method_name = "Sobol" if method == "sobol" else "Morris"
        fig.suptitle(i18n.t("sens_title", lang, method=f"{name}, {method_name}", year=target_year), x=0.02,
                     ha="left", fontweight="bold", fontsize=13)
        fig.tight_layout()
        return save(fig, folder, stem)
