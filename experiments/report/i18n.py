"""Every word a chart or a briefing shows, in English and Chinese: indicator names and units, instrument,
parameter and sweep-field names, chart titles, axis labels and legends, and table headings. Texts with a year
take it from the city's plan (``{year}``), never from code."""

from __future__ import annotations

import numbers

from innosim.model.instruments.registry import FAMILIES, REGISTRY

LANGS = ("en", "zh")

# indicator -> (name, unit of its value in the target year, for axes and tables)
INDICATORS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {"tech_enterprises": ("Tech-based enterprises", "firms"),
           "rd_expenditure": ("Society-wide R&D expenditure", "100 million yuan per year"),
           "platforms": ("Provincial-and-above S&T platforms", "platforms"),
           "tech_contract_turnover": ("Technology-contract turnover", "100 million yuan per year"),
           "tech_brokers": ("Technology brokers", "persons"),
           "all": ("All five targets", "")},
    "zh": {"tech_enterprises": ("科技型企业数量", "家"),
           "rd_expenditure": ("全社会研发经费", "亿元/年"),
           "platforms": ("省级以上科创平台", "家"),
           "tech_contract_turnover": ("技术合同成交额", "亿元/年"),
           "tech_brokers": ("技术经纪人", "名"),
           "all": ("五项目标全部达成", "")},
}
SHORT = {"en": {"tech_enterprises": "Tech firms", "rd_expenditure": "R&D", "platforms": "Platforms",
                "tech_contract_turnover": "Turnover", "tech_brokers": "Brokers"},
         "zh": {"tech_enterprises": "科技型企业", "rd_expenditure": "研发经费", "platforms": "科创平台",
                "tech_contract_turnover": "技术合同", "tech_brokers": "技术经纪人"}}
# Short unit for numbers in sentences and tables.
UNIT_SHORT = {"en": {"tech_enterprises": "firms", "rd_expenditure": "100m yuan", "platforms": "platforms",
                     "tech_contract_turnover": "100m yuan", "tech_brokers": "brokers"},
              "zh": {"tech_enterprises": "家", "rd_expenditure": "亿元", "platforms": "家",
                     "tech_contract_turnover": "亿元", "tech_brokers": "名"}}

FAMILY = {"en": {"subsidy": "project grants", "award": "awards", "voucher": "vouchers", "equity": "grant-to-equity",
                 "finance": "finance", "transfer": "technology transfer"},
          "zh": {"subsidy": "项目资助", "award": "奖励", "voucher": "创新券", "equity": "拨改投", "finance": "金融支持",
                 "transfer": "技术转移"}}
assert set(FAMILY["en"]) == set(FAMILIES)

INSTRUMENT = {"en": {k: c.label_en for k, c in REGISTRY.items()}, "zh": {k: c.label_zh for k, c in REGISTRY.items()}}
INSTRUMENT["en"]["equity"] = "Grant-to-equity (bo gai tou)"

