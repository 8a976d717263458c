"""The briefing's 'Assumptions and limits': generated from the manifests of the results folders it reads."""

from __future__ import annotations

from innosim.experiments.report.plan import PlanView
from innosim.experiments.report.sources import Source, posterior_manifest
from innosim.model.calendar import FIRST_YEAR
from innosim.model.parameters import PARAMETERS


def limits(sources: list[Source], lang: str, plan: PlanView) -> list[str]:
    """'Assumptions and limits', generated from the manifests; years from the briefing's ``plan``."""
    zh = lang == "zh"
    first, start, end = FIRST_YEAR, plan.start_year, plan.target_year
    observed, window = f"{first}–{start - 1}", f"{start}–{end}"
    out = []
    post, post_path = posterior_manifest(sources)
    if post:
        # The figures the posterior was fitted to are those of its own city's plan years before the plan starts.
        fitted = post.get("plan") if isinstance(post.get("plan"), dict) else {}
        observed = f"{first}–{int(fitted.get('start_year', start)) - 1}"
        cal = post.get("calibrated_parameters", [])
        nuis = len(PARAMETERS) - len(cal)
        ess, pop = post.get("final_ess"), post.get("population_size")
        nobs = len(post.get("observations_used", []))
        ess_s = f"{ess:.0f}" if isinstance(ess, int | float) else "?"
        if "posterior_ess" in post:  # whole vectors after ABC-MCMC moves (calibration/README.md)
            ess, n = post.get("posterior_ess"), post.get("rejuvenation_particles") or pop
            ess_s = f"{ess:.0f}" if isinstance(ess, int | float) else "?"
            out.append(
                f"参数来自校准后验分布（{post_path}）：{len(cal)}个参数按{observed}年的{nobs}项公开数据联合校准，"
                f"后验为{n}组完整参数向量（有效样本量{ess_s}），其余参数为先验抽样并随粒子记录，正向模拟整组抽取。"
                if zh else
                f"Parameters come from the calibrated posterior ({post_path}): {len(cal)} parameters fitted jointly "
                f"to {nobs} published figures for {observed}; the posterior holds {n} whole parameter vectors "
                f"(effective sample {ess_s}), the other parameters drawn from their priors and recorded with each "
                "particle, and forward runs draw whole vectors.")
        else:
            out.append(
                f"参数来自校准后验分布（{post_path}）：{len(cal)}个参数按{observed}年的{nobs}项公开数据校准，有效样本量仅为"
                f"{ess_s}/{pop}，参数不确定性可能被低估；其余{nuis}个行为参数按文献区间随机抽取。" if zh else
                f"Parameters come from the calibrated posterior ({post_path}): {len(cal)} parameters fitted to {nobs} "
                f"published figures for {observed}, with an effective sample of only {ess_s} of {pop} particles, so "
                f"parameter uncertainty may be understated; the other {nuis} behavioural parameters are drawn from "
                "their literature ranges.")
        if fitted.get("title") not in (None, plan.title):
            out.append("该后验分布按另一城市的公开数据校准，此处沿用其行为参数，本市存量取自城市档案；本市数据的检验见 "
                       "calibration/README.md。" if zh else
                       "That posterior was fitted to another city's figures and is transferred here: behaviour as "
                       "estimated there, this city's stocks from its own profile; the check against this city's "
                       "figures is in calibration/README.md.")
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
    out.append(f"{window}年预算取自各情景文件；各项资金的实际拨付额未公开，基准预算为推算值。" if zh else
               f"Budgets for {window} are the scenario files' assumptions; amounts actually paid are not published, "
               "so the baseline budgets are reasoned estimates.")
    out.append("区间与概率反映模型随机性与参数不确定性，不包括统计数据本身的误差，"
               "也不包括模型未涵盖的政策与冲击。" if zh else
               "Bands and probabilities show model randomness and parameter uncertainty across runs; they do not "
               "include errors in the published statistics, or policies and shocks the model leaves out.")
    if any("cost_effectiveness.csv" in s.tables for s in sources):
        out.append(f"单位成本与“无新增政策”对照情景（{start}年起各项预算为零，拨改投退出收益仍循环使用）逐次配对比较；企业数、经纪人数"
                   f"按{end}年末存量计，研发经费与技术合同成交额按{window}年累计增量计；每项单位成本都计入全部新增资金，"
                   "各项不可相加。" if zh else
                   "Cost per extra unit is paired run by run against a no-new-policy counterfactual (every budget "
                   f"zero from {start}, grant-to-equity exit proceeds still recycled); firms and brokers are "
                   f"end-{end} stocks, R&D "
                   f"and turnover gains are summed over {window}; each cost charges all the extra money to one "
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
