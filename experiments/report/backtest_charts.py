"""Charts of the calibration's honesty checks, drawn from their tables only: the backtest (held-out figures
against the 50% and 90% predictive intervals, on one ratio axis) and simulation-based calibration (histograms of
the ranks of the true values in their posteriors)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from innosim.experiments.report.calibration_charts import fit_label
from innosim.experiments.report.house_style import BLUE, GREY, RED, WIDE, save, style

WORDS = {
    "en": {"title": "Backtest: published figures of {y} against the forecast made without them",
           "axis": "published figure ÷ predictive median", "in90": "inside the 90% interval",
           "out": "outside the 90% interval", "bound": "lower bound", "b50": "50% interval", "b90": "90% interval",
           "ranks": "SBC: rank of the true value among {n} posterior draws ({m} data sets)",
           "expected": "uniform (expected count)", "rank": "rank"},
    "zh": {"title": "回测：{y}年公布数据与不含该年数据的预测对比", "axis": "公布值 ÷ 预测中位数",
           "in90": "在90%区间内", "out": "在90%区间外", "bound": "下限", "b50": "50%区间", "b90": "90%区间",
           "ranks": "SBC：真值在{n}个后验抽样中的秩（{m}组数据）", "expected": "均匀（期望频数）", "rank": "秩"},
}


def backtest_chart(scores: pd.DataFrame, folder: Path, year: int, *, lang: str = "en") -> Path:
    """``backtest.png``: each held-out figure divided by the predictive median, with the 50% and 90% intervals
    (also divided by it). ``scores``: backtest.csv."""
    w = WORDS[lang]
    f = scores.reset_index(drop=True)
    med = f["sim_median"].replace(0, np.nan) if len(f) else f.get("sim_median")
    y = np.arange(len(f))
    with style(lang):
        fig, ax = plt.subplots(figsize=(WIDE[0], max(3.0, 0.45 * len(f) + 1.5)))
        if len(f):
            ax.hlines(y, f["sim_p05"] / med, f["sim_p95"] / med, color=BLUE, lw=6, alpha=0.3, label=w["b90"])
            ax.hlines(y, f["sim_p25"] / med, f["sim_p75"] / med, color=BLUE, lw=6, alpha=0.6, label=w["b50"])
            ratio = (f["observed"] / med).to_numpy()
            inside = f["within_90"].astype(bool).to_numpy()
            bound = (f["mode"] == "lower_bound").to_numpy()
            ax.plot(ratio[inside & ~bound], y[inside & ~bound], "o", color="black", ms=7, label=w["in90"])
            if bound.any():
                ax.plot(ratio[bound], y[bound], ">", color=GREY, ms=8, label=w["bound"])
            if (~inside).any():
                ax.plot(ratio[~inside], y[~inside], "D", color=RED, ms=7, label=w["out"])
            ax.set_yticks(y, [fit_label(r, lang) for r in f.to_dict("records")], fontsize=9)
            ax.legend(loc="lower right", fontsize=8)
        ax.axvline(1.0, color=GREY, lw=1)
        ax.invert_yaxis()
        ax.set_xlabel(w["axis"])
        ax.grid(axis="y", visible=False)
        ax.set_title(w["title"].format(y=year), loc="left")
        return save(fig, folder, "backtest", pdf=False)


def sbc_chart(ranks: pd.DataFrame, draws: int, folder: Path, bins: int = 10, *, lang: str = "en") -> Path:
    """``sbc_ranks.png``: per parameter, the histogram of ranks (0..draws) with the uniform expectation."""
    w = WORDS[lang]
    names = list(ranks["parameter"].unique())
    with style(lang):
        fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.2), squeeze=False)
        for ax, name in zip(axes.flat, names, strict=True):
            r = ranks.loc[ranks["parameter"] == name, "rank"].to_numpy()
            edges = np.linspace(0, draws + 1, bins + 1)
            ax.hist(r, bins=edges, color=BLUE, alpha=0.7)
            ax.axhline(len(r) / bins, color=RED, lw=1.2, label=w["expected"])
            ax.set_title(name, fontsize=9, loc="left")
            ax.set_xlabel(w["rank"], fontsize=8)
            ax.grid(False)
        axes.flat[0].legend(fontsize=7)
        fig.suptitle(w["ranks"].format(n=draws, m=ranks["dataset"].nunique()), fontsize=10, x=0.01, ha="left")
        fig.tight_layout()
        return save(fig, folder, "sbc_ranks", pdf=False)
