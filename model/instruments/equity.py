"""拨改投: municipal S&T equity instead of a grant (≤ 1,000万 per project), held, exited, proceeds recycled.

Variants (shares of deals set in the options): ``equity`` (pure stake), ``grant_plus_equity`` (拨投结合: part
grant, part stake) and ``convertible`` (先投后股: a grant that converts into a stake at the firm's next VC round
within ``convert_years``, or stays a grant). Stakes live in the firm columns (``stake`` share in [0, 1],
``stake_cost`` yuan, ``stake_exit_q``); exits are processed by the guidance fund agent each quarter.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options, best_first, fund_rd, payable
from innosim.model.instruments.kernels import equity_mask, equity_signal
from innosim.model.units import WAN


class EquityOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_wan",)
    cap_wan: float = Field(1000.0, gt=0, description="≤ 1,000万 per project")
    min_ticket_wan: float = Field(100.0, gt=0)
    ticket_share_of_revenue: float = Field(0.5, gt=0, le=5)
    premoney_revenue_multiple: float = Field(4.0, gt=0, description="pre-money valuation / yearly revenue")
    min_premoney_wan: float = Field(2000.0, gt=0)
    rd_share: float = Field(0.5, ge=0, le=1, description="share of invested money spent on R&D")
    screen_noise: float = Field(0.5, ge=0, le=3, description="看得准: noise of the fund's quality signal")
    max_age_years: float = Field(10.0, gt=0)
    share_equity: float = Field(1.0, ge=0, le=1)
    share_grant_plus_equity: float = Field(0.0, ge=0, le=1)
    share_convertible: float = Field(0.0, ge=0, le=1)
    grant_part: float = Field(0.3, ge=0, le=1, description="拨投结合: grant part of each deal")
    convert_years: float = Field(3.0, gt=0, le=8)

    @model_validator(mode="after")
    def _shares_sum(self) -> EquityOptions:
        total = self.share_equity + self.share_grant_plus_equity + self.share_convertible
        if abs(total - 1) > 1e-6:
            raise ValueError(f"variant shares must sum to 1 (got {total:.3f})")
        return self


class Equity(Instrument):
    """Equity deals in Q3, selected on a noisy quality signal among young registered / certified firms."""

    key = "equity"
    family = "equity"
    label_en = "拨改投 grant-to-equity"
    label_zh = "拨改投"
    quarters = (3,)
    Options = EquityOptions

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        mask = np.empty(f.n, dtype=bool)
        equity_mask(f.alive, f.tech, f.hte, f.tech_sme, f.incubated, f.birth_q, f.stake, f.convertible, call.q,
                    self.opt.max_age_years, mask)
        return mask

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        f = w.firms
        signal = np.empty(idx.size)
        equity_signal(idx, call.rng.standard_normal(idx.size), f.quality, f.hte, f.incubated, f.vc_backed,
                      self.opt.screen_noise, signal)
        return best_first(idx, signal, payable(call.budget_left, self.opt.min_ticket_wan * WAN))

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        ticket = self.opt.ticket_share_of_revenue * w.firms.revenue[idx]
        return Ask(np.clip(ticket, self.opt.min_ticket_wan * WAN, self.opt.cap_wan * WAN))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid = grant.idx, grant.paid
        f, p, o = w.firms, w.params, self.opt
        u = call.rng.random(idx.size)
        conv = u < o.share_convertible
        mixed = (u >= o.share_convertible) & (u < o.share_convertible + o.share_grant_plus_equity)
        grant = np.where(mixed, o.grant_part * paid, np.where(conv, paid, 0.0))
        equity = paid - grant
        private = p["m_crowd"] * equity
        premoney = np.maximum(o.premoney_revenue_multiple * f.revenue[idx], o.min_premoney_wan * WAN)
        stake = equity / (premoney + equity + private)
        held = equity > 0
        hold_q = np.round(4 * (p["T_exit"] + call.rng.uniform(-1, 1, idx.size))).astype(np.int16)
        f.stake[idx[held]] = stake[held]
        f.stake_cost[idx[held]] = equity[held]
        f.stake_exit_q[idx[held]] = call.q + hold_q[held]
        f.convertible[idx[conv]] = paid[conv]
        f.conv_deadline_q[idx[conv]] = call.q + int(round(4 * o.convert_years))
        co = private > 0
        f.vc_backed[idx[co]] = True
        f.vc_q[idx[co]] = call.q
        fund_rd(w, idx, o.rd_share * paid, grants=False)
        np.add.at(f.grants_cum, idx, grant)
        np.add.at(f.private_pipe, idx, o.rd_share * private)
        w.flows["private_coinvest"] += float(private.sum())
