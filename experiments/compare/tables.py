"""Tables of a comparison, computed from the per-replicate store rows (``s<i>.<name>``, ``cf.<name>``).

Units: money columns ending ``_yi`` are 亿元 (1e8 yuan); cost-effectiveness is in yuan per additional unit
(firm, 亿元 of R&D or turnover, broker). Stocks are values at the end of the plan's target year; R&D and turnover
gains are summed over the plan years, the years the money is spent. The 拨改投 fund is counted over the whole
simulated period (``model.calendar``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from innosim.experiments.compare.worker import ACT, firm_acts, plan_span
from innosim.experiments.runs.intervals import design_effect, mean_interval, ratio_of_means, wilson
from innosim.experiments.runs.variance import split_table
from innosim.model.calendar import FIRST_YEAR, LAST_YEAR
from innosim.model.city import Plan
from innosim.model.instruments.registry import REGISTRY
from innosim.model.units import YI


def gains(plan: Plan) -> dict[str, tuple[str, str]]:
    """Gain name -> (store column, unit of one additional unit)."""
    final, years = plan.target_year, f"{plan.start_year}-{plan.target_year}"
    return {"tech_firm": (f"tech_enterprises_{final}", "firm"),
            "yi_rd": (f"rd_{plan_span(plan)}", f"亿元 R&D {years}"),
            "yi_turnover": (f"turnover_{plan_span(plan)}", f"亿元 turnover {years}"),
            "broker": (f"tech_brokers_{final}", "broker")}


def _prefixes(names: list[str], with_cf: bool) -> list[tuple[str, str]]:
    out = [(f"s{i}.", n) for i, n in enumerate(names)]
    if with_cf:
        out.append(("cf.", "no-new-policy"))
    return out


def _row(runs: pd.DataFrame, pre: str, plan: Plan) -> dict:
    n = len(runs)
    final, span = plan.target_year, plan_span(plan)
    row: dict = {"replicates": n}
    met_all = np.ones(n, dtype=bool)
    draw = runs["draw"].to_numpy() if "draw" in runs else np.full(n, -1)
    for k, target in plan.targets.items():
        met = runs[f"{pre}{k}_{final}"].to_numpy() > target
        met_all &= met
        lo, hi = wilson(int(met.sum()), n, deff=design_effect(met, draw))
        row.update({f"p_{k}": met.mean(), f"p_{k}_low": lo, f"p_{k}_high": hi})
    lo, hi = wilson(int(met_all.sum()), n, deff=design_effect(met_all, draw)) if plan.targets else (np.nan, np.nan)
    row.update({"p_all": met_all.mean() if plan.targets else np.nan, "p_all_low": lo, "p_all_high": hi})
    m, lo, hi = mean_interval(runs[f"{pre}targets_met"].to_numpy())
    row.update({"targets_met_mean": m, "targets_met_low": lo, "targets_met_high": hi})
    for k in plan.headline:
        v = runs[f"{pre}{k}_{final}"].to_numpy()
        row.update({f"{k}_{final}_median": float(np.median(v)),
                    f"{k}_{final}_p05": float(np.quantile(v, 0.05)),
                    f"{k}_{final}_p95": float(np.quantile(v, 0.95))})
    row[f"spent_{span}_yi"] = runs[f"{pre}spent_{span}"].mean()
    invested = runs[f"{pre}equity_invested"].to_numpy()
    back = runs[f"{pre}equity_returned"].to_numpy()
    expected = runs[f"{pre}equity_expected"].to_numpy()
    row.update({f"equity_invested_{FIRST_YEAR}_{LAST_YEAR}_yi": invested.mean(),
                f"equity_returned_by_{LAST_YEAR}_yi": back.mean(),
                f"equity_expected_after_{LAST_YEAR}_yi": expected.mean(),
                "equity_written_off_yi": runs[f"{pre}equity_written_off"].mean(),
                "equity_recovery_ratio": (back.sum() + expected.sum()) / invested.sum() if invested.sum() else np.nan})
    return row


def comparison_table(runs: pd.DataFrame, names: list[str], files: list[str], with_cf: bool, seed: int,
                     plan: Plan, menu: list[str] | None = None) -> pd.DataFrame:
    """One row per scenario (and the counterfactual): budget, P(each target, all of them) with Wilson intervals
    (widened by the design effect of runs sharing a posterior draw),
    expected targets met, target-year median and 90% band, 拨改投 money back, and — with a counterfactual — the
    cost per additional unit and the deadweight share of each instrument on the city's ``menu``."""
    rows = []
    ce = cost_effectiveness(runs, names, seed, plan) if with_cf else None
    dw = deadweight_table(runs, names, seed, menu) if with_cf else None
    span = plan_span(plan)
    for pre, name in _prefixes(names, with_cf):
        row = {"scenario": name, "file": files[int(pre[1:-1])] if pre != "cf." else "",
               f"budget_{span}_yi": runs[f"{pre}budget_{span}"].mean()}
        row.update(_row(runs, pre, plan))
        if ce is not None and pre != "cf.":
            for rec in ce[ce["scenario"] == name].to_dict("records"):
                g = rec["gain"]
                row.update({f"extra_{g}": rec["extra_mean"], f"extra_{g}_low": rec["extra_low"],
                            f"extra_{g}_high": rec["extra_high"], f"yuan_per_extra_{g}": rec["yuan_per_unit"],
                            f"yuan_per_extra_{g}_low": rec["yuan_per_unit_low"],
                            f"yuan_per_extra_{g}_high": rec["yuan_per_unit_high"]})
        if dw is not None and pre != "cf.":
            for rec in dw[dw["scenario"] == name].to_dict("records"):
                k = rec["instrument"]
                row.update({f"deadweight_{k}": rec["deadweight_share"], f"deadweight_{k}_low": rec["share_low"],
                            f"deadweight_{k}_high": rec["share_high"]})
        rows.append(row)
    return pd.DataFrame(rows)


