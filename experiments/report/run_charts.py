"""Fan charts of the plan's headline indicators, drawn from the results folder only (``annual.csv`` and the
city's published figures in ``observed.csv``): median, 50% and 90% bands over replicates, the published figures by
kind, and the plan's target line where the plan states a target. ``innosim run`` writes one PNG per headline
indicator (``fan_<indicator>.png``); the briefing draws the same chart (PNG + PDF)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from innosim.calibration.observed import points_for
from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import BLUE, GREY, RED, WIDE, save, style
from innosim.model.calendar import FIRST_YEAR


def unit_label(ax: plt.Axes, unit: str, lang: str) -> None:
    """The unit written horizontally above the y axis (Chinese reads badly when rotated)."""
    ax.set_ylabel(i18n.t("unit", lang, unit=unit), rotation=0, ha="left", va="bottom", fontsize=10)
    ax.yaxis.set_label_coords(-0.06, 1.01)


def thousands(ax: plt.Axes, axis: str = "y") -> None:
    """Tick labels with thousands separators."""
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _years(years: pd.Series) -> str:
    lo, hi = int(years.min()), int(years.max())
    return str(lo) if lo == hi else f"{lo}–{hi}"


def fan(annual: pd.DataFrame, indicator: str, scenario: str, folder: Path, stem: str, *, lang: str = "en",
        targets: Mapping[str, float], pdf: bool = True, observed: pd.DataFrame | None = None) -> Path:
    """Median, 50% and 90% bands of ``indicator`` over replicates by year (its unit: firms, 亿元 per year …), the
    published figures (``observed``, the city's file; None: none shown) from the first simulated year on, and the
    target line — only if ``targets`` holds one for ``indicator`` — in the last year of ``annual``.
    Writes ``<stem>.png`` (+ ``.pdf`` when ``pdf``); returns the PNG path."""
    q = annual.groupby("year")[indicator].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    first, last = int(q.index.min()), int(q.index.max())
    with style(lang):
        fig, ax = plt.subplots(figsize=WIDE)
        ax.fill_between(q.index, q[0.05], q[0.95], color=BLUE, alpha=0.15, lw=0, label=i18n.t("band90", lang))
        ax.fill_between(q.index, q[0.25], q[0.75], color=BLUE, alpha=0.3, lw=0, label=i18n.t("band50", lang))
        ax.plot(q.index, q[0.5], color=BLUE, lw=2.5, label=i18n.t("median", lang))
        obs = (points_for(indicator, range(FIRST_YEAR, last + 1), frame=observed) if observed is not None
               else pd.DataFrame(columns=["year", "value", "kind"]))
        act = obs[obs["kind"] == "actual"]
        if len(act):
            ax.plot(act["year"], act["value"], "o", color="black", ms=8, zorder=5,
                    label=i18n.t("observed", lang, years=_years(act["year"])))
        part = obs[obs["kind"] == "partial"]
        if len(part):
            ax.plot(part["year"], part["value"], "^", color=GREY, ms=8, label=i18n.t("observed_partial", lang),
                    zorder=5)
        implied = obs[obs["kind"] == "implied_base"]
        if len(implied):
            ax.plot(implied["year"], implied["value"], "o", mfc="white", mec="black", mew=1.5, ms=8, zorder=5,
                    label=i18n.t("implied_base", lang, year=_years(implied["year"])))
        top = float(q[0.95].max())
        if indicator in targets:
            target = float(targets[indicator])
            top = max(top, target)
            ax.axhline(target, color=RED, ls="--", lw=2)
            ax.text(first - 0.2, target, i18n.t("target_line", lang, year=last, v=f"{target:,.0f}"), color=RED,
                    va="bottom", ha="left", fontsize=11, fontweight="bold")
        ax.set_xlim(first - 0.3, last + 0.4)
        ax.set_ylim(0, top * 1.15)
        ax.set_xticks(range(first, last + 1))
        ax.set_xlabel(i18n.t("year", lang))
        unit_label(ax, i18n.axis_unit(indicator, lang), lang)
        thousands(ax)
        ax.set_title(i18n.t("fan_title", lang, name=i18n.indicator(indicator, lang), scenario=scenario, year=last),
                     loc="left", pad=26)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=6, handlelength=1.6, columnspacing=1.2)
        return save(fig, folder, stem, pdf=pdf)


def fan_charts(annual: pd.DataFrame, out: Path, scenario_name: str, *, lang: str = "en",
               targets: Mapping[str, float], indicators: tuple[str, ...] | None = None,
               observed: pd.DataFrame | None = None) -> list[Path]:
    """``fan_<indicator>.png`` (300 dpi) in ``out`` for each headline indicator of the plan (``indicators``;
    default: the target indicators); returns their paths."""
    shown = tuple(targets) if indicators is None else indicators
    return [fan(annual, k, scenario_name, out, f"fan_{k}", lang=lang, targets=targets, pdf=False, observed=observed)
            for k in shown]
