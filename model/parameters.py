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
    # --- R&D response to public money ---------------------------------------------------------------
    P("alpha_small", "rd_response", 0.0, 1.5, "yuan own R&D per grant yuan",
      "Lach 2002; Correa et al. 2013; Dimos & Pugh 2016", "additionality of grants for SMEs"),
    P("alpha_large", "rd_response", -0.6, 0.3, "yuan own R&D per grant yuan",
      "Boeing 2016; Wallsten 2000", "additionality (crowding-out if < 0) for large incumbents"),
    P("s_sat", "rd_response", 0.2, 0.5, "share of R&D",
      "Dai & Cheng 2015 (inverted U)", "grant share of R&D beyond which additionality falls"),
    P("alpha_reward", "rd_response", 0.0, 0.3, "yuan R&D per award yuan",
      "assumption (awards enter cash, not R&D)", "R&D response to cash awards"),
    P("nu_growth", "rd_response", 0.0, 0.08, "per year",
      "Qingdao R&D +11.6%/yr 2021-24 (P01) vs revenue growth", "yearly drift of firms' R&D intensity"),
    # --- HTE certification -------------------------------------------------------------------------
    P("p_bunch", "hte", 0.3, 0.7, "probability",
      "Chen et al. 2021 AER (bunching at notch)", "firm just below threshold raises reported R&D"),
    P("band_pp", "hte", 0.5, 1.5, "percentage points",
      "Chen et al. 2021 AER", "width of the bunching band below the threshold"),
    P("rho_relabel", "hte", 0.2, 0.45, "share of bunching R&D",
      "Chen et al. 2021 AER (24.2%); NBER w24749", "share of reported increase that is relabelling"),
    P("p_pass", "hte", 0.6, 0.95, "probability", "Torch filing-stage 87% (Qingdao 2020)",
      "certification pass probability"),
    P("p_apply_hte", "hte", 0.3, 0.9, "probability per year", "calibrate (HTE path 2017-2023)",
      "an eligible firm applies in the annual round"),
    P("k_ip_wan", "hte", 5.0, 200.0, "万 yuan of knowledge stock", "calibrate",
      "knowledge stock that proxies core IP (HTE criterion)", "loguniform"),
    # --- tech SME register -------------------------------------------------------------------------
    P("p_register", "tech_sme", 0.05, 0.5, "probability per year", "calibrate (register 4,595 by Sep-2022)",
      "an eligible firm enters the yearly tech-SME register"),
    P("e_voucher_reg", "tech_sme", 0.0, 0.3, "added registration probability",
      "assumption (vouchers require registration, seed 002)", "pull of voucher availability"),
    # --- vouchers ----------------------------------------------------------------------------------
    P("p_need", "voucher", 0.1, 0.4, "probability per year", "BRIEF 3; CPB 2006",
      "tech SME has an external R&D/testing need"),
    P("p_redeem", "voucher", 0.6, 0.9, "probability", "Cornet et al. 2006; Ireland PQs", "voucher redemption"),
    P("add_v", "voucher", 0.6, 0.85, "share", "Cornet et al. 2006 (0.8)", "non-deadweight share"),
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
      "exit-hazard multiplier for tech firms (HTE or registered)"),
    P("m_inc", "demography", 0.7, 1.15, "hazard multiplier", "Schwartz 2013; Amezcua",
      "exit-hazard multiplier while incubated"),
    P("g_inc", "demography", 0.0, 0.1, "log points per year", "Amezcua (growth uplift)", "incubation growth"),
    P("birth_rate", "demography", 1500.0, 4000.0, "firms per year", "calibrate",
      "background entry into the tech-relevant population"),
    P("p_spin", "demography", 0.005, 0.03, "probability per contract", "BRIEF 8.1", "university spin-out"),
    # --- universities and technology transfer -----------------------------------------------------
    P("lambda_u", "transfer", 2.0, 10.0, "results per 100 researchers per year", "BRIEF 8.2",
      "transferable results"),
    P("contract_sigma", "transfer", 1.5, 2.5, "log-sd", "MOST 2019 (>1,000万 = 80% of value)",
      "dispersion of contract values"),
    P("k_b", "transfer", 5.0, 25.0, "matches per broker team per year", "Qingdao 459/52; AUTM",
      "broker matching capacity"),
    P("theta_sell", "transfer", 0.1, 0.6, "contract yuan per knowledge yuan per year", "calibrate",
      "firms' technology sales out of their knowledge stock", "loguniform"),
    P("h1_share", "transfer", 0.15, 0.4, "share of the year's contracts",
      "Qingdao H1 2022 80.5亿 of ≥395亿 (P11, P12)", "share of contracts registered in the first half-year"),
    P("beta_broker", "transfer", 0.2, 0.8, "elasticity", "assumption",
      "elasticity of firm-to-firm deal flow to the broker stock"),
    P("broker_attrition", "transfer", 0.05, 0.2, "share per year", "assumption", "brokers leaving"),
    P("trainee_retention", "transfer", 0.2, 0.6, "share", "assumption (硕果计划)",
      "trained brokers who become active"),
    P("broker_demand", "transfer", 1.0, 4.0, "brokers per 亿 yuan of turnover", "assumption",
      "service points' hiring target"),
    # --- platforms ---------------------------------------------------------------------------------
    P("p_platform", "platforms", 0.01, 0.06, "probability per year", "calibrate (≈100 platforms 2023)",
      "a qualified host creates a provincial-and-above platform"),
    P("e_award", "platforms", 0.0, 1.0, "relative uplift", "assumption",
      "uplift of platform creation when an award is funded"),
    P("national_share", "platforms", 0.1, 0.6, "share", "calibrate (9 -> 12 national key labs, P09, S002)",
      "share of new university platforms that are national key labs"),
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
