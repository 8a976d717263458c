"""External R&D and testing services: every tech firm may have a need in a year, which it buys at full price when
the need is worth the fee; a voucher lowers the price (``model.instruments.vouchers``), so what a voucher adds is
the purchases that the lower price tips — additionality emerges from the demand, it is not drawn.

Fees are log-normal around the Shandong voucher figures (13.18m yuan for 422 firms in a year at 40–60% ≈ 6万 of
fees a firm; behaviour-priors §2). Money in yuan.
"""

from __future__ import annotations

import numpy as np

from innosim.agents.decisions import buys_service
from innosim.agents.world import World
from innosim.model.calendar import FIRST_YEAR
from innosim.model.rng import slot_normals, slot_uniforms
from innosim.model.units import WAN

FEE_MEDIAN_WAN = 4.5  # median fee of a service need, 万 yuan (mean ≈ 6.2万 with the log-sd below)
FEE_SIGMA = 0.8


def draw_service_needs(m: World, year: int, keys: tuple[np.uint64, np.uint64, np.uint64, np.uint64]) -> None:
    """Which tech firms have an external R&D / testing need in ``year``, in which quarter, worth what to the firm
    (log value / fee) and at what fee (yuan). ``keys``: slot-draw keys of the need, its quarter, its value and its
    fee (``model.rng``): draws only for the living tech firms, values only for those with a need, and each firm's
    draws are its own in every scenario. Value and fee columns of rows without a need are stale; nothing reads
    them (every reader selects rows whose need is due)."""
    f, p = m.firms, m.params
    tech = np.flatnonzero(f.alive & f.tech)
    need = tech[slot_uniforms(keys[0], tech) < p["p_need"]]
    f.voucher_need_q[:] = -1
    f.voucher_need_q[need] = 4 * (year - FIRST_YEAR) + (slot_uniforms(keys[1], need) * 4).astype(np.int16)
    f.svc_ratio[need] = p["svc_mu"] + p["svc_sigma"] * slot_normals(keys[2], need)
    f.svc_fee[need] = FEE_MEDIAN_WAN * WAN * np.exp(FEE_SIGMA * slot_normals(keys[3], need))


def buy_services(m: World, q: int) -> None:
    """Needs arising this quarter that were not bought with a voucher are bought at full price when worth it:
    the purchase is external R&D of the buyer and a technology-service contract of the seller."""
    f = m.firms
    due = np.flatnonzero(f.alive & (f.voucher_need_q == q))
    idx = due[buys_service(f.svc_ratio[due], f.svc_fee[due])]
    if idx.size:
        m.add_firm_rd(idx, f.svc_fee[idx])
        m.flows["contract_deals"] += float(f.svc_fee[idx].sum())
        m.flows["services_unsubsidised"] += float(f.svc_fee[idx].sum())
    f.voucher_need_q[due] = -1  # this year's need is met or dropped
