"""The briefing's tables, built from the results tables only: the key numbers per scenario and target (with the
probability frame the bars are drawn from), public money per extra unit, and the budget curve of a sweep."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from innosim.experiments.report import captions as cap
from innosim.experiments.report import i18n
from innosim.experiments.report.plan import PlanView
from innosim.experiments.report.sources import Source
from innosim.experiments.report.sweep_charts import is_budget_axis


def gain_labels(lang: str, plan: PlanView) -> dict[str, tuple[str, float, str]]:
    """Gain kind of cost_effectiveness.csv -> (label, divisor of yuan, unit); flows are summed over the plan."""
    years = f"{plan.start_year}–{plan.target_year % 100:02d}"
    if lang == "zh":
        return {"tech_firm": ("每新增一家科技型企业", 1e4, "万元"),
                "yi_rd": (f"每新增1亿元研发经费（{years}年）", 1e4, "万元"),
                "yi_turnover": (f"每新增1亿元技术合同成交额（{years}年）", 1e4, "万元"),
                "broker": ("每新增一名技术经纪人", 1e4, "万元")}
    return {"tech_firm": ("per extra tech-based enterprise", 1e4, "10k yuan"),
            "yi_rd": (f"per extra 100m yuan of R&D ({years})", 1e4, "10k yuan"),
            "yi_turnover": (f"per extra 100m yuan of turnover ({years})", 1e4, "10k yuan"),
            "broker": ("per extra broker", 1e4, "10k yuan")}


def _band(med: float, lo: float, hi: float, indicator: str) -> str:
    f = cap.money_or_count
    return f"{f(indicator, med)} ({f(indicator, lo)}–{f(indicator, hi)})"


def _p(p: float, lo: float, hi: float) -> str:
    return f"{i18n.percent(p)} ({i18n.percent(lo)}–{i18n.percent(hi)})"


def _unique(name: str, taken: set[str], source: Source) -> str:
    out = name if name not in taken else f"{name} [{source.folder.name}]"
    taken.add(out)
    return out


def _shown(plan: PlanView) -> tuple[str, ...]:
    """The rows of a plan in the key numbers: each headline indicator, then ``all`` when the plan states targets."""
    return (*plan.headline, *(("all",) if plan.targets else ()))


def target_rows(sources: list[Source], lang: str, plan: PlanView) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display table of key numbers, long probability frame for the bars with file/column/row of each p).
    Each source's targets come from its own plan; ``plan`` (the briefing's) names the target year."""
    rows, probs, taken = [], [], set()
    for s in sources:
        if s.kind not in ("run", "compare"):
            continue
        targets = s.plan.targets
        if s.kind == "run":
            annual, tt = s.tables["annual.csv"], s.tables["targets.csv"].set_index("indicator")
            sc = _unique(cap.scenario_label(s.name, lang), taken, s)
            last = annual[annual["year"] == s.plan.target_year]
            for k in _shown(s.plan):
                if k not in tt.index:  # the plan states no target for it: its projection only
                    v = last[k].to_numpy()
                    rows.append((sc, k, targets, _band(np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95), k),
                                 "—"))
                    continue
                r = tt.loc[k]
                probs.append({"scenario": sc, "indicator": k, "p": r["p_met"], "low": r["ci_low"],
                              "high": r["ci_high"], "file": s.path("targets.csv"), "column": "p_met",
                              "row": f"indicator={k}"})
                if k == "all":
                    band = "—"
                else:
                    v = last[k].to_numpy()
                    band = _band(np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95), k)
                rows.append((sc, k, targets, band, _p(r["p_met"], r["ci_low"], r["ci_high"])))
        elif s.kind == "compare":
            for rec in s.tables["comparison.csv"].to_dict("records"):
                sc = _unique(cap.scenario_label(rec["scenario"], lang), taken, s)
                for k in _shown(s.plan):
                    y = s.plan.target_year
                    if k != "all" and k not in targets:  # no target: its projection only
                        rows.append((sc, k, targets, _band(rec[f"{k}_{y}_median"], rec[f"{k}_{y}_p05"],
                                                           rec[f"{k}_{y}_p95"], k), "—"))
                        continue
                    probs.append({"scenario": sc, "indicator": k, "p": rec[f"p_{k}"], "low": rec[f"p_{k}_low"],
                                  "high": rec[f"p_{k}_high"], "file": s.path("comparison.csv"), "column": f"p_{k}",
                                  "row": f"scenario={rec['scenario']}"})
                    y = s.plan.target_year
                    band = "—" if k == "all" else _band(rec[f"{k}_{y}_median"], rec[f"{k}_{y}_p05"],
                                                       rec[f"{k}_{y}_p95"], k)
                    rows.append((sc, k, targets, band, _p(rec[f"p_{k}"], rec[f"p_{k}_low"], rec[f"p_{k}_high"])))
    year = plan.target_year
    table = pd.DataFrame([{
        i18n.t("col_scenario", lang): sc,
        i18n.t("col_indicator", lang): i18n.indicator(k, lang) + (f" ({i18n.UNIT_SHORT[lang][k]})"
                                                                   if k in i18n.UNIT_SHORT[lang] else ""),
        i18n.t("col_target", lang, year=year): f"> {targets[k]:,.0f}" if k in targets else "—",
        i18n.t("col_median", lang, year=year): band, i18n.t("col_p", lang): p} for sc, k, targets, band, p in rows])
    return table, pd.DataFrame(probs)