def cost_effectiveness(runs: pd.DataFrame, names: list[str], seed: int, plan: Plan) -> pd.DataFrame:
    """Per scenario and gain: mean paired gain over the counterfactual (interval), extra public money over the
    plan years (亿元) and yuan per additional unit = mean extra money / mean gain (paired bootstrap interval)."""
    rows = []
    span = plan_span(plan)
    for i, name in enumerate(names):
        cost = (runs[f"s{i}.spent_{span}"] - runs[f"cf.spent_{span}"]).to_numpy() * YI
        for j, (gain, (col, unit)) in enumerate(gains(plan).items()):
            d = (runs[f"s{i}.{col}"] - runs[f"cf.{col}"]).to_numpy()
            m, lo, hi = mean_interval(d)
            r, rlo, rhi = ratio_of_means(cost, d, seed + 1000 * i + j)
            rows.append({"scenario": name, "gain": gain, "unit": unit, "extra_mean": m, "extra_low": lo,
                         "extra_high": hi, "extra_money_yi": cost.mean() / YI, "yuan_per_unit": r,
                         "yuan_per_unit_low": rlo, "yuan_per_unit_high": rhi, "replicates": len(d)})
    return pd.DataFrame(rows)


def deadweight_table(runs: pd.DataFrame, names: list[str], seed: int, menu: list[str] | None = None) -> pd.DataFrame:
    """Per scenario and firm-paid instrument on the city's ``menu`` (None = every one): money paid to matched
    firms in the plan years (亿元) and the share that went to firms that did the paid-for act in the paired
    counterfactual anyway (bootstrap interval)."""
    acts = firm_acts(menu)
    rows = []
    for i, name in enumerate(names):
        for j, key in enumerate(ACT):  # j over all of ACT: an instrument's bootstrap stream ignores the menu
            if key not in acts:
                continue
            paid = runs[f"s{i}.dwpaid.{key}"].to_numpy()
            dead = runs[f"s{i}.dw.{key}"].to_numpy()
            if paid.sum() <= 0:
                share, lo, hi = np.nan, np.nan, np.nan
            else:
                share, lo, hi = ratio_of_means(dead, paid, seed + 7919 * i + j)
            rows.append({"scenario": name, "instrument": key, "label": REGISTRY[key].label_en, "act": ACT[key],
                         "paid_to_firms_yi": paid.mean(), "deadweight_yi": dead.mean(),
                         "deadweight_share": share, "share_low": lo, "share_high": hi})
    return pd.DataFrame(rows)


def variance_split(runs: pd.DataFrame, names: list[str], with_cf: bool, plan: Plan, seed: int) -> pd.DataFrame:
    """``scenario, indicator, total_var, parameter_share, noise_share, …`` for each target indicator in the
    target year (``experiments/runs/variance.py``); ``runs`` in run order."""
    final = plan.target_year
    parts = []
    for pre, name in _prefixes(names, with_cf):
        t = split_table({k: runs[f"{pre}{k}_{final}"].to_numpy() for k in plan.headline}, seed)
        t.insert(0, "scenario", name)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)