PARAM_ZH = {
    "alpha_constrained": "融资约束企业资助额外性", "alpha_unconstrained": "无融资约束企业资助额外性",
    "rev_constrained_wan": "融资约束营收分界", "s_sat": "资助占比饱和点", "alpha_reward": "奖励对研发的带动",
    "eps_rd": "研发对使用成本的弹性", "nu_growth": "研发强度年增长", "margin": "税前利润率",
    "hte_cost_wan": "高企申报成本", "c_real": "实际研发净成本", "kappa_audit": "研发归类的稽查成本",
    "p_pass": "高企认定通过率", "p_apply_hte": "高企申报关注度", "k_ip_wan": "核心知识产权门槛",
    "p_register": "科技型中小企业入库关注度", "reg_cost_wan": "入库年成本", "reg_out_wan": "入库的其他政策价值",
    "p_need": "外部研发服务需求", "p_redeem": "创新券兑现率", "svc_mu": "服务需求价值与价格之比",
    "svc_sigma": "服务需求价值离散度", "p_tie_persist": "校企联系持续概率", "growth_b": "营收增长离散度",
    "g_drift": "营收中位增长", "g_innov": "创新成功的增长提升", "zeta": "创新成功率系数",
    "m_tech": "科技企业退出风险系数", "m_inc": "在孵企业退出风险系数", "g_inc": "孵化增长效应",
    "q_exit": "企业质量对退出的影响", "g_exit": "营收下滑对退出的影响", "entry_rate": "新企业进入率",
    "p_spin": "高校衍生企业概率", "lambda_u": "高校可转化成果", "contract_sigma": "合同金额离散度",
    "k_b": "经纪人撮合能力", "sme_need": "企业技术需求", "theta_sell": "企业技术出售倾向",
    "h1_share": "上半年登记合同占比", "reg_drive": "技术合同登记推动幅度", "reg_shock_sd": "登记比例年度波动",
    "broker_attrition": "经纪人流失率", "trainee_retention": "培训学员留存率",
    "broker_demand": "服务机构用人需求", "prov_quota": "全省省级平台年度批准数", "hte_out_wan": "高企资质的其他价值",
    "lab_cost_wan": "市级平台建设成本", "national_rate": "国家重点实验室年新增", "platform_exit": "平台评估淘汰率",
    "vc_deals": "创投交易数量", "e_seed": "种子奖励对交易的提升", "q_shift": "边际交易质量变化",
    "m_crowd": "社会资本跟投比例", "R_rec": "拨改投平均回收倍数", "T_exit": "拨改投持有期",
    "pareto_a": "退出回报尾部参数", "p_list": "高企上市概率", "h_loan": "贴息企业退出风险",
    "h_vc": "创投支持企业退出风险",
}

