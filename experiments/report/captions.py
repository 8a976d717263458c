"""One plain-language sentence per chart, generated from the numbers in the results tables. Each caption keeps
the list of numbers it quotes with the file and column they come from (``numbers.csv`` in the briefing), so
every figure in a sentence can be traced and is checked against the tables by the tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from innosim.experiments.report import i18n
from innosim.experiments.report.calibration_charts import fit_label


@dataclass
class Caption:
    text: str
    numbers: list[dict] = field(default_factory=list)


def _n(caption_numbers: list[dict], text: str, file: str, column: str, row: str) -> str:
    caption_numbers.append({"text": text, "file": file, "column": column, "row": row})
    return text


def money_or_count(indicator: str, v: float) -> str:
    return i18n.number(v, "money" if indicator in ("rd_expenditure", "tech_contract_turnover") else "count")


def fan(annual: pd.DataFrame, targets: pd.DataFrame, indicator: str, lang: str, annual_file: str,
        targets_file: str, *, plan_targets: Mapping[str, float], year: int) -> Caption:
    """'<indicator>: the <year> median is X (90% band A–B) against a target above T (``plan_targets``); chance of
    exceeding it P.' ``year``: the plan's target year."""
    nums: list[dict] = []
    v = annual.loc[annual["year"] == year, indicator].to_numpy()
    med, lo, hi = np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95)
    fmt = lambda x: money_or_count(indicator, x)  # noqa: E731
    unit = i18n.UNIT_SHORT[lang][indicator]
    s_med = _n(nums, fmt(med), annual_file, f"{indicator} ({year}, median over replicates)", f"year={year}")
    s_lo = _n(nums, fmt(lo), annual_file, f"{indicator} ({year}, 5th percentile)", f"year={year}")
    s_hi = _n(nums, fmt(hi), annual_file, f"{indicator} ({year}, 95th percentile)", f"year={year}")
    name = i18n.indicator(indicator, lang)
    if indicator not in plan_targets:  # the plan states no target: the projection alone
        if lang == "zh":
            text = f"{name}{year}年中位预测为{s_med}{unit}（90%区间{s_lo}–{s_hi}{unit}）；规划未设定该指标目标。"
        else:
            text = (f"{name}: the {year} median projection is {s_med} {unit} (90% band {s_lo}–{s_hi}); the plan sets "
                    "no target for it.")
        return Caption(text, nums)
    s_t = _n(nums, f"{plan_targets[indicator]:,.0f}", targets_file, "target", f"indicator={indicator}")
    row = targets.set_index("indicator").loc[indicator]
    s_p = _n(nums, i18n.percent(row["p_met"]), targets_file, "p_met", f"indicator={indicator}")
    s_pl = _n(nums, i18n.percent(row["ci_low"]), targets_file, "ci_low", f"indicator={indicator}")
    s_ph = _n(nums, i18n.percent(row["ci_high"]), targets_file, "ci_high", f"indicator={indicator}")
    below = med <= plan_targets[indicator]
    if lang == "zh":
        rel = "低于" if below else "高于"
        text = (f"{name}{year}年中位预测为{s_med}{unit}（90%区间{s_lo}–{s_hi}{unit}），{rel}“超过{s_t}{unit}”的目标，"
                f"达标概率为{s_p}（95%置信区间{s_pl}–{s_ph}）。")
    else:
        rel = "below" if below else "above"
        text = (f"{name}: the {year} median projection is {s_med} {unit} (90% band {s_lo}–{s_hi}), {rel} the target "
                f"of more than {s_t}; the chance of exceeding it is {s_p} (95% interval {s_pl}–{s_ph}).")
    return Caption(text, nums)


def probabilities(probs: pd.DataFrame, lang: str) -> Caption:
    """The most and least likely target across the scenarios shown, and the best chance of all five."""
    nums: list[dict] = []
    single = probs[probs["indicator"] != "all"]
    best = single.loc[single["p"].idxmax()]
    worst = single.loc[single["p"].idxmin()]
    allp = probs[probs["indicator"] == "all"]
    top_all = allp.loc[allp["p"].idxmax()]
    sb = _n(nums, i18n.percent(best["p"]), best["file"], best["column"], best["row"])
    sw = _n(nums, i18n.percent(worst["p"]), worst["file"], worst["column"], worst["row"])
    # A zero is said in words ("no run meets all five"), so it is quoted only when it is a number.
    sa = (_n(nums, i18n.percent(top_all["p"]), top_all["file"], top_all["column"], top_all["row"])
          if top_all["p"] > 0 else "")
    if lang == "zh":
        tail = ("没有任何一次运行同时达成五项目标" if top_all["p"] == 0 else f"五项目标同时达成的概率最高为{sa}")
        text = (f"最有可能达成的是{i18n.indicator(best['indicator'], lang)}目标（{best['scenario']}情景下{sb}），"
                f"最难达成的是{i18n.indicator(worst['indicator'], lang)}（{worst['scenario']}情景下{sw}）；{tail}。")
    else:
        tail = ("no run meets all five" if top_all["p"] == 0 else f"the chance of meeting all five is at most {sa}")
        text = (f"The target most likely to be met is {i18n.indicator(best['indicator'], lang).lower()} ({sb} under "
                f"{best['scenario']}), the least likely {i18n.indicator(worst['indicator'], lang).lower()} ({sw} "
                f"under {worst['scenario']}); {tail}.")
    return Caption(text, nums)


def budget_curve(curve: pd.DataFrame, lang: str, file: str, *, plan_targets: Mapping[str, float]) -> Caption:
    """From the lowest to the highest budget (亿元 per year): the target whose chance moves most, and the ceiling of
    all of them."""
    nums: list[dict] = []
    b = curve["budget_yi_per_year"]
    lo_b, hi_b = b.min(), b.max()
    moves = []
    for k in plan_targets:
        s = curve[curve["target"] == k].sort_values("budget_yi_per_year")
        moves.append((s["p_met"].iloc[-1] - s["p_met"].iloc[0], k, s.iloc[0], s.iloc[-1]))
    _, k, first, last = max(moves, key=lambda m: m[0])
    sb0 = _n(nums, i18n.number(lo_b, "money"), file, "budget_yi_per_year", "lowest budget")
    sb1 = _n(nums, i18n.number(hi_b, "money"), file, "budget_yi_per_year", "highest budget")
    sp0 = _n(nums, i18n.percent(first["p_met"]), file, "p_met", f"target={k}, point={int(first['point'])}")
    sp1 = _n(nums, i18n.percent(last["p_met"]), file, "p_met", f"target={k}, point={int(last['point'])}")
    allmax = curve[curve["target"] == "all"]["p_met"].max()
    sa = _n(nums, i18n.percent(allmax), file, "p_met", "target=all, largest") if allmax > 0 else ""
    name = i18n.indicator(k, lang)
    if lang == "zh":
        tail = ("在任何投入水平下都没有一次运行同时达成五项目标" if allmax == 0 else
                f"五项目标同时达成的概率在任何投入水平下都不超过{sa}")
        text = f"年均投入从{sb0}亿元增至{sb1}亿元时，{name}达标概率变化最大（从{sp0}到{sp1}）；{tail}。"
    else:
        tail = ("no run meets all five at any budget" if allmax == 0 else
                f"the chance of meeting all five never exceeds {sa} at any budget")
        text = (f"Raising the yearly budget from {sb0} to {sb1} (100 million yuan) moves {name.lower()} most, from "
                f"{sp0} to {sp1}; {tail}.")
    return Caption(text, nums)


def mix_ranking(table: pd.DataFrame, lang: str, file: str) -> Caption:
    """The top-ranked mix, its expected targets met with interval, against the lowest-ranked."""
    nums: list[dict] = []
    t = table.sort_values("targets_met_mean", ascending=False).reset_index(drop=True)
    top, bottom = t.iloc[0], t.iloc[-1]
    sm = _n(nums, f"{top['targets_met_mean']:.2f}", file, "targets_met_mean", f"scenario={top['scenario']}")
    sl = _n(nums, f"{top['targets_met_low']:.2f}", file, "targets_met_low", f"scenario={top['scenario']}")
    sh = _n(nums, f"{top['targets_met_high']:.2f}", file, "targets_met_high", f"scenario={top['scenario']}")
    sb = _n(nums, f"{bottom['targets_met_mean']:.2f}", file, "targets_met_mean", f"scenario={bottom['scenario']}")
    s_top, s_bottom = scenario_label(top["scenario"], lang), scenario_label(bottom["scenario"], lang)
    if lang == "zh":
        text = (f"“{s_top}”排名第一，预期达成{sm}项目标（95%置信区间{sl}–{sh}），"
                f"排名最后的“{s_bottom}”为{sb}项。")
    else:
        text = (f"{s_top} ranks first with {sm} of the five targets expected to be met (95% interval {sl}–{sh}), "
                f"against {sb} for {s_bottom}, ranked last.")
    return Caption(text, nums)


def value_bands(bands: pd.DataFrame, lang: str, year: int) -> Caption:
    """For a plan without targets: the highest target-year median of each indicator and where it is reached
    (``bands``: ``brief_tables.band_frame``)."""
    nums: list[dict] = []
    parts = []
    for k in dict.fromkeys(bands["indicator"]):
        d = bands[bands["indicator"] == k]
        top = d.loc[d["median"].idxmax()]
        v = _n(nums, money_or_count(k, top["median"]), top["file"], top["column"], top["row"])
        parts.append((i18n.indicator(k, lang), v, i18n.UNIT_SHORT[lang].get(k, ""), top["label"]))
    if lang == "zh":
        body = "；".join(f"{name}{v}{unit}（{label}）" for name, v, unit, label in parts)
        text = f"{year}年各指标中位预测的最高值：{body}；规划未设定目标。"
    else:
        body = "; ".join(f"{name}: {v} {unit} ({label})" for name, v, unit, label in parts)
        text = f"The highest {year} median projection of each indicator — {body}. The plan sets no target."
    return Caption(text, nums)


def sensitivity(indices: pd.DataFrame, method: str, lang: str, file: str, *, plan_targets: Mapping[str, float],
                year: int) -> Caption:
    """The most influential factor for each target indicator in the plan's target ``year``."""
    nums: list[dict] = []
    col = "ST" if method == "sobol" else "mu_star"
    parts = []
    for k in plan_targets:
        d = indices[indices["output"] == f"value.{k}"].dropna(subset=[col])
        if d.empty:
            continue
        top = d.loc[d[col].idxmax()]
        shown = i18n.factor(top["parameter"], lang)
        parts.append((k, shown))
        nums.append({"text": shown, "file": file, "column": f"parameter with the largest {col}",
                     "row": f"output=value.{k}, parameter={top['parameter']}"})
    if lang == "zh":
        body = "；".join(f"{i18n.indicator(k, lang)}主要取决于{f}" for k, f in parts)
        text = f"{body}。"
    else:
        body = "; ".join(f"{i18n.indicator(k, lang).lower()} on {f}" for k, f in parts)
        text = f"The strongest single influence on each {year} outcome: {body}."
    return Caption(text, nums)


