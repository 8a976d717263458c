"""Innovation vouchers (创新券): the city pays a share of a registered tech SME's external R&D / testing fee."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from innosim.model.instruments.base import WAN, Instrument, Options


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

    def eligible(self, m, q, rng):
        f = m.firms
        return (f.alive & f.tech_sme & (f.voucher_need_q == q)
                & (f.voucher_used < self.opt.cap_wan * WAN))

    def select(self, m, q, mask, rng):
        idx = np.flatnonzero(mask)
        redeem = rng.random(idx.size) < m.params["p_redeem"]
        idx = idx[redeem]
        return idx[rng.permutation(idx.size)]

    def request(self, m, q, idx, rng):
        fee = self.opt.fee_median_wan * WAN * np.exp(self.opt.fee_sigma * rng.standard_normal(idx.size))
        self._fee = np.zeros(m.firms.n)
        self._fee[idx] = fee
        room = self.opt.cap_wan * WAN - m.firms.voucher_used[idx]
        return np.minimum(self.opt.rate * fee, room)

    def effect(self, m, q, idx, paid, rng):
        f = m.firms
        f.voucher_used[idx] += paid
        fee = self._fee[idx]
        additional = rng.random(idx.size) < m.params["add_v"]
        # An additional service purchase is new external R&D and a technology-service contract; a deadweight
        # one would have been bought anyway, so it adds nothing to either.
        m.add_firm_rd(idx[additional], fee[additional])
        m.flows["tech_contract_turnover"] += float(fee[additional].sum())
        m.flows["voucher_deadweight"] += float(paid[~additional].sum())
        no_tie = f.tie_uni[idx] < 0
        f.tie_uni[idx[no_tie]] = rng.integers(0, m.universities.n, int(no_tie.sum()))