TEXT: dict[str, dict[str, str]] = {
    # ---- shared by every chart
    "year": {"en": "year", "zh": "年份"},
    "unit": {"en": "unit: {unit}", "zh": "单位：{unit}"},
    "median": {"en": "median", "zh": "中位数"},
    "band90": {"en": "90% band", "zh": "90%区间"},
    "band50": {"en": "50% band", "zh": "50%区间"},
    "target_gt": {"en": "> {v}", "zh": "> {v}"},
    "no_variation": {"en": "output did not vary: no indices", "zh": "输出无变化：无法计算指数"},
    # ---- fan charts
    "observed": {"en": "observed {years}", "zh": "{years}年实际值"},
    "observed_partial": {"en": "observed (lower bound)", "zh": "实际值（下限）"},
    "implied_base": {"en": "{year} base implied by the plan", "zh": "规划隐含的{year}年基数"},
    "target_line": {"en": "{year} target > {v}", "zh": "{year}年目标 > {v}"},
    "fan_title": {"en": "{name}: projection to {year} ({scenario})", "zh": "{name}：至{year}年预测（{scenario}）"},
    # ---- probabilities, budget curves, heatmaps
    "prob_title": {"en": "Probability of meeting each {year} target", "zh": "{year}年各项目标达成概率"},
    "bands_title": {"en": "Where the indicators head in {year}: median (dot) and 90% band (line); the plan sets no "
                          "target", "zh": "{year}年各指标预测：中位数（点）与90%区间（线）；规划未设定目标"},
    "prob_axis": {"en": "probability of meeting the target (%)", "zh": "达标概率（%）"},
    "interval95": {"en": "bars: 95% interval", "zh": "误差线：95%置信区间"},
    "budget_title": {"en": "Budget and the probability of meeting the targets ({sweep})",
                     "zh": "财政投入与目标达成概率（{sweep}）"},
    "budget_axis_short": {"en": "mean yearly budget of the plan years (100 million yuan)",
                          "zh": "规划期年均财政科技投入（亿元）"},
    "prob_axis_short": {"en": "chance of meeting the target", "zh": "达标概率"},
    "shaded95": {"en": "shaded: 95% interval", "zh": "阴影：95%置信区间"},
    "base_scenario": {"en": "base scenario", "zh": "基准情景"},
    "heatmap_title": {"en": "{name}: probability of meeting the {year} target ({sweep})",
                      "zh": "{name}：{year}年目标达成概率（{sweep}）"},
    "heatmap_scale": {"en": "probability of meeting it", "zh": "达标概率"},
    "field_budget_scale": {"en": "budget multiplier (× base)", "zh": "预算倍数（相对基准）"},
    "field_mix": {"en": "share of {fam}", "zh": "{fam}占比"},
    "field_budget": {"en": "budget for {name} (100 million yuan per year)", "zh": "{name}预算（亿元/年）"},
    # ---- instrument mixes
    "mix_title": {"en": "Instrument mixes ranked by expected number of targets met",
                  "zh": "政策组合排序：预期达成目标数"},
    "mix_axis": {"en": "expected number of the {n} targets met in {year}", "zh": "{year}年预期达成目标数（共{n}项）"},
    "mix_cells": {"en": "probability of meeting each target (%)", "zh": "各目标达成概率（%）"},
    # ---- dose–response per instrument family
    "resp_value_title": {"en": "{name} in {year} against each family's budget",
                         "zh": "{name}（{year}年）与各类政策预算"},
    "resp_budget_axis": {"en": "family budget (100 million yuan per year)", "zh": "该类政策年均预算（亿元/年）"},
    "resp_level_axis": {"en": "budget level (× the scenario's)", "zh": "预算倍数（相对原情景）"},
    "resp_prob_title": {"en": "Probability of meeting the {year} targets by family budget level",
                        "zh": "各类政策预算倍数与{year}年目标达成概率"},
    "resp_paid_title": {"en": "Money budgeted and disbursed per family (mean per plan year)",
                        "zh": "各类政策预算与实际拨付（规划期年均）"},
    "resp_planned": {"en": "budget", "zh": "预算"},
    "resp_available": {"en": "available (incl. recycled proceeds)", "zh": "可用资金（含回收再投入）"},
    "resp_disbursed": {"en": "disbursed", "zh": "实际拨付"},
    "resp_money_axis": {"en": "100 million yuan per year", "zh": "亿元/年"},
    "resp_scenario": {"en": "the scenario (level 1)", "zh": "原情景（倍数1）"},
    # ---- sensitivity
    "sens_title": {"en": "What drives the {year} outcomes ({method})", "zh": "影响{year}年结果的主要因素（{method}）"},
    "sens_axis_sobol": {"en": "total-order Sobol' index (share of variance)", "zh": "总效应Sobol'指数（方差占比）"},
    "sens_axis_morris": {"en": "Morris μ* (normalised to the largest)", "zh": "Morris μ*（相对最大值）"},
    "sens_sobol": {"en": "Sobol' indices", "zh": "Sobol'指数"},
    "sens_morris": {"en": "Morris screening", "zh": "Morris筛选"},
    "sens_group": {"en": "{label}: {name} ({kind})", "zh": "{label}：{name}（{kind}）"},
    "sens_by_year": {"en": "{label} by year: {name}", "zh": "{label}逐年变化：{name}"},
    "sens_values": {"en": "values", "zh": "指标值"},
    "sens_met": {"en": "targets met", "zh": "目标达成"},
    "sens_value_of": {"en": "{name}: {year} value", "zh": "{name}：{year}年数值"},
    "sens_met_of": {"en": "{name}: target met (probability)", "zh": "{name}：目标达成（概率）"},
    "sobol_total": {"en": "total (ST)", "zh": "总效应（ST）"},
    "sobol_first": {"en": "first order (S1)", "zh": "一阶效应（S1）"},
    "sobol_axis": {"en": "Sobol' index (share of variance)", "zh": "Sobol'指数（方差占比）"},
    "morris_mu": {"en": "μ* (mean |elementary effect|)", "zh": "μ*（基本效应绝对值均值）"},
    "morris_sigma": {"en": "σ (interaction / non-linearity)", "zh": "σ（交互作用/非线性）"},
    "index_ST": {"en": "total-order index ST", "zh": "总效应指数ST"},
    "index_mu_star": {"en": "Morris μ*", "zh": "Morris μ*"},
    # ---- calibration
    "fit_title": {"en": "Calibration: published figures against the model's 90% predictive interval",
                  "zh": "模型校准：公开统计数据与模型90%预测区间"},
    "fit_axis": {"en": "published figure ÷ model median", "zh": "公开数据 ÷ 模型中位数"},
    "fit_inside": {"en": "inside the 90% interval", "zh": "位于90%区间内"},
    "fit_bound": {"en": "lower bound (model should lie above)", "zh": "下限（模型应高于此值）"},
    "fit_outside": {"en": "outside", "zh": "位于区间外"},
    "fit_bands_title": {"en": "Posterior-predictive fit (bands {years}; points: published figures, year-end or "
                              "full year)",
                        "zh": "后验预测拟合（区间为{years}年；点为公开数据，年末或全年）"},
    "predictive90": {"en": "90% predictive", "zh": "90%预测区间"},
    "predictive50": {"en": "50% predictive", "zh": "50%预测区间"},
    "observed_actual": {"en": "observed", "zh": "实际值"},
    "observed_implied": {"en": "implied by the plan", "zh": "规划隐含值"},
    "posterior": {"en": "posterior", "zh": "后验"},
    "prior": {"en": "prior", "zh": "先验"},
    "generation": {"en": "generation", "zh": "代数"},
    "epsilon_axis": {"en": "epsilon (distance units)", "zh": "接受阈值（距离单位）"},
    "epsilon_title": {"en": "Acceptance threshold", "zh": "接受阈值"},
    "ess": {"en": "effective sample size", "zh": "有效样本量"},
    "ess_title": {"en": "Effective sample size", "zh": "有效样本量"},
    "particles": {"en": "particles", "zh": "粒子数"},
    # ---- scenario discovery (PRIM)
    "prim_chosen": {"en": "chosen box (#{i})", "zh": "所选区域（#{i}）"},
    "prim_threshold": {"en": "threshold {t}", "zh": "阈值 {t}"},
    "prim_coverage": {"en": "coverage (share of all runs meeting it that fall in the box)",
                      "zh": "覆盖率（达标运行中落在区域内的比例）"},
    "prim_density": {"en": "density (share of runs in the box meeting it)", "zh": "密度（区域内运行的达标比例）"},
    "prim_dims": {"en": "restricted dimensions", "zh": "受限维度数"},
    "prim_trajectory": {"en": "PRIM peeling trajectory: {name} (met in {k} of {n} runs)",
                        "zh": "PRIM剥离轨迹：{name}（{n}次运行中{k}次达标）"},
    "prim_limits": {"en": "box limits (grey: full range; numbers: box bounds, quasi-p)",
                    "zh": "区域边界（灰色：全范围；数字：边界与拟p值）"},
    "prim_none": {"en": "no restricted dimension", "zh": "无受限维度"},
    "prim_title": {"en": "Scenario discovery: sweep {name}", "zh": "情景发现：参数扫描 {name}"},
    # ---- the briefing document and its tables
    "lever": {"en": "budget for {fam}", "zh": "{fam}预算"},
    "doc_title_plan": {"en": "innosim briefing: can the {year} S&T targets of the {title} be met?",
                       "zh": "innosim 简报：{title}的{year}年科技创新目标能否实现？"},
    "doc_title_none": {"en": "innosim briefing: where do the headline S&T indicators of the {title} head by {year}?",
                       "zh": "innosim 简报：{title}主要科技创新指标至{year}年走势如何？"},
    "proj_title": {"en": "Projection of each headline indicator in {year} (the plan states no target)",
                   "zh": "{year}年各主要指标预测（规划未设定目标）"},
    "key_numbers": {"en": "Key numbers", "zh": "关键数据"},
    "charts": {"en": "Charts", "zh": "图表"},
    "limits": {"en": "Assumptions and limits", "zh": "假设与局限"},
    "sources": {"en": "Results used", "zh": "所用结果"},
    "generated": {"en": "Generated {when} by innosim from the results folders listed below.",
                  "zh": "本简报由 innosim 于{when}根据下列结果文件夹生成。"},
    "col_scenario": {"en": "Scenario", "zh": "情景"},
    "col_indicator": {"en": "Indicator", "zh": "指标"},
    "col_target": {"en": "{year} target", "zh": "{year}年目标"},
    "col_median": {"en": "{year} median (90% band)", "zh": "{year}年中位数（90%区间）"},
    "col_p": {"en": "Probability of meeting it (95% interval)", "zh": "达标概率（95%置信区间）"},
    "col_cost": {"en": "Public money per extra unit vs no new policy (95% interval)",
                 "zh": "相对无新政策情形的单位新增成本（95%置信区间）"},
    "not_distinguishable": {"en": "no measurable gain", "zh": "无可测增量"},
}