def calibration(fit: pd.DataFrame, lang: str, file: str) -> Caption:
    """How many published figures the model's 90% interval covers, and the one furthest outside."""
    nums: list[dict] = []
    inside = fit["within_90"].astype(bool)
    k, n = int(inside.sum()), len(fit)
    sk = _n(nums, str(k), file, "within_90", "count of True")
    sn = _n(nums, str(n), file, "within_90", "rows")
    if k == n:
        text = (f"全部{sn}项公开统计数据均位于模型90%预测区间内。" if lang == "zh" else
                f"All {sn} published figures lie inside the model's 90% predictive interval.")
        return Caption(text, nums)
    out = fit[~inside].copy()
    out["miss"] = np.abs(np.log(out["observed"] / out["sim_median"].replace(0, np.nan)))
    worst = out.loc[out["miss"].idxmax()]
    label = fit_label(worst.to_dict(), lang)
    so = _n(nums, f"{worst['observed']:,.4g}", file, "observed", label)
    sm = _n(nums, f"{worst['sim_median']:,.4g}", file, "sim_median", label)
    if lang == "zh":
        text = (f"{sn}项公开统计数据中有{sk}项位于模型90%预测区间内；"
                f"偏离最大的是{label}（公开数据{so}，模型中位数{sm}）。")
    else:
        text = (f"{sk} of {sn} published figures lie inside the model's 90% predictive interval; the furthest "
                f"outside is {label} (published {so}, model median {sm}).")
    return Caption(text, nums)


SCENARIO_ZH = {"no-new-policy": "无新增政策（对照）", "baseline": "基准情景"}


def scenario_label(name: str, lang: str) -> str:
    """Scenario names are identifiers from the files; the counterfactual and the baseline get a Chinese name."""
    return SCENARIO_ZH.get(name, name) if lang == "zh" else name
