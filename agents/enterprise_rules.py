"""Enterprise behaviour, vectorised over all firm rows: R&D spending (with additionality set by financing
constraints), knowledge, yearly growth, exit, entry and the year-end bookkeeping. Statuses (register, HTE) are in
``agents.status``, service purchases in ``agents.services``.

Units: revenue yuan/year; R&D yuan/quarter (``rd``) or yuan/year (``rd_*year``); hazards per year.
Every random draw is one array over all firm slots from the rule's own stream, so a firm's draw does not
depend on how many other firms exist (common random numbers).
"""

from __future__ import annotations

import numpy as np

from innosim.agents.decisions import additionality, constrained_share
from innosim.agents.enterprises import LARGE_REVENUE, EnterpriseTable, traits
from innosim.agents.world import World
from innosim.model.signals import funded_share
from innosim.model.units import WAN

PIPE_SPEND_Q = 0.35  # share of received project / investment money spent on R&D each quarter
KNOWLEDGE_DEPRECIATION = 0.15  # per year
SIZE_VARIANCE_EXP = 0.15  # growth volatility shrinks with size (Bottazzi & Secchi)
HAZARD_BY_AGE = np.array([0.0225, 0.065, 0.10, 0.085, 0.085, 0.085, 0.085, 0.045])  # SAIC 2013, mid-range
LARGE_HAZARD = 0.5
VC_PROTECT_Q = 12  # quarters a VC round lowers the hazard
INNOV_GROWTH_VC = 0.05  # log-points per year of growth while VC money is being spent
ROLLING_DISCOUNT = 0.9  # yearly discount factor of a firm's next-year reward (assumption)
TECH_MIN_INTENSITY = 0.02  # R&D / revenue of a tech firm that does R&D (the register's own criterion)
YOUNG_YEARS = 5  # a "young" firm is younger than this (the stylised fact on the age structure)


def constrained(f: EnterpriseTable) -> np.ndarray:
    """Financially constrained firms now: by size at the start of the year (``fin_tight``), unless fresh VC
    money is being spent."""
    return f.fin_tight & (f.private_pipe <= 0)


def assess_finance(m: World) -> None:
    """At the start of a year: which firms are financially constrained, by size (``agents.decisions``)."""
    f = m.firms
    f.fin_tight[:] = f.fin_u < constrained_share(f.revenue, m.params["rev_constrained_wan"] * WAN)


def spend_rd(m: World, q: int) -> np.ndarray:
    """This quarter's R&D per firm (yuan): own budget + public money with additionality + awards + VC money."""
    f, p = m.firms, m.params
    own = f.nu * f.revenue / 4.0 * f.rd_boost
    pub = PIPE_SPEND_Q * f.public_pipe
    f.public_pipe -= pub
    priv = PIPE_SPEND_Q * f.private_pipe
    f.private_pipe -= priv
    tight = constrained(f)
    alpha = additionality(tight, p["alpha_constrained"], p["alpha_unconstrained"])
    share = f.public_year / (f.rd_last_year + f.public_year + 1.0)
    sat = np.where(share > p["s_sat"], np.maximum(0.0, 1.0 - (share - p["s_sat"]) / p["s_sat"]), 1.0)
    # Crowding-out (alpha < 0) cannot take own R&D below zero.
    extra = np.maximum(alpha * sat * pub, -own)
    # Cash awards reach R&D only where internal funds bind.
    rd = own + pub + extra + p["alpha_reward"] * f.award_cash * tight + priv
    f.award_cash[:] = 0.0
    rd = np.where(f.alive, rd, 0.0)
    f.rd[:] = rd
    f.rd_year += rd
    f.knowledge *= (1.0 - KNOWLEDGE_DEPRECIATION) ** 0.25
    f.knowledge += rd
    return rd


def draw_growth(m: World, rng: np.random.Generator) -> None:
    """The year's Laplace shock of log revenue per firm (drawn once a year, so *annual* growth rates are
    Laplace-shaped; Bottazzi & Secchi), smaller for larger firms."""
    f, p = m.firms, m.params
    u = rng.random(f.n) - 0.5
    scale = p["growth_b"] * np.clip(np.exp(-SIZE_VARIANCE_EXP * np.log(np.maximum(f.revenue, 1.0) / 1e7)), 0.3, 1.5)
    f.growth_year[:] = -scale * np.sign(u) * np.log1p(-2.0 * np.abs(u))


def grow(m: World, q: int) -> None:
    """A quarter of the year's shock plus drift from innovation, incubation and VC money."""
    f, p = m.firms, m.params
    drift = (p["g_drift"] + p["g_innov"] * f.innov_year + p["g_inc"] * f.incubated
             + INNOV_GROWTH_VC * (f.private_pipe > 0)) / 4.0
    f.revenue *= np.exp(np.where(f.alive, drift + f.growth_year / 4.0, 0.0))


