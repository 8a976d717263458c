"""The scenario-discovery chart of a sweep: PRIM's peeling trajectory (coverage against density, the chosen box
circled) beside the chosen box's limits as ema_workbench draws them (``discovery_<outcome>.png``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import RED, save, style


def prim_box_chart(box, traj: pd.DataFrame, i: int, outcome: str, k: int, n: int, threshold: float, out: Path,
                   name: str, *, lang: str = "en") -> Path:
    """``discovery_<outcome>.png`` (300 dpi) in ``out``: ``box`` is ema_workbench's PRIM box, ``traj`` its peeling
    trajectory (coverage, density, res_dim), ``i`` the chosen box, ``k`` of ``n`` runs met ``outcome``,
    ``threshold`` the density sought (share of runs, 0–1); ``name`` the sweep. The box-limits panel keeps
    ema_workbench's own (English) labels."""
    with style(lang):
        fig = plt.figure(figsize=(15, 5.4))
        grid = fig.add_gridspec(1, 2, wspace=0.75)
        ax1 = fig.add_subplot(grid[0])
        sc = ax1.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
        ax1.plot(traj.at[i, "coverage"], traj.at[i, "density"], marker="o", ms=12, mfc="none", color=RED,
                 label=i18n.t("prim_chosen", lang, i=i))
        ax1.axhline(threshold, color=RED, ls="--", lw=1, label=i18n.t("prim_threshold", lang, t=f"{threshold:g}"))
        ax1.set_xlabel(i18n.t("prim_coverage", lang))
        ax1.set_ylabel(i18n.t("prim_density", lang))
        ax1.set_xlim(0, 1.02)
        ax1.set_ylim(0, 1.02)
        ax1.legend(fontsize=8, loc="lower left")
        fig.colorbar(sc, ax=ax1, label=i18n.t("prim_dims", lang))
        ax1.set_title(i18n.t("prim_trajectory", lang, name=i18n.indicator(outcome, lang), k=k, n=n), fontsize=11,
                      loc="left")
        ax2 = fig.add_subplot(grid[1])
        try:
            with warnings.catch_warnings():  # ema sets equal y-limits when a single dimension is restricted
                warnings.simplefilter("ignore", UserWarning)
                box.inspect(i, style="graph", ax=ax2)
            ax2.set_title(i18n.t("prim_limits", lang), fontsize=10, fontweight="normal")
        except (ValueError, IndexError):  # a box with no restricted dimension has nothing to draw
            ax2.axis("off")
            ax2.text(0.5, 0.5, i18n.t("prim_none", lang), ha="center")
        fig.suptitle(i18n.t("prim_title", lang, name=name), fontweight="bold")
        return save(fig, out, f"discovery_{outcome}", pdf=False)
