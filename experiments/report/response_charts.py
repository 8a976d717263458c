"""Dose–response charts of ``innosim response``, drawn from ``response.csv`` only (PNG 300 dpi + PDF):

- ``response_<target>``: one panel per family, the target-year value's median and 90% band against the family's
  budget (亿元/yr; the level when the scenario gives the family no budget), with the target line;
- ``response_probability``: one panel per target (and all of them), P(met) against the level, one line per
  family, Wilson 95% band;
- ``response_disbursed``: one panel per family, the money budgeted, available and disbursed against the level —
  where disbursed stops following the budget, the family's money is not being spent (saturation).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import BLUE, GREY, ORANGE, RED, SERIES, WIDE, save, style


def _grid(n: int, ncol: int = 3) -> tuple[plt.Figure, np.ndarray]:
    ncol = min(n, ncol)
    nrow = int(np.ceil(n / ncol))
    fig, axs = plt.subplots(nrow, ncol, figsize=(WIDE[0] + 2, 3.3 * nrow + 0.9), squeeze=False)
    for ax in axs.flat[n:]:
        ax.set_visible(False)
    return fig, axs


def _families(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["family"]))


def _x(g: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """The family's budget (亿元/yr) when the scenario funds it, else the level; and whether it is the budget."""
    base = g.loc[g["level"] == 1.0, "family_budget_yi_per_year"]
    if len(base) and float(base.iloc[0]) > 0:
        return g["family_budget_yi_per_year"].to_numpy(), True
    return g["level"].to_numpy(), False


def _legend(fig: plt.Figure, ax: plt.Axes, title: str, lang: str) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(handles), 4), fontsize=9)
    fig.suptitle(title, x=0.02, ha="left", fontsize=13, fontweight="bold")
    fig.tight_layout(rect=(0, 0.07 if handles else 0, 1, 1))


def value_curves(table: pd.DataFrame, folder: Path, lang: str = "en", *, targets: Mapping[str, float],
                 target_year: int) -> list[Path]:
    """``response_<target>.png`` for each target in ``table``: per family, median and 90% band of the
    target-year value against the family budget, the target as a line, the scenario starred."""
    out = []
    fams = _families(table)
    for k, target in targets.items():
        col = f"{k}_{target_year}"
        if f"{col}_median" not in table:
            continue
        with style(lang):
            fig, axs = _grid(len(fams))
            for ax, fam in zip(axs.flat, fams, strict=False):
                g = table[table["family"] == fam].sort_values("level")
                x, is_budget = _x(g)
                ax.fill_between(x, g[f"{col}_p05"], g[f"{col}_p95"], color=BLUE, alpha=0.2, lw=0,
                                label=i18n.t("band90", lang))
                ax.plot(x, g[f"{col}_median"], marker="o", ms=4, lw=2, color=BLUE, label=i18n.t("median", lang))
                base = (g["level"] == 1.0).to_numpy()
                ax.plot(x[base], g.loc[base, f"{col}_median"], marker="*", ms=13, color=RED, ls="none",
                        label=i18n.t("resp_scenario", lang))
                ax.axhline(target, color=RED, ls="--", lw=1.2,
                           label=i18n.t("target_line", lang, year=target_year, v=f"{target:,.0f}"))
                for xx, lv, y in zip(x, g["level"], g[f"{col}_median"], strict=True):
                    ax.annotate(f"×{lv:g}", (xx, y), textcoords="offset points", xytext=(0, 6), ha="center",
                                fontsize=8, color=GREY)
                ax.set_title(i18n.FAMILY[lang][fam], fontsize=11, loc="left", fontweight="normal")
                ax.set_xlabel(i18n.t("resp_budget_axis" if is_budget else "resp_level_axis", lang), fontsize=9)
                ax.set_ylabel(i18n.axis_unit(k, lang), fontsize=9)
            _legend(fig, axs.flat[0], i18n.t("resp_value_title", lang, name=i18n.indicator(k, lang),
                                             year=target_year), lang)
            out.append(save(fig, folder, f"response_{k}"))
    return out


def probability_curves(table: pd.DataFrame, folder: Path, lang: str = "en", *, targets: Mapping[str, float],
                       target_year: int) -> Path:
    """``response_probability.png``: P(met) (%) of each target and of all of them against the level, one line per
    family with its Wilson 95% band."""
    outcomes = [o for o in i18n.outcomes(targets) if f"p_{o}" in table]
    fams = _families(table)
    with style(lang):
        fig, axs = _grid(len(outcomes))
        for ax, outcome in itertools.zip_longest(axs.flat, outcomes):
            if outcome is None:
                continue
            for j, fam in enumerate(fams):
                g = table[table["family"] == fam].sort_values("level")
                colour = SERIES[j % len(SERIES)]
                ax.fill_between(g["level"], g[f"p_{outcome}_low"] * 100, g[f"p_{outcome}_high"] * 100, color=colour,
                                alpha=0.12, lw=0)
                ax.plot(g["level"], g[f"p_{outcome}"] * 100, marker="o", ms=3.5, lw=2, color=colour,
                        label=i18n.FAMILY[lang][fam])
            name = i18n.indicator(outcome, lang)
            if outcome in targets:
                name += f" ({i18n.t('target_gt', lang, v=f'{targets[outcome]:,.0f}')})"
            ax.set_title(name, fontsize=10, loc="left", fontweight="normal")
            ax.axvline(1.0, color=GREY, lw=0.8, ls=":")
            ax.set_ylim(-2, 102)
            ax.yaxis.set_major_formatter(PercentFormatter())
            ax.set_xlabel(i18n.t("resp_level_axis", lang), fontsize=9)
            ax.set_ylabel(i18n.t("prob_axis_short", lang), fontsize=9)
        _legend(fig, axs.flat[0], f"{i18n.t('resp_prob_title', lang, year=target_year)}  —  "
                f"{i18n.t('shaded95', lang)}", lang)
        return save(fig, folder, "response_probability")


def disbursement_chart(table: pd.DataFrame, folder: Path, lang: str = "en", *, targets: Mapping[str, float],
                       target_year: int) -> Path:
    """``response_disbursed.png``: per family, the planned budget, the money available (with recycled 拨改投
    proceeds) and the money disbursed, 亿元 per plan year, against the level. ``targets`` and ``target_year`` are
    taken for the chart stack's one signature; the money years end in ``target_year``."""
    fams = _families(table)
    with style(lang):
        fig, axs = _grid(len(fams))
        for ax, fam in zip(axs.flat, fams, strict=False):
            g = table[table["family"] == fam].sort_values("level")
            ax.plot(g["level"], g["family_budget_yi_per_year"], ls="--", lw=1.5, color=GREY,
                    label=i18n.t("resp_planned", lang))
            ax.plot(g["level"], g["available_yi_per_year"], lw=1, color=ORANGE, label=i18n.t("resp_available", lang))
            ax.plot(g["level"], g["disbursed_yi_per_year"], marker="o", ms=4, lw=2.2, color=BLUE,
                    label=i18n.t("resp_disbursed", lang))
            ax.set_title(i18n.FAMILY[lang][fam], fontsize=11, loc="left", fontweight="normal")
            ax.set_xlabel(i18n.t("resp_level_axis", lang), fontsize=9)
            ax.set_ylabel(i18n.t("resp_money_axis", lang), fontsize=9)
            ax.set_ylim(bottom=0)
        _legend(fig, axs.flat[0], i18n.t("resp_paid_title", lang), lang)
        return save(fig, folder, "response_disbursed")