def annual_hazard(m: World, q: int) -> np.ndarray:
    """Yearly exit probability of every firm row in quarter ``q``: age profile times status multipliers, lower
    for better firms and higher after a revenue fall (cash runs short)."""
    f, p = m.firms, m.params
    age = np.clip(f.age_years(q).astype(np.int64), 0, HAZARD_BY_AGE.size - 1)
    h = HAZARD_BY_AGE[age]
    # The tech multiplier belongs to R&D-doing tech firms, not to the register or the certificate: a label bought
    # for a voucher does not make a firm survive (SAIC's tech-firm survival is a property of the firms).
    rd_firm = f.tech & (f.rd_last_year >= TECH_MIN_INTENSITY * f.revenue)
    h = h * np.where(rd_firm, p["m_tech"], 1.0) * np.where(f.incubated, p["m_inc"], 1.0)
    h = h * np.where(f.loan_until_q >= q, p["h_loan"], 1.0)
    h = h * np.where(f.vc_backed & (q - f.vc_q < VC_PROTECT_Q), p["h_vc"], 1.0)
    # Quality ~ N(0, 1): dividing by E[exp(-a z)] keeps the population's mean hazard on the age profile.
    a = p["q_exit"]
    h = h * np.exp(-a * f.quality - 0.5 * a * a + p["g_exit"] * np.maximum(-f.growth_last, 0.0))
    return h * np.where(f.large | f.listed, LARGE_HAZARD, 1.0)


def exits(m: World, q: int, rng: np.random.Generator) -> np.ndarray:
    """Exit by hazard; returns the ids of firms that exit this quarter."""
    f = m.firms
    u = rng.random(f.n)
    h = annual_hazard(m, q)
    dead = np.flatnonzero(f.alive & (u < 1.0 - (1.0 - np.minimum(h, 1.0)) ** 0.25))
    f.alive[dead] = False
    f.hte[dead] = False
    f.tech_sme[dead] = False
    return dead


def births(m: World, q: int, spin_parents: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Background entry in proportion to the living population (so the young-firm share holds) plus university
    spin-outs; returns the new ids."""
    p = m.params
    seg_code = m.birth_segment_code
    seg = m.city.enterprises.segments[seg_code]
    n_bg = int(rng.poisson(p["entry_rate"] * m.firms_alive_start / 4.0))
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
    marine = rng.random(n) < seg.marine_share
    key_chain = rng.random(n) < seg.key_chain_share
    ids = m.firms.append(
        n, segment=seg_code, tech=seg.tech, birth_q=q, marine=marine, key_chain=key_chain,
        revenue=revenue, nu=nu, quality=quality + 0.3 * spin, tie_uni=tie,
        rd_last_year=nu * revenue, rd_prev_year=nu * revenue, rd_reported_year=nu * revenue,
        revenue_last_year=revenue, **traits(rng, n),
    )
    return ids


def plan_rd_reward(m: World) -> None:
    """At the start of a year: a firm whose R&D grew by the reward's minimum last year expects to qualify again;
    the reward lowers the marginal cost of its R&D by the rate (up to the cap, times the funded share), and it
    raises own R&D by the user-cost elasticity ``eps_rd`` times that cut."""
    f, p, s = m.firms, m.params, m.signals
    f.rd_boost[:] = 1.0
    if s.rd_reward_budget <= 0:
        return
    inc = f.rd_last_year - f.rd_prev_year
    expects = f.alive & (inc >= s.rd_reward_min)
    claims = float(np.sum(np.minimum(s.rd_reward_rate * inc[expects], s.rd_reward_cap)))
    share = funded_share(s.rd_reward_budget, claims)
    # Beyond the cap, the marginal yuan earns nothing: the cut applies to the capped part of the increase only.
    rate = s.rd_reward_rate * np.minimum(1.0, s.rd_reward_cap / np.maximum(s.rd_reward_rate * inc, 1.0))
    # The base rolls: a yuan added this year is rewarded once, then raises next year's base, so a lasting rise
    # earns the rate once, not every year (Hall 1993 on the rolling-base US credit).
    f.rd_boost[expects] = 1.0 + p["eps_rd"] * rate[expects] * (1.0 - ROLLING_DISCOUNT) * share


def year_end(m: World, year: int, rng: np.random.Generator) -> None:
    """Close the year (after ``HTERound.report_rd``): roll R&D and the registers, note growth and innovation."""
    f, p = m.firms, m.params
    u = rng.random((2, f.n))
    f.rd_prev_year[:] = f.rd_last_year
    f.large[:] = f.revenue >= LARGE_REVENUE
    f.rd_last_year[:] = f.rd_year
    f.growth_last[:] = np.log(np.maximum(f.revenue, 1.0) / np.maximum(f.revenue_last_year, 1.0))
    f.revenue_last_year[:] = f.revenue
    f.nu *= np.exp(p["nu_growth"])
    np.clip(f.nu, 1e-4, 0.6, out=f.nu)
    f.rd_year[:] = 0.0
    f.public_year[:] = 0.0
    f.innov_year[:] = f.alive & (u[0] < 1.0 - np.exp(-p["zeta"] * f.rd_last_year / 1e6))
    f.tech_sme_last[:] = f.tech_sme
    f.tech_sme[:] = False
    f.voucher_used[:] = 0.0
    keep_tie = (f.tie_uni >= 0) & (u[1] < p["p_tie_persist"])
    f.tie_uni[~keep_tie] = -1
