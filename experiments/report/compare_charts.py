"""Charts that set scenarios side by side: the ranking of instrument mixes (``innosim compare`` writes
``ranking.png`` + ``ranking.pdf``; the briefing draws it too) and the briefing's probability bars. Drawn from
``comparison.csv`` and ``targets.csv`` only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import BLUE, GREY, SEQUENTIAL, SERIES, WIDE, save, style

COUNTERFACTUAL = "no-new-policy"


def mix_ranking(table: pd.DataFrame, folder: Path, lang: str = "en", stem: str = "mix_ranking", *,
                targets: Mapping[str, float], target_year: int) -> Path:
    """Scenarios ranked by the expected number of targets met (bar, 95% interval) beside a grid of P(met) per
    target; PNG + PDF. ``table``: comparison.csv (``p_<indicator>`` for each target)."""
    keys = [k for k in targets if f"p_{k}" in table.columns]
    t = table.sort_values("targets_met_mean", ascending=True).reset_index(drop=True)
    n = len(t)
    with style(lang):
        fig, (ax, grid) = plt.subplots(1, 2, figsize=(WIDE[0] + 2, max(WIDE[1] * 0.7, 1.6 + 0.55 * n)),
                                       gridspec_kw={"width_ratios": [1.0, 1.25], "wspace": 0.05}, sharey=True)
        y = np.arange(n)
        m = t["targets_met_mean"].to_numpy()
        err = np.vstack([m - t["targets_met_low"].to_numpy(), t["targets_met_high"].to_numpy() - m])
        ax.barh(y, m, color=[GREY if s == COUNTERFACTUAL else BLUE for s in t["scenario"]], height=0.6)
        ax.errorbar(m, y, xerr=err, fmt="none", ecolor="black", capsize=3)
        for yy, v, hi in zip(y, m, t["targets_met_high"].to_numpy(), strict=True):
            ax.text(hi + 0.1, yy, f"{v:.2f}", va="center", fontsize=10)
        ax.set_yticks(y, t["scenario"])
        ax.set_xlim(0, len(targets))
        ax.set_xlabel(i18n.t("mix_axis", lang, n=len(targets), year=target_year))
        ax.grid(axis="y", visible=False)
        cells = np.array([[t.loc[i, f"p_{k}"] for k in keys] for i in range(n)])
        grid.imshow(cells, aspect="auto", cmap=SEQUENTIAL, vmin=0, vmax=1,
                    extent=(-0.5, len(keys) - 0.5, n - 0.5, -0.5))
        for i in range(n):
            for j in range(len(keys)):
                grid.text(j, i, i18n.percent(cells[i, j]), ha="center", va="center", fontsize=10,
                          color="white" if cells[i, j] > 0.6 else "black")
        grid.set_xticks(range(len(keys)), [i18n.SHORT[lang].get(k, k) for k in keys], fontsize=10)
        grid.xaxis.tick_top()
        grid.tick_params(axis="y", left=False)
        grid.grid(False)
        grid.set_ylim(n - 0.5, -0.5)
        ax.set_ylim(-0.5, n - 0.5)
        grid.set_xlabel(i18n.t("mix_cells", lang))
        ax.set_title(i18n.t("mix_title", lang), loc="left", pad=28)
        return save(fig, folder, stem)


def probability_bars(probs: pd.DataFrame, folder: Path, stem: str, *, lang: str = "en",
                     targets: Mapping[str, float], target_year: int) -> Path:
    """Horizontal bars of P(met) (%) with 95% intervals; one group per target (and all of them), one bar per
    scenario; PNG + PDF. ``probs``: scenario, indicator, p, low, high (probabilities 0–1)."""
    outcomes = i18n.outcomes(targets)
    scenarios = list(dict.fromkeys(probs["scenario"]))
    k = len(scenarios)
    height = 0.8 / k
    with style(lang):
        fig, ax = plt.subplots(figsize=(WIDE[0], max(WIDE[1], 1.1 + 0.28 * k * len(outcomes))))
        for j, sc in enumerate(scenarios):
            s = probs[probs["scenario"] == sc].set_index("indicator").reindex(list(outcomes))
            y = np.arange(len(outcomes)) + (j - (k - 1) / 2) * height
            p = s["p"].to_numpy() * 100
            err = np.vstack([p - s["low"].to_numpy() * 100, s["high"].to_numpy() * 100 - p])
            ax.barh(y, p, height=height * 0.9, color=SERIES[j % len(SERIES)], label=sc)
            ax.errorbar(p, y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=2.5)
            for yy, pp, hi in zip(y, s["p"].to_numpy(), s["high"].to_numpy(), strict=True):
                ax.text(hi * 100 + 1.2, yy, i18n.percent(pp), va="center", fontsize=9)
        ax.set_yticks(np.arange(len(outcomes)), [i18n.indicator(o, lang) for o in outcomes])
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.xaxis.set_major_formatter(PercentFormatter())
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(f"{i18n.t('prob_axis', lang)} — {i18n.t('interval95', lang)}")
        ax.grid(axis="y", visible=False)
        ax.set_title(i18n.t("prob_title", lang, year=target_year), loc="left")
        ax.legend(loc="lower right", title=i18n.t("col_scenario", lang))
        return save(fig, folder, stem)
