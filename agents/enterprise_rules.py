"""Enterprise behaviour, vectorised over all firm rows: R&D spending, knowledge, growth, exit, entry, the
yearly tech-SME register, HTE certification with bunching at the notch, and year-end bookkeeping.

Units: revenue yuan/year; R&D yuan/quarter (``rd``) or yuan/year (``rd_*year``); hazards per year.
Every random draw is one array over all firm slots from the rule's own stream, so a firm's draw does not
depend on how many other firms exist (common random numbers).
"""

from __future__ import annotations

import numpy as np

from innosim.agents.enterprises import LARGE_REVENUE, EnterpriseTable, hte_threshold
from innosim.agents.world import World
from innosim.model.calendar import FIRST_YEAR
from innosim.model.units import WAN

PIPE_SPEND_Q = 0.35  # share of received project / investment money spent on R&D each quarter
KNOWLEDGE_DEPRECIATION = 0.15  # per year
SIZE_VARIANCE_EXP = 0.15  # growth volatility shrinks with size (Bottazzi & Secchi)
HAZARD_BY_AGE = np.array([0.0225, 0.065, 0.10, 0.085, 0.085, 0.085, 0.085, 0.045])  # SAIC 2013, mid-range
LARGE_HAZARD = 0.5
VC_PROTECT_Q = 12  # quarters a VC round lowers the hazard
TECH_SME_MAX_REVENUE = 2e8  # 科技型中小企业: revenue ≤ 2亿
TECH_SME_MIN_INTENSITY = 0.02
REAPPLY_HTE = 0.9  # share of expiring HTEs that apply for renewal when eligible
INNOV_GROWTH_VC = 0.05  # log-points per year of growth while VC money is being spent


def spend_rd(m: World, q: int) -> np.ndarray:
    """This quarter's R&D per firm (yuan): own budget + public money with additionality + awards + VC money."""
    f, p = m.firms, m.params
    own = f.nu * f.revenue / 4.0
    pub = PIPE_SPEND_Q * f.public_pipe
    f.public_pipe -= pub
    priv = PIPE_SPEND_Q * f.private_pipe
    f.private_pipe -= priv
    alpha = np.where(f.large, p["alpha_large"], p["alpha_small"])
    share = f.public_year / (f.rd_last_year + f.public_year + 1.0)
    sat = np.where(share > p["s_sat"], np.maximum(0.0, 1.0 - (share - p["s_sat"]) / p["s_sat"]), 1.0)
    # Crowding-out (alpha < 0) cannot take own R&D below zero.
    extra = np.maximum(alpha * sat * pub, -own)
    rd = own + pub + extra + p["alpha_reward"] * f.award_cash + priv
    f.award_cash[:] = 0.0
    rd = np.where(f.alive, rd, 0.0)
    f.rd[:] = rd
    f.rd_year += rd
    f.knowledge *= (1.0 - KNOWLEDGE_DEPRECIATION) ** 0.25
    f.knowledge += rd
    return rd


def grow(m: World, q: int, rng: np.random.Generator) -> None:
    """Laplace log-growth of revenue with drift from innovation, incubation and VC money."""
    f, p = m.firms, m.params
    u = rng.random(f.n) - 0.5
    scale = p["growth_b"] / 2.0 * np.clip((f.revenue / 1e7) ** -SIZE_VARIANCE_EXP, 0.3, 1.5)
    shock = -scale * np.sign(u) * np.log1p(-2.0 * np.abs(u))
    drift = (p["g_drift"] + p["g_innov"] * f.innov_year + p["g_inc"] * f.incubated
             + INNOV_GROWTH_VC * (f.private_pipe > 0)) / 4.0
    f.revenue *= np.exp(np.where(f.alive, drift + shock, 0.0))


def annual_hazard(m: World, q: int) -> np.ndarray:
    """Yearly exit probability of every firm row in quarter ``q``: age profile times status multipliers."""
    f, p = m.firms, m.params
    age = np.clip(f.age_years(q).astype(np.int64), 0, HAZARD_BY_AGE.size - 1)
    h = HAZARD_BY_AGE[age]
    h = h * np.where(f.hte | f.tech_sme, p["m_tech"], 1.0) * np.where(f.incubated, p["m_inc"], 1.0)
    h = h * np.where(f.loan_until_q >= q, p["h_loan"], 1.0)
    h = h * np.where(f.vc_backed & (q - f.vc_q < VC_PROTECT_Q), p["h_vc"], 1.0)
    return h * np.where(f.large | f.listed, LARGE_HAZARD, 1.0)


def exits(m: World, q: int, rng: np.random.Generator) -> np.ndarray:
    """Exit by age hazard with multipliers; returns the ids of firms that exit this quarter."""
    f = m.firms
    u = rng.random(f.n)
    h = annual_hazard(m, q)
    dead = np.flatnonzero(f.alive & (u < 1.0 - (1.0 - np.minimum(h, 1.0)) ** 0.25))
    f.alive[dead] = False
    f.hte[dead] = False
    f.tech_sme[dead] = False
    return dead


