"""Statuses a firm chooses to seek: the yearly tech-SME register (科技型中小企业评价) and HTE certification
(高新技术企业) with bunching at the R&D-intensity notch.

Both are decisions on expected benefit (``agents.decisions``): a firm registers when what registration is worth
this year — the super-deduction gain where it applies and the expected value of the city programmes that require
it, each divided among the claims it competes with — exceeds its heterogeneous cost; it applies for HTE, or bunches
at the threshold, when the tax notch plus the expected city award exceed the compliance cost and the cost of
closing its R&D gap, partly by relabelling. Money in yuan; quarters as in ``agents.enterprises``.
"""

from __future__ import annotations

import numpy as np

from innosim.agents.decisions import gap_unit_cost, notch_value, registers, relabel_share, voucher_gain
from innosim.agents.enterprises import EnterpriseTable
from innosim.agents.kernels import register_scan
from innosim.agents.round_kernels import bunching_near, hte_certify, hte_consider, registration_values, report_top_up
from innosim.agents.world import World
from innosim.model.calendar import FIRST_YEAR
from innosim.model.rng import slot_uniform_range
from innosim.model.signals import funded_share
from innosim.model.tax import CIT_HTE, CIT_STANDARD, HTE_YEARS, NON_MANUFACTURING_SHARE, super_deduction_gain
from innosim.model.units import WAN

TECH_SME_MAX_REVENUE = 2e8  # 科技型中小企业: revenue ≤ 2亿
TECH_SME_MIN_INTENSITY = 0.02
REG_COST_SIGMA = 1.0  # log-sd of the yearly registration cost across firms
HTE_COST_SIGMA = 0.7  # log-sd of the application cost across firms
KAPPA_SIGMA = 0.3  # log-sd of the relabelling penalty across firms (audit exposure differs)
RELABEL_SLACK = 2.0  # a bunching firm relabels up to twice what it planned to reach the threshold at year end
MARGIN_SD = 0.05  # sd of pre-tax margins around the median (loss makers gain nothing from the notch)
GRANT_NET_VALUE = 0.5  # a project grant is worth half its amount to the firm: the rest pays for the project
LOAN_TAKE_UP = 0.22  # yearly chance a registered firm borrows (the loan instrument's 6% a quarter)
LOAN_SIZE_OF_REVENUE = 0.3  # loan / revenue (the loan instrument's defaults) ...
LOAN_RATE = 0.045  # ... interest rate ...
LOAN_SUBSIDISED = 0.5  # ... and the subsidised share of the interest
SME_MIN_ASK = 10 * WAN  # smallest tech-SME project asked (the instrument's default)


def margins(f: EnterpriseTable, median: float, idx: np.ndarray) -> np.ndarray:
    """Pre-tax profit margin of firms ``idx``."""
    return median + MARGIN_SD * f.z_margin[idx]


def registration_value(m: World, q: int, year: int, cand: np.ndarray,
                       claims: tuple[float, float, float]) -> np.ndarray:
    """Expected yuan that registering is worth this year to firms ``cand`` (ids): the super-deduction gain, plus
    each programme that requires registration at its expected funded share, given the ``claims`` (yuan) that
    registered firms put on the vouchers, tech-SME projects and loan subsidies (``agents.kernels.register_scan``)."""
    f, p, s = m.firms, m.params, m.signals
    v_claims, sme_claims, loan_claims = claims
    gain = np.zeros(cand.size)
    if s.voucher_budget > 0:
        # A firm whose service need is still ahead this year values the voucher at the surplus it adds (the
        # exponential only for those rows).
        ahead = np.flatnonzero(f.voucher_need_q[cand] >= q)
        fee = f.svc_fee[cand[ahead]]
        gain[ahead] = voucher_gain(f.svc_ratio[cand[ahead]], fee, np.minimum(s.voucher_rate * fee, s.voucher_cap))
    # The rest is arithmetic, one pass (``round_kernels.registration_values``).
    return registration_values(
        cand, gain, super_deduction_gain(year) * NON_MANUFACTURING_SHARE, p["reg_out_wan"] * WAN, p["margin"],
        MARGIN_SD, CIT_HTE, CIT_STANDARD, f.hte, f.z_margin, f.rd_last_year, f.revenue,
        s.voucher_budget > 0, funded_share(s.voucher_budget, v_claims * p["p_redeem"]) * p["p_redeem"],
        s.sme_budget > 0, GRANT_NET_VALUE * funded_share(s.sme_budget, sme_claims), s.sme_min_rd,
        s.sme_share_of_rd, SME_MIN_ASK, s.sme_cap,
        s.loan_budget > 0, LOAN_SIZE_OF_REVENUE * LOAN_RATE * LOAN_SUBSIDISED, s.loan_subsidy,
        LOAN_TAKE_UP * funded_share(s.loan_budget, LOAN_TAKE_UP * loan_claims))


def register_tech_smes(m: World, q: int, key: np.uint64) -> None:
    """Quarterly batch of the yearly register: an eligible firm that attends to it this quarter (always, if it was
    registered last year; else with the quarterly share of ``p_register``, a slot draw under ``key``) registers
    when registering is worth more than its cost."""
    f, p, s = m.firms, m.params, m.signals
    cand, *claims = register_scan(
        q, key, 1.0 - (1.0 - p["p_register"]) ** 0.25, f.alive, f.tech, f.revenue, f.rd_last_year, f.hte,
        f.tech_sme, f.tech_sme_last, f.large, f.voucher_need_q, f.svc_ratio, f.svc_fee, TECH_SME_MAX_REVENUE,
        TECH_SME_MIN_INTENSITY, s.voucher_rate, s.voucher_cap, s.sme_share_of_rd, s.sme_min_rd, SME_MIN_ASK,
        s.sme_cap, LOAN_SIZE_OF_REVENUE * LOAN_RATE * LOAN_SUBSIDISED, s.loan_subsidy)
    if cand.size == 0:
        return
    cost = p["reg_cost_wan"] * WAN * np.exp(REG_COST_SIGMA * f.z_reg[cand])
    new = cand[registers(registration_value(m, q, m.year, cand, tuple(claims)), cost)]
    f.tech_sme[new] = True


