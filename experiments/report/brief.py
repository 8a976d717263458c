"""``innosim brief``: charts, a self-contained ``briefing.html`` and ``briefing.pdf`` from results folders only.

Nothing is simulated here. Every number shown comes from a table in one of the folders given (or, for the
observed 2021-2023 points on the fan charts, from the published figures shipped in ``calibration/data``);
``numbers.csv`` lists each number a caption quotes with its file and column, ``captions.csv`` each caption.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from innosim.experiments.report import brief_charts as charts
from innosim.experiments.report import captions as cap
from innosim.experiments.report import i18n
from innosim.experiments.report.document import Chart, write_html, write_pdf
from innosim.experiments.report.house_style import apply
from innosim.experiments.report.sources import Source, load_source, posterior_manifest
from innosim.experiments.runs.folders import (
    choose_out_dir,
    git_commit,
    now,
    package_versions,
    publish,
    staging_dir,
    write_manifest,
)
from innosim.model.errors import InputError
from innosim.model.indicators import TARGETS
from innosim.model.parameters import PARAMETERS

RESULTS = Path("results") / "briefings"
GAIN = {"en": {"tech_firm": ("per extra tech-based enterprise", 1e4, "10k yuan"),
               "yi_rd": ("per extra 100m yuan of R&D (2024–28)", 1e4, "10k yuan"),
               "yi_turnover": ("per extra 100m yuan of turnover (2024–28)", 1e4, "10k yuan"),
               "broker": ("per extra broker", 1e4, "10k yuan")},
        "zh": {"tech_firm": ("每新增一家科技型企业", 1e4, "万元"),
               "yi_rd": ("每新增1亿元研发经费（2024–28年）", 1e4, "万元"),
               "yi_turnover": ("每新增1亿元技术合同成交额（2024–28年）", 1e4, "万元"),
               "broker": ("每新增一名技术经纪人", 1e4, "万元")}}


def _band(med: float, lo: float, hi: float, indicator: str) -> str:
    f = cap.money_or_count
    return f"{f(indicator, med)} ({f(indicator, lo)}–{f(indicator, hi)})"


def _p(p: float, lo: float, hi: float) -> str:
    return f"{i18n.percent(p)} ({i18n.percent(lo)}–{i18n.percent(hi)})"


def _unique(name: str, taken: set[str], folder: Path) -> str:
    out = name if name not in taken else f"{name} [{folder.name}]"
    taken.add(out)
    return out


def target_rows(sources: list[Source], lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display table of key numbers, long probability frame for the bars with file/column/row of each p)."""
    rows, probs, taken = [], [], set()
    for s in sources:
        if s.kind == "run":
            annual, tt = s.tables["annual.csv"], s.tables["targets.csv"].set_index("indicator")
            sc = _unique(cap.scenario_label(s.name, lang), taken, s.folder)
            last = annual[annual["year"] == 2028]
            for k in (*TARGETS, "all"):
                r = tt.loc[k]
                probs.append({"scenario": sc, "indicator": k, "p": r["p_met"], "low": r["ci_low"],
                              "high": r["ci_high"], "file": s.path("targets.csv"), "column": "p_met",
                              "row": f"indicator={k}"})
                if k == "all":
                    band = "—"
                else:
                    v = last[k].to_numpy()
                    band = _band(np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95), k)
                rows.append((sc, k, band, _p(r["p_met"], r["ci_low"], r["ci_high"])))
        elif s.kind == "compare":
            for rec in s.tables["comparison.csv"].to_dict("records"):
                sc = _unique(cap.scenario_label(rec["scenario"], lang), taken, s.folder)
                for k in (*TARGETS, "all"):
                    probs.append({"scenario": sc, "indicator": k, "p": rec[f"p_{k}"], "low": rec[f"p_{k}_low"],
                                  "high": rec[f"p_{k}_high"], "file": s.path("comparison.csv"), "column": f"p_{k}",
                                  "row": f"scenario={rec['scenario']}"})
                    band = "—" if k == "all" else _band(rec[f"{k}_2028_median"], rec[f"{k}_2028_p05"],
                                                       rec[f"{k}_2028_p95"], k)
                    rows.append((sc, k, band, _p(rec[f"p_{k}"], rec[f"p_{k}_low"], rec[f"p_{k}_high"])))
    table = pd.DataFrame([{
        i18n.t("col_scenario", lang): sc,
        i18n.t("col_indicator", lang): i18n.indicator(k, lang) + (f" ({i18n.UNIT_SHORT[lang][k]})" if k in TARGETS
                                                                   else ""),
        i18n.t("col_target", lang): f"> {TARGETS[k]:,.0f}" if k in TARGETS else "—",
        i18n.t("col_median", lang): band, i18n.t("col_p", lang): p} for sc, k, band, p in rows])
    return table, pd.DataFrame(probs)


