"""Innovation vouchers (创新券): the city pays a share of a registered tech SME's external R&D / testing fee."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


class VoucherOptions(Options):
    rate: float = Field(0.5, gt=0, le=0.5, description="city pays 50% of the actual fee")
    cap_wan: float = Field(20.0, gt=0, le=20.0, description="≤ 20万 per firm per year")
    fee_median_wan: float = Field(8.0, gt=0, description="median service fee, 万 yuan")
    fee_sigma: float = Field(0.8, ge=0, le=3)


class Vouchers(Instrument):
    """Every quarter, registered tech SMEs whose yearly need falls in this quarter redeem a voucher, first come
    first served until the year's budget is gone. Registered tech-SME status is a precondition (seed 002)."""

    key = "vouchers"
    family = "voucher"
    label_en = "Innovation vouchers"
    label_zh = "创新券"
    Options = VoucherOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        """While voucher money is left this year, registering as a tech SME can pay (``e_voucher_reg``)."""
        return {"vouchers_open": budget_left > 0}

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        return (f.alive & f.tech_sme & (f.voucher_need_q == call.q)
                & (f.voucher_used < self.opt.cap_wan * WAN))

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        redeem = call.rng.random(idx.size) < w.params["p_redeem"]
        idx = idx[redeem]
        return idx[call.rng.permutation(idx.size)]

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        fee = self.opt.fee_median_wan * WAN * np.exp(self.opt.fee_sigma * call.rng.standard_normal(idx.size))
        room = self.opt.cap_wan * WAN - w.firms.voucher_used[idx]
        return Ask(np.minimum(self.opt.rate * fee, room), basis=fee)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid, fee = grant.idx, grant.paid, grant.basis
        f = w.firms
        f.voucher_used[idx] += paid
        additional = call.rng.random(idx.size) < w.params["add_v"]
        # An additional service purchase is new external R&D and a technology-service contract; a deadweight
        # one would have been bought anyway, so it adds nothing to either.
        w.add_firm_rd(idx[additional], fee[additional])
        w.flows["tech_contract_turnover"] += float(fee[additional].sum())
        w.flows["voucher_deadweight"] += float(paid[~additional].sum())
        no_tie = f.tie_uni[idx] < 0
        f.tie_uni[idx[no_tie]] = call.rng.integers(0, w.universities.n, int(no_tie.sum()))