def births(m: World, q: int, spin_parents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Background entry plus university spin-outs; returns the new ids."""
    p = m.params
    seg_code = m.birth_segment_code
    seg = m.city.enterprises.segments[seg_code]
    n_bg = int(rng.poisson(p["birth_rate"] / 4.0))
    n = n_bg + spin_parents.size
    if n == 0:
        return np.empty(0, dtype=np.int64)
    z = rng.standard_normal((3, n))
    revenue = seg.revenue_median_wan * WAN * np.exp(seg.revenue_sigma * z[0]) * 0.3  # entrants start small
    nu = np.clip(seg.rd_intensity_median * np.exp(seg.rd_intensity_sigma * z[1]), 1e-4, 0.6) * m.nu_scale
    quality = 0.6 * z[1] + 0.8 * z[2]
    spin = np.zeros(n, dtype=bool)
    spin[n_bg:] = True
    tie = np.full(n, -1, dtype=np.int16)
    tie[n_bg:] = spin_parents
    ids = m.firms.append(
        n, segment=seg_code, tech=seg.tech, birth_q=q,
        marine=rng.random(n) < seg.marine_share, key_chain=rng.random(n) < seg.key_chain_share,
        revenue=revenue, nu=nu, quality=quality + 0.3 * spin, tie_uni=tie,
        rd_last_year=nu * revenue, rd_prev_year=nu * revenue, rd_reported_year=nu * revenue,
    )
    return ids


def tech_sme_eligible(f: EnterpriseTable) -> np.ndarray:
    """科技型中小企业 criteria, simplified: small tech firm with R&D intensity ≥ 2% (or HTE)."""
    intensity = f.rd_last_year / np.maximum(f.revenue, 1.0)
    return (f.alive & f.tech & (f.revenue <= TECH_SME_MAX_REVENUE)
            & ((intensity >= TECH_SME_MIN_INTENSITY) | f.hte))


def register_tech_smes(m: World, q: int, rng: np.random.Generator) -> None:
    """Quarterly registration batch of the yearly register (re-assessed each year)."""
    f, p = m.firms, m.params
    u = rng.random(f.n)
    vouchers_on = m.signals.vouchers_open
    p_year = np.clip(p["p_register"] + p["e_voucher_reg"] * vouchers_on + 0.2 * f.tech_sme_last, 0.0, 0.99)
    p_q = 1.0 - (1.0 - p_year) ** 0.25
    new = tech_sme_eligible(f) & ~f.tech_sme & (u < p_q)
    f.tech_sme[new] = True


class HTERound:
    """The annual HTE certification round (Q4); ``certified`` holds this year's certified ids."""

    def __init__(self) -> None:
        self.certified = np.empty(0, dtype=np.int64)
        self.applications = 0

    def run(self, m: World, year: int, rng: np.random.Generator) -> None:
        f, p = m.firms, m.params
        u = rng.random((2, f.n))
        reported = f.rd_reported_year / np.maximum(f.revenue, 1.0)
        eligible = (f.alive & f.tech & (f.birth_q <= 4 * (year - FIRST_YEAR) - 4)
                    & (reported >= hte_threshold(f.revenue)) & (f.knowledge >= p["k_ip_wan"] * WAN))
        expiring = f.hte & (f.hte_until <= year)
        # Listed HTEs keep their certification (their reporting is built around it); others renew if eligible.
        renew_apply = expiring & ((eligible & (u[0] < REAPPLY_HTE)) | (f.listed & f.alive))
        new_apply = ~f.hte & eligible & (u[0] < p["p_apply_hte"])
        applied = renew_apply | new_apply
        passed = applied & (u[1] < p["p_pass"])
        f.hte[expiring & ~passed] = False
        first = new_apply & passed & (f.hte_first_year == 0)
        f.hte_first_year[first] = year
        f.hte[passed] = True
        f.hte_until[passed] = year + 3
        self.certified = np.flatnonzero(passed)
        self.applications = int(applied.sum())
        m.flows["hte_new"] += int((new_apply & passed).sum())
        m.flows["hte_applications"] += self.applications


def year_end(m: World, year: int, rng: np.random.Generator) -> None:
    """Close the year: report R&D (bunching below the HTE notch), roll registers, draw next year's needs."""
    f, p = m.firms, m.params
    u = rng.random((3, f.n))
    f.rd_prev_year[:] = f.rd_last_year
    f.large[:] = f.revenue >= LARGE_REVENUE
    f.rd_last_year[:] = f.rd_year
    intensity = f.rd_year / np.maximum(f.revenue, 1.0)
    thr = hte_threshold(f.revenue)
    gap = thr - intensity
    near = f.alive & f.tech & (gap > 0) & (gap <= p["band_pp"] / 100.0) & (~f.hte | (f.hte_until <= year + 1))
    bunch = near & (u[0] < p["p_bunch"])
    f.rd_reported_year[:] = f.rd_year
    f.rd_reported_year[bunch] = thr[bunch] * f.revenue[bunch]
    # Part of the bunching is relabelling; the rest is a real, lasting rise in R&D intensity.
    f.nu[bunch] += (1.0 - p["rho_relabel"]) * gap[bunch]
    f.nu *= np.exp(p["nu_growth"])
    np.clip(f.nu, 1e-4, 0.6, out=f.nu)
    f.rd_year[:] = 0.0
    f.public_year[:] = 0.0
    f.innov_year[:] = f.alive & (u[1] < 1.0 - np.exp(-p["zeta"] * f.rd_last_year / 1e6))
    f.tech_sme_last[:] = f.tech_sme
    f.tech_sme[:] = False
    f.voucher_used[:] = 0.0
    keep_tie = (f.tie_uni >= 0) & (u[2] < p["p_tie_persist"])
    f.tie_uni[~keep_tie] = -1


def draw_voucher_needs(m: World, year: int, rng: np.random.Generator) -> None:
    """Which firms have an external R&D / testing need in ``year``, and in which quarter it arises."""
    f = m.firms
    u = rng.random((2, f.n))
    need = f.alive & (u[0] < m.params["p_need"])
    f.voucher_need_q[:] = np.where(need, 4 * (year - FIRST_YEAR) + (u[1] * 4).astype(np.int16), -1)