def cost_rows(sources: list[Source], lang: str) -> pd.DataFrame:
    rows = []
    for s in sources:
        ce = s.tables.get("cost_effectiveness.csv")
        if ce is None:
            continue
        for rec in ce.to_dict("records"):
            label, div, unit = GAIN[lang][rec["gain"]]
            if not np.isfinite(rec["yuan_per_unit"]) or not np.isfinite(rec["yuan_per_unit_high"]):
                value = i18n.t("not_distinguishable", lang) if not np.isfinite(rec["yuan_per_unit"]) else (
                    f"{rec['yuan_per_unit'] / div:,.0f} ({rec['yuan_per_unit_low'] / div:,.0f}–∞)")
            else:
                value = (f"{rec['yuan_per_unit'] / div:,.0f} ({rec['yuan_per_unit_low'] / div:,.0f}–"
                         f"{rec['yuan_per_unit_high'] / div:,.0f})")
            rows.append({i18n.t("col_scenario", lang): cap.scenario_label(rec["scenario"], lang),
                         i18n.t("col_indicator", lang): f"{label} ({unit})", i18n.t("col_cost", lang): value})
    return pd.DataFrame(rows)


def limits(sources: list[Source], lang: str) -> list[str]:
    """'Assumptions and limits', generated from the manifests."""
    zh = lang == "zh"
    out = []
    post, post_path = posterior_manifest(sources)
    if post:
        cal = post.get("calibrated_parameters", [])
        nuis = len(PARAMETERS) - len(cal)
        ess, pop = post.get("final_ess"), post.get("population_size")
        nobs = len(post.get("observations_used", []))
        ess_s = f"{ess:.0f}" if isinstance(ess, int | float) else "?"
        out.append(
            f"参数来自校准后验分布（{post_path}）：{len(cal)}个参数按2021–2023年的{nobs}项公开数据校准，有效样本量仅为"
            f"{ess_s}/{pop}，参数不确定性可能被低估；其余{nuis}个行为参数按文献区间随机抽取。" if zh else
            f"Parameters come from the calibrated posterior ({post_path}): {len(cal)} parameters fitted to {nobs} "
            f"published figures for 2021–2023, with an effective sample of only {ess_s} of {pop} particles, so "
            f"parameter uncertainty may be understated; the other {nuis} behavioural parameters are drawn from "
            "their literature ranges.")
    elif any(s.manifest.get("parameter_source") == "prior medians" for s in sources):
        out.append("部分结果使用先验中位数参数（未校准）。" if zh else
                   "Some results use prior-median parameters (not calibrated).")
    for s in sources:
        m = s.manifest
        reps = m.get("replicates") or m.get("runs_stored") or m.get("runs")
        when = str(m.get("finished", "?"))[:10]
        commit = str(m.get("git_commit", "?"))[:8]
        kind_zh = {"run": "情景运行", "sweep": "参数扫描", "sensitivity": "敏感性分析", "compare": "政策组合比较",
                   "calibration": "模型校准"}[s.kind]
        if s.kind == "calibration":
            desc = (f"{kind_zh}：{m.get('total_simulations')}次模拟，{m.get('generations')}代" if zh else
                    f"calibration: {m.get('total_simulations')} simulations over {m.get('generations')} generations")
        else:
            desc = (f"{kind_zh}“{s.name}”：{reps}次运行，随机种子{m.get('seed', '?')}" if zh else
                    f"{s.kind} '{s.name}': {reps} runs, seed {m.get('seed', '?')}")
        out.append(f"{desc}（{when}，代码版本 {commit}）。" if zh else f"{desc} ({when}, code {commit}).")
    out.append("2024–2028年预算取自各情景文件；各项资金的实际拨付额未公开，基准预算为推算值。" if zh else
               "Budgets for 2024–2028 are the scenario files' assumptions; amounts actually paid are not published, "
               "so the baseline budgets are reasoned estimates.")
    out.append("区间与概率反映模型随机性与参数不确定性，不包括统计数据本身的误差，"
               "也不包括模型未涵盖的政策与冲击。" if zh else
               "Bands and probabilities show model randomness and parameter uncertainty across runs; they do not "
               "include errors in the published statistics, or policies and shocks the model leaves out.")
    if any("cost_effectiveness.csv" in s.tables for s in sources):
        out.append("单位成本与“无新增政策”对照情景（2024年起各项预算为零，拨改投退出收益仍循环使用）逐次配对比较；企业数、经纪人数"
                   "按2028年末存量计，研发经费与技术合同成交额按2024–2028年累计增量计；每项单位成本都计入全部新增资金，"
                   "各项不可相加。" if zh else
                   "Cost per extra unit is paired run by run against a no-new-policy counterfactual (every budget "
                   "zero from 2024, grant-to-equity exit proceeds still recycled); firms and brokers are end-2028 "
                   "stocks, R&D "
                   "and turnover gains are summed over 2024–2028; each cost charges all the extra money to one "
                   "outcome, so they do not add up.")
    if any("deadweight.csv" in s.tables for s in sources):
        out.append("无谓损失：资金流向的企业在配对对照运行中同样会做所资助之事（增加研发、获得高企认定、获得融资、存活）的份额；"
                   "按企业行号配对，新进入企业的配对为近似。" if zh else
                   "Deadweight is the share of an instrument's money that went to firms which, in the paired "
                   "counterfactual run, did the paid-for thing anyway (extra R&D, HTE status, a VC round, "
                   "survival); entrants are matched by order of entry, an approximation.")
    for s in sources:
        if s.kind == "sensitivity" and s.manifest.get("warnings"):
            out.append((f"敏感性分析“{s.name}”的诊断提示{len(s.manifest['warnings'])}条（见其warnings.csv），"
                        "结果仅作筛选参考。") if zh else
                       f"Sensitivity '{s.name}' carries {len(s.manifest['warnings'])} diagnostic warnings (its "
                       "warnings.csv); treat its ranking as a screen.")
    return out


