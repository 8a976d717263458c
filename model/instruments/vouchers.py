"""Innovation vouchers (创新券): the city pays a share of a registered tech SME's external R&D / testing fee."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.decisions import buys_service
from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


class VoucherOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("rate", "cap_wan")
    rate: float = Field(0.5, gt=0, description="city pays 50% of the actual fee")
    cap_wan: float = Field(20.0, gt=0, description="≤ 20万 per firm per year")


class Vouchers(Instrument):
    """Every quarter, registered tech SMEs whose service need falls in this quarter and who buy at the voucher
    price (``agents.decisions.buys_service``) redeem a voucher, first come first served until the year's budget is
    gone. Registration is a precondition (seed 002). A voucher is additional where the firm would not have bought
    at the full price — that follows from the need's value, it is not drawn."""

    key = "vouchers"
    family = "voucher"
    label_en = "Innovation vouchers"
    label_zh = "创新券"
    Options = VoucherOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        """Firms with a need weigh the voucher when deciding to register (``agents.status``)."""
        return {"voucher_budget": budget_left, "voucher_rate": self.opt.rate, "voucher_cap": self.opt.cap_wan * WAN}

    def _subsidy(self, w: World, idx: np.ndarray) -> np.ndarray:
        room = self.opt.cap_wan * WAN - w.firms.voucher_used[idx]
        return np.minimum(self.opt.rate * w.firms.svc_fee[idx], room)

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        mask = f.alive & f.tech_sme & (f.voucher_need_q == call.q) & (f.voucher_used < self.opt.cap_wan * WAN)
        idx = np.flatnonzero(mask)
        keep = buys_service(f.svc_ratio[idx], f.svc_fee[idx], self._subsidy(w, idx))
        mask[idx[~keep]] = False
        return mask

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        redeem = call.rng.random(idx.size) < w.params["p_redeem"]
        idx = idx[redeem]
        return idx[call.rng.permutation(idx.size)]

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        return Ask(self._subsidy(w, idx), basis=w.firms.svc_fee[idx])

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid, fee = grant.idx, grant.paid, grant.basis
        f = w.firms
        f.voucher_used[idx] += paid
        f.voucher_need_q[idx] = -1  # bought with the voucher: not bought again at full price
        # Every redeemed voucher buys the service (R&D of the buyer, a service contract of the seller); where the
        # firm would have bought at full price anyway the purchase is the same and only the payment is deadweight.
        w.add_firm_rd(idx, fee)
        w.flows["contract_deals"] += float(fee.sum())
        additional = f.svc_ratio[idx] <= 0.0
        w.flows["voucher_additional"] += float(fee[additional].sum())
        w.flows["voucher_deadweight"] += float(paid[~additional].sum())
        no_tie = f.tie_uni[idx] < 0
        f.tie_uni[idx[no_tie]] = call.rng.integers(0, w.universities.n, int(no_tie.sum()))
