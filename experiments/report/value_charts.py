"""Where the headline indicators head when the plan states no target to judge them by: the target-year median and
90% band of each indicator per sweep point or compared scenario, one panel per indicator and no target line
(``sweep`` and ``compare`` write ``value_bands.png`` + ``.pdf`` for such a plan instead of probability charts)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from innosim.experiments.report import i18n
from innosim.experiments.report.captions import SCENARIO_ZH
from innosim.experiments.report.house_style import BLUE, GREY, WIDE, save, style

COUNTERFACTUAL = "no-new-policy"
GREY_LABELS = {COUNTERFACTUAL, SCENARIO_ZH[COUNTERFACTUAL]}  # the counterfactual as compare and the brief name it


def value_bands(table: pd.DataFrame, folder: Path, stem: str = "value_bands", *, lang: str = "en",
                indicators: tuple[str, ...], target_year: int) -> Path:
    """One panel per indicator: a dot at the median and a line over the 90% band for each row label, in the
    table's order. ``table``: ``label, indicator, median, p05, p95`` (the indicator's own unit); PNG + PDF."""
    labels = list(dict.fromkeys(table["label"].astype(str)))
    keys = [k for k in indicators if k in set(table["indicator"])]
    n = len(labels)
    with style(lang):
        fig, axes = plt.subplots(1, len(keys), figsize=(max(WIDE[0], 2.6 * len(keys)), max(2.4, 1.4 + 0.45 * n)),
                                 sharey=True, squeeze=False)
        y = np.arange(n)
        for ax, k in zip(axes[0], keys, strict=True):
            s = table[table["indicator"] == k].assign(label=lambda d: d["label"].astype(str)).set_index("label")
            s = s.reindex(labels)
            m = s["median"].to_numpy(float)
            colors = [GREY if lbl in GREY_LABELS else BLUE for lbl in labels]
            ax.hlines(y, s["p05"].to_numpy(float), s["p95"].to_numpy(float), colors=colors, linewidth=2.5,
                      alpha=0.45)
            ax.scatter(m, y, color=colors, zorder=3, s=28)
            ax.set_title(f"{i18n.SHORT[lang].get(k, k)} ({i18n.UNIT_SHORT[lang].get(k, '')})", fontsize=10)
            ax.grid(axis="y", visible=False)
            ax.tick_params(axis="x", labelsize=9)
        axes[0][0].set_yticks(y, labels)
        axes[0][0].set_ylim(n - 0.5, -0.5)
        fig.suptitle(i18n.t("bands_title", lang, year=target_year), x=0.01, ha="left", fontsize=12)
        fig.tight_layout()
        return save(fig, folder, stem)