def t(key: str, lang: str, **kw) -> str:
    """The text ``key`` in ``lang`` with ``{placeholders}`` filled."""
    return TEXT[key][lang].format(**kw)


def indicator(name: str, lang: str) -> str:
    """Display name of a target indicator (or ``all``); the identifier itself for an indicator without one."""
    return INDICATORS[lang].get(name, (name, ""))[0]


def axis_unit(name: str, lang: str) -> str:
    """Unit of a target indicator for an axis (firms, 亿元 per year …)."""
    return INDICATORS[lang].get(name, ("", ""))[1]


def field(name: str, lang: str) -> str:
    """Display name of a sweep axis field: ``budget_scale``, ``mix.<family>``, ``budget.<instrument>``, a
    parameter, or a dotted scenario path (shown as it is)."""
    head, _, rest = name.partition(".")
    if name == "budget_scale":
        return t("field_budget_scale", lang)
    if head == "mix" and rest in FAMILY[lang]:
        return t("field_mix", lang, fam=FAMILY[lang][rest])
    if head == "budget" and rest in INSTRUMENT[lang]:
        return t("field_budget", lang, name=INSTRUMENT[lang][rest])
    return factor(name, lang)


def value(v: object) -> str:
    """An axis value as a tick label: numbers in their shortest form, anything else as text."""
    return f"{v:g}" if isinstance(v, numbers.Real) and not isinstance(v, bool) else str(v)


def factor(name: str, lang: str) -> str:
    """Display name of a sensitivity factor (a parameter or ``lever.<family>``)."""
    if name.startswith("lever."):
        return t("lever", lang, fam=FAMILY[lang][name.split(".", 1)[1]])
    if lang == "zh":
        return PARAM_ZH.get(name, name)
    return name


def outcomes(targets) -> tuple[str, ...]:
    """The outcomes charted for a plan's ``targets``: each target indicator, then ``all`` (all of them met); none
    when the plan states no target."""
    return (*targets, "all") if targets else ()


def percent(p: float) -> str:
    """A probability as a whole percent ('<1%' below 0.5%, '>99%' above 99.5%, except exact 0 and 1)."""
    if p == 0 or p == 1:
        return f"{p * 100:.0f}%"
    if p < 0.005:
        return "<1%"
    if p > 0.995:
        return ">99%"
    return f"{p * 100:.0f}%"


def number(v: float, unit_kind: str) -> str:
    """Counts with thousands separators; money (亿元) with no decimals above 100, one below."""
    if unit_kind == "money":
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"
    return f"{v:,.0f}"
