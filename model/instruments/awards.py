"""Awards paid after the fact: HTE certification awards, R&D investment rewards and platform awards."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from innosim.model.instruments.base import WAN, Instrument, Options


class HTEAwardOptions(Options):
    first_wan: float = Field(10.0, ge=0, le=10.0, description="≤ 10万 first certification")
    renewal_wan: float = Field(5.0, ge=0, le=5.0, description="≤ 5万 re-certification")


class HTEAward(Instrument):
    """Cash award to firms certified (first time or renewed) in this year's round (Q4, after the round)."""

    key = "hte_award"
    family = "award"
    label_en = "HTE certification award"
    label_zh = "高企认定奖励"
    quarters = (4,)
    Options = HTEAwardOptions

    def eligible(self, m, q, rng):
        mask = np.zeros(m.firms.n, dtype=bool)
        mask[m.hte_round.certified] = True
        return mask & m.firms.alive

    def request(self, m, q, idx, rng):
        first = m.firms.hte_first_year[idx] == m.year
        return np.where(first, self.opt.first_wan, self.opt.renewal_wan) * WAN

    def effect(self, m, q, idx, paid, rng):
        np.add.at(m.firms.award_cash, idx, paid)


class RDRewardOptions(Options):
    cap_wan: float = Field(500.0, gt=0, le=500.0, description="≤ 500万 per firm")
    rate: float = Field(0.1, gt=0, le=0.5, description="reward per yuan of verified R&D increase")
    min_increase_wan: float = Field(50.0, ge=0)


class RDReward(Instrument):
    """Reward for last year's verified R&D increase, by firm size (Q2)."""

    key = "rd_reward"
    family = "award"
    label_en = "R&D investment reward"
    label_zh = "研发投入奖励"
    quarters = (2,)
    Options = RDRewardOptions

    def eligible(self, m, q, rng):
        f = m.firms
        return f.alive & (f.rd_last_year - f.rd_prev_year >= self.opt.min_increase_wan * WAN)

    def select(self, m, q, mask, rng):
        idx = np.flatnonzero(mask)
        inc = m.firms.rd_last_year[idx] - m.firms.rd_prev_year[idx]
        return idx[np.argsort(-inc, kind="stable")]

    def request(self, m, q, idx, rng):
        inc = m.firms.rd_last_year[idx] - m.firms.rd_prev_year[idx]
        return np.minimum(self.opt.rate * inc, self.opt.cap_wan * WAN)

    def effect(self, m, q, idx, paid, rng):
        np.add.at(m.firms.award_cash, idx, paid)


class PlatformAwardOptions(Options):
    national_key_lab_wan: float = Field(1000.0, ge=0, le=1000.0, description="new national key lab ≤ 1,000万")
    provincial_wan: float = Field(100.0, ge=0, le=100.0, description="provincial key lab ≤ 100万")


class PlatformAwards(Instrument):
    """Awards for newly created provincial-and-above platforms. Driven by the platform round (Q4): a funded
    candidate is more likely to set a platform up (``e_award``); the award is paid when it does."""

    key = "platform_awards"
    family = "award"
    label_en = "Platform awards"
    label_zh = "科创平台奖励"
    quarters = ()  # the platform round calls fund() and pay() itself
    Options = PlatformAwardOptions

    def fund(self, m, year: int, expected_cost: np.ndarray) -> np.ndarray:
        """Mask of candidates (in priority order) whose expected award the remaining budget covers."""
        left = m.ledger.remaining(self.key, year)
        return np.cumsum(expected_cost) <= left

    def award_amount(self, national: np.ndarray) -> np.ndarray:
        return np.where(national, self.opt.national_key_lab_wan, self.opt.provincial_wan) * WAN

    def pay(self, m, year: int, national: np.ndarray) -> float:
        paid = m.ledger.fit(self.key, year, self.award_amount(national))
        return m.ledger.book(self.key, year, paid)