def expected_hte_award(m: World, first: np.ndarray, claims: float) -> np.ndarray:
    """Expected city award (yuan) for a certification: first or renewal amount times its funded share."""
    s = m.signals
    share = funded_share(s.hte_award_budget, claims)
    return np.where(first, s.hte_award_first, s.hte_award_renewal) * share


class HTERound:
    """The annual HTE certification round (Q4); ``certified`` holds this year's certified ids."""

    def __init__(self) -> None:
        self.certified = np.empty(0, dtype=np.int64)
        self.applications = 0
        self.award_claims = 0.0  # yuan of awards last year's certifications would have claimed

    def hte_cost(self, m: World, idx: np.ndarray) -> np.ndarray:
        """Cost of one application (agency, audit, IP), yuan."""
        return m.params["hte_cost_wan"] * WAN * np.exp(HTE_COST_SIGMA * m.firms.z_hte[idx])

    def worth_applying(self, m: World, idx: np.ndarray) -> np.ndarray:
        """Three years of tax notch plus the expected award exceed the application cost."""
        f = m.firms
        first = f.hte_first_year[idx] == 0
        benefit = (HTE_YEARS * notch_value(margins(f, m.params["margin"], idx), f.revenue_last_year[idx])
                   + expected_hte_award(m, first, self.award_claims) + m.params["hte_out_wan"] * WAN)
        return benefit > self.hte_cost(m, idx)

    def run(self, m: World, year: int, keys: tuple[np.uint64, np.uint64]) -> None:
        """The Q4 round: who weighs an application, who applies, who passes. ``keys``: slot-draw keys of an
        uncertified firm's decision to consider applying and of passing (``model.rng``: a firm's draws are its own
        however many firms there are)."""
        f, p = m.firms, m.params
        u = slot_uniform_range(keys[0], f.n), slot_uniform_range(keys[1], f.n)
        # Same-period test: last year's reported R&D over last year's revenue (``round_kernels.hte_consider``).
        consider = hte_consider(year, 4 * (year - FIRST_YEAR) - 4, p["k_ip_wan"] * WAN, p["p_apply_hte"], u[0],
                                f.alive, f.tech, f.birth_q, f.rd_reported_year, f.revenue_last_year, f.knowledge,
                                f.hte, f.hte_until)
        # Listed HTEs keep their certification (their reporting is built around it).
        self.certified, self.applications, n_first, n_new = hte_certify(
            year, HTE_YEARS, p["p_pass"], u[1], consider[self.worth_applying(m, consider)], f.alive, f.listed,
            f.hte, f.hte_until, f.hte_first_year)
        self.award_claims = (n_first * m.signals.hte_award_first
                             + (self.certified.size - n_first) * m.signals.hte_award_renewal)
        m.flows["hte_new"] += n_new
        m.flows["hte_applications"] += self.applications

    def plan_bunching(self, m: World, year: int) -> None:
        """At the start of ``year``: a firm below its threshold that will apply (no certificate, or one expiring
        next year) closes the gap if a year of the notch plus a third of the expected award, less a third of the
        application cost, exceeds the least cost of the gap; it raises real R&D by ``1 − s`` of the gap from now
        on and will report ``s`` of it relabelled at the year's end (``s`` from ``agents.decisions``)."""
        f, p = m.firms, m.params
        f.rd_relabel_year[:] = 0.0
        near, gap = bunching_near(year, 4 * (year - FIRST_YEAR) - 4, p["k_ip_wan"] * WAN, f.alive, f.tech, f.nu,
                                  f.rd_boost, f.revenue, f.hte, f.hte_until, f.knowledge, f.birth_q)
        if near.size == 0:
            return
        kappa = p["kappa_audit"] * np.exp(KAPPA_SIGMA * f.z_kappa[near])
        first = f.hte_first_year[near] == 0
        yearly = (notch_value(margins(f, p["margin"], near), f.revenue[near])
                  + (expected_hte_award(m, first, self.award_claims) + p["hte_out_wan"] * WAN
                     - self.hte_cost(m, near)) / HTE_YEARS)
        cost = gap * f.revenue[near] * gap_unit_cost(p["c_real"], kappa)
        go = yearly > cost
        b, s, gap = near[go], relabel_share(p["c_real"], kappa[go]), gap[go]
        f.nu[b] += (1.0 - s) * gap / f.rd_boost[b]
        f.rd_relabel_year[b] = s * gap * f.revenue[b]
        m.flows["hte_bunching"] += int(b.size)

    def report_rd(self, m: World) -> None:
        """At the end of Q4 the year's R&D is reported. A firm that planned to bunch tops its report up to the
        threshold of its year-end revenue by relabelling, if that takes at most RELABEL_SLACK times the relabelling
        it planned (revenue moved during the year); otherwise it reports what it spent (over, or a miss)."""
        f = m.firms
        report_top_up(RELABEL_SLACK, f.alive, f.revenue, f.rd_year, f.rd_relabel_year, f.rd_reported_year)
        m.flows["rd_relabelled"] += float(f.rd_relabel_year.sum())
