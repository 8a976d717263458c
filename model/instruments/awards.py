"""Awards paid after the fact: HTE certification awards, R&D investment rewards and platform awards."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from innosim.agents.world import World
from innosim.model.instruments.base import Ask, Call, Grant, Instrument, Options
from innosim.model.units import WAN


class HTEAwardOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("first_wan", "renewal_wan")
    first_wan: float = Field(10.0, ge=0, description="≤ 10万 first certification")
    renewal_wan: float = Field(5.0, ge=0, description="≤ 5万 re-certification")


class HTEAward(Instrument):
    """Cash award to firms certified (first time or renewed) in this year's round (Q4, after the round)."""

    key = "hte_award"
    family = "award"
    label_en = "HTE certification award"
    label_zh = "高企认定奖励"
    quarters = (4,)
    Options = HTEAwardOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        """Firms weigh the expected award when they decide to apply and to bunch (``agents.status``)."""
        return {"hte_award_budget": budget_left, "hte_award_first": self.opt.first_wan * WAN,
                "hte_award_renewal": self.opt.renewal_wan * WAN}

    def eligible(self, w: World, call: Call) -> np.ndarray:
        mask = np.zeros(w.firms.n, dtype=bool)
        certified = w.hte_round.certified
        mask[certified[w.firms.alive[certified]]] = True
        return mask

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        first = w.firms.hte_first_year[idx] == call.year
        return Ask(np.where(first, self.opt.first_wan, self.opt.renewal_wan) * WAN)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        np.add.at(w.firms.award_cash, grant.idx, grant.paid)


class RDRewardOptions(Options):
    caps: ClassVar[tuple[str, ...]] = ("cap_wan",)
    cap_wan: float = Field(500.0, gt=0, description="≤ 500万 per firm")
    rate: float = Field(0.1, gt=0, le=0.5, description="reward per yuan of verified R&D increase")
    min_increase_wan: float = Field(50.0, ge=0)


class RDReward(Instrument):
    """Reward for last year's verified R&D increase (Q2). Firms expecting to qualify plan more R&D, because the
    reward lowers the marginal cost of an increase (``agents.enterprise_rules.plan_rd_reward``)."""

    key = "rd_reward"
    family = "award"
    label_en = "R&D investment reward"
    label_zh = "研发投入奖励"
    quarters = (2,)
    Options = RDRewardOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        return {"rd_reward_budget": budget_left, "rd_reward_rate": self.opt.rate,
                "rd_reward_cap": self.opt.cap_wan * WAN, "rd_reward_min": self.opt.min_increase_wan * WAN}

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
    caps: ClassVar[tuple[str, ...]] = ("national_key_lab_wan", "provincial_wan", "municipal_wan")
    national_key_lab_wan: float = Field(1000.0, ge=0, description="new national key lab ≤ 1,000万")
    provincial_wan: float = Field(100.0, ge=0, description="provincial key lab ≤ 100万")
    municipal_wan: float = Field(50.0, gt=0, description="municipal key lab / new R&D institute ≤ 50万")


class PlatformAwards(Instrument):
    """Platform awards after the Q4 round: to the labs promoted to national and provincial level (into the lab),
    then the founding award of new municipal labs, which the city designates only with its award. Hosts apply for
    a municipal lab when the expected award exceeds their set-up cost (``agents.platforms``), so the budget moves
    the pipeline that provincial approvals draw on; what binds is hosts' costs and the province's ration."""

    key = "platform_awards"
    family = "award"
    label_en = "Platform awards"
    label_zh = "科创平台奖励"
    quarters = (4,)
    recipients = "labs"
    phase = "platforms"
    Options = PlatformAwardOptions

    def signals(self, budget_left: float) -> dict[str, float | bool]:
        return {"lab_budget": budget_left, "lab_award": self.opt.municipal_wan * WAN}

    def eligible(self, w: World, call: Call) -> np.ndarray:
        kind, _ = w.platforms.offers()
        return np.ones(kind.size, dtype=bool)

    def select(self, w: World, call: Call, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask)  # the round lists national promotions first, then provincial, then applicants

    def request(self, w: World, call: Call, idx: np.ndarray) -> Ask:
        kind = w.platforms.offers()[0][idx]
        o = self.opt  # np.where rather than np.select: the same choice, without select's list handling
        wan = np.where(kind == 3, o.national_key_lab_wan, np.where(kind == 2, o.provincial_wan, o.municipal_wan))
        return Ask(wan * WAN)

    def effect(self, w: World, call: Call, grant: Grant) -> None:
        kind, ref = w.platforms.offers()
        w.platforms.receive_awards(w.firms, kind[grant.idx], ref[grant.idx], grant.paid)
