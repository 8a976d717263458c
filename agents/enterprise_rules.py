"""Enterprise behaviour, vectorised over all firm rows: R&D spending (with additionality set by financing
constraints), knowledge, yearly growth, exit, entry and the year-end bookkeeping. Statuses (register, HTE) are in
``agents.status``, service purchases in ``agents.services``.

Units: revenue yuan/year; R&D yuan/quarter (``rd``) or yuan/year (``rd_*year``); hazards per year.
Every draw about an existing firm is a counter-based slot draw under the rule's own key (``model.rng``), so a
firm's draw does not depend on how many other firms exist or which of them are drawn (common random numbers).
"""

from __future__ import annotations

import numpy as np

from innosim.agents.decisions import constrained_share
from innosim.agents.enterprises import LARGE_REVENUE, EnterpriseTable, traits
from innosim.agents.kernels import EXP_HI, EXP_LO, hazard_exits, log_hazard, rd_and_growth, roll_year
from innosim.agents.world import World
from innosim.model.rng import slot_uniforms
from innosim.model.signals import funded_share
from innosim.model.units import WAN

PIPE_SPEND_Q = 0.35  # share of received project / investment money spent on R&D each quarter
KNOWLEDGE_DEPRECIATION = 0.15  # per year
SIZE_VARIANCE_EXP = 0.15  # growth volatility shrinks with size (Bottazzi & Secchi)
HAZARD_BY_AGE = np.array([0.0225, 0.065, 0.10, 0.085, 0.085, 0.085, 0.085, 0.045])  # SAIC 2013, mid-range
LARGE_HAZARD = 0.5
LOG_HAZARD_BY_AGE = np.log(HAZARD_BY_AGE)
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


def spend_rd_and_grow(m: World, q: int) -> np.ndarray:
    """This quarter's R&D per firm (yuan): own budget (``nu`` × revenue × the reward's boost) + public project
    money spent this quarter with additionality by financing constraint (own R&D per public yuan: ``alpha_*``,
    saturating above a public share ``s_sat``; crowding-out cannot take own R&D below zero) + cash awards where
    internal funds bind + VC money; then a quarter of the year's growth shock plus drift from innovation,
    incubation and VC money. One fused pass (``agents.kernels``); returns the R&D column."""
    f, p = m.firms, m.params
    g = np.empty(f.n)
    rd_and_growth(f.alive, f.nu, f.revenue, f.rd_boost, f.public_pipe, f.private_pipe, f.fin_tight, f.public_year,
                  f.rd_last_year, f.award_cash, f.innov_year, f.incubated, f.growth_year, f.rd, f.rd_year,
                  f.knowledge, g, PIPE_SPEND_Q, p["alpha_constrained"], p["alpha_unconstrained"], p["s_sat"],
                  p["alpha_reward"], (1.0 - KNOWLEDGE_DEPRECIATION) ** 0.25, p["g_drift"], p["g_innov"],
                  p["g_inc"], INNOV_GROWTH_VC)
    f.revenue *= np.exp(g, out=g)
    return f.rd


def draw_growth(m: World, key: np.uint64) -> None:
    """The year's Laplace shock of log revenue per living firm (drawn once a year, so *annual* growth rates are
    Laplace-shaped; Bottazzi & Secchi), smaller for larger firms; a slot draw under ``key`` per living firm (dead
    rows keep 0: ``spend_rd_and_grow`` gives them no growth)."""
    f, p = m.firms, m.params
    ids = np.flatnonzero(f.alive)
    u = slot_uniforms(key, ids) - 0.5
    scale = p["growth_b"] * np.clip(np.exp(-SIZE_VARIANCE_EXP * np.log(np.maximum(f.revenue[ids], 1.0) / 1e7)),
                                    0.3, 1.5)
    f.growth_year[:] = 0.0
    f.growth_year[ids] = -scale * np.sign(u) * np.log1p(-2.0 * np.abs(u))


