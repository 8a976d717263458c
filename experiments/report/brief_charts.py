"""Briefing charts in the house style (experiments/house_style.py), in English or Chinese. Every chart is drawn
from a results table passed in; nothing here runs the model. Each function writes ``<stem>.png`` (300 dpi) and
``<stem>.pdf`` and returns the PNG path. Figures are 16:9 so they can go on a slide as they are."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from innosim.calibration.observed import points_for
from innosim.experiments.report import i18n
from innosim.experiments.report.house_style import BLUE, GREY, RED, SERIES, save
from innosim.model.indicators import TARGETS

WIDE = (10, 5.6)
OUTCOMES = (*TARGETS, "all")


def _thousands(ax, axis: str = "y") -> None:
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def fan(annual: pd.DataFrame, indicator: str, scenario: str, lang: str, folder: Path, stem: str) -> Path:
    """Median, 50% and 90% bands over replicates by year, observed 2021–2023 points and the 2028 target."""
    q = annual.groupby("year")[indicator].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    fig, ax = plt.subplots(figsize=WIDE)
    ax.fill_between(q.index, q[0.05], q[0.95], color=BLUE, alpha=0.15, lw=0, label=i18n.t("band90", lang))
    ax.fill_between(q.index, q[0.25], q[0.75], color=BLUE, alpha=0.3, lw=0, label=i18n.t("band50", lang))
    ax.plot(q.index, q[0.5], color=BLUE, lw=2.5, label=i18n.t("median", lang))
    obs = points_for(indicator, range(2021, 2024))
    act = obs[obs["kind"] == "actual"]
    if len(act):
        ax.plot(act["year"], act["value"], "o", color="black", ms=8, label=i18n.t("observed", lang), zorder=5)
    part = obs[obs["kind"] == "partial"]
    if len(part):
        ax.plot(part["year"], part["value"], "^", color=GREY, ms=8, label=i18n.t("observed_partial", lang), zorder=5)
    implied = obs[obs["kind"] == "implied_base"]
    if len(implied):
        ax.plot(implied["year"], implied["value"], "o", mfc="white", mec="black", mew=1.5, ms=8,
                label=i18n.t("implied_base", lang), zorder=5)
    target = TARGETS[indicator]
    ax.axhline(target, color=RED, ls="--", lw=2)
    ax.text(2020.8, target, i18n.t("target_line", lang, v=f"{target:,.0f}"), color=RED, va="bottom", ha="left",
            fontsize=11, fontweight="bold")
    ax.set_xlim(2020.7, 2028.4)
    ax.set_ylim(0, max(target, float(q[0.95].max())) * 1.15)
    ax.set_xticks(range(2021, 2029))
    ax.set_xlabel(i18n.t("year", lang))
    _unit_label(ax, i18n.axis_unit(indicator, lang), lang)
    _thousands(ax)
    ax.set_title(i18n.t("fan_title", lang, name=i18n.indicator(indicator, lang), scenario=scenario), loc="left",
                 pad=26)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=6, handlelength=1.6, columnspacing=1.2)
    return save(fig, folder, stem)


def _unit_label(ax, unit: str, lang: str) -> None:
    """The unit written horizontally above the y axis (Chinese reads badly when rotated)."""
    ax.set_ylabel(f"{'单位：' if lang == 'zh' else 'unit: '}{unit}", rotation=0, ha="left", va="bottom",
                  fontsize=10)
    ax.yaxis.set_label_coords(-0.06, 1.01)


def probability_bars(probs: pd.DataFrame, lang: str, folder: Path, stem: str) -> Path:
    """Horizontal bars of P(met) with 95% intervals; one group per target (and all five), one bar per scenario.
    ``probs``: scenario, indicator, p, low, high."""
    scenarios = list(dict.fromkeys(probs["scenario"]))
    k = len(scenarios)
    height = 0.8 / k
    fig, ax = plt.subplots(figsize=(WIDE[0], max(WIDE[1], 1.1 + 0.28 * k * len(OUTCOMES))))
    for j, sc in enumerate(scenarios):
        s = probs[probs["scenario"] == sc].set_index("indicator").reindex(list(OUTCOMES))
        y = np.arange(len(OUTCOMES)) + (j - (k - 1) / 2) * height
        p = s["p"].to_numpy() * 100
        err = np.vstack([p - s["low"].to_numpy() * 100, s["high"].to_numpy() * 100 - p])
        ax.barh(y, p, height=height * 0.9, color=SERIES[j % len(SERIES)], label=sc)
        ax.errorbar(p, y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=2.5)
        for yy, pp, hi in zip(y, s["p"].to_numpy(), s["high"].to_numpy(), strict=True):
            ax.text(hi * 100 + 1.2, yy, i18n.percent(pp), va="center", fontsize=9)
    ax.set_yticks(np.arange(len(OUTCOMES)), [i18n.indicator(o, lang) for o in OUTCOMES])
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.xaxis.set_major_formatter(PercentFormatter())
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(f"{i18n.t('prob_axis', lang)} — {i18n.t('interval95', lang)}")
    ax.grid(axis="y", visible=False)
    ax.set_title(i18n.t("prob_title", lang), loc="left")
    ax.legend(loc="lower right", title=i18n.t("col_scenario", lang))
    return save(fig, folder, stem)


def budget_curve(curve: pd.DataFrame, sweep: str, lang: str, folder: Path, stem: str) -> Path:
    """P(met) against the mean annual budget 2024–2028 (亿元), one panel per target and one for all five, with
    the 95% interval shaded. ``curve``: budget_yi_per_year, target, p_met, ci_low, ci_high."""
    fig, axs = plt.subplots(2, 3, figsize=(WIDE[0] + 2, WIDE[1] + 1.2), sharex=True, sharey=True)
    for ax, outcome in zip(axs.flat, OUTCOMES, strict=True):
        s = curve[curve["target"] == outcome].sort_values("budget_yi_per_year")
        colour = GREY if outcome == "all" else BLUE
        ax.fill_between(s["budget_yi_per_year"], s["ci_low"] * 100, s["ci_high"] * 100, color=colour, alpha=0.2, lw=0)
        ax.plot(s["budget_yi_per_year"], s["p_met"] * 100, marker="o", ms=5, lw=2.2, color=colour)
        ax.set_title(i18n.indicator(outcome, lang), fontsize=11, loc="left", fontweight="normal")
        ax.set_ylim(-2, 102)
        ax.yaxis.set_major_formatter(PercentFormatter())
    for ax in axs[1]:
        ax.set_xlabel(i18n.t("budget_axis_short", lang))
    for ax in axs[:, 0]:
        ax.set_ylabel(i18n.t("prob_axis_short", lang))
    fig.suptitle(i18n.t("budget_title", lang, sweep=sweep) + "  —  " + i18n.t("shaded95", lang), x=0.02, ha="left",
                 fontsize=13)
    fig.tight_layout()
    return save(fig, folder, stem)


def mix_ranking(table: pd.DataFrame, folder: Path, lang: str, stem: str = "mix_ranking") -> Path:
    """Scenarios ranked by the expected number of targets met (bar, 95% interval) beside a grid of P(met) per
    target. ``table``: comparison.csv."""
    t = table.sort_values("targets_met_mean", ascending=True).reset_index(drop=True)
    n = len(t)
    fig, (ax, grid) = plt.subplots(1, 2, figsize=(WIDE[0] + 2, max(WIDE[1] * 0.7, 1.6 + 0.55 * n)),
                                   gridspec_kw={"width_ratios": [1.0, 1.25], "wspace": 0.05}, sharey=True)
    y = np.arange(n)
    m = t["targets_met_mean"].to_numpy()
    err = np.vstack([m - t["targets_met_low"].to_numpy(), t["targets_met_high"].to_numpy() - m])
    colours = [GREY if s == "no-new-policy" else BLUE for s in t["scenario"]]
    ax.barh(y, m, color=colours, height=0.6)
    ax.errorbar(m, y, xerr=err, fmt="none", ecolor="black", capsize=3)
    for yy, v, hi in zip(y, m, t["targets_met_high"].to_numpy(), strict=True):
        ax.text(hi + 0.1, yy, f"{v:.2f}", va="center", fontsize=10)
    ax.set_yticks(y, t["scenario"])
    ax.set_xlim(0, 5)
    ax.set_xlabel(i18n.t("mix_axis", lang))
    ax.grid(axis="y", visible=False)
    cells = np.array([[t.loc[i, f"p_{k}"] for k in TARGETS] for i in range(n)])
    grid.imshow(cells, aspect="auto", cmap="Blues", vmin=0, vmax=1, extent=(-0.5, len(TARGETS) - 0.5, n - 0.5, -0.5))
    for i in range(n):
        for j in range(len(TARGETS)):
            grid.text(j, i, i18n.percent(cells[i, j]), ha="center", va="center", fontsize=10,
                      color="white" if cells[i, j] > 0.6 else "black")
    grid.set_xticks(range(len(TARGETS)), [i18n.SHORT[lang][k] for k in TARGETS], fontsize=10)
    grid.xaxis.tick_top()
    grid.tick_params(axis="y", left=False)
    grid.grid(False)
    grid.set_ylim(n - 0.5, -0.5)
    ax.set_ylim(-0.5, n - 0.5)
    grid.set_xlabel(i18n.t("mix_cells", lang))
    ax.set_title(i18n.t("mix_title", lang), loc="left", pad=28)
    return save(fig, folder, stem)


def sensitivity_bars(indices: pd.DataFrame, method: str, name: str, lang: str, folder: Path, stem: str,
                     top: int = 6) -> Path:
    """Top factors per 2028 indicator: total-order Sobol' index or Morris μ* (scaled to the largest), with the
    bootstrap interval. ``indices``: indices.csv of ``innosim sensitivity``."""
    col, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    fig, axs = plt.subplots(2, 3, figsize=(WIDE[0] + 3, WIDE[1] + 1.6))
    for ax, k in zip(axs.flat, TARGETS, strict=False):
        d = indices[indices["output"] == f"value.{k}"].copy()
        if d.empty:
            ax.set_visible(False)
            continue
        scale = 1.0 if method == "sobol" else max(float(d[col].max()), 1e-12)
        d = d.assign(v=d[col] / scale, c=d[conf] / scale).sort_values("v", ascending=False).head(top)[::-1]
        ax.barh(range(len(d)), d["v"], xerr=d["c"], color=BLUE, ecolor=GREY, capsize=2, height=0.6)
        ax.set_yticks(range(len(d)), [i18n.factor(p, lang) for p in d["parameter"]], fontsize=9)
        ax.set_title(i18n.indicator(k, lang), fontsize=11, loc="left")
        ax.set_xlim(0, max(1.05, float((d["v"] + d["c"]).max()) * 1.05) if method == "morris" else None)
        ax.grid(axis="y", visible=False)
    axs.flat[-1].set_visible(False)
    axis = i18n.t("sens_axis_sobol" if method == "sobol" else "sens_axis_morris", lang)
    for ax in axs[1][:2]:
        ax.set_xlabel(axis)
    axs[0][2].set_xlabel(axis)
    fig.suptitle(i18n.t("sens_title", lang, method=f"{name}, {'Sobol' if method == 'sobol' else 'Morris'}"),
                 x=0.02, ha="left", fontweight="bold", fontsize=13)
    fig.tight_layout()
    return save(fig, folder, stem)


FIT_NAMES = {
    "en": {"hte_stock": "HTE stock", "hte_applications": "HTE applications", "hte_listed": "listed HTEs",
           "tech_sme_registered": "registered tech SMEs", "tech_enterprises": "tech-based enterprises",
           "rd_expenditure_growth": "R&D growth", "rd_expenditure": "R&D expenditure",
           "tech_contract_turnover": "contract turnover", "tech_brokers": "technology brokers",
           "platforms_provincial_plus": "prov.-and-above platforms", "national_key_labs": "national key labs",
           "national_incubators": "national incubators"},
    "zh": {"hte_stock": "高新技术企业数", "hte_applications": "高企申报数", "hte_listed": "上市高企数",
           "tech_sme_registered": "入库科技型中小企业", "tech_enterprises": "科技型企业数量",
           "rd_expenditure_growth": "研发经费增速", "rd_expenditure": "全社会研发经费",
           "tech_contract_turnover": "技术合同成交额", "tech_brokers": "技术经纪人",
           "platforms_provincial_plus": "省级以上科创平台", "national_key_labs": "国家重点实验室",
           "national_incubators": "国家级孵化器"},
}
PERIODS = {"en": {"year_end": "year end", "year": "full year", "mid_year": "mid-year", "h1": "H1",
                  "jan_to_sep": "Jan–Sep", "first_batch": "first batch", "average": "average"},
           "zh": {"year_end": "年末", "year": "全年", "mid_year": "年中", "h1": "上半年", "jan_to_sep": "1–9月",
                  "first_batch": "第一批", "average": "年均"}}


def fit_label(row: dict, lang: str) -> str:
    name = FIT_NAMES[lang].get(row["indicator"], row["indicator"])
    period = PERIODS[lang].get(row["period"], row["period"])
    return f"{name} {row['year']} ({period})" if lang == "en" else f"{name} {row['year']}（{period}）"


def calibration_fit(fit: pd.DataFrame, lang: str, folder: Path, stem: str) -> Path:
    """Each published figure divided by the model's posterior-predictive median, against the 90% predictive
    interval (also divided by the median), so figures of every size share one axis. ``fit``: fit.csv."""
    f = fit.reset_index(drop=True)
    med = f["sim_median"].replace(0, np.nan)
    y = np.arange(len(f))
    fig, ax = plt.subplots(figsize=(WIDE[0], max(WIDE[1], 0.36 * len(f) + 1.5)))
    ax.hlines(y, f["sim_p05"] / med, f["sim_p95"] / med, color=BLUE, lw=6, alpha=0.35)
    ax.axvline(1.0, color=GREY, lw=1)
    inside = f["within_90"].astype(bool).to_numpy()
    bound = (f["mode"] == "lower_bound").to_numpy() if "mode" in f else np.zeros(len(f), dtype=bool)
    ratio = (f["observed"] / med).to_numpy()
    ax.plot(ratio[inside & ~bound], y[inside & ~bound], "o", color="black", ms=7, label=i18n.t("fit_inside", lang))
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
