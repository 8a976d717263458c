"""Awards paid after the fact: HTE certification awards, R&D investment rewards and platform awards."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


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

    def eligible(self, w: World, call: Call) -> np.ndarray:
        mask = np.zeros(w.firms.n, dtype=bool)
        mask[w.hte_round.certified] = True
        return mask & w.firms.alive

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        first = w.firms.hte_first_year[idx] == call.year
        return Ask(np.where(first, self.opt.first_wan, self.opt.renewal_wan) * WAN)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        np.add.at(w.firms.award_cash, grant.idx, grant.paid)


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

    def eligible(self, w: World, call: Call) -> np.ndarray:
        f = w.firms
        return f.alive & (f.rd_last_year - f.rd_prev_year >= self.opt.min_increase_wan * WAN)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        inc = w.firms.rd_last_year[idx] - w.firms.rd_prev_year[idx]
        return idx[np.argsort(-inc, kind="stable")]

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        inc = w.firms.rd_last_year[idx] - w.firms.rd_prev_year[idx]
        return Ask(np.minimum(self.opt.rate * inc, self.opt.cap_wan * WAN))

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        idx, paid = grant.idx, grant.paid
        np.add.at(w.firms.award_cash, idx, paid)


class PlatformAwardOptions(Options):
    national_key_lab_wan: float = Field(1000.0, ge=0, le=1000.0, description="new national key lab ≤ 1,000万")
    provincial_wan: float = Field(100.0, ge=0, le=100.0, description="provincial key lab ≤ 100万")


class PlatformAwards(Instrument):
    """Awards for the provincial-and-above platforms created in this year's round (Q4, after the round). The
    expectation acts before the money: while the budget is open, candidates are more likely to set a platform up
    (``e_award``, via ``PolicySignals``); the award itself is then paid to each new platform, national first."""

    key = "platform_awards"
    family = "award"
    label_en = "Platform awards"
    label_zh = "科创平台奖励"
    quarters = (4,)
    recipients = "new platforms"
    phase = "platforms"
    Options = PlatformAwardOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        return {"platform_award_budget": budget_left, "platform_award_provincial": self.opt.provincial_wan * WAN}

    def eligible(self, w: World, call: Call) -> np.ndarray:
        return np.ones(w.platforms.new_national.size, dtype=bool)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask)  # the round lists national key labs first: they are paid first

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        national = w.platforms.new_national[idx]
        return Ask(np.where(national, self.opt.national_key_lab_wan, self.opt.provincial_wan) * WAN)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        return None  # the hosts' response is to the expected award (above); the cash itself changes nothing here