def _hazard_args(m: World, q: int) -> tuple:
    """The firm columns and parameter logs of the hazard (``annual_hazard``), as the kernels take them."""
    f, p = m.firms, m.params
    return (f.birth_q, f.tech, f.rd_last_year, f.revenue, f.incubated, f.loan_until_q, f.vc_backed, f.vc_q,
            f.quality, f.growth_last, f.large, f.listed, LOG_HAZARD_BY_AGE, np.log(p["m_tech"]), np.log(p["m_inc"]),
            np.log(p["h_loan"]), np.log(p["h_vc"]), p["q_exit"], p["g_exit"], TECH_MIN_INTENSITY, VC_PROTECT_Q,
            np.log(LARGE_HAZARD))


def annual_hazard(m: World, q: int) -> np.ndarray:
    """Yearly exit probability of every firm row in quarter ``q``: the age profile (``HAZARD_BY_AGE``) times status
    multipliers — R&D-doing tech firms ``m_tech`` (the multiplier belongs to firms that do R&D, not to the register
    or the certificate: a label bought for a voucher does not make a firm survive), incubated ``m_inc``, a
    subsidised loan running ``h_loan``, a VC round in the last ``VC_PROTECT_Q`` quarters ``h_vc``, large or listed
    ``LARGE_HAZARD`` — lower for better firms and higher after a revenue fall (cash runs short). Quality ~ N(0, 1):
    the factor exp(−a z − a²/2) keeps the population's mean hazard on the age profile."""
    out = np.empty(m.firms.n)
    log_hazard(q, *_hazard_args(m, q), out)
    return np.exp(out, out=out)


def exits(m: World, q: int, key: np.uint64) -> np.ndarray:
    """Exit by hazard (``annual_hazard``; a slot draw under ``key`` per living firm, exit when it falls below the
    quarterly share of the yearly hazard); returns the ids of firms that exit this quarter. One pass
    (``agents.kernels.hazard_exits``); the rare rows it cannot call are decided with numpy's exp."""
    f = m.firms
    dead, close, x, t = hazard_exits(q, key, f.alive, *_hazard_args(m, q), EXP_LO, EXP_HI)
    if close.size:
        dead = np.sort(np.concatenate((dead, close[np.exp(x) > t])))
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
    expects = np.flatnonzero(f.alive & (inc >= s.rd_reward_min))
    inc = inc[expects]
    claims = float(np.sum(np.minimum(s.rd_reward_rate * inc, s.rd_reward_cap)))
    share = funded_share(s.rd_reward_budget, claims)
    # Beyond the cap, the marginal yuan earns nothing: the cut applies to the capped part of the increase only.
    rate = s.rd_reward_rate * np.minimum(1.0, s.rd_reward_cap / np.maximum(s.rd_reward_rate * inc, 1.0))
    # The base rolls: a yuan added this year is rewarded once, then raises next year's base, so a lasting rise
    # earns the rate once, not every year (Hall 1993 on the rolling-base US credit).
    f.rd_boost[expects] = 1.0 + p["eps_rd"] * rate * (1.0 - ROLLING_DISCOUNT) * share


def year_end(m: World, year: int, keys: tuple[np.uint64, np.uint64]) -> None:
    """Close the year (after ``HTERound.report_rd``): roll R&D and the registers, note growth and innovation.
    ``keys``: slot-draw keys of innovation (drawn for living firms that did R&D) and of tie persistence (for tied
    firms)."""
    f, p = m.firms, m.params
    ratio = np.empty(f.n)
    performer = np.empty(f.n, dtype=bool)
    roll_year(LARGE_REVENUE, np.exp(p["nu_growth"]), 1e-4, 0.6, f.alive, f.revenue, f.rd_year, f.rd_last_year,
              f.rd_prev_year, f.revenue_last_year, f.large, f.nu, f.public_year, f.tech_sme, f.tech_sme_last,
              f.voucher_used, ratio, performer)
    np.log(ratio, out=f.growth_last)
    # A firm without R&D last year cannot innovate (its chance 1 − e⁰ is 0), so only R&D performers draw.
    rd = np.flatnonzero(performer)
    f.innov_year[:] = False
    f.innov_year[rd] = slot_uniforms(keys[0], rd) < 1.0 - np.exp(-p["zeta"] * f.rd_last_year[rd] / 1e6)
    tied = np.flatnonzero(f.tie_uni >= 0)
    f.tie_uni[tied[slot_uniforms(keys[1], tied) >= p["p_tie_persist"]]] = -1
