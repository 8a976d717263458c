"""Calibration charts, drawn from the calibration's result tables only. ``innosim calibrate`` writes the
observed points against posterior-predictive bands (``fit.png``), marginal posteriors against priors
(``marginals.png``) and epsilon and effective sample size per generation (``generations.png``); the briefing
draws each published figure against the 90% predictive interval on one ratio axis (PNG + PDF)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from innosim.calibration.observed import OBSERVED_NAME, points_for
from innosim.experiments.report import i18n
from innosim.experiments.report.calibration_words import FIT_NAMES, PANELS, PERIODS, STOCK
from innosim.experiments.report.house_style import BLUE, GREY, RED, WIDE, save, style
from innosim.model.parameters import BY_NAME


def _years(years) -> str:
    return f"{min(years)}–{max(years)}"


def fit_chart(ts: pd.DataFrame, out: Path, *, lang: str = "en") -> Path:
    """``fit.png``: yearly posterior-predictive bands over the simulated years in ``ts`` with every published
    figure from two years before (by kind). ``ts``: quarterly predictive runs (replicate, year, indicators; money
    in 亿元)."""
    sim_years = sorted(int(y) for y in ts["year"].unique())
    shown = range(sim_years[0] - 2, sim_years[-1] + 1)
    with style(lang):
        fig, axes = plt.subplots(3, 3, figsize=(14, 11))
        for ax, (name, (title, unit)) in itertools.zip_longest(axes.flat, PANELS[lang].items(), fillvalue=(None, None)):
            if name is None:
                ax.set_visible(False)
                continue
            g = ts.groupby(["replicate", "year"])[name]
            yearly = g.last() if name in STOCK else g.sum()
            q = yearly.groupby("year").quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
            ax.fill_between(q.index, q[0.05], q[0.95], color=BLUE, alpha=0.2, lw=0,
                            label=i18n.t("predictive90", lang))
            ax.fill_between(q.index, q[0.25], q[0.75], color=BLUE, alpha=0.35, lw=0,
                            label=i18n.t("predictive50", lang))
            ax.plot(q.index, q[0.5], color=BLUE, lw=1.8, label=i18n.t("median", lang))
            obs = points_for(name, shown)
            styles = {"actual": dict(marker="o", color="black", label=i18n.t("observed_actual", lang)),
                      "implied_base": dict(marker="o", mfc="white", color="black",
                                           label=i18n.t("observed_implied", lang))}
            for kind, st in styles.items():
                pts = obs[obs["kind"] == kind]
                if len(pts):
                    ax.plot(pts["year"], pts["value"], ls="none", ms=6, **st)
            ax.set_title(title, fontsize=11, loc="left")
            ax.set_ylabel(unit, fontsize=9)
            ax.set_xlim(shown.start - 0.4, shown.stop - 1 + 0.4)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            if name in OBSERVED_NAME and ax is axes.flat[0]:
                ax.legend(fontsize=8)
        fig.suptitle(i18n.t("fit_bands_title", lang, years=_years(sim_years)), fontweight="bold")
        fig.tight_layout()
        return save(fig, out, "fit", pdf=False)


def marginals_chart(post: pd.DataFrame, out: Path, *, lang: str = "en") -> Path:
    """``marginals.png``: weighted posterior histogram of each calibrated parameter over its prior range (prior =
    line). ``post``: one column per parameter plus ``weight``."""
    names = [c for c in post.columns if c != "weight"]
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    with style(lang):
        fig, axes = plt.subplots(rows, cols, figsize=(14, 2.6 * rows), squeeze=False)
        for ax, name in zip(axes.flat, names, strict=False):
            p = BY_NAME[name]
            log = p.prior == "loguniform"
            edges = np.geomspace(p.low, p.high, 21) if log else np.linspace(p.low, p.high, 21)
            ax.hist(post[name], bins=edges, weights=post["weight"], density=True, color=BLUE, alpha=0.7,
                    label=i18n.t("posterior", lang))
            width = (np.log(p.high) - np.log(p.low)) if log else (p.high - p.low)
            xs = np.geomspace(p.low, p.high, 50) if log else np.linspace(p.low, p.high, 50)
            ax.plot(xs, (1.0 / (xs * width)) if log else np.full_like(xs, 1.0 / width), color=RED,
                    label=i18n.t("prior", lang))
            if log:
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            unit = p.unit if lang == "zh" else p.unit.replace("万", "10k").replace("亿", "100m")
            ax.set_title(f"{i18n.factor(name, lang)} ({unit})", fontsize=8, fontweight="normal")
            ax.tick_params(labelsize=7)
            ax.grid(False)
        for ax in list(axes.flat)[len(names):]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.tight_layout()
        return save(fig, out, "marginals", pdf=False)


def generations_chart(gens: pd.DataFrame, out: Path, *, lang: str = "en") -> Path:
    """``generations.png``: the acceptance threshold epsilon (distance units) and the effective sample size
    (particles) per generation."""
    with style(lang):
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
        a.plot(gens["t"], gens["epsilon"], marker="o", color=BLUE)
        a.set_xlabel(i18n.t("generation", lang))
        a.set_ylabel(i18n.t("epsilon_axis", lang))
        a.set_title(i18n.t("epsilon_title", lang), loc="left")
        b.plot(gens["t"], gens["ess"], marker="o", color=BLUE, label=i18n.t("ess", lang))
        b.plot(gens["t"], gens["particles"], ls="--", color=GREY, label=i18n.t("particles", lang))
        b.set_xlabel(i18n.t("generation", lang))
        b.set_ylabel(i18n.t("particles", lang))
        b.set_title(i18n.t("ess_title", lang), loc="left")
        b.legend(fontsize=8)
        for ax in (a, b):
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        fig.tight_layout()
        return save(fig, out, "generations", pdf=False)


def fit_label(row: Mapping, lang: str) -> str:
    """'<published figure> <year> (<period>)' for a row of ``fit.csv``."""
    name = FIT_NAMES[lang].get(row["indicator"], row["indicator"])
    period = PERIODS[lang].get(row["period"], row["period"])
    return f"{name} {row['year']} ({period})" if lang == "en" else f"{name} {row['year']}（{period}）"


def fit_ratio_chart(fit: pd.DataFrame, folder: Path, stem: str, *, lang: str = "en") -> Path:
    """The briefing's chart: each published figure divided by the model's posterior-predictive median, against
    the 90% predictive interval (also divided by the median), so figures of every size share one axis; PNG + PDF.
    ``fit``: fit.csv."""
    f = fit.reset_index(drop=True)
    med = f["sim_median"].replace(0, np.nan)
    y = np.arange(len(f))
    with style(lang):
        fig, ax = plt.subplots(figsize=(WIDE[0], max(WIDE[1], 0.36 * len(f) + 1.5)))
        ax.hlines(y, f["sim_p05"] / med, f["sim_p95"] / med, color=BLUE, lw=6, alpha=0.35)
        ax.axvline(1.0, color=GREY, lw=1)
        inside = f["within_90"].astype(bool).to_numpy()
        bound = (f["mode"] == "lower_bound").to_numpy() if "mode" in f else np.zeros(len(f), dtype=bool)
        ratio = (f["observed"] / med).to_numpy()
        ax.plot(ratio[inside & ~bound], y[inside & ~bound], "o", color="black", ms=7,
                label=i18n.t("fit_inside", lang))
        if bound.any():
            ax.plot(ratio[bound], y[bound], ">", color=GREY, ms=8, label=i18n.t("fit_bound", lang))
        ax.plot(ratio[~inside], y[~inside], "D", color=RED, ms=7, label=i18n.t("fit_outside", lang))
        ax.set_yticks(y, [fit_label(r, lang) for r in f.to_dict("records")], fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel(i18n.t("fit_axis", lang))
        ax.grid(axis="y", visible=False)
        ax.set_title(i18n.t("fit_title", lang), loc="left")
        ax.legend(loc="lower right")
        return save(fig, folder, stem)