def cost_rows(sources: list[Source], lang: str) -> pd.DataFrame:
    """Public money per extra unit (万元) of each compared scenario against the counterfactual, 95% interval."""
    rows = []
    for s in sources:
        ce = s.tables.get("cost_effectiveness.csv")
        if ce is None:
            continue
        gains = gain_labels(lang, s.plan)
        for rec in ce.to_dict("records"):
            label, div, unit = gains[rec["gain"]]
            if not np.isfinite(rec["yuan_per_unit"]) or not np.isfinite(rec["yuan_per_unit_high"]):
                value = i18n.t("not_distinguishable", lang) if not np.isfinite(rec["yuan_per_unit"]) else (
                    f"{rec['yuan_per_unit'] / div:,.0f} ({rec['yuan_per_unit_low'] / div:,.0f}–∞)")
            else:
                value = (f"{rec['yuan_per_unit'] / div:,.0f} ({rec['yuan_per_unit_low'] / div:,.0f}–"
                         f"{rec['yuan_per_unit_high'] / div:,.0f})")
            rows.append({i18n.t("col_scenario", lang): cap.scenario_label(rec["scenario"], lang),
                         i18n.t("col_indicator", lang): f"{label} ({unit})", i18n.t("col_cost", lang): value})
    return pd.DataFrame(rows)


def budget_curve_frame(s: Source) -> pd.DataFrame | None:
    """The sweep's P(met) by mean yearly budget (亿元) with every other axis held at the base scenario's value
    (or its first value when the base lies off the grid); None with a single budget level."""
    probs = s.tables["probabilities.csv"]
    meta = s.folder / "sweep.json"
    axes = []
    if meta.is_file():
        spec = json.loads(meta.read_text(encoding="utf-8")).get("spec", {})
        axes = [a.get("field") for a in spec.get("axes", [])]
    others = [a for a in axes if not is_budget_axis(str(a)) and a in probs.columns]
    grid = probs
    base = probs[probs["is_base"].astype(bool)]
    for a in others:
        values = grid[a].dropna().astype(str)
        held = str(base[a].iloc[0]) if len(base) and str(base[a].iloc[0]) in set(values) else values.iloc[0]
        grid = grid[grid[a].astype(str) == held]
    if grid["budget_yi_per_year"].round(6).nunique() < 2:
        return None
    return grid.drop_duplicates(subset=["budget_yi_per_year", "target"])


def band_frame(s: Source, plan: PlanView, lang: str) -> pd.DataFrame | None:
    """``label, indicator, median, p05, p95, file, column, row``: the target-year median and 90% band of each
    headline indicator per compared scenario (``comparison.csv``) or sweep point (``indicators.csv``), with where
    each median comes from; None when the folder holds no such table."""
    y = plan.target_year
    if s.kind == "compare":
        t = s.tables["comparison.csv"]
        rows = [{"label": cap.scenario_label(r["scenario"], lang), "indicator": k, "median": r[f"{k}_{y}_median"],
                 "p05": r[f"{k}_{y}_p05"], "p95": r[f"{k}_{y}_p95"], "file": s.path("comparison.csv"),
                 "column": f"{k}_{y}_median", "row": f"scenario={r['scenario']}"}
                for r in t.to_dict("records") for k in plan.headline if f"{k}_{y}_median" in t.columns]
    elif s.kind == "sweep" and "indicators.csv" in s.tables:
        t = s.tables["indicators.csv"]
        rows = [{"label": str(r["label"]), "indicator": r["indicator"], "median": r["median"], "p05": r["p05"],
                 "p95": r["p95"], "file": s.path("indicators.csv"), "column": "median",
                 "row": f"point={int(r['point'])}, indicator={r['indicator']}"}
                for r in t.to_dict("records") if r["indicator"] in plan.headline]
    else:
        return None
    return pd.DataFrame(rows) if rows else None