def _budget_curve_frame(s: Source) -> pd.DataFrame | None:
    probs = s.tables["probabilities.csv"]
    meta = s.folder / "sweep.json"
    axes = []
    if meta.is_file():
        spec = json.loads(meta.read_text(encoding="utf-8")).get("spec", {})
        axes = [a.get("field") for a in spec.get("axes", [])]
    others = [a for a in axes if not (a == "budget_scale" or str(a).startswith("budget.")) and a in probs.columns]
    grid = probs
    base = probs[probs["is_base"].astype(bool)]
    for a in others:
        # Hold every other axis at the base scenario's value when it lies on the grid, else at its first value.
        values = grid[a].dropna().astype(str)
        held = str(base[a].iloc[0]) if len(base) and str(base[a].iloc[0]) in set(values) else values.iloc[0]
        grid = grid[grid[a].astype(str) == held]
    if grid["budget_yi_per_year"].round(6).nunique() < 2:
        return None
    return grid.drop_duplicates(subset=["budget_yi_per_year", "target"])


def make_brief(folders: list[str], lang: str = "zh", out: str | None = None) -> Path:
    """Write the briefing for ``folders`` in ``lang``; returns the briefing folder."""
    if lang not in i18n.LANGS:
        raise InputError("--lang", lang, f"must be one of {', '.join(i18n.LANGS)}")
    apply(lang)  # fails early, before anything is written, when Chinese has no font
    sources = [load_source(f) for f in folders]
    final = choose_out_dir(out, lang, base=RESULTS)
    stage = staging_dir(final)
    try:
        _build(sources, lang, stage)
        return publish(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _build(sources: list[Source], lang: str, stage: Path) -> None:
    items: list[Chart] = []
    numbers: list[dict] = []

    def add(stem: str, png: Path, c: cap.Caption) -> None:
        items.append(Chart(stem, png, c.text))
        numbers.extend({"chart": stem, **n} for n in c.numbers)

    table, probs = target_rows(sources, lang)
    if not probs.empty:
        add("probabilities", charts.probability_bars(probs, lang, stage, "probabilities"),
            cap.probabilities(probs, lang))
    for i, s in enumerate(sources):
        tag = f"{i + 1}_{s.kind}"
        if s.kind == "run":
            for k in TARGETS:
                stem = f"{tag}_fan_{k}"
                png = charts.fan(s.tables["annual.csv"], k, cap.scenario_label(s.name, lang), lang, stage, stem)
                add(stem, png, cap.fan(s.tables["annual.csv"], s.tables["targets.csv"], k, lang,
                                       s.path("annual.csv"), s.path("targets.csv")))
        elif s.kind == "compare":
            t = s.tables["comparison.csv"].copy()
            t["scenario"] = [cap.scenario_label(x, lang) for x in t["scenario"]]
            add(f"{tag}_mix_ranking", charts.mix_ranking(t, stage, lang, stem=f"{tag}_mix_ranking"),
                cap.mix_ranking(s.tables["comparison.csv"], lang, s.path("comparison.csv")))
        elif s.kind == "sweep":
            curve = _budget_curve_frame(s)
            if curve is not None:
                stem = f"{tag}_budget_curve"
                add(stem, charts.budget_curve(curve, s.name, lang, stage, stem),
                    cap.budget_curve(curve, lang, s.path("probabilities.csv")))
        elif s.kind == "sensitivity":
            method = s.manifest.get("method", "morris")
            stem = f"{tag}_sensitivity"
            add(stem, charts.sensitivity_bars(s.tables["indices.csv"], method, s.name, lang, stage, stem),
                cap.sensitivity(s.tables["indices.csv"], method, lang, s.path("indices.csv")))
        elif s.kind == "calibration":
            stem = f"{tag}_calibration_fit"
            add(stem, charts.calibration_fit(s.tables["fit.csv"], lang, stage, stem),
                cap.calibration(s.tables["fit.csv"], lang, s.path("fit.csv")))
    tables = [(i18n.t("prob_title", lang), table)] if not table.empty else []
    costs = cost_rows(sources, lang)
    if not costs.empty:
        tables.append((i18n.t("col_cost", lang), costs))
    lim = limits(sources, lang)
    srcs = [f"{s.folder} ({s.manifest.get('command')}, {str(s.manifest.get('finished', ''))[:19]})" for s in sources]
    generated = now()[:16].replace("T", " ")
    write_html(stage / "briefing.html", lang, generated, tables, items, lim, srcs)
    scratch = stage / ".scratch"
    scratch.mkdir()
    write_pdf(stage / "briefing.pdf", lang, generated, tables, items, lim, srcs, scratch)
    shutil.rmtree(scratch)
    pd.DataFrame([{"chart": c.stem, "png": c.png.name, "pdf": c.png.with_suffix(".pdf").name, "caption": c.caption}
                  for c in items]).to_csv(stage / "captions.csv", index=False)
    pd.DataFrame(numbers, columns=["chart", "text", "file", "column", "row"]).to_csv(stage / "numbers.csv", index=False)
    for title, frame in tables:
        frame.to_csv(stage / ("key_numbers.csv" if title == tables[0][0] else "cost_per_unit.csv"), index=False)
    write_manifest(stage, {
        "command": "innosim brief", "lang": lang, "sources": [str(s.folder) for s in sources],
        "source_kinds": [s.kind for s in sources], "charts": [c.png.name for c in items],
        "packages": package_versions(), "git_commit": git_commit(), "finished": now(),
        "files": sorted(p.name for p in stage.iterdir()) + ["manifest.json"],
    })
