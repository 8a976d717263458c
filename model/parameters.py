"""Behavioural parameters: declared once, read by the model, calibration, sensitivity analysis and sweeps.

Each declaration gives a name, a prior (uniform or log-uniform bounds), the unit and the source of the range
(see ``../shared/reference/behaviour-priors.md``). Until a calibrated posterior exists, runs use the prior
medians (``prior_medians()``) and the run manifest says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Parameter:
    """One behavioural parameter with its prior."""

    name: str
    group: str
    low: float
    high: float
    unit: str
    source: str
    description: str
    prior: Literal["uniform", "loguniform"] = "uniform"

    @property
    def median(self) -> float:
        """Prior median (midpoint, or geometric midpoint for a log-uniform prior)."""
        if self.prior == "loguniform":
            return math.sqrt(self.low * self.high)
        return 0.5 * (self.low + self.high)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


P = Parameter
PARAMETERS: tuple[Parameter, ...] = (
    # --- R&D response to public money: additionality follows financing constraints -----------------
    P("alpha_constrained", "rd_response", 0.2, 1.0, "yuan own R&D per grant yuan",
      "Lach 2002 (small firms); Hottenrott & Peters 2012; Czarnitzki & Hottenrott 2011",
      "extra own R&D per public R&D yuan at a financially constrained firm (crowding in)"),
    P("alpha_unconstrained", "rd_response", -0.3, 0.2, "yuan own R&D per grant yuan",
      "Dimos & Pugh 2016 (crowding out rejected, little additionality); Boeing 2016 (-0.5 in 2006, neutral later)",
      "extra own R&D per public R&D yuan at an unconstrained firm (< 0: partial crowding out)"),
    P("rev_constrained_wan", "rd_response", 1000.0, 20000.0, "万 yuan of yearly revenue",
      "assumption shaped by surveys of SME credit constraints (small firms constrained far more often)",
      "revenue at which half of the firms are financially constrained", "loguniform"),
    P("s_sat", "rd_response", 0.2, 0.5, "share of R&D",
      "Dai & Cheng 2015 (inverted U)", "grant share of R&D beyond which additionality falls"),
    P("alpha_reward", "rd_response", 0.0, 0.3, "yuan R&D per award yuan",
      "assumption (awards enter cash, not R&D)", "R&D out of cash awards at a constrained firm"),
    P("eps_rd", "rd_response", 0.8, 1.4, "elasticity",
      "user-cost elasticity of real R&D 1.14 (Chen et al. 2021 AER); behaviour-priors 8.1",
      "R&D response to the lower marginal cost an R&D-increase reward offers"),
    P("nu_growth", "rd_response", 0.0, 0.08, "per year",
      "calibration city's R&D +11.6%/yr 2021-24 (P01) vs revenue growth", "yearly drift of firms' R&D intensity"),
    # --- HTE certification: the 15% vs 25% notch weighed against compliance cost -------------------
    P("margin", "hte", 0.04, 0.10, "share of revenue",
      "high-tech-zone firms 7.9% (Q1-Q3 2021), 5-9% other years; Ningxia HTEs 6.0% (docs/model.md)",
      "median pre-tax profit margin of tech firms (what the 10-point notch is worth)"),
    P("hte_cost_wan", "hte", 3.0, 10.0, "万 yuan per application",
      "agents' quotes: special audit 1.2-3万, consultancy 2-6万, patents; 3.5-8万 an attempt (docs/model.md)",
      "median cost of an HTE application (certificate valid 3 years)", "loguniform"),
    P("c_real", "hte", 0.2, 0.7, "yuan per yuan",
      "assumption: 1 minus the firm's own return on unplanned R&D, after the super-deduction",
      "net cost to the firm of one more yuan of real R&D to reach the threshold"),
    P("kappa_audit", "hte", 1.2, 5.0, "yuan per yuan of gap",
      "set so that the bunchers' relabelled share spans Chen et al. 2021 AER's 24% (NBER w24749: ~30%)",
      "expected penalty of relabelling, convex in the relabelled share of the gap", "loguniform"),
    P("p_pass", "hte", 0.6, 0.95, "probability", "Torch filing-stage 87% (calibration city 2020, sources.md)",
      "certification pass probability"),
    P("hte_out_wan", "hte", 0.0, 10.0, "万 yuan per certificate",
      "assumption: the label's value beyond tax and the city award (programmes, procurement, credit, talent)",
      "value of an HTE certificate from outside the city's award"),
    P("p_apply_hte", "hte", 0.3, 0.9, "probability per year", "calibrate (HTE path 2017-2023)",
      "an eligible firm weighs applying in the annual round (attention)"),
    P("k_ip_wan", "hte", 5.0, 200.0, "万 yuan of knowledge stock", "calibrate",
      "knowledge stock that proxies core IP (HTE criterion)", "loguniform"),
    # --- tech SME register: expected value of registering against its cost -------------------------
    P("p_register", "tech_sme", 0.1, 0.9, "probability per year", "calibrate (register 4,595 by Sep-2022)",
      "an eligible firm weighs registering in a year (attention; outreach raises it)"),
    P("reg_cost_wan", "tech_sme", 0.3, 3.0, "万 yuan per year",
      "assumption (online self-assessment, documents, staff time)",
      "median yearly cost of being on the register (log-normal across firms, log-sd 1)", "loguniform"),
    P("reg_out_wan", "tech_sme", 0.0, 3.0, "万 yuan per year",
      "calibrate (provincial and national programmes, bank credit lines, the HTE path)",
      "value of registering from programmes outside the city's instruments"),
    # --- vouchers: demand for external services that exists without a voucher -----------------------
    P("p_need", "voucher", 0.1, 0.4, "probability per year", "BRIEF 3; CPB 2006",
      "a tech firm has an external R&D / testing need"),
    P("p_redeem", "voucher", 0.6, 0.9, "probability", "Cornet et al. 2006 (0.1 unused); Ireland PQs",
      "an awarded voucher is used"),
    P("svc_mu", "voucher", -1.2, -0.3, "log of value / fee",
      "set so that 0.6-0.9 of vouchers are additional, as in Cornet et al. 2006 (0.8)",
      "mean log ratio of a service need's value to the firm to its fee"),
    P("svc_sigma", "voucher", 0.3, 0.9, "log-sd", "assumption (heterogeneous needs)",
      "dispersion of the value / fee ratio of service needs"),
    P("p_tie_persist", "voucher", 0.1, 0.4, "probability per year", "CPB Document 140 (once-only)",
      "first university tie persists next year"),
    # --- growth, innovation, exit, entry -----------------------------------------------------------
    P("growth_b", "demography", 0.1, 0.35, "log points per year", "Bottazzi & Secchi (Laplace)",
      "Laplace scale of yearly log-revenue growth, young small firms"),
    P("g_drift", "demography", 0.0, 0.12, "log points per year", "calibrate", "median revenue growth"),
    P("g_innov", "demography", 0.0, 0.1, "log points per year", "K+S; assumption",
      "growth uplift in a year with innovation success"),
    P("zeta", "demography", 0.1, 0.5, "per 100万 yuan of yearly R&D", "Dosi et al. 2010 (0.3)",
      "innovation success probability 1-exp(-zeta R&D)"),
    P("m_tech", "demography", 0.6, 1.2, "hazard multiplier", "BRIEF 3 (SAIC 2013)",
      "exit-hazard multiplier for tech firms doing R&D (≥ 2% of revenue), whatever their labels"),
    P("m_inc", "demography", 0.7, 1.15, "hazard multiplier", "Schwartz 2013; Amezcua",
      "exit-hazard multiplier while incubated"),
    P("g_inc", "demography", 0.0, 0.1, "log points per year", "Amezcua (growth uplift)", "incubation growth"),
    P("q_exit", "demography", 0.0, 0.6, "log hazard per sd of quality", "Jovanovic 1982; assumption",
      "lower exit hazard of better firms"),
    P("g_exit", "demography", 0.0, 2.0, "log hazard per log point of decline",
      "SAIC 2013 (exits of loss-making firms); assumption", "higher exit hazard after a revenue fall (cash)"),
    P("entry_rate", "demography", 0.08, 0.22, "entrants per living firm per year",
      "national gross entry 18-19% of the stock a year (SAMR 2020, 2023); Shenzhen 76% < 5 years",
      "background entry into the tech-relevant population, proportional to it"),
    P("p_spin", "demography", 0.005, 0.03, "probability per contract", "BRIEF 8.1", "university spin-out"),
    # --- universities and technology transfer -----------------------------------------------------
    P("lambda_u", "transfer", 2.0, 10.0, "results per 100 researchers per year", "BRIEF 8.2",
      "transferable results"),
    P("contract_sigma", "transfer", 1.5, 2.5, "log-sd", "MOST 2019 (>1,000万 = 80% of value)",
      "dispersion of contract values"),
    P("k_b", "transfer", 0.1, 0.5, "matches per active broker per year",
      "459 matches by 52 teams of > 2,200 brokers (calibration city, 2024); AUTM 22-25 disclosures per FTE",
      "broker matching capacity"),
    P("sme_need", "transfer", 0.01, 0.08, "technology needs per tech firm per year",
      "calibration city's teams collected ~900 firm needs a year (2025)",
      "firms' technology needs that brokers can match"),
    P("theta_sell", "transfer", 0.1, 0.6, "contract yuan per knowledge yuan per year", "calibrate",
      "firms' technology sales out of their knowledge stock", "loguniform"),
    P("h1_share", "transfer", 0.15, 0.4, "share of the year's contracts",
      "calibration city: H1 2022 80.5亿 of ≥395亿 (P11)", "share of contracts registered in the first half-year"),
    # --- the registry: which share of deals is registered as technology contracts (agents.registry) ----------
    P("reg_drive", "transfer", 0.0, 0.6, "log points of the registered share",
      "calibrate; prior: 95% of annual deviations from trend among 32 provincial-level registries are below +0.62 "
      "(calibration/data/turnover_panel.md)",
      "rise of the registered share of deals through the city's documented registration drive, at full size"),
    P("reg_shock_sd", "transfer", 0.12, 0.30, "log points per year",
      "large registries 2015-23: persistent level shifts SD 0.19 (0.18 net of year effects, 0.22 without "
      "Chongqing; robust SD 0.14) (calibration/data/turnover_panel.md)",
      "yearly persistent step of the registered share after the fitted years"),
    P("broker_attrition", "transfer", 0.05, 0.2, "share per year", "assumption", "brokers leaving"),
    P("trainee_retention", "transfer", 0.2, 0.6, "share", "assumption (硕果计划)",
      "trained brokers who become active"),
    P("broker_demand", "transfer", 1.0, 4.0, "brokers per 亿 yuan of turnover", "assumption",
      "service points' hiring target"),
    # --- platforms: municipal labs feed a provincial approval rationed from above ------------------
    P("prov_quota", "platforms", 10.0, 60.0, "approvals per year, whole province",
      "Shandong batches: 16 provincial key labs (2020), 44 (2025), plus technology-innovation centres; calibrate",
      "provincial approvals a year across the province (the city wins a share by its candidates' strength)"),
    P("lab_cost_wan", "platforms", 20.0, 300.0, "万 yuan",
      "assumption (set-up of a municipal key lab / new R&D institute beyond the host's R&D)",
      "median cost to a host of setting up a municipal lab", "loguniform"),
    P("national_rate", "platforms", 0.2, 2.0, "new national key labs per year",
      "calibrate (9 -> 12 national key labs, P09, S002)", "provincial labs promoted to national"),
    P("platform_exit", "platforms", 0.0, 0.04, "share per year", "assumption (evaluations)",
      "platforms failing evaluation"),
    # --- investors ---------------------------------------------------------------------------------
    P("vc_deals", "investors", 40.0, 160.0, "deals per year", "calibrate", "private VC deal count"),
    P("e_seed", "investors", 0.0, 0.2, "relative uplift", "Denes et al. 2023", "seed-reward deal uplift"),
    P("q_shift", "investors", -0.3, 0.0, "sd of quality", "Denes et al. 2023", "quality of marginal deals"),
    P("m_crowd", "investors", 0.5, 1.0, "private yuan per public yuan", "SSRN 3221997 (0.88-0.93)",
      "co-investment with public equity"),
    P("R_rec", "investors", 0.3, 1.2, "multiple of invested capital", "no evidence (wide)",
      "mean recovery of 拨改投 stakes"),
    P("T_exit", "investors", 4.0, 8.0, "years", "BRIEF 8.5", "holding period of public stakes"),
    P("pareto_a", "investors", 1.0, 2.0, "tail exponent", "BRIEF 8.4", "tail of exit multiples"),
    P("p_list", "investors", 0.0005, 0.02, "probability per quarter", "calibrate (44 listed HTEs mid-2023, S002)",
      "IPO chance of an HTE with revenue ≥ 2亿 (doubled if VC-backed)", "loguniform"),
    P("h_loan", "investors", 0.7, 1.0, "hazard multiplier", "Hottenrott & Richstein 2020",
      "exit hazard of firms with subsidised loans"),
    P("h_vc", "investors", 0.5, 1.0, "hazard multiplier", "assumption", "exit hazard of VC-backed firms"),
)
del P

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


def prior_medians() -> dict[str, float]:
    """Prior median of every declared parameter."""
    return {p.name: p.median for p in PARAMETERS}


def resolve(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Prior medians with ``overrides`` applied; unknown names raise ``KeyError``."""
    values = prior_medians()
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise KeyError(name)
        values[name] = float(value)
    return values
